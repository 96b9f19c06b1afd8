// The estate model of what connects networks: peering access, connections (VNet-to-VNet, site-to-site), local network
// gateways, route tables (and the subnets they serve, from either side), and NICs' ASG memberships.
import { describe, expect, it } from "vitest";
import { buildEstate } from "../../src/model/build-estate";
import { get } from "../../src/model/estate";
import { armKey } from "../../src/model/arm-id";
import { gatewayRow, ids, vnetRow, type Row } from "../support/rows";
import {
  asgNicRow,
  localNetworkGatewayRow,
  netIds,
  routeTableRow,
  siteToSiteRow,
  vnet2vnetRow,
  withPeering,
  withRouteTable,
} from "../rules/network-rows";

describe("peering access", () => {
  const access = (value: unknown) => {
    const row = vnetRow("vnet-a", ["10.1.0.0/16"], [], [{ name: "p", remote: ids.vnet("vnet-b") }]);
    if (value !== undefined) withPeering(row, "p", { allowVirtualNetworkAccess: value });
    const vnet = buildEstate([row]).byKind.virtualNetwork[0]!;
    return { allowed: vnet.peerings![0]!.allowVirtualNetworkAccess, issues: vnet.issues };
  };

  it("is true when the field is absent (Azure's default) and as written otherwise", () => {
    expect(access(undefined)).toEqual({ allowed: true, issues: [] });
    expect(access(true).allowed).toBe(true);
    expect(access(false).allowed).toBe(false);
    expect(access("false").allowed).toBe(false);
  });

  it("records a malformed value as a data issue and leaves the flag unknown (not Azure's default)", () => {
    expect(access(42).issues).toEqual([
      expect.objectContaining({ field: "properties.virtualNetworkPeerings[0].properties.allowVirtualNetworkAccess" }),
    ]);
    expect(access(42).allowed).toBeUndefined();
    expect(access("sometimes").allowed).toBeUndefined();
  });
});

describe("connections and sites", () => {
  const estate = buildEstate([
    vnet2vnetRow("v2v", ids.gateway("vgw-a").toUpperCase(), ids.gateway("vgw-b"), { connectionStatus: "Connected" }),
    siteToSiteRow("s2s", ids.gateway("vgw-a"), netIds.site("office").toUpperCase(), { enableBgp: true }),
    localNetworkGatewayRow("office", ["192.168.10.0/24"], { bgpSettings: { asn: 65010 } }),
    localNetworkGatewayRow("branch", ["192.168.20.0/24"]),
    gatewayRow("vgw-a", ids.vnet("vnet-a"), "Vpn"),
  ]);

  it("reads both gateways of a VNet-to-VNet connection, folded, and its status", () => {
    const v2v = estate.byKind.connection.find((c) => c.name === "v2v")!;
    expect(v2v).toMatchObject({
      connectionType: "Vnet2Vnet",
      gateway1Key: armKey(ids.gateway("vgw-a")),
      gateway2Key: armKey(ids.gateway("vgw-b")),
      connectionStatus: "Connected",
    });
    expect(estate.connectionsByGateway.get(armKey(ids.gateway("vgw-b")))).toEqual([v2v]);
  });

  it("reads the site of a site-to-site connection and whether BGP is on", () => {
    const s2s = estate.byKind.connection.find((c) => c.name === "s2s")!;
    expect(s2s).toMatchObject({
      connectionType: "IPsec",
      localNetworkGatewayKey: armKey(netIds.site("office")),
      enableBgp: true,
    });
    expect(get(estate, "localNetworkGateway", s2s.localNetworkGatewayKey)).toMatchObject({
      addressPrefixes: ["192.168.10.0/24"],
      bgpEnabled: true,
    });
    expect(estate.byKind.localNetworkGateway.find((g) => g.name === "branch")).toMatchObject({ bgpEnabled: false });
  });
});

describe("route tables", () => {
  it("reads routes and relates the table to its subnets from either side", () => {
    const estate = buildEstate([
      withRouteTable(
        vnetRow(
          "vnet-a",
          ["10.1.0.0/16"],
          [
            { name: "one", prefix: "10.1.0.0/24" },
            { name: "two", prefix: "10.1.1.0/24" },
          ],
        ),
        "one",
        netIds.routeTable("rt").toUpperCase(),
      ),
      routeTableRow(
        "rt",
        [
          ["0.0.0.0/0", "VirtualAppliance"],
          ["AzureCloud", "Internet"],
        ],
        [ids.subnet("vnet-a", "two")],
      ),
    ]);
    const table = estate.byKind.routeTable[0]!;
    expect(table.routes).toEqual([
      { name: "r0", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance" },
      { name: "r1", addressPrefix: "AzureCloud", nextHopType: "Internet" },
    ]);
    for (const name of ["one", "two"])
      expect(get(estate, "subnet", armKey(ids.subnet("vnet-a", name)))!.routeTableKey).toBe(table.key);
  });

  it("records routes it cannot read", () => {
    const row = routeTableRow("rt", [["10.0.0.0/8", "None"]]);
    ((row["properties"] as Row)["routes"] as unknown[]).push(null, {
      name: "no-prefix",
      properties: { nextHopType: "None" },
    });
    const table = buildEstate([row]).byKind.routeTable[0]!;
    expect(table.issues.map((issue) => issue.field)).toEqual([
      "properties.routes[1]",
      "properties.routes[2].properties.addressPrefix",
    ]);
  });
});

describe("NIC membership of application security groups", () => {
  it("keeps, per ASG, the addresses of the ip configurations that join it", () => {
    const row = asgNicRow("nic", ids.subnet("vnet-a", "snet"), "10.1.0.4", [
      netIds.asg("web").toUpperCase(),
      netIds.asg("ops"),
    ]);
    ((row["properties"] as Row)["ipConfigurations"] as Row[]).push({
      name: "ipconfig2",
      properties: { privateIPAddress: "10.1.0.5", applicationSecurityGroups: [{ id: netIds.asg("web") }] },
    });
    const nic = buildEstate([row]).byKind.networkInterface[0]!;
    expect(nic.applicationSecurityGroups).toEqual([
      { key: armKey(netIds.asg("web")), addresses: ["10.1.0.4", "10.1.0.5"] },
      { key: armKey(netIds.asg("ops")), addresses: ["10.1.0.4"] },
    ]);
    expect(nic.privateIpAddresses).toEqual(["10.1.0.4", "10.1.0.5"]);
  });

  it("marks a membership whose address is missing or malformed", () => {
    const missing = buildEstate([asgNicRow("nic", ids.subnet("vnet-a", "snet"), null, [netIds.asg("web")])]).byKind
      .networkInterface[0]!;
    expect(missing.applicationSecurityGroups[0]!.unreadable).toMatch(/privateIPAddress is missing/);
    const row = asgNicRow("nic", ids.subnet("vnet-a", "snet"), "x", [netIds.asg("web")]);
    (((row["properties"] as Row)["ipConfigurations"] as Row[])[0]!["properties"] as Row)["privateIPAddress"] = {
      v4: "10.1.0.4",
    };
    const malformed = buildEstate([row]).byKind.networkInterface[0]!;
    expect(malformed.applicationSecurityGroups[0]!.unreadable).toMatch(/privateIPAddress is malformed/);
  });

  it("shares one empty list across NICs that join no ASG", () => {
    const estate = buildEstate([
      asgNicRow("a", ids.subnet("v", "s"), "10.0.0.4", []),
      asgNicRow("b", ids.subnet("v", "s"), "10.0.0.5", []),
    ]);
    const [a, b] = estate.byKind.networkInterface;
    expect(a!.applicationSecurityGroups).toEqual([]);
    expect(a!.applicationSecurityGroups).toBe(b!.applicationSecurityGroups);
  });
});
