// Which query families a shard collects for its own subscriptions, and which the planner collects once for the whole
// scope as context every shard reads.
//
// Sharded: NSGs and NICs, the numerous, heavy rows (NSG rule sets dominate the payload). Azure keeps them with what
// they protect: an NSG is associated only with subnets and NICs of its own subscription, and a NIC sits in a VNet of
// its own subscription, so a verdict that reads an NSG or a NIC is about a resource of the same subscription, and one
// shard holds both. The planner still checks this on the context (shard-plan.ts) instead of trusting it.
//
// Context: VNets (with subnets and peerings), gateways, connections, local network gateways, route tables, circuits,
// public IPs and prefixes, managed instances, web apps and App Service environments. Relations cross subscriptions
// through exactly these: peerings to VNets elsewhere, circuits in a connectivity subscription, gateways and sites in a
// hub, apps reaching MIs across peerings and VNet-to-VNet connections, and the trust set built from every public
// address of the estate. ASG membership is read from NICs, so an ASG whose members sit in another shard's subscription
// stays unknown there (never assumed empty).
import { QUERY_FAMILIES, type QueryFamily } from "../collect/queries";
import { AUDITED_TYPES } from "../model/row";

export const SHARDED_FAMILY_NAMES: readonly string[] = ["networkSecurityGroups", "networkInterfaces"];

export const SHARDED_TYPES: readonly string[] = [AUDITED_TYPES.networkSecurityGroup, AUDITED_TYPES.networkInterface];

export function shardFamilies(): QueryFamily[] {
  return QUERY_FAMILIES.filter((family) => SHARDED_FAMILY_NAMES.includes(family.name));
}

export function contextFamilies(): QueryFamily[] {
  return QUERY_FAMILIES.filter((family) => !SHARDED_FAMILY_NAMES.includes(family.name));
}

export function isShardedType(type: unknown): boolean {
  return typeof type === "string" && SHARDED_TYPES.includes(type.toLowerCase());
}
