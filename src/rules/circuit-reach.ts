// The ExpressRoute circuits whose routes reach a VNet: circuits attached by a connection to the VNet's own gateway, or
// to the hub gateway the VNet uses by gateway transit. The same walk the seed rule expressroute.microsoft-peering
// takes from the circuit's side (circuit → connections → gateways → VNets), taken here from the VNet's side.
import { armIdParts } from "../model/arm-id";
import {
  get,
  type Connection,
  type Estate,
  type ExpressRouteCircuit,
  type VirtualNetwork,
  type VirtualNetworkGateway,
} from "../model/estate";
import { AUDITED_TYPES } from "../model/row";
import { connectionKind, coverageGap, gatewayVnetsUsedBy } from "./network-context";

/** One circuit attached to a gateway the VNet uses. */
export interface CircuitPath {
  circuit: ExpressRouteCircuit;
  connection: Connection;
  gateway: VirtualNetworkGateway;
  /** The VNet the gateway sits in: the VNet itself, or the hub whose gateway it uses by gateway transit. */
  gatewayVnet: VirtualNetwork;
}

export interface CircuitReach {
  /** One path per circuit (the first found), in the order of gateways and connections. */
  paths: CircuitPath[];
  /** What could not be followed: with any of these, "no circuit reaches the VNet" is not known. */
  problems: string[];
}

function gapProblem(estate: Estate, type: string, subscriptionId: string, what: string): string | undefined {
  const gap = coverageGap(estate, type, subscriptionId);
  return gap === undefined ? undefined : `${what} could not be read in subscription ${subscriptionId} (${gap.reason})`;
}

/**
 * The circuits that reach `vnet` through a gateway connection, and what stopped the walk. A VNet with a gateway of
 * its own cannot use a remote one (Azure refuses useRemoteGateways there), so only VNets without one look at hubs.
 */
export function circuitsReaching(vnet: VirtualNetwork, estate: Estate): CircuitReach {
  const problems: string[] = [];
  const ownGateways = estate.gatewaysByVnet.get(vnet.key) ?? [];
  if (ownGateways.length === 0 && vnet.peerings === undefined)
    problems.push(`the peerings of ${vnet.name} were not collected, so a hub gateway it may use is not known`);
  const gatewayVnets = gatewayVnetsUsedBy(vnet, estate, problems);
  const seen = new Set<string>();
  const paths: CircuitPath[] = [];
  // Gateways sit in their VNet's subscription; the engine already covers the MI's own, a hub may be elsewhere.
  for (const gatewayVnet of gatewayVnets) {
    const gap = gapProblem(
      estate,
      AUDITED_TYPES.virtualNetworkGateway,
      gatewayVnet.subscriptionId,
      "virtual network gateways",
    );
    if (gap !== undefined) problems.push(gap);
    for (const gateway of estate.gatewaysByVnet.get(gatewayVnet.key) ?? []) {
      const connectionGap = gapProblem(estate, AUDITED_TYPES.connection, gateway.subscriptionId, "connections");
      if (connectionGap !== undefined) problems.push(connectionGap);
      for (const connection of estate.connectionsByGateway.get(gateway.key) ?? []) {
        if (connectionKind(connection) !== "expressroute") continue;
        const circuit = get(estate, "expressRouteCircuit", connection.circuitKey);
        if (circuit === undefined) {
          problems.push(missingCircuit(estate, connection));
          continue;
        }
        if (seen.has(circuit.key)) continue;
        seen.add(circuit.key);
        paths.push({ circuit, connection, gateway, gatewayVnet });
      }
    }
  }
  // A gateway sits in its VNet's subscription: a connection there whose gateway row is missing may serve this VNet.
  for (const candidate of new Set([vnet, ...gatewayVnets])) {
    for (const connection of danglingConnections(estate).get(candidate.subscriptionId.toLowerCase()) ?? [])
      problems.push(
        `ExpressRoute connection ${connection.name} names a gateway that is not in the audited estate, which may sit in ${candidate.name}`,
      );
  }
  return { paths, problems: [...new Set(problems)] };
}

const DANGLING = new WeakMap<Estate, Map<string, Connection[]>>();

/** ExpressRoute connections naming a gateway the estate lacks, by that gateway's subscription (lower case). */
function danglingConnections(estate: Estate): Map<string, Connection[]> {
  const known = DANGLING.get(estate);
  if (known !== undefined) return known;
  const bySubscription = new Map<string, Connection[]>();
  for (const connection of estate.byKind.connection) {
    if (connectionKind(connection) !== "expressroute") continue;
    for (const key of connection.gatewayKeys) {
      if (get(estate, "virtualNetworkGateway", key) !== undefined) continue;
      const subscription = (armIdParts(key).subscriptionId ?? "").toLowerCase();
      bySubscription.set(subscription, [...(bySubscription.get(subscription) ?? []), connection]);
    }
  }
  DANGLING.set(estate, bySubscription);
  return bySubscription;
}

function missingCircuit(estate: Estate, connection: Connection): string {
  if (connection.circuitKey === undefined)
    return `ExpressRoute connection ${connection.name} names no circuit (properties.peer.id)`;
  const subscriptionId = armIdParts(connection.circuitKey).subscriptionId ?? "";
  const gap = gapProblem(estate, AUDITED_TYPES.expressRouteCircuit, subscriptionId, "ExpressRoute circuits");
  return `circuit ${connection.circuitKey} of connection ${connection.name} is not in the audited estate${gap === undefined ? "" : ` (${gap})`}`;
}
