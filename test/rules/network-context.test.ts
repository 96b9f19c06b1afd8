// What the VirtualNetwork tag holds, which VNets reach each other, and who is in an ASG, from Microsoft's documented
// semantics: the service-tag page (VNet space, peered VNets, VNets connected to the gateway, connected on-premises
// spaces, the host VIP, user-defined route prefixes), the peering page (access disabled takes the peered VNet out of
// the tag), gateway transit (the hub gateway's connections apply to the spokes that use it), and the ASG page
// (members are NICs' ip configurations).
import { describe, expect, it } from "vitest";
import { EstateBuilder, buildEstate } from "../../src/model/build-estate";
import { get, type CoverageGap, type Estate } from "../../src/model/estate";
import { armKey } from "../../src/model/arm-id";
import { applicationSecurityGroupMembers, reachableVnets, virtualNetworkTag } from "../../src/rules/network-context";
import { SUB2, circuitRow, connectionRow, gatewayRow, ids, nicRow, vnetRow, type Row } from "../support/rows";
import {
  asgNicRow,
  localNetworkGatewayRow,
  netIds,
  routeTableRow,
  siteToSiteRow,
  vnet2vnetRow,
  withPeering,
  withRouteTable,
} from "./network-rows";

const vnetOf = (estate: Estate, name: string) => estate.byKind.virtualNetwork.find((v) => v.name === name)!;
const tagOf = (rows: Row[], name: string) => {
  const estate = buildEstate(rows);
  return virtualNetworkTag(vnetOf(estate, name), estate);
};
const reachableNames = (rows: Row[], name: string) => {
  const estate = buildEstate(rows);
  return reachableVnets(vnetOf(estate, name), estate)
    .map((v) => v.name)
    .sort();
};

/** vnet-a (10.1/16) and vnet-b (10.2/16) peered both ways; `a` and `b` set flags on each side. */
function peeredPair(a: Row = {}, b: Row = {}): Row[] {
  return [
    withPeering(
      vnetRow(
        "vnet-a",
        ["10.1.0.0/16"],
        [{ name: "snet", prefix: "10.1.0.0/24" }],
        [{ name: "a-to-b", remote: ids.vnet("vnet-b"), remotePrefixes: ["10.2.0.0/16"] }],
      ),
      "a-to-b",
      a,
    ),
    withPeering(
      vnetRow(
        "vnet-b",
        ["10.2.0.0/16"],
        [{ name: "snet", prefix: "10.2.0.0/24" }],
        [{ name: "b-to-a", remote: ids.vnet("vnet-a"), remotePrefixes: ["10.1.0.0/16"] }],
      ),
      "b-to-a",
      b,
    ),
  ];
}

describe("VirtualNetwork tag: peerings", () => {
  it("holds the VNet's own space, the host's virtual IP and a peered VNet that allows access", () => {
    expect(tagOf(peeredPair(), "vnet-a").prefixes.sort()).toEqual(["10.1.0.0/16", "10.2.0.0/16", "168.63.129.16/32"]);
  });

  it("treats an absent allowVirtualNetworkAccess as Azure's default, true", () => {
    const rows = peeredPair();
    expect(JSON.stringify(rows)).not.toContain("allowVirtualNetworkAccess");
    expect(tagOf(rows, "vnet-a").prefixes).toContain("10.2.0.0/16");
  });

  it("leaves out a peered VNet when this side's peering disallows access", () => {
    expect(tagOf(peeredPair({ allowVirtualNetworkAccess: false }), "vnet-a").prefixes).not.toContain("10.2.0.0/16");
    // The other side's tag follows its own peering.
    expect(tagOf(peeredPair({ allowVirtualNetworkAccess: false }), "vnet-b").prefixes).toContain("10.1.0.0/16");
  });

  it("an unreadable allowVirtualNetworkAccess leaves the peered space out of the tag (untrusted: a finding at worst) and says so, but still counts as a path", () => {
    const rows = peeredPair({ allowVirtualNetworkAccess: "sometimes" });
    const tag = tagOf(rows, "vnet-a");
    expect(tag.prefixes).not.toContain("10.2.0.0/16");
    expect(tag.notes.join("\n")).toContain("allowVirtualNetworkAccess of peering a-to-b could not be read");
    // Reachability keeps the path, so the app-side rules check the traffic instead of calling it notApplicable.
    expect(reachableNames(rows, "vnet-a")).toEqual(["vnet-a", "vnet-b"]);
  });

  it("leaves out a peering that is not Connected", () => {
    expect(tagOf(peeredPair({ peeringState: "Initiated" }), "vnet-a").prefixes).not.toContain("10.2.0.0/16");
  });

  it("takes the remote space from the peering when the remote VNet is not in the estate", () => {
    const rows = [
      vnetRow("vnet-a", ["10.1.0.0/16"], [], [{ remote: ids.vnet("vnet-x", SUB2), remotePrefixes: ["10.9.0.0/16"] }]),
    ];
    expect(tagOf(rows, "vnet-a").prefixes).toContain("10.9.0.0/16");
  });
});

describe("VirtualNetwork tag and paths: gateways", () => {
  const hubWithSite = (spokeUsesGateway: boolean, hubAllowsTransit = true, bgp = false): Row[] => [
    vnetRow(
      "hub",
      ["10.0.0.0/16"],
      [{ name: "GatewaySubnet", prefix: "10.0.255.0/27" }],
      [{ name: "hub-to-spoke", remote: ids.vnet("spoke"), allowGatewayTransit: hubAllowsTransit }],
    ),
    vnetRow(
      "spoke",
      ["10.5.0.0/16"],
      [{ name: "snet", prefix: "10.5.0.0/24" }],
      [{ name: "spoke-to-hub", remote: ids.vnet("hub"), useRemoteGateways: spokeUsesGateway }],
    ),
    gatewayRow("vgw-hub", ids.vnet("hub"), "Vpn"),
    localNetworkGatewayRow(
      "site-office",
      ["192.168.10.0/24", "198.51.100.0/24"],
      bgp ? { bgpSettings: { asn: 65010, bgpPeeringAddress: "192.168.10.1" } } : {},
    ),
    siteToSiteRow("s2s-office", ids.gateway("vgw-hub"), netIds.site("site-office")),
  ];

  it("holds the on-premises ranges of a site-to-site connection of the VNet's gateway", () => {
    expect(tagOf(hubWithSite(false), "hub").prefixes).toEqual(
      expect.arrayContaining(["192.168.10.0/24", "198.51.100.0/24"]),
    );
  });

  it("holds them in a spoke that uses the hub's gateway, and not in one that does not", () => {
    expect(tagOf(hubWithSite(true), "spoke").prefixes).toEqual(
      expect.arrayContaining(["10.0.0.0/16", "198.51.100.0/24"]),
    );
    expect(tagOf(hubWithSite(false), "spoke").prefixes).not.toContain("198.51.100.0/24");
    // useRemoteGateways needs allowGatewayTransit on the hub's side.
    expect(tagOf(hubWithSite(true, false), "spoke").prefixes).not.toContain("198.51.100.0/24");
  });

  it("keeps the hub's own space out of a spoke whose peering disallows access, but not the gateway's sites", () => {
    const rows = hubWithSite(true);
    withPeering(rows[1]!, "spoke-to-hub", { allowVirtualNetworkAccess: false });
    const tag = tagOf(rows, "spoke");
    expect(tag.prefixes).not.toContain("10.0.0.0/16");
    expect(tag.prefixes).toContain("198.51.100.0/24");
  });

  it("notes, without listing, what BGP or ExpressRoute may add", () => {
    expect(tagOf(hubWithSite(false), "hub").notes).toEqual([]);
    expect(tagOf(hubWithSite(false, true, true), "hub").notes.join(" ")).toMatch(/BGP/);
    const er = [
      vnetRow("hub", ["10.0.0.0/16"], []),
      gatewayRow("vgw", ids.vnet("hub")),
      circuitRow("er", [["AzurePrivatePeering", "Enabled"]]),
      connectionRow("conn-er", ids.gateway("vgw"), ids.circuit("er")),
    ];
    const tag = tagOf(er, "hub");
    expect(tag.prefixes.sort()).toEqual(["10.0.0.0/16", "168.63.129.16/32"]);
    expect(tag.notes.join(" ")).toMatch(/ExpressRoute connection conn-er/);
  });

  it("uses the site's space embedded in the connection when the site's own row is missing", () => {
    const rows = [
      vnetRow("hub", ["10.0.0.0/16"], []),
      gatewayRow("vgw", ids.vnet("hub"), "Vpn"),
      siteToSiteRow("s2s", ids.gateway("vgw"), netIds.site("gone"), {
        localNetworkGateway2: {
          id: netIds.site("gone"),
          properties: { localNetworkAddressSpace: { addressPrefixes: ["172.20.0.0/16"] } },
        },
      }),
    ];
    expect(tagOf(rows, "hub").prefixes).toContain("172.20.0.0/16");
  });

  // app VNet (own gateway) ⇄ VNet-to-VNet ⇄ MI VNet (own gateway); the MI side's gateway is also used by a spoke.
  const v2v = (bothSides = true): Row[] => [
    vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "GatewaySubnet", prefix: "10.2.255.0/27" }], []),
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/16"],
      [{ name: "GatewaySubnet", prefix: "10.1.255.0/27" }],
      [{ name: "mi-to-spoke", remote: ids.vnet("vnet-spoke"), allowGatewayTransit: true }],
    ),
    vnetRow(
      "vnet-spoke",
      ["10.3.0.0/16"],
      [],
      [{ name: "spoke-to-mi", remote: ids.vnet("vnet-mi"), useRemoteGateways: true }],
    ),
    gatewayRow("vgw-app", ids.vnet("vnet-app"), "Vpn"),
    gatewayRow("vgw-mi", ids.vnet("vnet-mi"), "Vpn"),
    vnet2vnetRow("app-to-mi", ids.gateway("vgw-app"), ids.gateway("vgw-mi")),
    ...(bothSides ? [vnet2vnetRow("mi-to-app", ids.gateway("vgw-mi"), ids.gateway("vgw-app"))] : []),
  ];

  it("reaches, and holds the space of, the VNet at the other end of a VNet-to-VNet connection and its gateway's spokes", () => {
    expect(reachableNames(v2v(), "vnet-app")).toEqual(["vnet-app", "vnet-mi", "vnet-spoke"]);
    expect(tagOf(v2v(), "vnet-app").prefixes).toEqual(expect.arrayContaining(["10.1.0.0/16", "10.3.0.0/16"]));
    // The spoke uses the MI VNet's gateway, so the tunnel serves it too.
    expect(reachableNames(v2v(), "vnet-spoke")).toEqual(["vnet-app", "vnet-mi", "vnet-spoke"]);
    expect(tagOf(v2v(), "vnet-spoke").prefixes).toContain("10.2.0.0/16");
  });

  it("sees the path from either connection resource (the other may be in a subscription not audited)", () => {
    expect(reachableNames(v2v(false), "vnet-mi")).toEqual(["vnet-app", "vnet-mi", "vnet-spoke"]);
  });

  it("does not make two spokes of one hub reach each other", () => {
    const rows = [
      ...hubWithSite(true),
      vnetRow(
        "spoke2",
        ["10.6.0.0/16"],
        [],
        [{ name: "spoke2-to-hub", remote: ids.vnet("hub"), useRemoteGateways: true }],
      ),
    ];
    withPeering(rows[0]!, "hub-to-spoke", {});
    (rows[0]!["properties"] as Row)["virtualNetworkPeerings"] = [
      ...((rows[0]!["properties"] as Row)["virtualNetworkPeerings"] as Row[]),
      {
        name: "hub-to-spoke2",
        properties: {
          remoteVirtualNetwork: { id: ids.vnet("spoke2") },
          peeringState: "Connected",
          allowGatewayTransit: true,
          remoteAddressSpace: { addressPrefixes: ["10.6.0.0/16"] },
        },
      },
    ];
    expect(reachableNames(rows, "spoke")).toEqual(["hub", "spoke"]);
    expect(tagOf(rows, "spoke").prefixes).not.toContain("10.6.0.0/16");
  });
});

describe("paths over peerings", () => {
  it("counts a peering Connected on both sides with access allowed on both", () => {
    expect(reachableNames(peeredPair(), "vnet-a")).toEqual(["vnet-a", "vnet-b"]);
  });

  it.each([
    ["this side disallows access", { allowVirtualNetworkAccess: false }, {}],
    ["the other side disallows access", {}, { allowVirtualNetworkAccess: false }],
    ["the other side is Disconnected", {}, { peeringState: "Disconnected" }],
  ])("does not count it when %s", (_label, a, b) => {
    expect(reachableNames(peeredPair(a, b), "vnet-a")).toEqual(["vnet-a"]);
  });
});

describe("VirtualNetwork tag: user-defined routes of the subnet", () => {
  const subnetOf = (estate: Estate) => get(estate, "subnet", armKey(ids.subnet("vnet-a", "snet")))!;
  const tagAt = (rows: Row[], gaps: CoverageGap[] = []) => {
    const builder = new EstateBuilder();
    rows.forEach((row, i) => builder.add(row, `row ${i}`));
    gaps.forEach((gap) => builder.addCoverageGap(gap));
    const estate = builder.build();
    return virtualNetworkTag(vnetOf(estate, "vnet-a"), estate, subnetOf(estate));
  };
  const withTable = () => [withRouteTable(peeredPair()[0]!, "snet", netIds.routeTable("rt-a"))];

  it("adds the prefixes of the subnet's route table as route prefixes, not as the estate's own network", () => {
    const tag = tagAt([
      ...withTable(),
      routeTableRow("rt-a", [
        ["0.0.0.0/0", "VirtualAppliance"],
        ["203.0.113.0/24", "Internet"],
      ]),
    ]);
    expect(tag.routePrefixes).toEqual(["0.0.0.0/0", "203.0.113.0/24"]);
    expect(tag.prefixes).not.toContain("0.0.0.0/0");
    expect(tag.routesUnknown).toBeUndefined();
  });

  it("finds the table from the route table's side of the association too", () => {
    const tag = tagAt([
      peeredPair()[0]!,
      routeTableRow("rt-a", [["0.0.0.0/0", "Internet"]], [ids.subnet("vnet-a", "snet").toUpperCase()]),
    ]);
    expect(tag.routePrefixes).toEqual(["0.0.0.0/0"]);
  });

  it("says why when the table is not in the estate, or could not be read", () => {
    expect(tagAt(withTable()).routesUnknown).toMatch(/rt-a.*not in the audited estate/);
    const gap: CoverageGap = { types: ["microsoft.network/routetables"], reason: "HTTP 403" };
    expect(tagAt(withTable(), [gap]).routesUnknown).toMatch(/could not be read \(HTTP 403\)/);
    expect(tagAt([...withTable(), routeTableRow("rt-a", null)]).routesUnknown).toMatch(/without its routes/);
    const broken = routeTableRow("rt-a", [["10.0.0.0/8", "None"]]);
    ((broken["properties"] as Row)["routes"] as Row[]).push({ name: "bad", properties: { nextHopType: "None" } });
    expect(tagAt([...withTable(), broken]).routesUnknown).toMatch(/addressPrefix is missing/);
  });

  it("claims no route prefixes for a subnet without a route table", () => {
    const tag = tagAt(peeredPair());
    expect(tag.routePrefixes).toEqual([]);
    expect(tag.routesUnknown).toBeUndefined();
  });
});

describe("application security group members", () => {
  const subnet = ids.subnet("vnet-a", "snet");
  const asgWeb = netIds.asg("asg-web");
  const members = (rows: Row[], gaps: CoverageGap[] = []) => {
    const builder = new EstateBuilder();
    rows.forEach((row, i) => builder.add(row, `row ${i}`));
    gaps.forEach((gap) => builder.addCoverageGap(gap));
    return applicationSecurityGroupMembers(builder.build());
  };

  it("maps an ASG to its member ip configurations' addresses as host prefixes", () => {
    const map = members([
      asgNicRow("nic1", subnet, "10.1.0.4", [asgWeb]),
      asgNicRow("nic2", subnet, "fd00::5", [asgWeb.toUpperCase()]),
      nicRow("nic3", subnet, "10.1.0.9"),
    ]);
    expect(map.get(armKey(asgWeb))).toEqual(["10.1.0.4/32", "fd00::5/128"]);
  });

  it("leaves an ASG out (unknown) when a member's address cannot be read", () => {
    expect(
      members([asgNicRow("nic1", subnet, "10.1.0.4", [asgWeb]), asgNicRow("nic2", subnet, null, [asgWeb])]).has(
        armKey(asgWeb),
      ),
    ).toBe(false);
  });

  it("leaves an ASG out when the NICs of its subscription could not all be read", () => {
    const gap: CoverageGap = {
      types: ["microsoft.network/networkinterfaces"],
      subscriptionIds: [ids.nic("x").split("/")[2]!],
      reason: "throttled",
    };
    expect(members([asgNicRow("nic1", subnet, "10.1.0.4", [asgWeb])], [gap]).has(armKey(asgWeb))).toBe(false);
    const elsewhere: CoverageGap = { ...gap, subscriptionIds: [SUB2] };
    expect(members([asgNicRow("nic1", subnet, "10.1.0.4", [asgWeb])], [elsewhere]).has(armKey(asgWeb))).toBe(true);
  });

  it("leaves an ASG out when another NIC of the subscription has unreadable ip configurations", () => {
    const broken = asgNicRow("nic-broken", subnet, "10.1.0.5", []);
    (broken["properties"] as Row)["ipConfigurations"] = "corrupted";
    expect(members([asgNicRow("nic1", subnet, "10.1.0.4", [asgWeb]), broken]).has(armKey(asgWeb))).toBe(false);
  });

  it("knows nothing of an ASG that no collected NIC joins", () => {
    expect(members([nicRow("nic1", subnet, "10.1.0.4")]).has(armKey(asgWeb))).toBe(false);
  });

  it("is computed once per estate", () => {
    const estate = buildEstate([asgNicRow("nic1", subnet, "10.1.0.4", [asgWeb])]);
    expect(applicationSecurityGroupMembers(estate)).toBe(applicationSecurityGroupMembers(estate));
  });
});
