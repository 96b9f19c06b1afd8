// Issue 13's types through the live path: private DNS zone links, flow logs, an MI's private endpoint connections and a
// subnet's NAT gateway come from Resource Graph exactly as the estate file holds them; creation times come from ARM.
// A snapshot written from a live collection keeps the creation times, so it gives the live run's verdicts.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAudit } from "../../src/audit/run-audit";
import type { RowSink } from "../../src/audit/resource-source";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { collectFromResourceGraph } from "../../src/collect/resource-graph-source";
import type { Finding } from "../../src/engine/finding";
import type { Json } from "../../src/model/field-reader";
import { AUDITED_TYPES, type ResourceRow } from "../../src/model/row";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { subscriptionIds, type Row } from "../fixtures/collect/generate-estate";
import { emulatorPerTest, rowCollector } from "./emulator-connection";

const [SUB, OTHER] = subscriptionIds(2) as [string, string];
const RG = `/subscriptions/${SUB}/resourceGroups/rg-net/providers`;
const VNET_ID = `${RG}/Microsoft.Network/virtualNetworks/vnet-mi`;
const REMOTE_ID = `${RG}/Microsoft.Network/virtualNetworks/vnet-remote`;
const MI_ID = `/subscriptions/${SUB}/resourceGroups/rg-sql/providers/Microsoft.Sql/managedInstances/mi-legacy`;
const peering = (from: string, to: string) => ({
  id: `${from}/virtualNetworkPeerings/to-${to.split("/").pop()}`,
  name: `to-${to.split("/").pop()}`,
  properties: { remoteVirtualNetwork: { id: to }, peeringState: "Connected", allowForwardedTraffic: false },
});
const envelope = (id: string, name: string, type: string, location = "westeurope"): Row => ({
  id,
  name,
  type,
  location,
  subscriptionId: SUB,
  resourceGroup: id.split("/")[4],
  tags: {},
});

/** Rows holding exactly what the queries project, so that a collected row can equal its estate row. */
function estateRows(): Row[] {
  return [
    {
      ...envelope(MI_ID, "mi-legacy", AUDITED_TYPES.managedInstance),
      properties: {
        subnetId: `${VNET_ID}/subnets/snet-mi`,
        publicDataEndpointEnabled: false,
        minimalTlsVersion: "1.2",
        proxyOverride: "Redirect",
        privateEndpointConnections: [
          {
            id: `${MI_ID}/privateEndpointConnections/pe-partner`,
            properties: {
              privateEndpoint: {
                id: `/subscriptions/${OTHER}/resourceGroups/rg-p/providers/Microsoft.Network/privateEndpoints/pe-partner`,
              },
              privateLinkServiceConnectionState: { status: "Approved", description: "ok", actionsRequired: "None" },
              provisioningState: "Ready",
            },
          },
        ],
      },
      createdTime: "2019-05-06T07:08:09.1234567Z",
    },
    {
      ...envelope(VNET_ID, "vnet-mi", AUDITED_TYPES.virtualNetwork),
      properties: {
        addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
        subnets: [
          {
            id: `${VNET_ID}/subnets/snet-mi`,
            name: "snet-mi",
            properties: {
              addressPrefix: "10.20.0.0/24",
              natGateway: { id: `${RG}/Microsoft.Network/natGateways/nat-1` },
              delegations: [{ name: "mi", properties: { serviceName: "Microsoft.Sql/managedInstances" } }],
            },
          },
        ],
        // Across regions: the legacy-subnet rule then turns on both creation times.
        virtualNetworkPeerings: [peering(VNET_ID, REMOTE_ID)],
      },
      createdTime: "2018-01-02T03:04:05Z",
    },
    {
      ...envelope(REMOTE_ID, "vnet-remote", AUDITED_TYPES.virtualNetwork, "northeurope"),
      properties: {
        addressSpace: { addressPrefixes: ["10.30.0.0/16"] },
        subnets: [],
        virtualNetworkPeerings: [peering(REMOTE_ID, VNET_ID)],
      },
      createdTime: "2023-04-05T06:07:08Z",
    },
    {
      ...envelope(
        `${RG}/Microsoft.Network/privateDnsZones/privatelink.database.windows.net/virtualNetworkLinks/link-mi`,
        "link-mi",
        AUDITED_TYPES.privateDnsZoneLink,
        "global",
      ),
      properties: { virtualNetwork: { id: VNET_ID }, registrationEnabled: false, virtualNetworkLinkState: "Completed" },
    },
    {
      ...envelope(
        `/subscriptions/${SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope/flowLogs/fl-vnet`,
        "fl-vnet",
        AUDITED_TYPES.flowLog,
      ),
      properties: { targetResourceId: VNET_ID, enabled: true, retentionPolicy: { days: 30, enabled: true } },
    },
  ];
}

const start = emulatorPerTest();
const withoutCreatedTime = ({ createdTime: _dropped, ...row }: Row) => row;
const verdicts = (findings: Finding[]) => findings.map((f) => `${f.ruleId} ${f.resourceName} ${f.status}`).sort();

/** A sink that keeps the rows as the collection hands them on: what a snapshot written from it would hold. */
function recordingSink(): RowSink & { rows: Json[] } {
  const rows: Json[] = [];
  return { rows, add: (row) => rows.push(row), addCoverageGap: () => undefined };
}

describe("issue 13's types, collected live", () => {
  it("come from Resource Graph equal to the estate file's rows, creation times aside", async () => {
    const { connection } = await start({ estate: { data: estateRows() } });
    const collected = rowCollector();
    const result = await collectFromResourceGraph(collected.sink, { connection });

    expect(result.gaps).toEqual([]);
    const byId = new Map(collected.rows.map((row) => [String(row.id), row]));
    for (const row of estateRows())
      expect(byId.get(String(row["id"])), String(row["name"])).toEqual(withoutCreatedTime(row));
    expect(result.stats.rowsByType).toMatchObject({
      [AUDITED_TYPES.privateDnsZoneLink]: 1,
      [AUDITED_TYPES.flowLog]: 1,
    });
  });

  it("a snapshot written from a live collection keeps the creation times and gives the live run's verdicts", async () => {
    const { connection } = await start({ estate: { data: estateRows() } });
    const settings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
    const live = await runAudit(new ResourceGraphSource({ connection }), settings);
    const sink = recordingSink();
    await new ResourceGraphSource({ connection }).collect(sink);

    const written = sink.rows as ResourceRow[];
    const createdTimes = new Map(written.map((row) => [String(row.name), row.createdTime]));
    expect(Object.fromEntries(createdTimes)).toEqual({
      "mi-legacy": "2019-05-06T07:08:09.123Z",
      "vnet-mi": "2018-01-02T03:04:05.000Z",
      "vnet-remote": "2023-04-05T06:07:08.000Z",
      "link-mi": undefined,
      "fl-vnet": undefined,
    });
    const directory = mkdtempSync(join(tmpdir(), "mi-audit-live-snapshot-"));
    try {
      const file = join(directory, "snapshot.json");
      writeFileSync(file, JSON.stringify({ data: written }));
      const snapshot = await runAudit(new SnapshotSource([file]), settings);
      expect(live.run.status).toBe("completed");
      expect(verdicts(snapshot.findings)).toEqual(verdicts(live.findings));
      // The estate file itself, audited as a snapshot, agrees too; its times keep ARM's seven fractional digits.
      writeFileSync(file, JSON.stringify({ data: estateRows() }));
      const fromFile = await runAudit(new SnapshotSource([file]), settings);
      expect(verdicts(fromFile.findings)).toEqual(verdicts(live.findings));
      // The verdict that needs the creation times: an MI created in 2019, peered across regions.
      const legacy = (findings: Finding[]) =>
        findings.find((f) => f.ruleId === "mi.peering.global-legacy-subnet" && f.resourceName === "mi-legacy")?.status;
      expect(legacy(live.findings)).toBe("fail");
      const graphOnly = await runAudit(new ResourceGraphSource({ connection, enrichment: false }), settings);
      expect(legacy(graphOnly.findings)).toBe("unknown");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("counts the subscriptions listed in scope as audited, even with nothing audited in them", async () => {
    // The partner's private endpoint lives in OTHER, which holds no audited resource. Listed in the tenant, OTHER is
    // inside the audit (pass); a snapshot knows only the subscriptions its rows name, so there it is outside (fail).
    const { connection } = await start({ estate: { data: estateRows(), subscriptions: [SUB, OTHER] } });
    const settings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
    const status = (findings: Finding[]) =>
      findings.find((f) => f.ruleId === "mi.private-endpoint.connections" && f.resourceName === "mi-legacy")?.status;
    const live = await runAudit(new ResourceGraphSource({ connection }), settings);
    expect(status(live.findings)).toBe("pass");
    const scoped = await runAudit(new ResourceGraphSource({ connection, scope: { subscriptions: [SUB] } }), settings);
    expect(status(scoped.findings)).toBe("fail");
    const directory = mkdtempSync(join(tmpdir(), "mi-audit-scope-"));
    try {
      const file = join(directory, "snapshot.json");
      writeFileSync(file, JSON.stringify({ data: estateRows() }));
      expect(status((await runAudit(new SnapshotSource([file]), settings)).findings)).toBe("fail");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
