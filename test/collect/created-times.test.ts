// Creation times from ARM's resources list, through the real @azure/arm-resources client against the emulator: the
// values land on the MI and VNet rows, pages are followed, failures are retried, and a list that keeps failing
// becomes a coverage gap over the subscription's MIs (the run is then partial). Rows ARM does not list keep none.

import { describe, expect, it } from "vitest";
import { enrichFromArm } from "../../src/collect/arm-enrichment";
import { CreatedTimes } from "../../src/collect/created-times";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { runAudit } from "../../src/audit/run-audit";
import { ARM_CHILD_TYPES } from "../../src/model/arm-child-types";
import type { ResourceRow } from "../../src/model/row";
import { managedInstanceRow, subscriptionIds, type Row } from "../fixtures/collect/generate-estate";
import { emulatorPerTest, FAST_RETRY } from "./emulator-connection";

const [SUB_MI, SUB_NO_MI] = subscriptionIds(2) as [string, string];
const start = emulatorPerTest();

function vnetRow(subscription: string, index: number): Row {
  return {
    id: `/subscriptions/${subscription}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${index}`,
    name: `vnet-${index}`,
    type: "microsoft.network/virtualnetworks",
    location: "westeurope",
    subscriptionId: subscription,
    resourceGroup: "rg-net",
    tags: {},
    properties: { addressSpace: { addressPrefixes: [`10.${index}.0.0/16`] }, subnets: [], virtualNetworkPeerings: [] },
  };
}

const CREATED: Record<string, string> = {
  "mi-1": "2019-06-01T10:00:00.000Z",
  "mi-2": "2021-02-03T04:05:06.789Z",
  "vnet-1": "2018-12-24T00:00:00.000Z",
  "vnet-2": "2020-09-22T00:00:00.000Z",
  "vnet-3": "2022-01-01T12:00:00.000Z",
  "vnet-9": "2017-01-01T00:00:00.000Z",
};

/** Two MIs and three VNets in one subscription, one VNet in a subscription without MIs; every row has a time. */
function estateRows(): Row[] {
  return [
    managedInstanceRow(SUB_MI, 1),
    managedInstanceRow(SUB_MI, 2),
    vnetRow(SUB_MI, 1),
    vnetRow(SUB_MI, 2),
    vnetRow(SUB_MI, 3),
    vnetRow(SUB_NO_MI, 9),
  ].map((row) => ({ ...row, createdTime: CREATED[String(row["name"])] }));
}

/** The rows as Resource Graph hands them on: no createdTime, and a fresh copy per test (enrichment writes into them). */
const collectedRows = (): ResourceRow[] =>
  estateRows().map(({ createdTime: _dropped, ...row }) => structuredClone(row) as ResourceRow);
const byName = (rows: ResourceRow[], name: string) => rows.find((row) => row.name === name) as ResourceRow;
const listCalls = (log: string[]) => log.filter((entry) => /\/resources\?/.test(entry));
const arm = { azureADOnlyAuthentications: { [String(managedInstanceRow(SUB_MI, 1)["id"])]: true } };

describe("creation times from ARM", () => {
  it("land on the MI rows and the VNets beside them, with filledFromArm, one list per subscription and type", async () => {
    const { emulator, connection } = await start({ estate: { data: estateRows(), arm } });
    const rows = collectedRows();
    const stats = await enrichFromArm(rows, { connection });

    for (const name of ["mi-1", "mi-2", "vnet-1", "vnet-2", "vnet-3"]) {
      expect(byName(rows, name).createdTime).toBe(CREATED[name]);
      expect(byName(rows, name).enrichment?.["filledFromArm"]).toContain("createdTime");
    }
    // No MI in that subscription: its VNets' creation times decide nothing, and its VNet list is never asked for.
    expect(byName(rows, "vnet-9").createdTime).toBeUndefined();
    expect(listCalls(emulator.stats.armLog).sort()).toEqual(
      [
        `/subscriptions/${SUB_MI}/resources?$filter=resourceType eq 'Microsoft.Network/virtualNetworks'&$expand=createdTime`,
        `/subscriptions/${SUB_MI}/resources?$filter=resourceType eq 'Microsoft.Sql/managedInstances'&$expand=createdTime`,
        `/subscriptions/${SUB_NO_MI}/resources?$filter=resourceType eq 'Microsoft.Sql/managedInstances'&$expand=createdTime`,
      ].sort(),
    );
    expect(stats).toMatchObject({ createdTimeLists: 3, createdTimePages: 3, createdTimesFilled: 5, failures: 0 });
  });

  it("follows nextLink through every page", async () => {
    const { emulator, connection } = await start({ estate: { data: estateRows(), arm }, armPageSize: 1 });
    const rows = collectedRows();
    const stats = await enrichFromArm(rows, { connection });

    expect(["mi-1", "mi-2", "vnet-1", "vnet-2", "vnet-3"].map((name) => byName(rows, name).createdTime)).toEqual(
      ["mi-1", "mi-2", "vnet-1", "vnet-2", "vnet-3"].map((name) => CREATED[name]),
    );
    // Pages of one item: 2 MIs and 3 VNets in one subscription, and the empty MI list of the other.
    expect(stats).toMatchObject({ createdTimeLists: 3, createdTimePages: 6 });
    expect(listCalls(emulator.stats.armLog).filter((entry) => entry.includes("$skiptoken="))).toHaveLength(3);
  });

  it("shares the lists between pages of one collection: a later page asks nothing again", async () => {
    const { emulator, connection } = await start({ estate: { data: estateRows(), arm } });
    const rows = collectedRows();
    const createdTimes = new CreatedTimes(connection);
    await enrichFromArm(rows.slice(2), { connection, createdTimes });
    const before = listCalls(emulator.stats.armLog).length;
    await enrichFromArm(rows.slice(0, 2), { connection, createdTimes });

    expect(listCalls(emulator.stats.armLog)).toHaveLength(before);
    expect(byName(rows, "mi-2").createdTime).toBe(CREATED["mi-2"]);
    expect(byName(rows, "vnet-3").createdTime).toBe(CREATED["vnet-3"]);
  });

  it.each([
    ["a 500", "error:status=500,times=2,match=Microsoft.Sql/managedInstances", 2],
    ["a 429 (after its Retry-After)", "error:status=429,times=1,match=Microsoft.Network/virtualNetworks", 1],
    ["a dropped connection on a later page", "drop:times=1,match=$skiptoken", 1],
  ])("retries %s and fills the rows", async (_what, faults, retries) => {
    const { connection } = await start({ estate: { data: estateRows(), arm }, faults, armPageSize: 2 });
    const rows = collectedRows();
    const stats = await enrichFromArm(rows.slice(0, 5), { connection, retry: FAST_RETRY });

    expect(stats.failures).toBe(0);
    expect(stats.retries).toBe(retries);
    expect(byName(rows, "mi-1").createdTime).toBe(CREATED["mi-1"]);
    expect(byName(rows, "vnet-3").createdTime).toBe(CREATED["vnet-3"]);
  });

  it("leaves a row ARM does not list without a creation time, with a note", async () => {
    const { connection } = await start({ estate: { data: estateRows(), arm } });
    const stranger = managedInstanceRow(SUB_MI, 7) as ResourceRow;
    const rows = [...collectedRows(), stranger];
    await enrichFromArm(rows, { connection });

    expect(stranger.createdTime).toBeUndefined();
    expect(stranger.enrichment?.["filledFromArm"]).toBeUndefined();
    expect(stranger.enrichment?.["notes"]).toContainEqual(
      expect.stringMatching(/^ARM's resources list of subscription .* does not list this resource/),
    );
    expect(byName(rows, "mi-1").createdTime).toBe(CREATED["mi-1"]);
  });

  it("a VNet list that keeps failing: noted on the rows, a coverage gap over the subscription's MIs, the run partial", async () => {
    const { connection } = await start({
      estate: { data: estateRows(), arm },
      faults: "error:status=500,target=arm,match=Microsoft.Network/virtualNetworks",
    });
    const settings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
    const audit = await runAudit(new ResourceGraphSource({ connection, retry: FAST_RETRY }), settings);

    expect(audit.run.status).toBe("partial");
    const gaps = audit.run.coverageGaps.filter((gap) => gap.types.includes(ARM_CHILD_TYPES.createdTime));
    expect(gaps).toEqual([
      {
        types: [ARM_CHILD_TYPES.createdTime],
        subscriptionIds: [SUB_MI],
        resourceIds: expect.any(Array),
        reason: expect.stringMatching(
          /^ARM read of creation times .* failed for 2 resource\(s\): mi-\d, mi-\d \(HTTP 500/,
        ),
      },
    ]);
    expect(gaps[0]?.resourceIds?.map((id) => id.toLowerCase()).sort()).toEqual(
      [managedInstanceRow(SUB_MI, 1)["id"], managedInstanceRow(SUB_MI, 2)["id"]].map((id) => String(id).toLowerCase()),
    );
    expect(audit.run.coverageGaps).toHaveLength(1);
  });

  it("a failed list is noted on every row that needed it, and reported as a failed read for the MIs only", async () => {
    const { connection } = await start({
      estate: { data: estateRows(), arm },
      faults: "error:status=503,target=arm,match=Microsoft.Network/virtualNetworks",
    });
    const rows = collectedRows();
    const failed: string[] = [];
    await enrichFromArm(rows, {
      connection,
      retry: FAST_RETRY,
      onFailedRead: (read) => failed.push(read.resourceName),
    });

    for (const name of ["mi-1", "mi-2", "vnet-1", "vnet-2", "vnet-3"]) {
      expect(byName(rows, name).enrichment?.["errors"]).toEqual([
        { field: "createdTime", reason: expect.stringMatching(/^HTTP 503 .*after 5 attempts\)$/) },
      ]);
    }
    // The MI list itself was read: MIs keep no time only because their verdict needs the VNets' too.
    expect(byName(rows, "mi-1").createdTime).toBeUndefined();
    expect(failed.sort()).toEqual(["mi-1", "mi-2"]);
  });
});
