// The generator's rows for today's guidance (issue 13): route tables and NAT gateways of MI subnets, private DNS zones
// and their VNet links, flow logs, MI private endpoint connections and creation times. They must have the shapes
// Resource Graph and ARM give them (azure-rest-api-specs: RouteTable, NatGateway, VirtualNetworkLink, FlowLog,
// ManagedInstancePecProperty; ARM's resources list for createdTime), be read by the estate builder without a warning,
// and come in a real estate's proportions.
import { beforeAll, describe, expect, it } from "vitest";
import { generateEstateRows } from "../../dev/generate/estate-generator";
import { RESERVED_ZONE_NAMES } from "../../dev/generate/private-dns-rows";
import { EstateBuilder } from "../../src/model/build-estate";
import type { Estate } from "../../src/model/estate";
import { MALFORMED_ENTRY_CHECKS } from "../../src/net/malformed-entries";

type Row = Record<string, any>;
const ARM_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/;
const GLOBAL_PEERING_CUTOFF = Date.parse("2020-09-22T00:00:00Z");

let rows: Row[];
const ofType = (type: string) => rows.filter((row) => row["type"] === type);
const byId = new Map<string, Row>();
/** Lower-case subnet id → [subnet entry, its VNet row]. */
const subnets = new Map<string, [Row, Row]>();

beforeAll(() => {
  rows = [...generateEstateRows({ resources: 10_000, seed: 11 })];
  for (const row of rows) byId.set(String(row["id"]).toLowerCase(), row);
  for (const vnet of ofType("microsoft.network/virtualnetworks"))
    for (const subnet of vnet["properties"]["subnets"] as Row[])
      subnets.set(subnet["id"].toLowerCase(), [subnet, vnet]);
});

const miSubnets = () =>
  [...subnets.values()].filter(([subnet]) =>
    (subnet["properties"]["delegations"] as Row[]).some(
      (d) => d["properties"]["serviceName"] === "Microsoft.Sql/managedInstances",
    ),
  );

describe("generated rows of the new types have the documented shapes", () => {
  it("MI and VNet rows carry a top-level createdTime as ARM writes it; an MI is never older than its VNet", () => {
    for (const vnet of ofType("microsoft.network/virtualnetworks")) expect(vnet["createdTime"]).toMatch(ARM_TIME);
    for (const mi of ofType("microsoft.sql/managedinstances")) {
      expect(mi["createdTime"]).toMatch(ARM_TIME);
      const [, vnet] = subnets.get(mi["properties"]["subnetId"].toLowerCase())!;
      expect(Date.parse(mi["createdTime"])).toBeGreaterThan(Date.parse(vnet["createdTime"]));
    }
  });

  it("MI private endpoint connections are children of the MI with an endpoint id and a connection state", () => {
    for (const mi of ofType("microsoft.sql/managedinstances")) {
      const connections = mi["properties"]["privateEndpointConnections"] as Row[];
      expect(Array.isArray(connections)).toBe(true);
      for (const connection of connections) {
        expect(connection["id"].startsWith(`${mi["id"]}/privateEndpointConnections/`)).toBe(true);
        expect(connection["properties"]["privateEndpoint"]["id"]).toMatch(
          /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateEndpoints\/[^/]+$/,
        );
        expect(["Approved", "Pending", "Rejected"]).toContain(
          connection["properties"]["privateLinkServiceConnectionState"]["status"],
        );
        expect(Object.keys(connection["properties"]["privateLinkServiceConnectionState"]).sort()).toEqual([
          "actionsRequired",
          "description",
          "status",
        ]);
      }
    }
  });

  it("route tables and NAT gateways list the subnets that name them, and only those", () => {
    for (const type of ["microsoft.network/routetables", "microsoft.network/natgateways"]) {
      const field = type.endsWith("routetables") ? "routeTable" : "natGateway";
      const listed = ofType(type).flatMap((row) =>
        (row["properties"]["subnets"] as Row[]).map((s) => `${s["id"].toLowerCase()} ${row["id"].toLowerCase()}`),
      );
      const named = [...subnets.values()].flatMap(([subnet]) =>
        subnet["properties"][field] === undefined
          ? []
          : [`${subnet["id"].toLowerCase()} ${subnet["properties"][field]["id"].toLowerCase()}`],
      );
      expect(listed.length, type).toBeGreaterThan(0);
      expect(new Set(listed), type).toEqual(new Set(named));
    }
    for (const table of ofType("microsoft.network/routetables")) {
      const [subnet] = subnets.get(table["properties"]["subnets"][0]["id"].toLowerCase())!;
      // The platform's route to the subnet itself, whose prefix adds nothing to the VirtualNetwork tag.
      expect(table["properties"]["routes"]).toEqual([
        expect.objectContaining({
          name: "subnet-to-vnetlocal",
          properties: expect.objectContaining({
            addressPrefix: subnet["properties"]["addressPrefix"],
            nextHopType: "VnetLocal",
          }),
        }),
      ]);
    }
    for (const nat of ofType("microsoft.network/natgateways")) {
      const ip = byId.get(nat["properties"]["publicIpAddresses"][0]["id"].toLowerCase())!;
      expect(ip["properties"]["natGateway"]["id"]).toBe(nat["id"]);
    }
  });

  it("private DNS zone links are global children of a zone row that counts them, and link VNets of the estate", () => {
    const links = ofType("microsoft.network/privatednszones/virtualnetworklinks");
    const perZone = new Map<string, number>();
    for (const link of links) {
      const match = /^(.*\/providers\/Microsoft\.Network\/privateDnsZones\/[^/]+)\/virtualNetworkLinks\/[^/]+$/.exec(
        link["id"],
      );
      expect(match, link["id"]).not.toBeNull();
      perZone.set(match![1]!.toLowerCase(), (perZone.get(match![1]!.toLowerCase()) ?? 0) + 1);
      expect(link["location"]).toBe("global");
      expect(byId.get(link["properties"]["virtualNetwork"]["id"].toLowerCase())?.["type"]).toBe(
        "microsoft.network/virtualnetworks",
      );
      expect(link["properties"]).toEqual(
        expect.objectContaining({ virtualNetworkLinkState: "Completed", registrationEnabled: expect.any(Boolean) }),
      );
    }
    const zones = ofType("microsoft.network/privatednszones");
    expect(zones.map((zone) => zone["id"].toLowerCase()).sort()).toEqual([...perZone.keys()].sort());
    for (const zone of zones)
      expect(zone["properties"]["numberOfVirtualNetworkLinks"]).toBe(perZone.get(zone["id"].toLowerCase()));
  });

  it("flow logs live under their target's regional watcher and target a VNet, MI subnet or NSG of the estate", () => {
    const flowLogs = ofType("microsoft.network/networkwatchers/flowlogs");
    expect(flowLogs.length).toBeGreaterThan(0);
    for (const log of flowLogs) {
      const target = log["properties"]["targetResourceId"].toLowerCase();
      const owner = byId.get(target) ?? subnets.get(target)?.[1];
      expect(owner, target).toBeDefined();
      expect(log["location"]).toBe(owner!["location"]);
      expect(log["subscriptionId"]).toBe(owner!["subscriptionId"]);
      expect(log["id"]).toBe(
        `/subscriptions/${log["subscriptionId"]}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_${log["location"]}/flowLogs/${log["name"]}`,
      );
      expect(log["properties"]).toEqual(
        expect.objectContaining({
          enabled: expect.any(Boolean),
          storageId: expect.stringMatching(/\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/),
          retentionPolicy: { days: expect.any(Number), enabled: expect.any(Boolean) },
          format: { type: "JSON", version: 2 },
        }),
      );
    }
  });
});

describe("the estate builder reads them", () => {
  let estate: Estate;
  const warnings: string[] = [];
  beforeAll(() => {
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (m) => warnings.push(m) });
    rows.forEach((row, index) => builder.add(row, `row ${index}`));
    estate = builder.build();
  });

  it("without a warning, every link, flow log, creation time and connection list kept", () => {
    expect(warnings).toEqual([]);
    expect(estate.byKind.privateDnsZoneLink).toHaveLength(
      ofType("microsoft.network/privatednszones/virtualnetworklinks").length,
    );
    expect(estate.byKind.flowLog).toHaveLength(ofType("microsoft.network/networkwatchers/flowlogs").length);
    for (const mi of estate.byKind.managedInstance) {
      expect(mi.createdTime).toMatch(ARM_TIME);
      expect(mi.privateEndpointConnections).toBeDefined();
    }
    for (const vnet of estate.byKind.virtualNetwork) expect(vnet.createdTime).toMatch(ARM_TIME);
    const withNat = estate.byKind.subnet.filter((s) => s.natGatewayKey !== undefined);
    expect(withNat.length).toBe([...subnets.values()].filter(([subnet]) => subnet["properties"]["natGateway"]).length);
  });
});

describe("proportions of a real estate (10,000 rows)", () => {
  it("most MI subnets have a route table and are covered by an enabled VNet flow log; few have a NAT gateway", () => {
    const mis = miSubnets();
    const enabledTargets = new Set(
      ofType("microsoft.network/networkwatchers/flowlogs")
        .filter((log) => log["properties"]["enabled"] === true)
        .map((log) => log["properties"]["targetResourceId"].toLowerCase()),
    );
    const share = (test: (entry: [Row, Row]) => boolean) => mis.filter(test).length / mis.length;
    expect(mis.length).toBeGreaterThan(50);
    expect(share(([subnet]) => subnet["properties"]["routeTable"] !== undefined)).toBeGreaterThan(0.85);
    const covered = share(
      ([subnet, vnet]) =>
        enabledTargets.has(subnet["id"].toLowerCase()) || enabledTargets.has(vnet["id"].toLowerCase()),
    );
    expect(covered).toBeGreaterThan(0.6);
    expect(covered).toBeLessThan(1);
    const nat = share(([subnet]) => subnet["properties"]["natGateway"] !== undefined);
    expect(nat).toBeGreaterThan(0);
    expect(nat).toBeLessThan(0.1);
  });

  it("few MI VNets are linked to a zone of a reserved name; most MIs have no private endpoint connection", () => {
    const miVnets = new Set(miSubnets().map(([, vnet]) => vnet["id"].toLowerCase()));
    const reservedLinked = new Set(
      ofType("microsoft.network/privatednszones/virtualnetworklinks")
        .filter((link) => (RESERVED_ZONE_NAMES as readonly string[]).includes(link["id"].split("/")[8].toLowerCase()))
        .map((link) => link["properties"]["virtualNetwork"]["id"].toLowerCase()),
    );
    const reservedShare = [...miVnets].filter((id) => reservedLinked.has(id)).length / miVnets.size;
    expect(reservedShare).toBeGreaterThan(0);
    expect(reservedShare).toBeLessThan(0.1);
    const mis = ofType("microsoft.sql/managedinstances");
    const without = mis.filter((mi) => mi["properties"]["privateEndpointConnections"].length === 0).length;
    expect(without / mis.length).toBeGreaterThan(0.6);
    expect(without).toBeLessThan(mis.length);
  });

  it("about a third of MIs were created before 22 September 2020 (their subnets cannot use global peering)", () => {
    const legacy = ofType("microsoft.sql/managedinstances").filter(
      (mi) => Date.parse(mi["createdTime"]) < GLOBAL_PEERING_CUTOFF,
    );
    const share = legacy.length / ofType("microsoft.sql/managedinstances").length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.5);
  });
});
