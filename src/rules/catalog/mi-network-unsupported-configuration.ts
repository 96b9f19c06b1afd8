// mi.network.unsupported-configuration: the MI's subnet and VNet hold none of the configurations Microsoft's
// "Networking constraints" say break a managed instance, and the subnet has what service-aided configuration requires.
import { armIdParts } from "../../model/arm-id";
import {
  get,
  type DataIssue,
  type Estate,
  type ManagedInstance,
  type NetworkSecurityGroup,
  type PrivateDnsZoneLink,
  type Subnet,
  type VirtualNetwork,
} from "../../model/estate";
import { AUDITED_TYPES } from "../../model/row";
import { parsePrefix } from "../../net/address-set";
import { formatRuleRef, ruleRef } from "../../net/nsg-evaluation";
import { platformDnsOutcomes } from "../platform-dns";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";
import {
  type MiPlacement,
  coverageGap,
  describeIssues,
  issuesAt,
  nsgIssues,
  placeManagedInstance,
  subnetNsg,
} from "../network-context";
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";

/** The stable keys of the items the rule checks, in the order evidence lists them. */
export const UNSUPPORTED_CONFIGURATION_CHECKS = [
  "nat-gateway",
  "route-table-missing",
  "delegation-missing",
  "ipv6-address-space",
  "ipv6-nsg-prefix",
  "ipv6-route-prefix",
  "platform-dns-blocked",
  "reserved-private-dns-zone",
] as const;

type Check = (typeof UNSUPPORTED_CONFIGURATION_CHECKS)[number];

/** A configuration the page says breaks the instance: which check, the resource that holds it, and what it is. */
interface BrokenItem {
  check: Check;
  resource: string;
  detail: string;
}

/** A check that could not be completed (data not collected or unreadable), and why. */
interface UnverifiedItem {
  check: Check;
  resource: string;
  reason: string;
}

interface Review {
  broken: BrokenItem[];
  unverified: UnverifiedItem[];
}

// The reserved names exactly as the page lists them ("DNS records for reserved Microsoft services"). A private zone
// with one of these names linked to the MI's VNet overrides Azure DNS for it; a sub-zone such as
// privatelink.database.windows.net is the documented Private Link zone and is not on the list, so names compare exactly.
export const RESERVED_ZONE_NAMES = [
  "windows.net",
  "database.windows.net",
  "core.windows.net",
  "blob.core.windows.net",
  "table.core.windows.net",
  "management.core.windows.net",
  "monitoring.core.windows.net",
  "queue.core.windows.net",
  "graph.windows.net",
  "login.microsoftonline.com",
  "login.windows.net",
  "servicebus.windows.net",
  "vault.azure.net",
] as const;
const RESERVED_ZONES: ReadonlySet<string> = new Set(RESERVED_ZONE_NAMES);

const MI_DELEGATION = "microsoft.sql/managedinstances";

export const miNetworkUnsupportedConfiguration: Rule<"managedInstance"> = {
  id: "mi.network.unsupported-configuration",
  title: "MI network uses a configuration Microsoft does not support",
  severity: "high",
  appliesTo: "managedInstance",
  synopsis:
    "The MI subnet has no NAT gateway, no IPv6 prefixes in its address space, NSG or routes, no NSG rule that blocks platform DNS, no private DNS zone with a reserved name linked to its VNet, and has its route table and its delegation to Microsoft.Sql/managedInstances.",
  rationale:
    "Microsoft lists network configurations that render a managed instance unavailable or make its deployment fail: a NAT gateway on its subnet, IPv6 prefixes in its VNet, NSG or user-defined routes, a rule that uses the AzurePlatformDNS tag to block platform DNS, and a private DNS zone named after a Microsoft service domain linked to its VNet. " +
    "An instance that becomes unavailable this way is an outage, and the usual reaction (opening the network up until it works) is an exposure. " +
    "Service-aided subnet configuration also needs the subnet delegated to Microsoft.Sql/managedInstances with a route table associated; without them the platform cannot keep its own rules and routes in place. " +
    "Platform DNS (168.63.129.16) is not subject to NSG rules unless a rule names the AzurePlatformDNS tag, so only such rules are read as blocking it; a broad Allow that precedes the tag's Deny leaves the verdict unknown, as Microsoft does not say whether it applies to platform DNS.",
  guidance: [
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "The \"Networking constraints\" section lists as unsupported: a NAT gateway on the instance subnet, dual-stack IPv4/IPv6 VNets and IPv6 prefixes in the subnet's NSG or user-defined routes, using the AzurePlatformDNS tag to block platform DNS, and overriding the resolution of reserved Microsoft domains (windows.net, database.windows.net, vault.azure.net and others) with private DNS zones in the instance's VNet. The network requirements ask for a subnet delegated to Microsoft.Sql/managedInstances with an NSG and a route table associated.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.nsgOverview,
      summary:
        "The host's virtual IP 168.63.129.16 serves DNS, DHCP and health probes; that traffic is not subject to NSG rules unless a rule targets it with the service tag of the service (AzurePlatformDNS for DNS).",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Fix each item the evidence names. NAT gateway: `az network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> --remove natGateway` (use a firewall or NVA with a 0.0.0.0/0 route for fixed egress instead). " +
    "Route table or delegation missing: `az network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> --route-table <route-table> --delegations Microsoft.Sql/managedInstances`. " +
    "IPv6: remove the IPv6 prefixes from the NSG rules (`az network nsg rule update`) and routes (`az network route-table route delete`); an instance in a dual-stack VNet must move to an IPv4-only VNet. " +
    "Platform DNS: delete or narrow the outbound Deny that names AzurePlatformDNS (`az network nsg rule delete -g <rg> --nsg-name <nsg> -n <rule>`). " +
    "Reserved DNS zone: unlink it (`az network private-dns link vnet delete -g <rg> -z <zone> -n <link>`) and use the privatelink.* zones for Private Link records.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connectivity-architecture-overview#networking-constraints",
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connectivity-architecture-overview#network-requirements",
    "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#azure-platform-considerations",
    "https://learn.microsoft.com/azure/private-link/private-endpoint-dns",
  ],
  controls: [],
  controlsNote:
    "operational: these configurations break the instance's availability rather than expose it; no MCSB control or CIS item covers supported network configurations",
  verdictDependsOn: [
    AUDITED_TYPES.virtualNetwork,
    AUDITED_TYPES.networkSecurityGroup,
    AUDITED_TYPES.routeTable,
    AUDITED_TYPES.privateDnsZoneLink,
  ],
  applicabilityDependsOn: [],
  evaluate(mi, estate) {
    const placement = placeManagedInstance(mi, estate);
    // An MI without a known subnet is not out of scope: every MI has one, so its configuration is unknown.
    if ("problem" in placement)
      return [
        result(mi, "unknown", `Cannot check the network configuration of ${mi.name}: ${placement.problem}.`, {
          dataQuality: [placement.problem],
        }),
      ];
    const { subnet, vnet } = placement;
    const review: Review = { broken: [], unverified: [] };
    reviewSubnet(subnet, review);
    reviewAddressSpace(subnet, vnet, review);
    reviewNsg(subnet, vnet, estate, review);
    reviewRouteTable(subnet, estate, review);
    reviewPrivateDns(vnet, estate, review);
    return [verdictOf(mi, placement, estate, review)];
  },
};

function verdictOf(
  mi: ManagedInstance,
  { subnet, vnet }: MiPlacement,
  estate: Estate,
  { broken, unverified }: Review,
): RuleResult {
  const evidence = {
    subnet: subnet.id,
    vnet: vnet.id,
    nsg: get(estate, "networkSecurityGroup", subnet.nsgKey)?.id ?? subnet.nsgKey ?? null,
    routeTable: subnet.routeTableId ?? null,
    checks: UNSUPPORTED_CONFIGURATION_CHECKS,
    broken,
    unverified,
  };
  // A configuration found broken is a fail whatever else could not be read: the unread parts can only add items.
  if (broken.length > 0)
    return result(
      mi,
      "fail",
      `The network of ${mi.name} has ${broken.length === 1 ? "a configuration" : `${broken.length} configurations`} Microsoft does not support: ${broken.map((item) => item.detail).join("; ")}.`,
      evidence,
    );
  if (unverified.length > 0)
    return result(
      mi,
      "unknown",
      `Cannot confirm that the network of ${mi.name} is a supported configuration: ${unverified.map((item) => item.reason).join("; ")}.`,
      evidence,
    );
  return result(
    mi,
    "pass",
    `The network of ${mi.name} (subnet ${subnet.name}, VNet ${vnet.name}) has none of the configurations Microsoft lists as unsupported, and its subnet is delegated to Microsoft.Sql/managedInstances with a route table.`,
    evidence,
  );
}

/** The subnet's data issues on one of its own properties (`natGateway`, `routeTable`, `delegations`, ...). */
function subnetIssuesAt(subnet: Subnet, ...properties: string[]): DataIssue[] {
  return subnet.issues.filter((issue) =>
    properties.some((property) =>
      new RegExp(`^properties\\.subnets\\[\\d+\\]\\.properties\\.${property}($|[.[])`).test(issue.field),
    ),
  );
}

/** NAT gateway, route table and delegation: read from the subnet's own entry in its VNet row. */
function reviewSubnet(subnet: Subnet, review: Review): void {
  const unreadable = (check: Check, property: string): boolean => {
    const issues = subnetIssuesAt(subnet, property);
    if (issues.length === 0) return false;
    review.unverified.push({
      check,
      resource: subnet.id,
      reason: `${property} of subnet ${subnet.name} could not be read (${describeIssues(issues)})`,
    });
    return true;
  };
  if (!unreadable("nat-gateway", "natGateway") && subnet.natGatewayId !== undefined)
    review.broken.push({
      check: "nat-gateway",
      resource: subnet.id,
      detail: `NAT gateway ${armIdParts(subnet.natGatewayId).name ?? subnet.natGatewayId} is associated with subnet ${subnet.name}`,
    });
  if (!unreadable("route-table-missing", "routeTable") && subnet.routeTableKey === undefined)
    review.broken.push({
      check: "route-table-missing",
      resource: subnet.id,
      detail: `subnet ${subnet.name} has no route table`,
    });
  if (!unreadable("delegation-missing", "delegations") && !subnet.delegations.includes(MI_DELEGATION))
    review.broken.push({
      check: "delegation-missing",
      resource: subnet.id,
      detail: `subnet ${subnet.name} is not delegated to Microsoft.Sql/managedInstances${subnet.delegations.length > 0 ? ` (delegated to ${subnet.delegations.join(", ")})` : ""}`,
    });
}

/** IPv6 entries of an address list, and entries that look like IPv6 but cannot be read (so may be IPv6). */
function ipv6Entries(entries: readonly string[]): { ipv6: string[]; unreadable: string[] } {
  const ipv6: string[] = [];
  const unreadable: string[] = [];
  for (const entry of entries) {
    if (!entry.includes(":")) continue;
    const parsed = parsePrefix(entry);
    if (parsed.ok && parsed.prefix.family === "ipv6") ipv6.push(entry);
    else unreadable.push(entry);
  }
  return { ipv6, unreadable };
}

/** Dual stack: an IPv6 prefix in the VNet's address space or on the MI subnet. */
function reviewAddressSpace(subnet: Subnet, vnet: VirtualNetwork, review: Review): void {
  const spaces = [
    {
      resource: vnet,
      what: `VNet ${vnet.name}`,
      prefixes: vnet.addressPrefixes,
      issues: issuesAt(vnet, "properties.addressSpace"),
    },
    {
      resource: subnet,
      what: `subnet ${subnet.name}`,
      prefixes: subnet.addressPrefixes,
      issues: subnetIssuesAt(subnet, "addressPrefix", "addressPrefixes"),
    },
  ];
  for (const { resource, what, prefixes, issues } of spaces) {
    const { ipv6, unreadable } = ipv6Entries(prefixes);
    if (ipv6.length > 0)
      review.broken.push({
        check: "ipv6-address-space",
        resource: resource.id,
        detail: `${what} has the IPv6 address prefix${ipv6.length > 1 ? "es" : ""} ${ipv6.join(", ")} (dual stack)`,
      });
    else if (unreadable.length > 0 || issues.length > 0)
      review.unverified.push({
        check: "ipv6-address-space",
        resource: resource.id,
        reason: `the address prefixes of ${what} could not all be read (${unreadable.length > 0 ? unreadable.join(", ") : describeIssues(issues)})`,
      });
  }
}

/** Why a resource a subnet references is missing: a coverage gap of its type in its subscription, or not collected. */
function missingReason(what: string, id: string, type: string, estate: Estate): string {
  const gap = coverageGap(estate, type, armIdParts(id).subscriptionId);
  return gap === undefined
    ? `${what} ${id} is not in the audited estate`
    : `${what} ${id} could not be read (${gap.reason})`;
}

/** IPv6 prefixes in the NSG's rules, and whether its rules block platform DNS. */
function reviewNsg(subnet: Subnet, vnet: VirtualNetwork, estate: Estate, review: Review): void {
  const nsg = subnetNsg(subnet, estate);
  // No NSG: nothing here holds IPv6 prefixes or blocks DNS (mi.subnet.nsg-missing reports the missing NSG).
  if (nsg === "none") return;
  if ("problem" in nsg) {
    const reason = missingReason("NSG", subnet.nsgKey!, AUDITED_TYPES.networkSecurityGroup, estate);
    review.unverified.push(
      { check: "ipv6-nsg-prefix", resource: subnet.nsgKey!, reason },
      { check: "platform-dns-blocked", resource: subnet.nsgKey!, reason },
    );
    return;
  }
  reviewNsgPrefixes(nsg, review);
  const broken = nsgIssues(nsg);
  if (broken.length > 0) {
    const reason = `NSG ${nsg.name} has rules that could not be read (${describeIssues(broken)})`;
    review.unverified.push(
      { check: "ipv6-nsg-prefix", resource: nsg.id, reason },
      { check: "platform-dns-blocked", resource: nsg.id, reason },
    );
    return;
  }
  reviewPlatformDns(nsg, subnet, vnet, estate, review);
}

function reviewNsgPrefixes(nsg: NetworkSecurityGroup, review: Review): void {
  for (const rule of nsg.rules) {
    if (rule.isDefault) continue; // the platform defaults name tags only
    const sides = [
      { field: "source", entries: rule.sourceAddressPrefixes },
      { field: "destination", entries: rule.destinationAddressPrefixes },
    ];
    for (const { field, entries } of sides) {
      const { ipv6, unreadable } = ipv6Entries(entries);
      if (ipv6.length > 0)
        review.broken.push({
          check: "ipv6-nsg-prefix",
          resource: nsg.id,
          detail: `rule ${formatRuleRef(ruleRef(rule))} of NSG ${nsg.name} has the IPv6 ${field} prefix${ipv6.length > 1 ? "es" : ""} ${ipv6.join(", ")}`,
        });
      else if (unreadable.length > 0)
        review.unverified.push({
          check: "ipv6-nsg-prefix",
          resource: nsg.id,
          reason: `rule ${rule.name} of NSG ${nsg.name} has ${field} entries that could not be read (${unreadable.join(", ")})`,
        });
    }
  }
}

/** Platform DNS over UDP and TCP 53: one item per outcome, naming the protocols it holds for. */
function reviewPlatformDns(
  nsg: NetworkSecurityGroup,
  subnet: Subnet,
  vnet: VirtualNetwork,
  estate: Estate,
  review: Review,
): void {
  for (const { outcome, protocols } of platformDnsOutcomes(nsg, subnet, vnet, estate)) {
    const what = `outbound ${protocols.join(" and ")} 53 from subnet ${subnet.name} to AzurePlatformDNS`;
    const item = { check: "platform-dns-blocked" as const, resource: nsg.id };
    if (outcome.kind === "blocked")
      review.broken.push({ ...item, detail: `NSG ${nsg.name} denies ${what} by ${outcome.deny}` });
    else if (outcome.kind === "uncertain")
      review.unverified.push({
        ...item,
        reason: `whether NSG ${nsg.name} denies ${what} depends on rules that cannot be resolved (${outcome.why})`,
      });
    else if (outcome.kind === "shadowed")
      review.unverified.push({
        ...item,
        reason: `NSG ${nsg.name} denies ${what} by ${outcome.deny}, but ${outcome.first} matches that traffic first, and Microsoft does not say whether a rule that does not name the tag applies to platform DNS`,
      });
  }
}

/** IPv6 prefixes in the user-defined routes of the subnet's route table. */
function reviewRouteTable(subnet: Subnet, estate: Estate, review: Review): void {
  if (subnet.routeTableKey === undefined) return; // reported as route-table-missing
  const id = subnet.routeTableId ?? subnet.routeTableKey;
  const table = get(estate, "routeTable", subnet.routeTableKey);
  if (table === undefined) {
    review.unverified.push({
      check: "ipv6-route-prefix",
      resource: id,
      reason: missingReason("route table", id, AUDITED_TYPES.routeTable, estate),
    });
    return;
  }
  for (const route of table.routes ?? []) {
    const { ipv6, unreadable } = ipv6Entries(route.addressPrefix === undefined ? [] : [route.addressPrefix]);
    if (ipv6.length > 0)
      review.broken.push({
        check: "ipv6-route-prefix",
        resource: table.id,
        detail: `route ${route.name} of route table ${table.name} has the IPv6 address prefix ${ipv6[0]}`,
      });
    else if (unreadable.length > 0)
      review.unverified.push({
        check: "ipv6-route-prefix",
        resource: table.id,
        reason: `route ${route.name} of route table ${table.name} has an address prefix that could not be read (${unreadable[0]})`,
      });
  }
  const issues = issuesAt(table, "properties.routes");
  if (table.routes === undefined || issues.length > 0)
    review.unverified.push({
      check: "ipv6-route-prefix",
      resource: table.id,
      reason:
        table.routes === undefined
          ? `route table ${table.name} was collected without its routes`
          : `the routes of route table ${table.name} could not all be read (${describeIssues(issues)})`,
    });
}

/** Private DNS zones with a reserved name linked to the MI's VNet. */
function reviewPrivateDns(vnet: VirtualNetwork, estate: Estate, review: Review): void {
  for (const link of estate.privateDnsLinksByVnet.get(vnet.key) ?? []) {
    if (RESERVED_ZONES.has(link.zoneName))
      review.broken.push({
        check: "reserved-private-dns-zone",
        resource: link.id,
        detail: `private DNS zone ${link.zoneName} is linked to VNet ${vnet.name} (link ${link.name})`,
      });
  }
  // A zone in any subscription can link to this VNet, so a gap anywhere leaves the links unknown.
  const gap = estate.coverageGaps.find((candidate) =>
    candidate.types.some((type) => type.toLowerCase() === AUDITED_TYPES.privateDnsZoneLink),
  );
  if (gap !== undefined)
    review.unverified.push({
      check: "reserved-private-dns-zone",
      resource: vnet.id,
      reason: `private DNS zone links could not be read${gap.subscriptionIds === undefined ? "" : ` in ${gap.subscriptionIds.join(", ")}`} (${gap.reason}), so a reserved zone may be linked to VNet ${vnet.name}`,
    });
  for (const link of reservedLinksWithoutVnet(estate))
    review.unverified.push({
      check: "reserved-private-dns-zone",
      resource: link.id,
      reason: `link ${link.name} of private DNS zone ${link.zoneName} names no readable VNet, so it may be linked to VNet ${vnet.name}`,
    });
}

const UNPLACED_RESERVED_LINKS = new WeakMap<Estate, PrivateDnsZoneLink[]>();

/** Links of reserved zones whose VNet cannot be read: any VNet may be theirs. Found once per estate. */
function reservedLinksWithoutVnet(estate: Estate): PrivateDnsZoneLink[] {
  let links = UNPLACED_RESERVED_LINKS.get(estate);
  if (links === undefined) {
    links = estate.byKind.privateDnsZoneLink.filter(
      (link) => link.vnetKey === undefined && RESERVED_ZONES.has(link.zoneName),
    );
    UNPLACED_RESERVED_LINKS.set(estate, links);
  }
  return links;
}
