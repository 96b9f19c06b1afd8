// The live ResourceSource end to end: emulator → Resource Graph SDK → ARM enrichment → the estate builder.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { EstateBuilder } from "../../src/model/build-estate";
import { AUDITED_TYPES } from "../../src/model/row";
import { emulatorPerTest, FAST_RETRY } from "./emulator-connection";

const estateDocument = () => JSON.parse(readFileSync("test/fixtures/collect/small-estate.json", "utf8"));

const start = emulatorPerTest();

async function audit(options: { faults?: string; enrichment?: false }) {
  const { emulator, connection } = await start({ estate: estateDocument(), faults: options.faults });
  const source = new ResourceGraphSource({ connection, retry: FAST_RETRY, enrichment: options.enrichment });
  const builder = new EstateBuilder();
  const outcome = await source.collect(builder);
  for (const gap of outcome.gaps) builder.addCoverageGap(gap);
  return { estate: builder.build(), outcome, source, emulator };
}

describe("ResourceGraphSource", () => {
  it("builds an estate whose Entra-only setting and peerings come from ARM", async () => {
    const { estate, outcome, source, emulator } = await audit({});
    const byName = <T extends { name: string }>(list: T[], name: string) => list.find((item) => item.name === name);

    expect(byName(estate.byKind.managedInstance, "mi-prod")).toMatchObject({
      entraOnlyAuthentication: true,
      entraOnlySource: "azureADOnlyAuthentications",
    });
    expect(byName(estate.byKind.managedInstance, "mi-dev")).toMatchObject({
      entraOnlyAuthentication: false,
      entraOnlySource: "azureADOnlyAuthentications",
    });
    expect(byName(estate.byKind.virtualNetwork, "vnet-spoke")?.peerings?.map((peering) => peering.name)).toEqual([
      "spoke-to-hub",
    ]);
    expect(byName(estate.byKind.expressRouteCircuit, "er-circuit")?.peerings).toEqual([
      { name: "AzurePrivatePeering", peeringType: "AzurePrivatePeering", state: "Enabled" },
    ]);
    expect(estate.coverageGaps).toEqual([]);
    expect(outcome.stats).toMatchObject({
      scopeMode: "tenantSubscriptions",
      enrichment: { managedInstances: 2, virtualNetworksFilled: 1, circuitsFilled: 1, failures: 0 },
    });
    expect(source.describe()).toEqual({
      kind: "resourceGraph",
      subscriptions: undefined,
      managementGroups: undefined,
      endpoint: emulator.url,
    });
  });

  it("hands on rows unenriched when enrichment is off, and passes gaps on", async () => {
    const { estate, emulator } = await audit({ enrichment: false, faults: "error:match=publicipaddresses" });

    expect(emulator.stats.armRequests).toBe(0);
    expect(estate.byKind.managedInstance.find((mi) => mi.name === "mi-prod")).toMatchObject({
      entraOnlyAuthentication: false,
      entraOnlySource: "administrators",
    });
    expect(estate.byKind.virtualNetwork.find((vnet) => vnet.name === "vnet-spoke")?.peerings).toBeUndefined();
    expect(estate.coverageGaps.map((gap) => gap.types)).toEqual([
      [AUDITED_TYPES.publicIpAddress, AUDITED_TYPES.publicIpPrefix],
    ]);
  });
});
