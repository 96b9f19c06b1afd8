// A coverage gap's reason is a sentence for people; a metric needs a small fixed set of values to count by.
// First match wins: a 403 that mentions a truncated list is a permission problem first.
const KINDS: readonly [kind: string, pattern: RegExp][] = [
  ["forbidden", /\b(401|403)\b|AuthorizationFailed|Forbidden|not authori[sz]ed|permission/i],
  ["throttled", /\b429\b|throttl|TooManyRequests/i],
  ["truncated", /truncat|incomplete|limited|too large|ResponsePayloadTooLarge|oversized/i],
  ["not_found", /\b404\b|NotFound|not found/i],
  ["network", /ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket|network|timed? ?out/i],
  ["shard_failed", /\bshard\b/i],
  ["server_error", /\b5\d\d\b/],
];

export type CoverageGapKind =
  "forbidden" | "throttled" | "truncated" | "not_found" | "network" | "shard_failed" | "server_error" | "other";

export function coverageGapKind(reason: string): CoverageGapKind {
  for (const [kind, pattern] of KINDS) if (pattern.test(reason)) return kind as CoverageGapKind;
  return "other";
}
