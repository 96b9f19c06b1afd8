// Rule verdicts that depend on how VNets connect and on what VirtualNetwork and ASGs stand for, each estate built from
// Microsoft's documented behaviour (see network-context.test.ts for the sources):
// - a peering with allowVirtualNetworkAccess false is no path and adds nothing to VirtualNetwork;
// - a VNet-to-VNet connection is a path (seed 000 names it beside peering), also for a spoke using the hub's gateway;
// - the on-premises space of a site-to-site connection is part of VirtualNetwork, so the estate's own network;
// - user-defined route prefixes are part of VirtualNetwork (`AllowVnetInBound` admits them) but are not trusted;
// - a rule with an ASG source matches exactly the member NICs' addresses, and stays unknown when they are not known.
import { describe, expect, it } from "vitest";
import { findingsFor, verdict } from "../support/evaluate";
import { circuitRow, connectionRow, gatewayRow, ids, miRow, nsgRow, siteRow, vnetRow, type Row } from "../support/rows";
import type { Status } from "../../src/rules/rule";
import type { CoverageGap } from "../../src/model/estate";
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

interface Case {
  name: string;
  rows: Row[];
  rule: string;
  resource: string;
  status: Status;
  gaps?: CoverageGap[];
  message?: string[];
  evidence?: Record<string, unknown>;
}

const MI_DELEGATION = "Microsoft.Sql/managedInstances";
const miSubnet = ids.subnet("vnet-mi", "snet-mi");
const appSubnet = ids.subnet("vnet-app", "snet-app");
const outbound = (name: string, priority: number, ports: string, access: "Allow" | "Deny", destination: string) => ({
  name,
  priority,
  ports,
  access,
  destination,
  direction: "Outbound" as const,
});

/** App VNet peered with the MI VNet; `app`/`mi` set flags on each side's peering. The app subnet's NSG denies 1433 to the MI. */
function peered(app: Row, mi: Row, identity: Row | null = null): Row[] {
  return [
    withPeering(
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/24"],
        [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }],
        [{ name: "mi-to-app", remote: ids.vnet("vnet-app") }],
      ),
      "mi-to-app",
      mi,
    ),
    withPeering(
      vnetRow(
        "vnet-app",
        ["10.2.0.0/16"],
        [{ name: "snet-app", prefix: "10.2.1.0/24", nsg: ids.nsg("nsg-app") }],
        [{ name: "app-to-mi", remote: ids.vnet("vnet-mi") }],
      ),
      "app-to-mi",
      app,
    ),
    nsgRow("nsg-app", [outbound("deny-sql", 100, "1433", "Deny", "10.1.0.0/24")]),
    miRow("mi1", miSubnet),
    siteRow("app1", { virtualNetworkSubnetId: appSubnet }, identity),
  ];
}

/** App VNet and MI VNet, each with a VPN gateway, connected only by a VNet-to-VNet connection. */
function vnetToVnet(appRules: unknown[] | null, identity: Row | null = null): Row[] {
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/16"],
      [
        { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
        { name: "GatewaySubnet", prefix: "10.1.255.0/27" },
      ],
      [],
    ),
    vnetRow(
      "vnet-app",
      ["10.2.0.0/16"],
      [
        { name: "snet-app", prefix: "10.2.1.0/24", ...(appRules === null ? {} : { nsg: ids.nsg("nsg-app") }) },
        { name: "GatewaySubnet", prefix: "10.2.255.0/27" },
      ],
      [],
    ),
    ...(appRules === null ? [] : [nsgRow("nsg-app", appRules)]),
    gatewayRow("vgw-mi", ids.vnet("vnet-mi"), "Vpn"),
    gatewayRow("vgw-app", ids.vnet("vnet-app"), "Vpn"),
    vnet2vnetRow("app-to-mi", ids.gateway("vgw-app"), ids.gateway("vgw-mi")),
    vnet2vnetRow("mi-to-app", ids.gateway("vgw-mi"), ids.gateway("vgw-app")),
    miRow("mi1", miSubnet, { proxyOverride: "Redirect" }),
    siteRow("app1", { virtualNetworkSubnetId: appSubnet }, identity),
  ];
}

/** The app sits in a spoke that uses the hub's gateway; the hub has a VNet-to-VNet connection to the MI VNet's gateway. */
function spokeThroughHub(spokeUsesGateway: boolean): Row[] {
  return [
    vnetRow("vnet-mi", ["10.1.0.0/16"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }], []),
    vnetRow(
      "hub",
      ["10.0.0.0/16"],
      [{ name: "GatewaySubnet", prefix: "10.0.255.0/27" }],
      [{ name: "hub-to-app", remote: ids.vnet("vnet-app"), allowGatewayTransit: true }],
    ),
    vnetRow(
      "vnet-app",
      ["10.2.0.0/16"],
      [{ name: "snet-app", prefix: "10.2.1.0/24" }],
      [{ name: "app-to-hub", remote: ids.vnet("hub"), useRemoteGateways: spokeUsesGateway }],
    ),
    gatewayRow("vgw-mi", ids.vnet("vnet-mi"), "Vpn"),
    gatewayRow("vgw-hub", ids.vnet("hub"), "Vpn"),
    vnet2vnetRow("hub-to-mi", ids.gateway("vgw-hub"), ids.gateway("vgw-mi")),
    miRow("mi1", miSubnet),
    siteRow("app1", { virtualNetworkSubnetId: appSubnet }, null),
  ];
}

/** An MI with its public endpoint on; `extra` adds rows (gateways, sites, route tables) and `subnetRouteTable` a table reference. */
function publicMi(rules: unknown[], extra: Row[] = [], subnetRouteTable?: string): Row[] {
  const vnet = vnetRow(
    "vnet-mi",
    ["10.1.0.0/16"],
    [
      { name: "snet-mi", prefix: "10.1.0.0/24", nsg: ids.nsg("nsg-mi"), delegation: MI_DELEGATION },
      { name: "GatewaySubnet", prefix: "10.1.255.0/27" },
      { name: "snet-vm", prefix: "10.1.1.0/24" },
    ],
  );
  return [
    subnetRouteTable === undefined ? vnet : withRouteTable(vnet, "snet-mi", subnetRouteTable),
    nsgRow("nsg-mi", rules),
    miRow("mi1", miSubnet, { publicDataEndpointEnabled: true }),
    ...extra,
  ];
}
const allow3342 = (name: string, priority: number, source: string) => ({ name, priority, source, ports: "3342" });
const site = (prefixes: string[]) => [
  gatewayRow("vgw-mi", ids.vnet("vnet-mi"), "Vpn"),
  localNetworkGatewayRow("site-office", prefixes),
  siteToSiteRow("s2s-office", ids.gateway("vgw-mi"), netIds.site("site-office")),
];
const asg = netIds.asg("asg-jumphosts");
const asgAllow = {
  name: "allow-jumphosts",
  priority: 200,
  source: [],
  ports: "3342",
  extra: { sourceApplicationSecurityGroups: [{ id: asg }] },
};
const jumphost = (ip: string | null) => asgNicRow("nic-jump", ids.subnet("vnet-mi", "snet-vm"), ip, [asg]);

const cases: Case[] = [
  // ---- peerings that allow no virtual network access
  {
    name: "peering allows access both ways: the app reaches the MI",
    rule: "app.managed-identity",
    resource: "app1",
    status: "fail",
    rows: peered({}, {}),
  },
  {
    name: "app side disallows access: no path",
    rule: "app.managed-identity",
    resource: "app1",
    status: "notApplicable",
    rows: peered({ allowVirtualNetworkAccess: false }, {}),
  },
  {
    name: "MI side disallows access: no path",
    rule: "app.managed-identity",
    resource: "app1",
    status: "notApplicable",
    rows: peered({}, { allowVirtualNetworkAccess: false }),
  },
  {
    name: "peering allows access: the Deny on 1433 blocks the app",
    rule: "nsg.app-subnet.sql-outbound",
    resource: "snet-app",
    status: "fail",
    rows: peered({}, {}),
  },
  {
    name: "peering disallows access: the app subnet reaches no MI",
    rule: "nsg.app-subnet.sql-outbound",
    resource: "snet-app",
    status: "notApplicable",
    rows: peered({ allowVirtualNetworkAccess: false }, {}),
  },

  // ---- VNet-to-VNet connections
  {
    name: "VNet-to-VNet only: the app reaches the MI",
    rule: "app.managed-identity",
    resource: "app1",
    status: "fail",
    rows: vnetToVnet(null),
    evidence: { reachableManagedInstances: [ids.mi("mi1")] },
  },
  {
    name: "VNet-to-VNet only, app with identity",
    rule: "app.managed-identity",
    resource: "app1",
    status: "pass",
    rows: vnetToVnet(null, { type: "SystemAssigned" }),
  },
  {
    name: "VNet-to-VNet only: default rules allow VirtualNetwork, which holds the MI VNet",
    rule: "nsg.app-subnet.sql-outbound",
    resource: "snet-app",
    status: "pass",
    rows: vnetToVnet([]),
  },
  {
    name: "VNet-to-VNet only: a Deny on the redirect range blocks it",
    rule: "nsg.app-subnet.sql-outbound",
    resource: "snet-app",
    status: "fail",
    rows: vnetToVnet([outbound("deny-redirect", 100, "11000-11999", "Deny", "10.1.0.0/24")]),
    message: ["deny-redirect"],
  },
  {
    name: "VNet-to-VNet only: Deny all to Internet does not block the MI VNet (VirtualNetwork, not Internet)",
    rule: "nsg.app-subnet.sql-outbound",
    resource: "snet-app",
    status: "pass",
    rows: vnetToVnet([outbound("deny-internet", 100, "*", "Deny", "Internet")]),
  },
  {
    name: "VNet-to-VNet not readable: cannot say the app reaches no MI",
    rule: "app.managed-identity",
    resource: "app1",
    status: "unknown",
    rows: vnetToVnet(null).filter((row) => row["type"] !== "microsoft.network/connections"),
    gaps: [{ types: ["microsoft.network/connections"], reason: "HTTP 500" }],
  },

  // ---- gateway transit
  {
    name: "spoke using the hub's gateway reaches the MI over the hub's VNet-to-VNet connection",
    rule: "app.managed-identity",
    resource: "app1",
    status: "fail",
    rows: spokeThroughHub(true),
  },
  {
    name: "spoke not using the hub's gateway does not",
    rule: "app.managed-identity",
    resource: "app1",
    status: "notApplicable",
    rows: spokeThroughHub(false),
  },

  // ---- mi.peering.app-gateway-transit
  {
    name: "gateway-required app over a peering that disallows access: the trio does not apply",
    rule: "mi.peering.app-gateway-transit",
    resource: "mi1",
    status: "notApplicable",
    rows: [
      withPeering(
        vnetRow(
          "vnet-mi",
          ["10.1.0.0/24"],
          [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
          [{ name: "mi-to-app", remote: ids.vnet("vnet-app") }],
        ),
        "mi-to-app",
        { allowVirtualNetworkAccess: false },
      ),
      vnetRow(
        "vnet-app",
        ["10.2.0.0/16"],
        [{ name: "GatewaySubnet", prefix: "10.2.255.0/27" }],
        [{ name: "app-to-mi", remote: ids.vnet("vnet-mi") }],
      ),
      gatewayRow("vgw-app", ids.vnet("vnet-app"), "Vpn"),
      miRow("mi1", miSubnet),
      siteRow("app1", { siteConfig: { vnetName: "vnet-app" } }),
    ],
  },

  // ---- on-premises sites are part of VirtualNetwork (the estate's own network)
  {
    name: "Allow 3342 from a public range that is no site of the estate",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "fail",
    rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/24")]),
  },
  {
    name: "Allow 3342 from the public range of a site-to-site connection's site",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "pass",
    rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/24")], site(["198.51.100.0/24"])),
  },
  {
    name: "Allow 3342 from a wider range than the site's",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "fail",
    rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/23")], site(["198.51.100.0/24"])),
  },

  // ---- user-defined routes are part of VirtualNetwork, untrusted
  {
    name: "a 0.0.0.0/0 route makes AllowVnetInBound admit all of IPv4",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "fail",
    rows: publicMi([], [routeTableRow("rt-mi", [["0.0.0.0/0", "VirtualAppliance"]])], netIds.routeTable("rt-mi")),
    evidence: { decidingRule: expect.objectContaining({ name: "AllowVnetInBound" }) },
  },
  {
    name: "routes to private ranges only: defaults still close 3342 to untrusted sources",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "pass",
    rows: publicMi([], [routeTableRow("rt-mi", [["10.0.0.0/8", "VirtualAppliance"]])], netIds.routeTable("rt-mi")),
  },
  {
    name: "a Deny from Internet above the defaults closes what the route opens",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "pass",
    rows: publicMi(
      [{ name: "deny-internet", priority: 4000, access: "Deny", source: "Internet", ports: "*" }],
      [routeTableRow("rt-mi", [["0.0.0.0/0", "VirtualAppliance"]])],
      netIds.routeTable("rt-mi"),
    ),
  },
  {
    name: "route table not collected: AllowVnetInBound may admit anything",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([], [], netIds.routeTable("rt-mi")),
    message: ["rt-mi"],
    evidence: { routesUnknown: expect.stringContaining("not in the audited estate") },
  },
  {
    name: "a 0.0.0.0/0 route on a NIC's subnet opens 1433 through AllowVnetInBound",
    rule: "nsg.sql-inbound-internet",
    resource: "nsg-x",
    status: "fail",
    rows: [
      withRouteTable(
        vnetRow("vnet-sql", ["10.4.0.0/16"], [{ name: "snet-sql", prefix: "10.4.0.0/24", nsg: ids.nsg("nsg-x") }]),
        "snet-sql",
        netIds.routeTable("rt-sql"),
      ),
      nsgRow("nsg-x", []),
      routeTableRow("rt-sql", [["0.0.0.0/0", "Internet"]]),
    ],
  },

  {
    name: "route table of the NSG's subnet not collected: 1433 through AllowVnetInBound is unknown",
    rule: "nsg.sql-inbound-internet",
    resource: "nsg-x",
    status: "unknown",
    rows: [
      withRouteTable(
        vnetRow("vnet-sql", ["10.4.0.0/16"], [{ name: "snet-sql", prefix: "10.4.0.0/24", nsg: ids.nsg("nsg-x") }]),
        "snet-sql",
        netIds.routeTable("rt-sql"),
      ),
      nsgRow("nsg-x", []),
    ],
    evidence: { targets: [expect.objectContaining({ routesUnknown: expect.stringContaining("rt-sql") })] },
  },
  {
    name: "ranges learned over ExpressRoute are named in the evidence, and leave the verdict alone",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "pass",
    rows: publicMi(
      [],
      [
        gatewayRow("vgw-mi", ids.vnet("vnet-mi")),
        circuitRow("er", [["AzurePrivatePeering", "Enabled"]]),
        connectionRow("conn-er", ids.gateway("vgw-mi"), ids.circuit("er")),
      ],
    ),
    evidence: { virtualNetworkTagNotes: [expect.stringContaining("ExpressRoute connection conn-er")] },
  },

  // ---- expressroute.microsoft-peering follows the same gateway transit
  ...[true, false].map((transit): Case => ({
    name: `circuit on a hub whose peering ${transit ? "allows" : "does not allow"} gateway transit to the MI VNet`,
    rule: "expressroute.microsoft-peering",
    resource: "er",
    status: transit ? "fail" : "notApplicable",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/24"],
        [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
        [{ remote: ids.vnet("hub"), useRemoteGateways: true }],
      ),
      vnetRow(
        "hub",
        ["10.0.0.0/16"],
        [{ name: "GatewaySubnet", prefix: "10.0.255.0/27" }],
        [{ remote: ids.vnet("vnet-mi"), allowGatewayTransit: transit }],
      ),
      gatewayRow("vgw-hub", ids.vnet("hub")),
      circuitRow("er", [["AzurePrivatePeering", "Enabled"]]),
      connectionRow("conn-er", ids.gateway("vgw-hub"), ids.circuit("er")),
      miRow("mi1", miSubnet, { publicDataEndpointEnabled: true }),
    ],
  })),

  // ---- application security groups
  {
    name: "ASG whose members are known private NICs",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "pass",
    rows: publicMi([asgAllow], [jumphost("10.1.1.4")]),
  },
  {
    name: "ASG member whose address cannot be read",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([asgAllow], [jumphost(null)]),
    message: ["asg-jumphosts"],
  },
  {
    name: "ASG with NICs unreadable in its subscription",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([asgAllow], [jumphost("10.1.1.4")]),
    gaps: [{ types: ["microsoft.network/networkinterfaces"], reason: "HTTP 429 after retries" }],
  },
  {
    name: "ASG Allow followed by Allow from Internet is still a fail",
    rule: "mi.public-endpoint.untrusted-source",
    resource: "mi1",
    status: "fail",
    rows: publicMi([asgAllow, allow3342("allow-internet", 300, "Internet")], [jumphost("10.1.1.4")]),
    evidence: { decidingRule: expect.objectContaining({ name: "allow-internet" }) },
  },
];

describe("verdicts over network paths, VirtualNetwork and ASGs", () => {
  it.each(cases.map((c) => [`${c.rule}: ${c.name} → ${c.status}`, c] as const))("%s", (_label, c) => {
    const finding = verdict(findingsFor(c.rows, { gaps: c.gaps }), c.rule, c.resource);
    expect(finding.status, finding.message).toBe(c.status);
    for (const text of c.message ?? []) expect(finding.message).toContain(text);
    if (c.evidence) expect(finding.evidence).toMatchObject(c.evidence);
  });
});
