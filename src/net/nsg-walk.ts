// The walk: first match wins, per address. The prepared rules are walked in evaluation order with the set of
// still-undecided addresses, once leaning towards exposure and once towards restriction; the decisions of the two
// walks then name the deciding rule, the example and the rules whose uncertainty could change the verdict.

import { ALL_IP, ALL_IPV4, ALL_IPV6, AddressSet, PRIVATE_RANGES } from "./address-set";
import type { PortSegment } from "./nsg-port-segments";
import { formatRuleRef } from "./nsg-rule-ref";
import { type PreparedRule, matchFor } from "./nsg-rule-resolution";

// Service tags list Azure's public prefixes, IPv4 and IPv6: a tag's addresses lie in this space, never in private ranges.
const TAG_SPACE = ALL_IP.subtract(PRIVATE_RANGES);
const PUBLIC_IPV4 = ALL_IPV4.subtract(PRIVATE_RANGES);
const PUBLIC_IPV6 = ALL_IPV6.subtract(PRIVATE_RANGES);

type Bound = "exposure" | "restrictive";

export interface Decision {
  rule: PreparedRule;
  access: "Allow" | "Deny";
  decided: AddressSet;
  /** The part decided only because this bound resolved the rule's uncertainty its way. */
  assumed: AddressSet;
}

export interface Walk {
  allowed: AddressSet;
  decisions: Decision[];
}

/**
 * First match wins, per address. In the exposure bound an uncertain Allow takes everything it possibly matches
 * and an uncertain Deny only what it certainly matches; the restrictive bound does the opposite. Addresses left
 * at the end are denied, as Azure does (the DenyAll defaults are always present anyway).
 *
 * Service tags are addresses too. Azure allows no IPv4 and IPv6 prefixes in one rule, so "deny everything" is often
 * `0.0.0.0/0` and `::/0` in two rules, or split prefixes: once the rules walked so far have decided every IPv4 and
 * every IPv6 address, every address of every tag has been decided with them, and the tag atoms still undecided are
 * done. Their addresses' outcomes are already in the IP part of `allowed`; a tag counts as allowed only when every
 * address was allowed (otherwise which of its addresses were is unknown, and the IP part already says what got in).
 */
export function walk(rules: readonly PreparedRule[], segment: PortSegment, start: AddressSet, bound: Bound): Walk {
  let remaining = start;
  let allowed = AddressSet.EMPTY;
  const decisions: Decision[] = [];
  for (const rule of rules) {
    if (remaining.isEmpty()) break;
    const match = matchFor(rule, segment);
    let certain = match.certain;
    let possible = match.possible;
    if (remaining.hasServiceTags() && possible.hasServiceTags()) {
      // A tag's undecided addresses lie among the undecided public IPs (tags list Azure's public prefixes).
      const undecided = remaining.ipAddresses().intersect(TAG_SPACE);
      if (rule.remote.tagsFromAddresses) {
        // Tag atoms that stand for the tags' addresses in this side's ranges: none is left to decide once those
        // ranges are decided (Deny ::/0, then Allow ::/0, opens no tag).
        if (!undecided.overlaps(possible.ipAddresses())) {
          certain = certain.ipAddresses();
          possible = possible.ipAddresses();
        }
      } else if (!undecided.overlaps(PUBLIC_IPV4) || !undecided.overlaps(PUBLIC_IPV6)) {
        // A named tag after one whole family was decided (Deny 0.0.0.0/1 and 128.0.0.0/1): the tag's addresses in that
        // family are decided already, so this rule decides the tag only if it has addresses in the other family.
        certain = certain.ipAddresses();
      }
    }
    if (possible.isEmpty()) continue;
    const access = rule.access ?? (bound === "exposure" ? "Allow" : "Deny");
    const takesPossible = (bound === "exposure") === (access === "Allow");
    const decided = remaining.intersect(takesPossible ? possible : certain);
    if (decided.isEmpty()) continue;
    decisions.push({ rule, access, decided, assumed: takesPossible ? decided.subtract(certain) : AddressSet.EMPTY });
    if (access === "Allow") allowed = allowed.union(decided);
    remaining = remaining.subtract(decided);
    // Checked last: only a walk left with tags and no public address gets this far, so the others never pay for it.
    if (remaining.hasServiceTags() && !remaining.overlaps(TAG_SPACE) && start.containsAll(TAG_SPACE)) {
      if (allowed.containsAll(TAG_SPACE)) allowed = allowed.union(remaining);
      remaining = remaining.ipAddresses();
    }
  }
  return { allowed, decisions };
}

/** Rules whose assumed part touched `relevant`: the ones whose real meaning could change the answer. */
export function culprits(
  exposure: Walk,
  restrictive: Walk,
  relevant: { overlaps(set: AddressSet): boolean },
): PreparedRule[] {
  return [
    ...exposure.decisions.filter((d) => d.access === "Allow" && relevant.overlaps(d.assumed)),
    ...restrictive.decisions.filter((d) => d.access === "Deny" && relevant.overlaps(d.assumed)),
  ].map((d) => d.rule);
}

export function uniqueInOrder(rules: PreparedRule[], order: readonly PreparedRule[]): PreparedRule[] {
  const wanted = new Set(rules);
  return order.filter((r) => wanted.has(r));
}

export function noteFor(rule: PreparedRule): string {
  // A rule with nothing unreadable is uncertain only through the walk: it names service tags after the rules before it
  // decided one whole IP family, and whether the tags have addresses in the other family is not known here.
  const why =
    rule.reasons.length > 0
      ? rule.reasons.join("; ")
      : "its service tags may have addresses only in the IP family the rules before it already decided";
  return `${formatRuleRef(rule.ref)}: ${why}`;
}

/** Everything some Allow (or unreadable-access) rule could match on this segment, ignoring rule order. */
export function admittableBy(rules: readonly PreparedRule[], segment: PortSegment): AddressSet {
  return rules
    .filter((r) => r.access !== "Deny")
    .reduce((set, r) => set.union(matchFor(r, segment).possible), AddressSet.EMPTY);
}

/** Biggest share first: IPv4 count, then IPv6 count, then tags; evaluation order breaks ties. */
interface Measurable {
  isEmpty(): boolean;
  addressCount(family: "ipv4" | "ipv6"): bigint;
  hasServiceTags(): boolean;
}

export function largest(
  decisions: Decision[],
  within: { intersect(set: AddressSet): Measurable },
): Decision | undefined {
  let best: Decision | undefined;
  let bestKey: [bigint, bigint, number] = [-1n, -1n, -1];
  for (const d of decisions) {
    const part = within.intersect(d.decided);
    if (part.isEmpty()) continue;
    const key: [bigint, bigint, number] = [
      part.addressCount("ipv4"),
      part.addressCount("ipv6"),
      part.hasServiceTags() ? 1 : 0,
    ];
    if (
      key[0] > bestKey[0] ||
      (key[0] === bestKey[0] && (key[1] > bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))
    ) {
      best = d;
      bestKey = key;
    }
  }
  return best;
}
