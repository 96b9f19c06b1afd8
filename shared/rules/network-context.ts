// Lookups several rules share: where an MI sits, what the VirtualNetwork tag means for a VNet, and which VNets can
// reach each other. All of it goes through the estate's maps; nothing here scans the estate.
import { get, type DataIssue, type Estate, type ManagedInstance, type NetworkSecurityGroup, type Resource, type Subnet, type VirtualNetwork } from "../model/estate";

export interface MiPlacement {
  subnet: Subnet;
  vnet: VirtualNetwork;
}

/** The MI's subnet and VNet, or the reason they cannot be found. */
export function placeManagedInstance(mi: ManagedInstance, estate: Estate): MiPlacement | { problem: string } {
  if (mi.subnetKey === undefined) return { problem: `${mi.name} has no subnetId in its properties` };
  const subnet = get(estate, "subnet", mi.subnetKey);
  if (subnet === undefined) return { problem: `the subnet ${mi.subnetId ?? mi.subnetKey} of ${mi.name} is not in the audited estate` };
  const vnet = get(estate, "virtualNetwork", subnet.vnetKey);
  if (vnet === undefined) return { problem: `the VNet of subnet ${subnet.name} is not in the audited estate` };
  return { subnet, vnet };
}

/** The NSG attached to a subnet: `none` when the subnet has none, or a problem when it is referenced but missing. */
export function subnetNsg(subnet: Subnet, estate: Estate): NetworkSecurityGroup | "none" | { problem: string } {
  if (subnet.nsgKey === undefined) return "none";
  const nsg = get(estate, "networkSecurityGroup", subnet.nsgKey);
  if (nsg === undefined) return { problem: `NSG ${subnet.nsgKey} on subnet ${subnet.name} is not in the audited estate` };
  return nsg;
}

/**
 * What the `VirtualNetwork` service tag stands for in a VNet: its own address space plus the address spaces of its
 * peered VNets (taken from the remote VNet when we have it, else from the peering's copy of the remote space).
 */
export function virtualNetworkPrefixes(vnet: VirtualNetwork, estate: Estate): string[] {
  const prefixes = new Set(vnet.addressPrefixes);
  for (const peering of vnet.peerings ?? []) {
    const remote = get(estate, "virtualNetwork", peering.remoteVnetKey);
    for (const prefix of remote?.addressPrefixes ?? peering.remoteAddressPrefixes) prefixes.add(prefix);
  }
  return [...prefixes];
}

/** The VNet of a subnet key, if both are in the estate. */
export function vnetOfSubnet(subnetKey: string | undefined, estate: Estate): VirtualNetwork | undefined {
  const subnet = get(estate, "subnet", subnetKey);
  return subnet === undefined ? undefined : get(estate, "virtualNetwork", subnet.vnetKey);
}

/** True when `from` has a peering to `to` in state Connected. */
export function connectedPeering(from: VirtualNetwork, to: VirtualNetwork): boolean {
  return (from.peerings ?? []).some((p) => p.remoteVnetKey === to.key && p.peeringState?.toLowerCase() === "connected");
}

/** VNets whose addresses `vnet` can reach: itself, and every VNet peered with it and Connected on both sides. */
export function reachableVnets(vnet: VirtualNetwork, estate: Estate): VirtualNetwork[] {
  const out = [vnet];
  for (const peering of vnet.peerings ?? []) {
    const remote = get(estate, "virtualNetwork", peering.remoteVnetKey);
    if (remote !== undefined && remote.key !== vnet.key && connectedPeering(vnet, remote) && connectedPeering(remote, vnet)) {
      if (!out.includes(remote)) out.push(remote);
    }
  }
  return out;
}

/** Managed instances in a VNet, through its subnets. */
export function managedInstancesInVnet(vnet: VirtualNetwork, estate: Estate): ManagedInstance[] {
  return vnet.subnetKeys.flatMap((key) => estate.managedInstancesBySubnet.get(key) ?? []);
}

/** A data-quality note listing the issues of the resources a verdict read, or undefined when there are none. */
export function dataIssuesOf(...resources: (Resource | undefined)[]): DataIssue[] {
  return resources.flatMap((resource) => (resource === undefined ? [] : resource.issues.map((issue) => ({ ...issue, field: `${resource.name}: ${issue.field}` }))));
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
  return resource.issues.filter((issue) => fields.some((field) => issue.field === field || issue.field.startsWith(`${field}.`) || issue.field.startsWith(`${field}[`)));
}

/** Issues that stop an NSG from being evaluated at all (a rule that is null, a string, or has no priority). */
export function nsgIssues(nsg: NetworkSecurityGroup): DataIssue[] {
  return issuesAt(nsg, "properties", "properties.securityRules", "properties.defaultSecurityRules").filter(
    (issue) => issue.field === "properties" || issue.field.startsWith("properties.securityRules") || issue.field.startsWith("properties.defaultSecurityRules"),
  );
}
