// mi.network.unsupported-configuration, from Microsoft's pages: connectivity-architecture-overview.md ("Networking
// constraints": NAT gateway, IPv6 in the VNet / NSG / UDRs, AzurePlatformDNS used to block platform DNS, reserved
// private DNS zone names linked to the VNet; "Network requirements": delegation and route table) and the NSG overview
// ("Azure platform considerations": platform DNS at 168.63.129.16 is subject to NSG rules only through its tag).
import { SUB2, dnsLinkRow, ids, miRow, nsgRow, vnetRow, type Row, type RuleSpec } from "../../support/rows";
import { netIds, routeTableRow, withRouteTable } from "../network-rows";
import { expect } from "vitest";
import { verdictTable } from "./verdict-table";
import { MI_DELEGATION, miNsg, miSubnet } from "./mi-estates";

const routeTable = netIds.routeTable("rt-mi");
const vnetMi = ids.vnet("vnet-mi");

interface MiNetwork {
  rules?: unknown[];
  routes?: [string, string][] | null;
  vnetPrefixes?: string[];
  nsg?: string | null;
  routeTable?: string | null;
  natGateway?: string;
  delegation?: string | null;
  /** Replaces fields of the subnet entry's properties (malformed values, plural prefixes). */
  subnetProps?: Row;
}

/** An MI in a subnet that meets the requirements: delegated, with an NSG and a route table, IPv4 only. */
function miNetwork(spec: MiNetwork = {}): Row[] {
  const vnet = vnetRow("vnet-mi", spec.vnetPrefixes ?? ["10.1.0.0/16"], [
    {
      name: "snet-mi",
      prefix: "10.1.0.0/24",
      ...(spec.nsg === null ? {} : { nsg: spec.nsg ?? miNsg }),
      ...(spec.delegation === null ? {} : { delegation: spec.delegation ?? MI_DELEGATION }),
      ...(spec.natGateway === undefined ? {} : { natGateway: spec.natGateway }),
    },
  ]);
  if (spec.routeTable !== null) withRouteTable(vnet, "snet-mi", spec.routeTable ?? routeTable);
  if (spec.subnetProps !== undefined) {
    const subnet = ((vnet["properties"] as Row)["subnets"] as Row[])[0]!;
    Object.assign(subnet["properties"] as Row, spec.subnetProps);
  }
  return [
    vnet,
    nsgRow("nsg-mi", spec.rules ?? []),
    routeTableRow("rt-mi", spec.routes === undefined ? [["192.168.0.0/16", "VirtualNetworkGateway"]] : spec.routes),
    miRow("mi1", miSubnet.toUpperCase()),
  ];
}

const out = (spec: Omit<RuleSpec, "direction">): RuleSpec => ({ direction: "Outbound", ...spec });
const denyPlatformDns = out({
  name: "DenyPlatformDns",
  priority: 200,
  access: "Deny",
  protocol: "*",
  destination: "AzurePlatformDNS",
});

verdictTable("mi.network.unsupported-configuration", [
  // --- pass
  {
    name: "delegated subnet with NSG and route table, IPv4 only, no reserved zone",
    resource: "mi1",
    status: "pass",
    rows: miNetwork(),
    evidence: { broken: [], unverified: [], routeTable, nsg: miNsg },
  },
  {
    name: "the delegation is compared case-insensitively",
    resource: "mi1",
    status: "pass",
    rows: miNetwork({ delegation: "microsoft.sql/MANAGEDINSTANCES" }),
  },
  {
    name: "privatelink.database.windows.net is the Private Link zone, not a reserved name",
    resource: "mi1",
    status: "pass",
    rows: [...miNetwork(), dnsLinkRow("privatelink.database.windows.net", "l1", vnetMi)],
  },
  {
    name: "a reserved zone linked to another VNet does not touch the MI",
    resource: "mi1",
    status: "pass",
    rows: [...miNetwork(), dnsLinkRow("database.windows.net", "l1", ids.vnet("vnet-other"))],
  },
  {
    name: "a broad outbound Deny of everything does not reach platform DNS (it is not subject to the NSG)",
    resource: "mi1",
    status: "pass",
    rows: miNetwork({ rules: [out({ name: "DenyAll", priority: 100, access: "Deny", protocol: "*" })] }),
  },
  {
    name: "a Deny of AzurePlatformDNS on 443 only leaves DNS (53) alone",
    resource: "mi1",
    status: "pass",
    rows: miNetwork({ rules: [{ ...denyPlatformDns, ports: "443" }] }),
  },
  {
    name: "an Allow of AzurePlatformDNS on 53 at a higher priority wins over its Deny",
    resource: "mi1",
    status: "pass",
    rows: miNetwork({
      rules: [
        out({ name: "AllowDns", priority: 100, protocol: "*", destination: "AzurePlatformDNS", ports: "53" }),
        denyPlatformDns,
      ],
    }),
  },
  {
    name: "a Deny of AzurePlatformDNS for another source subnet does not block the MI",
    resource: "mi1",
    status: "pass",
    rows: miNetwork({ rules: [{ ...denyPlatformDns, source: "10.9.0.0/24" }] }),
  },
  {
    name: "an inbound rule naming AzurePlatformDNS does not block DNS queries",
    resource: "mi1",
    status: "pass",
    rows: miNetwork({
      rules: [{ ...denyPlatformDns, direction: "Inbound", source: "AzurePlatformDNS", destination: "*" }],
    }),
  },
  {
    name: "a route to a service tag and an IPv4 NSG rule are fine",
    resource: "mi1",
    status: "pass",
    rows: miNetwork({
      routes: [["AzureCloud", "Internet"]],
      rules: [{ name: "AllowApp", priority: 300, source: "10.2.0.0/24", ports: "1433" }],
    }),
  },

  // --- fail: each item on its own
  {
    name: "NAT gateway on the MI subnet",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ natGateway: ids.natGateway("nat-egress") }),
    message: ["NAT gateway nat-egress", "snet-mi"],
    evidence: { broken: [{ check: "nat-gateway", resource: miSubnet }] },
  },
  {
    name: "no route table on the MI subnet",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ routeTable: null }),
    evidence: { broken: [{ check: "route-table-missing", resource: miSubnet }], routeTable: null },
  },
  {
    name: "subnet not delegated",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ delegation: null }),
    evidence: { broken: [{ check: "delegation-missing", resource: miSubnet }] },
  },
  {
    name: "subnet delegated to another service",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ delegation: "Microsoft.Web/serverFarms" }),
    message: ["microsoft.web/serverfarms"],
    evidence: { broken: [{ check: "delegation-missing" }] },
  },
  {
    name: "dual-stack VNet",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ vnetPrefixes: ["10.1.0.0/16", "fd00:db8:1::/48"] }),
    evidence: { broken: [{ check: "ipv6-address-space", resource: vnetMi }] },
  },
  {
    name: "IPv6 prefix on the MI subnet itself",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ subnetProps: { addressPrefixes: ["10.1.0.0/24", "fd00:db8:1::/64"] } }),
    evidence: { broken: [{ check: "ipv6-address-space", resource: miSubnet }] },
  },
  {
    name: "an NSG rule with an IPv6 source prefix",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ rules: [{ name: "AllowV6", priority: 300, source: "2001:db8::/32", ports: "1433" }] }),
    message: ["AllowV6", "2001:db8::/32"],
    evidence: { broken: [{ check: "ipv6-nsg-prefix", resource: miNsg }] },
  },
  {
    name: "an NSG rule with a bare IPv6 destination address, even a Deny",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ rules: [out({ name: "DenyV6", priority: 300, access: "Deny", destination: ["2001:db8::1"] })] }),
    evidence: { broken: [{ check: "ipv6-nsg-prefix" }] },
  },
  {
    name: "a user-defined route with an IPv6 prefix",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({
      routes: [
        ["192.168.0.0/16", "VirtualNetworkGateway"],
        ["::/0", "VirtualAppliance"],
      ],
    }),
    message: ["::/0", "rt-mi"],
    evidence: { broken: [{ check: "ipv6-route-prefix", resource: routeTable }] },
  },
  {
    name: "an outbound Deny of AzurePlatformDNS",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ rules: [denyPlatformDns] }),
    message: ["DenyPlatformDns", "53"],
    evidence: { broken: [{ check: "platform-dns-blocked", resource: miNsg }] },
  },
  {
    name: "the tag in lower case, UDP 53 only",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ rules: [{ ...denyPlatformDns, protocol: "Udp", ports: "53", destination: "azureplatformdns" }] }),
    message: ["UDP 53"],
    evidence: { broken: [{ check: "platform-dns-blocked" }] },
  },
  {
    name: "a broad Deny before the tag's Deny: DNS is denied either way",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({
      rules: [out({ name: "DenyAll", priority: 100, access: "Deny", protocol: "*" }), denyPlatformDns],
    }),
    evidence: {
      broken: [{ check: "platform-dns-blocked", detail: expect.stringContaining("UDP and TCP 53") as unknown }],
    },
  },
  {
    name: "a reserved private DNS zone linked to the MI's VNet",
    resource: "mi1",
    status: "fail",
    rows: [...miNetwork(), dnsLinkRow("database.windows.net", "link-db", vnetMi)],
    message: ["database.windows.net", "vnet-mi"],
    evidence: {
      broken: [{ check: "reserved-private-dns-zone", resource: ids.dnsLink("database.windows.net", "link-db") }],
    },
  },
  {
    name: "a reserved zone from another subscription, spelled in upper case, linked by an upper-case VNet id",
    resource: "mi1",
    status: "fail",
    rows: [...miNetwork(), dnsLinkRow("Vault.Azure.NET", "link-kv", vnetMi.toUpperCase(), {}, SUB2)],
    message: ["vault.azure.net"],
    evidence: { broken: [{ check: "reserved-private-dns-zone" }] },
  },
  {
    name: "several items at once: every one is named",
    resource: "mi1",
    status: "fail",
    rows: [
      ...miNetwork({
        natGateway: ids.natGateway("nat-egress"),
        routeTable: null,
        delegation: null,
        rules: [{ ...denyPlatformDns, protocol: "Udp", ports: "53" }],
      }),
      dnsLinkRow("blob.core.windows.net", "link-blob", vnetMi),
    ],
    message: ["5 configurations"],
    evidence: {
      broken: [
        { check: "nat-gateway" },
        { check: "route-table-missing" },
        { check: "delegation-missing" },
        { check: "platform-dns-blocked" },
        { check: "reserved-private-dns-zone" },
      ],
    },
  },
  {
    name: "a found item stays a fail when other types could not be read",
    resource: "mi1",
    status: "fail",
    rows: miNetwork({ natGateway: ids.natGateway("nat-egress") }),
    gaps: [{ types: ["microsoft.network/privatednszones/virtualnetworklinks"], reason: "HTTP 403" }],
    evidence: { broken: [{ check: "nat-gateway" }], unverified: [{ check: "reserved-private-dns-zone" }] },
  },

  // --- unknown
  { name: "MI without subnetId", resource: "mi1", status: "unknown", rows: [miRow("mi1", undefined)] },
  { name: "MI subnet not in the estate", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet)] },
  {
    name: "VNets not collected in the MI's subscription",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork(),
    gaps: [{ types: ["microsoft.network/virtualnetworks"], reason: "HTTP 403" }],
  },
  {
    name: "NSGs not collected: the NSG is missing from the estate",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork().filter((row) => row["type"] !== "microsoft.network/networksecuritygroups"),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], reason: "HTTP 403" }],
    message: ["could not be read"],
  },
  {
    name: "NSG in another subscription whose NSGs could not be read",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork({ nsg: ids.nsg("nsg-hub", SUB2) }),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], subscriptionIds: [SUB2], reason: "HTTP 403" }],
    evidence: { unverified: [{ check: "ipv6-nsg-prefix" }, { check: "platform-dns-blocked" }] },
  },
  {
    name: "route tables not collected",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork().filter((row) => row["type"] !== "microsoft.network/routetables"),
    gaps: [{ types: ["microsoft.network/routetables"], reason: "HTTP 403" }],
    evidence: { unverified: [{ check: "ipv6-route-prefix", resource: routeTable }] },
  },
  {
    name: "route table collected without its routes",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork({ routes: null }),
    evidence: { unverified: [{ check: "ipv6-route-prefix" }] },
  },
  {
    name: "private DNS zone links not collected in another subscription (a zone there may link the VNet)",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork(),
    gaps: [
      { types: ["microsoft.network/privatednszones/virtualnetworklinks"], subscriptionIds: [SUB2], reason: "HTTP 403" },
    ],
    evidence: { unverified: [{ check: "reserved-private-dns-zone", resource: vnetMi }] },
  },
  {
    name: "a broad Allow at a higher priority than the tag's Deny: not documented either way",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork({ rules: [out({ name: "AllowAllOut", priority: 100, protocol: "*" }), denyPlatformDns] }),
    message: ["AllowAllOut"],
    evidence: { unverified: [{ check: "platform-dns-blocked" }] },
  },
  {
    name: "a link of a reserved zone whose VNet cannot be read",
    resource: "mi1",
    status: "unknown",
    rows: [...miNetwork(), dnsLinkRow("core.windows.net", "link-x", vnetMi, { virtualNetwork: { id: 42 } })],
    evidence: { unverified: [{ check: "reserved-private-dns-zone" }] },
  },
  {
    name: "an NSG rule entry that looks like IPv6 but cannot be read",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork({ rules: [{ name: "AllowOdd", priority: 300, source: "2001:db8::zz/64", ports: "1433" }] }),
    evidence: { unverified: [{ check: "ipv6-nsg-prefix" }] },
  },
  {
    name: "an NSG rule without a priority cannot be placed",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork({ rules: [{ name: "Broken", priority: 300, extra: { priority: null } }] }),
  },
  {
    name: "a malformed natGateway reference",
    resource: "mi1",
    status: "unknown",
    rows: miNetwork({ subnetProps: { natGateway: { id: 42 } } }),
    evidence: { unverified: [{ check: "nat-gateway" }] },
  },

  // --- out of scope
  {
    name: "a subnet with a NAT gateway that hosts no MI is not this rule's business",
    resource: "snet-vm",
    status: "noFinding",
    rows: [
      vnetRow(
        "vnet-vm",
        ["10.5.0.0/16"],
        [{ name: "snet-vm", prefix: "10.5.0.0/24", natGateway: ids.natGateway("n") }],
      ),
    ],
  },
]);
