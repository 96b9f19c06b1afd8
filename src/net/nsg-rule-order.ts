// The order Azure evaluates one direction's rules in, platform defaults included: first match by priority wins, so
// this order is what makes a Deny at 300 shadow the Allow at 4000.

import { DEFAULT_SECURITY_RULES } from "../model/default-security-rules";
import type { SecurityRule } from "../model/estate";

export type Direction = "Inbound" | "Outbound";

export function directionOf(rule: SecurityRule): Direction | undefined {
  const folded = String(rule.direction).toLowerCase();
  return folded === "inbound" ? "Inbound" : folded === "outbound" ? "Outbound" : undefined;
}

export function hasReadablePriority(rule: SecurityRule): boolean {
  return typeof rule.priority === "number" && Number.isFinite(rule.priority);
}

/**
 * The rules Azure evaluates for one direction, in evaluation order: priority ascending, custom before default
 * on a tie, then name. The platform defaults always exist in Azure, so any missing from `rules` are added.
 * A rule with an unreadable priority is put first, where its uncertainty has the most effect. A rule whose
 * direction is unreadable is kept in both directions (it is marked uncertain by the evaluation).
 */
export function rulesInEvaluationOrder(rules: readonly SecurityRule[], direction: Direction): SecurityRule[] {
  const mine = rules.filter((r) => {
    const d = directionOf(r);
    return d === direction || d === undefined;
  });
  const presentDefaults = new Set(mine.filter((r) => r.isDefault).map((r) => r.name.toLowerCase()));
  const missingDefaults = DEFAULT_SECURITY_RULES.filter(
    (d) => d.direction === direction && !presentDefaults.has(d.name.toLowerCase()),
  );
  const key = (r: SecurityRule) => (hasReadablePriority(r) ? r.priority : Number.NEGATIVE_INFINITY);
  return [...mine, ...missingDefaults].sort(
    (a, b) =>
      key(a) - key(b) || Number(a.isDefault) - Number(b.isDefault) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
