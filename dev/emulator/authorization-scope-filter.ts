// Which `policyresources` rows a request reaches under Resource Graph's `options.authorizationScopeFilter`. The REST
// spec (QueryRequestOptions, 2021-06-01-preview and later) says only that it "defines what level of authorization
// resources should be returned based on which subscriptions and management groups are passed as scopes", with values
// AtScopeAndBelow (the default), AtScopeAndAbove, AtScopeExact and AtScopeAboveAndBelow. The emulator reads them as
// the words say, over where a row is held (its id): in a subscription (at it, or below it in a resource group or
// resource), at a management group, or at the tenant (no group, no subscription).
// - At the scope: a requested subscription's own rows (`/subscriptions/{id}/providers/...`); a requested group's rows.
// - Below: a subscription's resource-group and resource rows; a group's child groups and their subscriptions.
// - Above: the groups over a requested subscription or group (as listed in the estate's hierarchy), the tenant root
//   group, and rows held at the tenant.
// A tenant-wide request (no subscriptions, no groups) has nothing above it: every filter reaches every row, as before.
// `resources` and `resourcecontainers` are not authorization tables and ignore the option, as the name says.
import type { Estate, Row } from "./estate-file";

export const AUTHORIZATION_SCOPE_FILTERS = [
  "AtScopeAndBelow",
  "AtScopeAndAbove",
  "AtScopeExact",
  "AtScopeAboveAndBelow",
] as const;
export type AuthorizationScopeFilter = (typeof AUTHORIZATION_SCOPE_FILTERS)[number];

export function isAuthorizationScopeFilter(value: unknown): value is AuthorizationScopeFilter {
  return typeof value === "string" && (AUTHORIZATION_SCOPE_FILTERS as readonly string[]).includes(value);
}

export interface PolicyScopeRequest {
  subscriptions?: string[];
  managementGroups?: string[];
  filter: AuthorizationScopeFilter;
  /** Lower-case name of the tenant root group, above every subscription and group. */
  tenantRootGroup: string;
}

const GROUP_ID = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)\//i;
const SUBSCRIPTION_LEVEL = /^\/subscriptions\/[^/]+\/providers\//i;

/**
 * The policy rows among `positions` (row indexes, in estate order) a request reaches. `inScope` holds the lower-case
 * subscriptions the request reaches below it (after the subscription limit), as for `resources`.
 */
export function policyRowsInScope(
  estate: Estate,
  request: PolicyScopeRequest,
  inScope: ReadonlySet<string>,
  positions: Iterable<number>,
): Row[] {
  const tenantWide = request.subscriptions === undefined && request.managementGroups === undefined;
  const below = tenantWide || request.filter === "AtScopeAndBelow" || request.filter === "AtScopeAboveAndBelow";
  const above = !tenantWide && (request.filter === "AtScopeAndAbove" || request.filter === "AtScopeAboveAndBelow");
  const groups = (request.managementGroups ?? []).map((g) => g.toLowerCase());
  const groupsAbove = above ? ancestorsOf(estate, request, groups) : new Set<string>();
  const rows: Row[] = [];
  for (const at of positions) {
    const row = estate.rows[at] as Row;
    const id = typeof row["id"] === "string" ? row["id"] : "";
    const subscription = estate.rowSubscriptions[at] as string;
    let reached: boolean;
    if (subscription !== "") {
      // Held in a subscription: a subscription request has it at its scope or below; a group request below.
      const atScope = request.subscriptions !== undefined && SUBSCRIPTION_LEVEL.test(id);
      reached = inScope.has(subscription) && (atScope || below);
    } else {
      const group = GROUP_ID.exec(id)?.[1]?.toLowerCase();
      if (tenantWide) reached = true;
      else if (group === undefined) reached = above;
      else if (groups.includes(group)) reached = true;
      else if (groupsAbove.has(group)) reached = true;
      else reached = below && groups.some((g) => estate.managementGroupLines.get(group)?.includes(g) === true);
    }
    if (reached) rows.push(row);
  }
  return rows;
}

/** The groups above the requested subscriptions or groups, the tenant root group included. */
function ancestorsOf(estate: Estate, request: PolicyScopeRequest, groups: string[]): Set<string> {
  const above = new Set<string>([request.tenantRootGroup]);
  const wanted = new Set((request.subscriptions ?? []).map((s) => s.toLowerCase()));
  for (const subscription of estate.subscriptions)
    if (wanted.has(subscription.subscriptionId))
      for (const group of subscription.managementGroups) above.add(group.toLowerCase());
  for (const group of groups)
    for (const line of (estate.managementGroupLines.get(group) ?? []).slice(1)) above.add(line);
  return above;
}
