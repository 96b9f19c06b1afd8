// Virtual networks: the VNet row carries its subnets (each becomes a resource of its own) and its peerings.
import { armKey } from "../arm-id";
import type { DataIssue, Peering, Resource, ResourceBase, Subnet, VirtualNetwork } from "../estate";
import { FieldReader, conversionsOf, convertInto, describe, isRecord, type Json } from "../field-reader";
import { exactOrEmpty } from "../interning";
import { notePrefix, notePrefixes } from "./prefix-warnings";
import { complete, type ReadContext } from "./resource-base";

const SUBNET_TYPE = "microsoft.network/virtualnetworks/subnets";

/** The VNet followed by its subnets. */
export function readVirtualNetwork(base: ResourceBase, props: FieldReader, ctx: ReadContext): Resource[] {
  const addressPrefixes = notePrefixes(props.child("addressSpace"), "addressPrefixes", base.issues, ctx.checks) ?? [];
  const subnets: Subnet[] = [];
  (props.array("subnets") ?? []).forEach((entry, index) => {
    const subnet = readSubnet(entry, index, base, ctx);
    if (subnet !== undefined) subnets.push(subnet);
  });
  const rawPeerings = props.array("virtualNetworkPeerings");
  const peerings: Peering[] | undefined = rawPeerings?.map((entry, index) => readPeering(entry, index, base, ctx));
  const vnet = complete<VirtualNetwork>(base, {
    kind: "virtualNetwork",
    addressPrefixes,
    subnetKeys: subnets.map((subnet) => subnet.key),
    peerings,
  });
  return [vnet, ...subnets];
}

function readSubnet(entry: Json, index: number, vnet: ResourceBase, ctx: ReadContext): Subnet | undefined {
  const path = `properties.subnets[${index}]`;
  if (!isRecord(entry)) {
    vnet.issues.push({ field: path, problem: `expected a subnet object, found ${describe(entry)}` });
    return undefined;
  }
  const subnetIssues: DataIssue[] = [];
  const rowWarnings = conversionsOf(vnet.issues);
  if (rowWarnings !== undefined) convertInto(subnetIssues, rowWarnings);
  const reader = new FieldReader(entry, path, subnetIssues);
  const inner = reader.child("properties");
  const name = reader.string("name") ?? `subnet${index}`;
  const id = reader.string("id") ?? `${vnet.id}/subnets/${name}`;
  const prefixes = [...(notePrefixes(inner, "addressPrefixes", subnetIssues, ctx.checks) ?? [])];
  const single = notePrefix(inner, "addressPrefix", subnetIssues, ctx.checks);
  if (single !== undefined && !prefixes.includes(single)) prefixes.push(single);
  const nsgId = inner.refId("networkSecurityGroup");
  const routeTableId = inner.refId("routeTable");
  const natGatewayId = inner.refId("natGateway");
  const delegations = (inner.array("delegations") ?? []).flatMap((delegation, dIndex) => {
    const dReader = new FieldReader(delegation, `${path}.properties.delegations[${dIndex}]`, subnetIssues);
    const service = dReader.child("properties").string("serviceName") ?? dReader.string("serviceName");
    return service === undefined ? [] : [service.toLowerCase()];
  });
  const owners = new Set<string>();
  (inner.array("ipConfigurations") ?? []).forEach((config, cIndex) => {
    const configId = new FieldReader({ config }, `${path}.properties.ipConfigurations[${cIndex}]`, subnetIssues).refId(
      "config",
    );
    if (configId !== undefined) owners.add(ctx.shared.intern(ownerKey(armKey(configId))));
  });
  return {
    kind: "subnet",
    id,
    key: ctx.shared.key(id),
    name,
    type: SUBNET_TYPE,
    location: vnet.location,
    subscriptionId: vnet.subscriptionId,
    resourceGroup: vnet.resourceGroup,
    tags: ctx.shared.tags({}),
    issues: subnetIssues,
    vnetKey: vnet.key,
    addressPrefixes: exactOrEmpty(prefixes),
    nsgKey: nsgId === undefined ? undefined : ctx.shared.key(nsgId),
    delegations,
    ipConfigurationOwnerKeys: [...owners],
    routeTableKey: routeTableId === undefined ? undefined : ctx.shared.key(routeTableId),
    routeTableId,
    natGatewayKey: natGatewayId === undefined ? undefined : ctx.shared.key(natGatewayId),
    natGatewayId,
  };
}

function readPeering(entry: Json, index: number, vnet: ResourceBase, ctx: ReadContext): Peering {
  const reader = new FieldReader(entry, `properties.virtualNetworkPeerings[${index}]`, vnet.issues);
  const inner = reader.child("properties");
  const remoteId = inner.refId("remoteVirtualNetwork");
  const name = reader.string("name") ?? `peering${index}`;
  return {
    name,
    id: reader.string("id") ?? `${vnet.id}/virtualNetworkPeerings/${name}`,
    remoteVnetId: remoteId,
    remoteVnetKey: remoteId === undefined ? undefined : ctx.shared.key(remoteId),
    peeringState: inner.string("peeringState"),
    peeringSyncLevel: inner.string("peeringSyncLevel"),
    allowGatewayTransit: inner.boolean("allowGatewayTransit"),
    useRemoteGateways: inner.boolean("useRemoteGateways"),
    allowForwardedTraffic: inner.boolean("allowForwardedTraffic"),
    // Azure's default is true: a peering row without the field allows access. Present but unreadable stays undefined:
    // the rules then take whichever reading can only add a finding (see network-context.ts).
    allowVirtualNetworkAccess: inner.has("allowVirtualNetworkAccess")
      ? inner.boolean("allowVirtualNetworkAccess")
      : true,
    remoteAddressPrefixes:
      notePrefixes(inner.child("remoteAddressSpace"), "addressPrefixes", vnet.issues, ctx.checks) ?? [],
  };
}

/** `/subscriptions/s/resourcegroups/r/providers/ns/type/name/...` → the first eight segments: the owning resource. */
function ownerKey(key: string): string {
  const segments = key.split("/").filter((s) => s !== "");
  return `/${segments.slice(0, 8).join("/")}`;
}
