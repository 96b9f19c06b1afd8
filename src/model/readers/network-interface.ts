// Network interfaces: the subnets their ip configurations sit in, their NSG, their private addresses, and the
// application security groups each ip configuration joins (an ASG's members are NIC addresses).
import type { ApplicationSecurityGroupMembership, NetworkInterface, ResourceBase } from "../estate";
import { FieldReader } from "../field-reader";
import { exactOrEmpty } from "../interning";
import { notePrefix } from "./prefix-warnings";
import { complete, type ReadContext } from "./resource-base";

const NO_MEMBERSHIPS: ApplicationSecurityGroupMembership[] = Object.freeze<ApplicationSecurityGroupMembership[]>(
  [],
) as ApplicationSecurityGroupMembership[];

export function readNetworkInterface(base: ResourceBase, props: FieldReader, ctx: ReadContext): NetworkInterface {
  const subnetKeys: string[] = [];
  const privateIpAddresses: string[] = [];
  let memberships: ApplicationSecurityGroupMembership[] | undefined;
  (props.array("ipConfigurations") ?? []).forEach((config, index) => {
    const path = `properties.ipConfigurations[${index}]`;
    const inner = new FieldReader(config, path, base.issues).child("properties");
    const subnetId = inner.refId("subnet");
    if (subnetId !== undefined) {
      const subnetKey = ctx.shared.key(subnetId);
      if (!subnetKeys.includes(subnetKey)) subnetKeys.push(subnetKey);
    }
    const issuesBefore = base.issues.length;
    const address = notePrefix(inner, "privateIPAddress", base.issues, ctx.checks);
    if (address !== undefined) privateIpAddresses.push(address);
    // ASGs are joined per ip configuration, so a member's address is that ip configuration's private address.
    const asgs = inner.array("applicationSecurityGroups");
    if (asgs === undefined || asgs.length === 0) return;
    const unreadable =
      address === undefined || address.trim() === ""
        ? base.issues.length > issuesBefore
          ? `${path}.properties.privateIPAddress is malformed`
          : `${path}.properties.privateIPAddress is missing`
        : undefined;
    asgs.forEach((asg, asgIndex) => {
      const asgId = new FieldReader(
        { asg },
        `${path}.properties.applicationSecurityGroups[${asgIndex}]`,
        base.issues,
      ).refId("asg");
      if (asgId === undefined) return;
      const key = ctx.shared.key(asgId);
      memberships ??= [];
      let membership = memberships.find((m) => m.key === key);
      if (membership === undefined) {
        membership = { key, addresses: [] };
        memberships.push(membership);
      }
      if (unreadable !== undefined) membership.unreadable ??= unreadable;
      else if (!membership.addresses.includes(address!)) membership.addresses.push(address!);
    });
  });
  const nsgId = props.refId("networkSecurityGroup");
  // Exact-size lists (see exactOrEmpty); the subnet list is the same for every NIC of a subnet, so it is shared.
  return complete<NetworkInterface>(base, {
    kind: "networkInterface",
    subnetKeys: ctx.shared.list(subnetKeys),
    nsgKey: nsgId === undefined ? undefined : ctx.shared.key(nsgId),
    privateIpAddresses: exactOrEmpty(privateIpAddresses),
    applicationSecurityGroups: memberships ?? NO_MEMBERSHIPS,
  });
}
