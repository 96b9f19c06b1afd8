// Which management groups each subscription sits under, so an Azure Policy exemption scoped to a management group
// applies to every subscription beneath it (the group's own and its child groups'). Resource Graph's
// `resourcecontainers` table holds one row per subscription (type `microsoft.resources/subscriptions`) whose
// `properties.managementGroupAncestorsChain` lists `{ name, displayName }` from the direct parent group up to the tenant
// root group (the management groups' Resource Graph samples read `mgParent[0].name` as the parent). Exemption scopes
// name a group by `name`, never by display name, so only names are kept, lower case (ARM ids are case-insensitive).
// A subscription without a readable chain stays unknown: its groups are never guessed.
import { isRecord } from "./field-reader";
import type { ResourceRow } from "./row";

/** The Resource Graph type of a subscription row of `resourcecontainers`, lower case. */
export const SUBSCRIPTION_TYPE = "microsoft.resources/subscriptions";

/** Subscription id (lower case) → the names (lower case) of the management groups above it, the nearest first. */
export type SubscriptionAncestry = Map<string, string[]>;

const MANAGEMENT_GROUP_SCOPE = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)\/?$/i;

/** The group a management-group scope names (`/providers/Microsoft.Management/managementGroups/<name>`), lower case. */
export function managementGroupOfScope(scope: string): string | undefined {
  return MANAGEMENT_GROUP_SCOPE.exec(scope.trim())?.[1]?.toLowerCase();
}

/**
 * Reads one subscription row into `into`. Returns why its ancestry could not be read (the subscription then stays
 * out of `into`), or undefined when it was.
 */
export function addSubscriptionRow(into: SubscriptionAncestry, row: ResourceRow): string | undefined {
  const subscriptionId = subscriptionIdOf(row);
  if (subscriptionId === undefined) return "a subscription row with neither subscriptionId nor a subscription id";
  const properties = row.properties;
  const chain = isRecord(properties) ? properties["managementGroupAncestorsChain"] : undefined;
  const where = `subscription ${subscriptionId}: properties.managementGroupAncestorsChain`;
  if (chain === undefined || chain === null) return `${where} is missing, so its management groups are not known`;
  if (!Array.isArray(chain)) return `${where}: expected a list, so its management groups are not known`;
  const names: string[] = [];
  for (const [index, entry] of chain.entries()) {
    const name = isRecord(entry) ? entry["name"] : undefined;
    if (typeof name !== "string" || name.trim() === "")
      return `${where}[${index}] has no name, so its management groups are not known`;
    const folded = name.trim().toLowerCase();
    if (!names.includes(folded)) names.push(folded);
  }
  into.set(subscriptionId, names);
  return undefined;
}

function subscriptionIdOf(row: ResourceRow): string | undefined {
  if (typeof row.subscriptionId === "string" && row.subscriptionId.trim() !== "")
    return row.subscriptionId.trim().toLowerCase();
  const match = typeof row.id === "string" ? /^\/subscriptions\/([^/]+)\/?$/i.exec(row.id.trim()) : null;
  return match?.[1]?.toLowerCase();
}
