// Relation resolution: once every row is read, the estate's indexes (resources by kind, the NSGs, NICs, apps and
// gateways of each subnet or VNet) are built through maps keyed by folded ARM id, never by scanning arrays.
import type { CoverageGap, DataIssue, Estate, Resource, VirtualNetwork } from "./estate";

type Push = <V>(map: Map<string, V[]>, key: string, value: V) => void;

/**
 * Appends to lists whose entries must stay unique, because most relations are recorded on both sides (an NSG lists
 * its NICs and each NIC names its NSG). A plain includes() made that quadratic in the longest list: one NSG shared by
 * 40,000 NICs took 2 s to relate. Short lists still use includes(); a long one gets a Set, dropped after build().
 */
class UniqueLists {
  private static readonly SHORT = 16;
  private readonly members = new Map<unknown[], Set<unknown>>();

  push<V>(map: Map<string, V[]>, key: string, value: V): void {
    const list = map.get(key);
    if (list === undefined) {
      map.set(key, [value]);
      return;
    }
    if (list.length < UniqueLists.SHORT) {
      if (!list.includes(value)) list.push(value);
      return;
    }
    let seen = this.members.get(list);
    if (seen === undefined) {
      seen = new Set(list);
      this.members.set(list, seen);
    }
    if (seen.has(value)) return;
    seen.add(value);
    list.push(value);
  }
}

/** The estate of the resources read, with every relation recorded both ways and every list at its exact size. */
export function resolveRelations(
  resources: Map<string, Resource>,
  coverageGaps: CoverageGap[],
  rowIssues: string[],
  scopeSubscriptions: readonly string[] = [],
): Estate {
  const estate = emptyEstate(resources, coverageGaps, rowIssues, scopeSubscriptions);
  for (const resource of resources.values()) (estate.byKind[resource.kind] as Resource[]).push(resource);
  const lists = new UniqueLists();
  const push: Push = (map, key, value) => lists.push(map, key, value);
  relateSubnets(estate, push);
  relateApps(estate, push);
  relateGateways(estate, push);
  relateMonitoring(estate, push);
  for (const ip of estate.byKind.publicIpAddress) if (ip.ipAddress) estate.ownedPublicPrefixes.push(ip.ipAddress);
  for (const prefix of estate.byKind.publicIpPrefix)
    if (prefix.ipPrefix) estate.ownedPublicPrefixes.push(prefix.ipPrefix);
  compact(estate);
  return estate;
}

function emptyEstate(
  resources: Map<string, Resource>,
  coverageGaps: CoverageGap[],
  rowIssues: string[],
  scopeSubscriptions: readonly string[],
): Estate {
  return {
    resources,
    byKind: {
      managedInstance: [],
      networkSecurityGroup: [],
      virtualNetwork: [],
      subnet: [],
      virtualNetworkGateway: [],
      connection: [],
      expressRouteCircuit: [],
      publicIpAddress: [],
      publicIpPrefix: [],
      webApp: [],
      appServiceEnvironment: [],
      networkInterface: [],
      localNetworkGateway: [],
      routeTable: [],
      privateDnsZoneLink: [],
      flowLog: [],
    },
    managedInstancesBySubnet: new Map(),
    appsBySubnet: new Map(),
    aseBySubnet: new Map(),
    nicsBySubnet: new Map(),
    subnetsByNsg: new Map(),
    nicsByNsg: new Map(),
    gatewaysByVnet: new Map(),
    connectionsByGateway: new Map(),
    connectionsByCircuit: new Map(),
    gatewayAppsByVnet: new Map(),
    privateDnsLinksByVnet: new Map(),
    flowLogsByTarget: new Map(),
    auditedSubscriptions: auditedSubscriptionsOf(resources, scopeSubscriptions),
    ownedPublicPrefixes: [],
    coverageGaps,
    rowIssues,
  };
}

/** What sits in each subnet (MIs, NICs, ASEs), and the NSG and route table of subnets and NICs. */
function relateSubnets(estate: Estate, push: Push): void {
  const resources = estate.resources;
  for (const subnet of estate.byKind.subnet) {
    if (subnet.nsgKey !== undefined) push(estate.subnetsByNsg, subnet.nsgKey, subnet);
  }
  for (const nsg of estate.byKind.networkSecurityGroup) {
    for (const subnetKey of nsg.subnetKeys) {
      const subnet = resources.get(subnetKey);
      if (subnet?.kind !== "subnet") continue;
      // The association is recorded on both sides; either side alone is enough.
      subnet.nsgKey ??= nsg.key;
      push(estate.subnetsByNsg, nsg.key, subnet);
    }
  }
  for (const table of estate.byKind.routeTable) {
    for (const subnetKey of table.subnetKeys) {
      const subnet = resources.get(subnetKey);
      // The association is recorded on both sides; either side alone is enough, as for NSGs.
      if (subnet?.kind === "subnet" && subnet.routeTableKey === undefined) {
        subnet.routeTableKey = table.key;
        subnet.routeTableId = table.id;
      }
    }
  }
  for (const mi of estate.byKind.managedInstance) {
    if (mi.subnetKey !== undefined) push(estate.managedInstancesBySubnet, mi.subnetKey, mi);
  }
  for (const nic of estate.byKind.networkInterface) {
    for (const subnetKey of nic.subnetKeys) push(estate.nicsBySubnet, subnetKey, nic);
    if (nic.nsgKey !== undefined) push(estate.nicsByNsg, nic.nsgKey, nic);
  }
  for (const nsg of estate.byKind.networkSecurityGroup) {
    for (const nicKey of nsg.networkInterfaceKeys) {
      const nic = resources.get(nicKey);
      if (nic?.kind !== "networkInterface") continue;
      nic.nsgKey ??= nsg.key;
      push(estate.nicsByNsg, nsg.key, nic);
    }
  }
  for (const ase of estate.byKind.appServiceEnvironment) {
    if (ase.subnetKey !== undefined) push(estate.aseBySubnet, ase.subnetKey, ase);
  }
}

/** The apps integrated with a subnet, and those whose gateway-required integration names a VNet. */
function relateApps(estate: Estate, push: Push): void {
  const vnetsByName = new Map<string, VirtualNetwork[]>();
  for (const vnet of estate.byKind.virtualNetwork)
    push(vnetsByName, `${vnet.subscriptionId}/${vnet.name.toLowerCase()}`, vnet);
  for (const app of estate.byKind.webApp) {
    if (app.integrationSubnetKey !== undefined) {
      push(estate.appsBySubnet, app.integrationSubnetKey, app);
    } else if (app.gatewayVnetName !== undefined) {
      // Gateway-required integration names the VNet, which must be in the app's own subscription.
      const candidates = vnetsByName.get(`${app.subscriptionId}/${app.gatewayVnetName.toLowerCase()}`) ?? [];
      if (candidates.length === 1) {
        app.gatewayVnetKey = candidates[0]!.key;
        push(estate.gatewayAppsByVnet, candidates[0]!.key, app);
      } else if (candidates.length > 1) {
        app.issues.push({
          field: "properties.siteConfig.vnetName",
          problem: `VNet name ${app.gatewayVnetName} matches ${candidates.length} VNets in subscription ${app.subscriptionId}`,
        });
      }
    }
  }
}

/** The gateways of each VNet, and the connections of each gateway and circuit. */
function relateGateways(estate: Estate, push: Push): void {
  for (const gateway of estate.byKind.virtualNetworkGateway) {
    if (gateway.vnetKey !== undefined) push(estate.gatewaysByVnet, gateway.vnetKey, gateway);
  }
  for (const connection of estate.byKind.connection) {
    for (const gatewayKey of connection.gatewayKeys) push(estate.connectionsByGateway, gatewayKey, connection);
    if (connection.circuitKey !== undefined) push(estate.connectionsByCircuit, connection.circuitKey, connection);
  }
}

/** The private DNS zones linked to each VNet, and the flow logs of each target. */
function relateMonitoring(estate: Estate, push: Push): void {
  for (const link of estate.byKind.privateDnsZoneLink) {
    if (link.vnetKey !== undefined) push(estate.privateDnsLinksByVnet, link.vnetKey, link);
  }
  for (const flowLog of estate.byKind.flowLog) {
    if (flowLog.targetKey !== undefined) push(estate.flowLogsByTarget, flowLog.targetKey, flowLog);
  }
}

function auditedSubscriptionsOf(resources: Map<string, Resource>, scope: readonly string[]): Set<string> {
  const subscriptions = new Set(scope.map((id) => id.toLowerCase()));
  for (const resource of resources.values())
    if (resource.subscriptionId !== "") subscriptions.add(resource.subscriptionId);
  return subscriptions;
}

/**
 * Memory once every relation is recorded (measured with the engine benchmark at 1M rows): most resources have no
 * data issue, yet each held its own empty list (32 bytes); and a relation list grown by push() keeps room for up to
 * 17 entries, or half its length again. Nothing adds to either after build(), so empty issue lists become one shared
 * frozen list and relation lists are copied to their exact size.
 */
function compact(estate: Estate): void {
  for (const resource of estate.resources.values()) {
    if (resource.issues.length === 0) resource.issues = NO_ISSUES;
  }
  const relationMaps: Map<string, unknown[]>[] = [
    estate.managedInstancesBySubnet,
    estate.appsBySubnet,
    estate.aseBySubnet,
    estate.nicsBySubnet,
    estate.subnetsByNsg,
    estate.nicsByNsg,
    estate.gatewaysByVnet,
    estate.connectionsByGateway,
    estate.connectionsByCircuit,
    estate.gatewayAppsByVnet,
    estate.privateDnsLinksByVnet,
    estate.flowLogsByTarget,
  ];
  for (const map of relationMaps) {
    for (const [key, list] of map) if (list.length > 1) map.set(key, list.slice());
  }
}

const NO_ISSUES: DataIssue[] = Object.freeze<DataIssue[]>([]) as DataIssue[];
