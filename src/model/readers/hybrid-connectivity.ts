// Hybrid connectivity: VPN and ExpressRoute gateways, their connections, the on-premises sites (local network
// gateways) and ExpressRoute circuits. The VirtualNetwork tag of a VNet reaches as far as these connect it.
import { armKey, parentKey } from "../arm-id";
import type {
  CircuitPeering,
  Connection,
  ExpressRouteCircuit,
  LocalNetworkGateway,
  ResourceBase,
  VirtualNetworkGateway,
} from "../estate";
import { FieldReader, isRecord } from "../field-reader";
import { exactOrEmpty } from "../interning";
import { notePrefixes } from "./prefix-warnings";
import { complete, type ReadContext } from "./resource-base";

/** A gateway sits in its VNet's GatewaySubnet: the VNet is the parent of the first subnet its ip configurations name. */
export function readVirtualNetworkGateway(
  base: ResourceBase,
  props: FieldReader,
  ctx: ReadContext,
): VirtualNetworkGateway {
  const subnetIds = (props.array("ipConfigurations") ?? []).map((config, index) =>
    new FieldReader(config, `properties.ipConfigurations[${index}]`, base.issues).child("properties").refId("subnet"),
  );
  const subnetKey = subnetIds.find((id): id is string => id !== undefined);
  return complete<VirtualNetworkGateway>(base, {
    kind: "virtualNetworkGateway",
    gatewayType: props.string("gatewayType"),
    vnetKey: subnetKey === undefined ? undefined : ctx.shared.intern(parentKey(armKey(subnetKey), "subnets")),
  });
}

export function readLocalNetworkGateway(base: ResourceBase, props: FieldReader, ctx: ReadContext): LocalNetworkGateway {
  return complete<LocalNetworkGateway>(base, {
    kind: "localNetworkGateway",
    addressPrefixes: exactOrEmpty(
      notePrefixes(props.child("localNetworkAddressSpace"), "addressPrefixes", base.issues, ctx.checks) ?? [],
    ),
    bgpEnabled: props.has("bgpSettings"),
  });
}

export function readExpressRouteCircuit(base: ResourceBase, props: FieldReader): ExpressRouteCircuit {
  const rawPeerings = props.array("peerings");
  const peerings: CircuitPeering[] | undefined = rawPeerings?.map((peering, index) => {
    const reader = new FieldReader(peering, `properties.peerings[${index}]`, base.issues);
    const inner = reader.child("properties");
    return {
      name: reader.string("name") ?? `peering ${index}`,
      peeringType: inner.string("peeringType"),
      state: inner.string("state"),
    };
  });
  return complete<ExpressRouteCircuit>(base, {
    kind: "expressRouteCircuit",
    peerings,
    serviceProviderProvisioningState: props.string("serviceProviderProvisioningState"),
  });
}

export function readConnection(base: ResourceBase, props: FieldReader, ctx: ReadContext): Connection {
  const gateway1 = props.refId("virtualNetworkGateway1");
  const gateway2 = props.refId("virtualNetworkGateway2");
  const gatewayKeys = [gateway1, gateway2]
    .filter((id): id is string => id !== undefined)
    .map((id) => ctx.shared.key(id));
  const peer = props.refId("peer") ?? props.refId("expressRouteCircuit");
  const local = props.refId("localNetworkGateway2");
  // ARM may embed the local network gateway's properties in the reference; kept as a fallback for a site whose own
  // row is not in the estate (another subscription, or a snapshot without it).
  const embedded = isRecord(props.raw("localNetworkGateway2"))
    ? props
        .child("localNetworkGateway2")
        .child("properties")
        .child("localNetworkAddressSpace")
        .strings("addressPrefixes")
    : undefined;
  return complete<Connection>(base, {
    kind: "connection",
    connectionType: props.string("connectionType"),
    gatewayKeys,
    gateway1Key: gateway1 === undefined ? undefined : ctx.shared.key(gateway1),
    gateway2Key: gateway2 === undefined ? undefined : ctx.shared.key(gateway2),
    localNetworkGatewayKey: local === undefined ? undefined : ctx.shared.key(local),
    embeddedLocalAddressPrefixes: embedded,
    circuitKey: peer === undefined ? undefined : ctx.shared.key(peer),
    enableBgp: props.boolean("enableBgp"),
    connectionStatus: props.string("connectionStatus"),
  });
}
