// ARM enrichment against the emulator, through the real SQL and Network SDK clients.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { enrichFromArm, toWireShape } from "../../src/collect/arm-enrichment";
import { CollectionConfigError } from "../../src/collect/collection-config";
import type { ResourceRow } from "../../src/model/row";
import { managedInstanceRow, subscriptionIds } from "../fixtures/collect/generate-estate";
import { emulatorPerTest, FAST_RETRY } from "./emulator-connection";

const SMALL_ESTATE_TEXT = readFileSync("test/fixtures/collect/small-estate.json", "utf8");
const estateDocument = () => JSON.parse(SMALL_ESTATE_TEXT) as { data: ResourceRow[]; arm: any };
/** The rows as the collector hands them on: a fresh copy per test, since enrichment writes into them. */
const freshRows = () => estateDocument().data;
const byName = (rows: ResourceRow[], name: string) => rows.find((row) => row.name === name) as ResourceRow;
const props = (row: ResourceRow) => row.properties as Record<string, unknown>;

const start = emulatorPerTest();

describe("enrichFromArm", () => {
  it("takes Entra-only authentication from the azureADOnlyAuthentications child, over the snapshot's administrators", async () => {
    const { connection } = await start({ estate: estateDocument() });
    const rows = freshRows();
    expect((props(byName(rows, "mi-prod"))["administrators"] as any).azureADOnlyAuthentication).toBe(false);
    const stats = await enrichFromArm(rows, { connection });

    expect(byName(rows, "mi-prod").enrichment?.azureADOnlyAuthentication).toBe(true);
    expect(byName(rows, "mi-prod").enrichment?.["errors"]).toBeUndefined();
    expect(stats).toMatchObject({ managedInstances: 2, failures: 0 });
  });

  it("reads a missing child (404) as not enabled, with a note", async () => {
    const { connection } = await start({ estate: estateDocument() });
    const rows = freshRows();
    await enrichFromArm(rows, { connection });

    const enrichment = byName(rows, "mi-dev").enrichment as any;
    expect(enrichment.azureADOnlyAuthentication).toBe(false);
    expect(enrichment.notes).toContainEqual(
      expect.stringMatching(/^azureADOnlyAuthentications\/Default does not exist \(HTTP 404 ResourceNotFound/),
    );
    expect(enrichment.errors).toBeUndefined();
  });

  it("fills peerings a VNet or circuit row lacks, in the Resource Graph shape, and leaves present arrays alone", async () => {
    const document = estateDocument();
    const { emulator, connection } = await start({ estate: document });
    const rows = freshRows();
    const hubPeerings = props(byName(rows, "vnet-hub"))["virtualNetworkPeerings"];
    expect(props(byName(rows, "vnet-spoke"))).not.toHaveProperty("virtualNetworkPeerings");
    const stats = await enrichFromArm(rows, { connection });

    const spoke = byName(rows, "vnet-spoke");
    const spokeId = String(spoke.id);
    expect(props(spoke)["virtualNetworkPeerings"]).toEqual(document.arm.virtualNetworkPeerings[spokeId]);
    expect(spoke.enrichment?.["filledFromArm"]).toEqual(["properties.virtualNetworkPeerings"]);
    expect(spoke.enrichment?.["errors"]).toBeUndefined();
    const circuit = byName(rows, "er-circuit");
    expect(props(circuit)["peerings"]).toEqual(document.arm.expressRouteCircuitPeerings[String(circuit.id)]);
    expect(props(byName(rows, "vnet-hub"))["virtualNetworkPeerings"]).toBe(hubPeerings);
    expect(stats).toMatchObject({ virtualNetworksFilled: 1, circuitsFilled: 1 });
    // Two MIs, one VNet, one circuit: nothing asked for the VNets that already had peerings. (The creation-time lists
    // come on top: created-times.test.ts.)
    const childReads = emulator.stats.armLog.filter((entry) => !entry.includes("/resources?"));
    expect(childReads).toHaveLength(4);
    expect(childReads.some((path) => path.includes("vnet-hub"))).toBe(false);
  });

  it("notes a read that keeps failing on its row and carries on with the others", async () => {
    const { connection } = await start({
      estate: estateDocument(),
      faults: "error:status=500,match=mi-prod/azureadonlyauthentications;drop:match=vnet-spoke/virtualnetworkpeerings",
    });
    const rows = freshRows();
    const stats = await enrichFromArm(rows, { connection, retry: FAST_RETRY });

    const miProd = byName(rows, "mi-prod").enrichment as any;
    expect(miProd.azureADOnlyAuthentication).toEqual({
      error: expect.stringMatching(/^HTTP 500 .*after 5 attempts\)$/),
    });
    expect(miProd.errors).toEqual([
      { field: "azureADOnlyAuthentications/Default", reason: miProd.azureADOnlyAuthentication.error },
    ]);
    const spoke = byName(rows, "vnet-spoke");
    expect(props(spoke)).not.toHaveProperty("virtualNetworkPeerings");
    expect((spoke.enrichment as any).errors).toEqual([
      { field: "properties.virtualNetworkPeerings", reason: expect.stringMatching(/^network error/) },
    ]);
    expect(byName(rows, "mi-dev").enrichment?.azureADOnlyAuthentication).toBe(false);
    expect(props(byName(rows, "er-circuit"))["peerings"]).toHaveLength(1);
    expect(stats).toMatchObject({ failures: 2, retries: 8 });
  });

  it("recovers from transient failures within the retry policy", async () => {
    const { emulator, connection } = await start({
      estate: estateDocument(),
      faults: "error:status=503,times=2;drop:times=2",
    });
    const rows = freshRows();
    const stats = await enrichFromArm(rows, { connection, retry: FAST_RETRY, concurrency: 1 });

    expect(stats.failures).toBe(0);
    // All four faults hit the first call; FAST_RETRY allows four retries, so its fifth attempt succeeds.
    expect(stats.retries).toBe(4);
    expect(emulator.stats.faults).toMatchObject({ error: 2, drop: 2 });
    expect(byName(rows, "mi-prod").enrichment?.azureADOnlyAuthentication).toBe(true);
  });

  it("notes a row whose id is not an ARM resource id", async () => {
    const { emulator, connection } = await start({ estate: estateDocument() });
    const row: ResourceRow = { id: "mi-without-a-path", type: "microsoft.sql/managedinstances", properties: {} };
    await enrichFromArm([row], { connection });

    expect(row.enrichment?.azureADOnlyAuthentication).toEqual({
      error: 'the row id "mi-without-a-path" is not an ARM resource id',
    });
    expect(emulator.stats.armRequests).toBe(0);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    const subscriptions = subscriptionIds(2);
    const data = Array.from({ length: 12 }, (_, index) => managedInstanceRow(subscriptions[index % 2]!, index));
    const document = {
      data,
      arm: { azureADOnlyAuthentications: Object.fromEntries(data.map((row) => [row["id"], true])) },
    };
    const { emulator, connection } = await start({ estate: document, faults: "latency:ms=60" });
    const rows = data.map((row) => ({ ...row })) as ResourceRow[];
    const started = Date.now();
    await enrichFromArm(rows, { connection, concurrency: 3 });

    expect(rows.every((row) => row.enrichment?.azureADOnlyAuthentication === true)).toBe(true);
    expect(emulator.stats.maxInFlight).toBe(3);
    // 12 child reads (and 4 lists), 3 at a time, 60 ms each: at least 4 rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 60);
    await expect(enrichFromArm(rows, { connection, concurrency: 0 })).rejects.toBeInstanceOf(CollectionConfigError);
  });
});

describe("toWireShape", () => {
  it("nests the SDK's flattened properties back under properties, sub-resources included", () => {
    const flattened = {
      name: "AzurePrivatePeering",
      id: "/x/peerings/AzurePrivatePeering",
      etag: 'W/"1"',
      peeringType: "AzurePrivatePeering",
      state: "Enabled",
      vlanId: undefined,
      connections: [{ name: "c1", id: "/x/connections/c1", circuitConnectionStatus: "Connected" }],
    };
    expect(toWireShape(flattened, ["connections"])).toEqual({
      name: "AzurePrivatePeering",
      id: "/x/peerings/AzurePrivatePeering",
      etag: 'W/"1"',
      properties: {
        peeringType: "AzurePrivatePeering",
        state: "Enabled",
        connections: [{ name: "c1", id: "/x/connections/c1", properties: { circuitConnectionStatus: "Connected" } }],
      },
    });
  });
});
