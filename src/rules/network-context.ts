// Lookups several rules share: where an MI sits, what the VirtualNetwork tag means for a VNet, which VNets can reach
// each other, and who the members of application security groups are. All of it goes through the estate's maps
// (nothing scans the estate per verdict), and what several verdicts ask again is kept per estate.
import { armIdParts } from "../model/arm-id";
import {
  get,
  type Connection,
  type CoverageGap,
  type DataIssue,
  type Estate,
  type ManagedInstance,
  type NetworkSecurityGroup,
  type Peering,
  type Resource,
  type Subnet,
  type VirtualNetwork,
} from "../model/estate";
import { AUDITED_TYPES } from "../model/row";
import { ARM_CHILD_TYPES } from "../model/arm-child-types";
import type { InboundExposureQuery } from "../net/nsg-evaluation";

export interface MiPlacement {
  subnet: Subnet;
  vnet: VirtualNetwork;
}

/** The MI's subnet and VNet, or the reason they cannot be found. */
export function placeManagedInstance(mi: ManagedInstance, estate: Estate): MiPlacement | { problem: string } {
  if (mi.subnetKey === undefined) return { problem: `${mi.name} has no subnetId in its properties` };
  const subnet = get(estate, "subnet", mi.subnetKey);
  if (subnet === undefined)
    return { problem: `the subnet ${mi.subnetId ?? mi.subnetKey} of ${mi.name} is not in the audited estate` };
  const vnet = get(estate, "virtualNetwork", subnet.vnetKey);
  if (vnet === undefined) return { problem: `the VNet of subnet ${subnet.name} is not in the audited estate` };
  return { subnet, vnet };
}

/** The NSG attached to a subnet: `none` when the subnet has none, or a problem when it is referenced but missing. */
export function subnetNsg(subnet: Subnet, estate: Estate): NetworkSecurityGroup | "none" | { problem: string } {
  if (subnet.nsgKey === undefined) return "none";
  const nsg = get(estate, "networkSecurityGroup", subnet.nsgKey);
  if (nsg === undefined)
    return { problem: `NSG ${subnet.nsgKey} on subnet ${subnet.name} is not in the audited estate` };
  return nsg;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths between VNets, and the VirtualNetwork tag
//
// Seed 000 names two ways to connect an app's VNet to the MI's VNet: peering and a VNet-to-VNet VPN connection; and
// site-to-site VPN or ExpressRoute for on-premises. Microsoft's service-tag page says what the VirtualNetwork tag
// holds: "the virtual network address space, all connected on-premises address spaces, peered virtual networks,
// virtual networks connected to a virtual network gateway, the virtual IP address of the host, and address prefixes
// used on user-defined routes". The peering page adds that the tag includes a peered VNet only while the peering
// allows access (`allowVirtualNetworkAccess`, true unless set false). Gateway transit shares a hub's gateway with the
// spokes that use it: "Connectivity available on the VPN gateway, including S2S, P2S, and VNet-to-VNet connections,
// applies to all three virtual networks", and the routes to gateway-connected VNets and sites propagate to them.

/** What the VirtualNetwork tag stands for at one subnet. */
export interface VirtualNetworkTag {
  /** The estate's own network in the tag: VNet space, peered and gateway-connected VNets, on-premises sites. Trusted. */
  prefixes: string[];
  /** Prefixes of the user-defined routes of the subnet's route table: in the tag, but not trusted. */
  routePrefixes: string[];
  /** Why the route prefixes are not known (route table not collected, unreadable routes). */
  routesUnknown?: string;
  /**
   * Parts of the tag that may be larger than `prefixes` (ranges learned over BGP, sites or VNets not in the estate).
   * They do not change inbound exposure verdicts: what is missing is the estate's own network, which is trusted as
   * a source, and leaving it out of `prefixes` only makes the evaluator count it as untrusted where it is matched by
   * `*`/Internet rules, which can add a finding but never hide one.
   */
  notes: string[];
}

// The host's virtual IP (the platform's DNS, DHCP and health probes) is part of the tag by Microsoft's definition.
const HOST_VIRTUAL_IP = "168.63.129.16/32";

function isConnected(peering: Peering): boolean {
  return peering.peeringState?.toLowerCase() === "connected";
}

/** `from`'s peering to `to`, if any. */
function peeringTo(from: VirtualNetwork, to: string): Peering | undefined {
  return (from.peerings ?? []).find((p) => p.remoteVnetKey === to);
}

/** True when `from` has a peering to `to` in state Connected. */
export function connectedPeering(from: VirtualNetwork, to: VirtualNetwork): boolean {
  const peering = peeringTo(from, to.key);
  return peering !== undefined && isConnected(peering);
}

/**
 * A peering is a path for traffic when both sides are Connected and both allow virtual network access: with access
 * disabled on either side, that side's VirtualNetwork tag no longer holds the other VNet, so the default rules stop
 * the traffic (Microsoft: traffic does not flow, unless NSG rules allow the addresses explicitly).
 */
export function peeringIsPath(from: VirtualNetwork, to: VirtualNetwork): boolean {
  const there = peeringTo(from, to.key);
  const back = peeringTo(to, from.key);
  // An unreadable flag counts as a path here: the app-side rules then check the traffic (a finding at worst), where
  // "no path" could turn one into notApplicable.
  return (
    there !== undefined &&
    back !== undefined &&
    isConnected(there) &&
    isConnected(back) &&
    there.allowVirtualNetworkAccess !== false &&
    back.allowVirtualNetworkAccess !== false
  );
}

/**
 * The VNets whose gateways `vnet` uses: itself when it has a gateway, else the hub it reaches through a Connected
 * peering with `useRemoteGateways` whose peering back allows gateway transit. `notes` says what could not be resolved.
 */
function gatewayVnets(vnet: VirtualNetwork, estate: Estate, notes: string[]): VirtualNetwork[] {
  if ((estate.gatewaysByVnet.get(vnet.key) ?? []).length > 0) return [vnet];
  const hubs: VirtualNetwork[] = [];
  for (const peering of vnet.peerings ?? []) {
    if (peering.useRemoteGateways !== true || !isConnected(peering)) continue;
    const hub = get(estate, "virtualNetwork", peering.remoteVnetKey);
    if (hub === undefined) {
      notes.push(
        `${vnet.name} uses the gateway of ${peering.remoteVnetId ?? peering.name}, which is not in the audited estate, so the VNets and sites connected to that gateway are not listed`,
      );
    } else if (hub.peerings === undefined) {
      notes.push(
        `${vnet.name} uses the gateway of ${hub.name}, whose peerings were not collected, so gateway transit cannot be confirmed`,
      );
    } else if (peeringTo(hub, vnet.key)?.allowGatewayTransit === true && isConnected(peeringTo(hub, vnet.key)!)) {
      hubs.push(hub);
    }
  }
  return hubs;
}

/**
 * The VNets whose gateways `vnet` uses (itself, or the hub it uses by gateway transit), for rules that follow them;
 * `notes` (when given) receives what could not be resolved (a hub not in the estate, or whose peerings are unknown).
 */
export function gatewayVnetsUsedBy(vnet: VirtualNetwork, estate: Estate, notes: string[] = []): VirtualNetwork[] {
  return gatewayVnets(vnet, estate, notes);
}

/** A gateway VNet and the spokes that use its gateway (hub peering allows transit, spoke peering uses remote gateways). */
function gatewayDomain(hub: VirtualNetwork, estate: Estate): VirtualNetwork[] {
  const members = [hub];
  for (const peering of hub.peerings ?? []) {
    if (peering.allowGatewayTransit !== true || !isConnected(peering)) continue;
    const spoke = get(estate, "virtualNetwork", peering.remoteVnetKey);
    const back = spoke === undefined ? undefined : peeringTo(spoke, hub.key);
    if (spoke !== undefined && back?.useRemoteGateways === true && isConnected(back) && !members.includes(spoke))
      members.push(spoke);
  }
  return members;
}

/** What a gateway VNet is connected to through its gateways. */
interface GatewayReach {
  /** Gateway VNets at the other end of VNet-to-VNet connections. */
  remoteGatewayVnets: VirtualNetwork[];
  /** On-premises ranges of site-to-site connections (local network gateways' address spaces). */
  sitePrefixes: string[];
  notes: string[];
}

export function connectionKind(connection: Connection): "vnet2vnet" | "ipsec" | "expressroute" | "other" {
  const type = connection.connectionType?.toLowerCase();
  if (type === "vnet2vnet") return "vnet2vnet";
  if (type === "ipsec") return "ipsec";
  if (type === "expressroute") return "expressroute";
  if (type !== undefined) return "other";
  // Without a type, the fields the connection carries say which kind it is.
  if (connection.localNetworkGatewayKey !== undefined) return "ipsec";
  if (connection.circuitKey !== undefined) return "expressroute";
  return connection.gatewayKeys.length === 2 ? "vnet2vnet" : "other";
}

function gatewayReach(hub: VirtualNetwork, estate: Estate): GatewayReach {
  const reach: GatewayReach = { remoteGatewayVnets: [], sitePrefixes: [], notes: [] };
  for (const gateway of estate.gatewaysByVnet.get(hub.key) ?? []) {
    for (const connection of estate.connectionsByGateway.get(gateway.key) ?? []) {
      switch (connectionKind(connection)) {
        case "vnet2vnet": {
          // Azure models one tunnel as two connection resources, one per gateway; either is enough to see the path.
          const otherKey = connection.gatewayKeys.find((key) => key !== gateway.key);
          const other = get(estate, "virtualNetworkGateway", otherKey);
          const otherVnet = get(estate, "virtualNetwork", other?.vnetKey);
          if (otherVnet === undefined)
            reach.notes.push(
              `the VNet at the other end of VNet-to-VNet connection ${connection.name} is not in the audited estate`,
            );
          else if (otherVnet.key !== hub.key && !reach.remoteGatewayVnets.includes(otherVnet))
            reach.remoteGatewayVnets.push(otherVnet);
          if (connection.enableBgp === true)
            reach.notes.push(
              `VNet-to-VNet connection ${connection.name} uses BGP, so ranges the other gateway learns may be announced too`,
            );
          break;
        }
        case "ipsec": {
          const site = get(estate, "localNetworkGateway", connection.localNetworkGatewayKey);
          const prefixes = site?.addressPrefixes ?? connection.embeddedLocalAddressPrefixes;
          if (prefixes === undefined)
            reach.notes.push(
              `the on-premises site of connection ${connection.name} is not in the audited estate, so its ranges are not listed`,
            );
          else reach.sitePrefixes.push(...prefixes);
          if (connection.enableBgp === true || site?.bgpEnabled === true)
            reach.notes.push(
              `site-to-site connection ${connection.name} can learn on-premises ranges over BGP beyond the site's address space`,
            );
          break;
        }
        case "expressroute":
          reach.notes.push(
            `on-premises ranges learned over ExpressRoute connection ${connection.name} (BGP) are not in the estate`,
          );
          break;
        case "other":
          reach.notes.push(
            `connection ${connection.name} (${connection.connectionType ?? "no type"}) may connect ranges that are not listed`,
          );
          break;
      }
    }
  }
  return reach;
}

interface VnetNetwork {
  prefixes: string[];
  notes: string[];
  reachable: VirtualNetwork[];
}

// One answer per VNet and estate: the same VNet's tag and paths are asked for by every NSG and app subnet in it.
const NETWORKS = new WeakMap<Estate, Map<string, VnetNetwork>>();

function vnetNetwork(vnet: VirtualNetwork, estate: Estate): VnetNetwork {
  let byVnet = NETWORKS.get(estate);
  if (byVnet === undefined) {
    byVnet = new Map();
    NETWORKS.set(estate, byVnet);
  }
  const known = byVnet.get(vnet.key);
  if (known !== undefined) return known;
  const prefixes = new Set([...vnet.addressPrefixes, HOST_VIRTUAL_IP]);
  const notes: string[] = [];
  const reachable = [vnet];
  const addSpace = (other: VirtualNetwork) => other.addressPrefixes.forEach((prefix) => prefixes.add(prefix));
  const addReachable = (other: VirtualNetwork) => {
    if (!reachable.includes(other)) reachable.push(other);
  };
  if (vnet.peerings === undefined)
    notes.push(`the peerings of ${vnet.name} were not collected, so peered address spaces are not listed`);
  for (const peering of vnet.peerings ?? []) {
    if (!isConnected(peering) || peering.allowVirtualNetworkAccess === false) continue;
    const remote = get(estate, "virtualNetwork", peering.remoteVnetKey);
    if (remote !== undefined && remote.key !== vnet.key && peeringIsPath(vnet, remote)) addReachable(remote);
    // The tag of this VNet follows this side's peering: Connected, and access allowed here. An unreadable flag leaves
    // the remote space out, which can only add a finding (it is then untrusted and not matched by VirtualNetwork).
    if (peering.allowVirtualNetworkAccess === undefined) {
      notes.push(
        `allowVirtualNetworkAccess of peering ${peering.name} could not be read, so the space of ${remote?.name ?? peering.remoteVnetId ?? "the peered VNet"} is not counted in VirtualNetwork`,
      );
      continue;
    }
    const space = remote?.addressPrefixes ?? peering.remoteAddressPrefixes;
    space.forEach((prefix) => prefixes.add(prefix));
    if (remote === undefined && space.length === 0)
      notes.push(`the address space of peered VNet ${peering.remoteVnetId ?? peering.name} is not known`);
  }
  for (const hub of gatewayVnets(vnet, estate, notes)) {
    // The hub's own space comes (or not) with its peering above; what its gateway connects applies to the spoke too.
    const reach = gatewayReach(hub, estate);
    reach.sitePrefixes.forEach((prefix) => prefixes.add(prefix));
    notes.push(...reach.notes);
    for (const remoteHub of reach.remoteGatewayVnets) {
      // A VNet-to-VNet tunnel serves the other gateway's VNet and every spoke that uses that gateway.
      for (const member of gatewayDomain(remoteHub, estate)) {
        addSpace(member);
        addReachable(member);
      }
    }
  }
  const network = { prefixes: [...prefixes], notes: [...new Set(notes)], reachable };
  byVnet.set(vnet.key, network);
  return network;
}

/**
 * What the VirtualNetwork tag stands for in `vnet`, at `subnet` when given (its route table's routes are part of the
 * tag there). Without a subnet, no route prefixes are known and none are claimed.
 */
export function virtualNetworkTag(vnet: VirtualNetwork, estate: Estate, subnet?: Subnet): VirtualNetworkTag {
  const network = vnetNetwork(vnet, estate);
  const tag: VirtualNetworkTag = { prefixes: network.prefixes, routePrefixes: [], notes: network.notes };
  if (subnet?.routeTableKey === undefined) return tag;
  const table = get(estate, "routeTable", subnet.routeTableKey);
  const name = subnet.routeTableId ?? subnet.routeTableKey;
  if (table === undefined) {
    const gap = coverageGap(estate, AUDITED_TYPES.routeTable, armIdParts(name).subscriptionId);
    tag.routesUnknown =
      gap === undefined
        ? `route table ${name} of subnet ${subnet.name} is not in the audited estate`
        : `route table ${name} of subnet ${subnet.name} could not be read (${gap.reason})`;
    return tag;
  }
  const broken = issuesAt(table, "properties.routes");
  if (broken.length > 0) {
    tag.routesUnknown = `the routes of route table ${table.name} could not be read: ${describeIssues(broken)}`;
  } else if (table.routes === undefined) {
    tag.routesUnknown = `route table ${table.name} was collected without its routes`;
  }
  tag.routePrefixes = (table.routes ?? []).flatMap((route) =>
    route.addressPrefix === undefined ? [] : [route.addressPrefix],
  );
  return tag;
}

/**
 * The coverage gap that covers `type` (lower case) for a subscription, if any. Rules use it where a FAIL would rest on
 * data that was not collected ("no flow log" when flow logs could not be read): that verdict is `unknown` instead.
 * A gap that names resources counts for their whole subscription here, which can only turn a verdict into unknown.
 */
export function coverageGap(estate: Estate, type: string, subscriptionId: string | undefined): CoverageGap | undefined {
  const subscription = subscriptionId?.toLowerCase();
  return estate.coverageGaps.find(
    (gap) =>
      gap.types.some((t) => t.toLowerCase() === type) &&
      (gap.subscriptionIds === undefined ||
        (subscription !== undefined && gap.subscriptionIds.some((s) => s.toLowerCase() === subscription))),
  );
}

/** The VNet of a subnet key, if both are in the estate. */
export function vnetOfSubnet(subnetKey: string | undefined, estate: Estate): VirtualNetwork | undefined {
  const subnet = get(estate, "subnet", subnetKey);
  return subnet === undefined ? undefined : get(estate, "virtualNetwork", subnet.vnetKey);
}

/**
 * The kinds whose rows decide which MIs an app can reach (reachableVnets): the MIs and VNets themselves, peerings,
 * and the gateways and VNet-to-VNet connections. A rule asking "which MI does this app reach" is only applicable
 * when all of them were collected; without them "reaches no MI" would be a guess.
 */
export const APP_TO_MI_PATH_TYPES: readonly string[] = [
  "microsoft.sql/managedinstances",
  "microsoft.network/virtualnetworks",
  "microsoft.network/virtualnetworkgateways",
  "microsoft.network/connections",
  ARM_CHILD_TYPES.virtualNetworkPeerings,
];

/**
 * VNets whose addresses `vnet` can reach: itself; every VNet peered with it where the peering is a path (Connected
 * on both sides, access allowed on both); and, through its own gateway or the hub gateway it uses by gateway
 * transit, every VNet at the other end of a VNet-to-VNet connection together with the spokes that use that gateway.
 * Spokes of one hub do not reach each other through it (peering is not transitive, and the gateway does not route
 * between spokes without user-defined routes).
 */
export function reachableVnets(vnet: VirtualNetwork, estate: Estate): VirtualNetwork[] {
  return vnetNetwork(vnet, estate).reachable;
}

// ---------------------------------------------------------------------------------------------------------------
// Application security groups
//
// Microsoft's page: an ASG's members are network interfaces (their ip configurations), and all of them sit in the
// virtual network of the first one. A rule naming an ASG matches exactly those members' addresses. Membership is
// known here only when it can be complete: some collected NIC joins the ASG (a group no collected NIC names cannot be
// told apart from one whose members were not exported), every member's address is readable, no collected NIC of the
// subscriptions involved has ip configurations too malformed to tell which groups they join, and no coverage gap on
// network interfaces covers those subscriptions.

const ASG_MEMBERS = new WeakMap<Estate, ReadonlyMap<string, readonly string[]>>();

/** ASG key → member private addresses as /32 or /128 CIDRs, for the ASGs whose members are all known. */
export function applicationSecurityGroupMembers(estate: Estate): ReadonlyMap<string, readonly string[]> {
  const known = ASG_MEMBERS.get(estate);
  if (known !== undefined) return known;
  const members = new Map<string, string[]>();
  const unknown = new Set<string>();
  /** ASG key → subscriptions whose NIC coverage it depends on (its own and its members'). */
  const subscriptions = new Map<string, Set<string>>();
  const unreadableNicSubscriptions = new Set<string>();
  for (const nic of estate.byKind.networkInterface) {
    if (nic.issues.some((issue) => UNREADABLE_MEMBERSHIP.test(issue.field)))
      unreadableNicSubscriptions.add(nic.subscriptionId);
    for (const membership of nic.applicationSecurityGroups) {
      const list = members.get(membership.key) ?? [];
      members.set(membership.key, list);
      const subs = subscriptions.get(membership.key) ?? new Set([armIdParts(membership.key).subscriptionId ?? ""]);
      subs.add(nic.subscriptionId);
      subscriptions.set(membership.key, subs);
      if (membership.unreadable !== undefined) unknown.add(membership.key);
      for (const address of membership.addresses) {
        const cidr = address.includes("/") ? address : `${address}/${address.includes(":") ? 128 : 32}`;
        if (!list.includes(cidr)) list.push(cidr);
      }
    }
  }
  for (const [key, subs] of subscriptions) {
    for (const subscription of subs) {
      if (
        unreadableNicSubscriptions.has(subscription) ||
        coverageGap(estate, AUDITED_TYPES.networkInterface, subscription) !== undefined
      )
        unknown.add(key);
    }
  }
  for (const key of unknown) members.delete(key);
  ASG_MEMBERS.set(estate, members);
  return members;
}

// A NIC whose ip configurations (or their ASG lists) could not be read may belong to any group of its subscription.
const UNREADABLE_MEMBERSHIP = /^properties\.ipConfigurations(\[\d+\](\.properties)?)?$|\.applicationSecurityGroups/;

/** Managed instances in a VNet, through its subnets. */
export function managedInstancesInVnet(vnet: VirtualNetwork, estate: Estate): ManagedInstance[] {
  return vnet.subnetKeys.flatMap((key) => estate.managedInstancesBySubnet.get(key) ?? []);
}

/** A data-quality note listing the issues of the resources a verdict read, or undefined when there are none. */
export function dataIssuesOf(...resources: (Resource | undefined)[]): DataIssue[] {
  return resources.flatMap((resource) =>
    resource === undefined
      ? []
      : resource.issues.map((issue) => ({ ...issue, field: `${resource.name}: ${issue.field}` })),
  );
}

export function describeIssues(issues: DataIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.field} ${issue.problem}`)
    .join("; ")
    .concat(issues.length > 3 ? `; and ${issues.length - 3} more` : "");
}

/** The resource's data issues on the given fields (or anything nested below them). */
export function issuesAt(resource: Resource, ...fields: string[]): DataIssue[] {
  return resource.issues.filter((issue) =>
    fields.some(
      (field) => issue.field === field || issue.field.startsWith(`${field}.`) || issue.field.startsWith(`${field}[`),
    ),
  );
}

/** Issues that stop an NSG from being evaluated at all (a rule that is null, a string, or has no priority). */
export function nsgIssues(nsg: NetworkSecurityGroup): DataIssue[] {
  return issuesAt(nsg, "properties", "properties.securityRules", "properties.defaultSecurityRules").filter(
    (issue) =>
      issue.field === "properties" ||
      issue.field.startsWith("properties.securityRules") ||
      issue.field.startsWith("properties.defaultSecurityRules"),
  );
}

/**
 * The fields of an NSG evaluator query that say what VirtualNetwork and the ASGs stand for: the tag's trusted
 * prefixes as `virtualNetworkPrefixes`, the route prefixes (matched, never trusted), and the known ASG members.
 */
export function networkQuery(
  tag: VirtualNetworkTag,
  estate: Estate,
): Pick<
  InboundExposureQuery,
  "virtualNetworkPrefixes" | "routePrefixes" | "routesUnknown" | "applicationSecurityGroups"
> {
  return {
    virtualNetworkPrefixes: tag.prefixes,
    routePrefixes: tag.routePrefixes,
    ...(tag.routesUnknown === undefined ? {} : { routesUnknown: tag.routesUnknown }),
    applicationSecurityGroups: applicationSecurityGroupMembers(estate),
  };
}

/** Evidence about the VirtualNetwork tag that the verdict did not need, but a reader may (only when there is some). */
export function tagEvidence(tag: VirtualNetworkTag): { virtualNetworkTagNotes?: string[]; routesUnknown?: string } {
  return {
    ...(tag.notes.length > 0 ? { virtualNetworkTagNotes: tag.notes } : {}),
    ...(tag.routesUnknown === undefined ? {} : { routesUnknown: tag.routesUnknown }),
  };
}
