// NSG evaluation as set operations. Azure takes the rules of one direction in priority order and the first rule
// that matches a packet decides it, so the question "who can reach port 3342" is answered by walking the rules
// with the set of still-undecided sources: each rule decides `remaining ∩ rule sources`, and a Deny at 300
// therefore shadows an Allow at 4000 for exactly the sources it covers.
//
// Real rules are not always readable (ASGs, unknown tags, malformed prefixes, restricted source ports, a
// VirtualNetwork tag whose meaning we were not told). Rather than guess, every rule is resolved to a set it
// certainly matches and a set it possibly matches, and the walk runs twice: once leaning towards exposure
// (uncertain Allows match everything they might, uncertain Denies nothing) and once leaning towards restriction.
// Azure's real answer lies between the two, so a verdict both walks agree on is certain; otherwise it is
// `uncertain` and the evidence names the rules that made it so. Pure functions, no I/O.
//
// This file is the public API: the query and verdict types and the two questions (inbound exposure, outbound flow).
// Beneath it: nsg-rule-order.ts (evaluation order), nsg-rule-parse.ts (rule entries parsed once),
// nsg-query-context.ts (what one query means), nsg-rule-sides.ts and nsg-port-segments.ts (a rule's address and
// port sides), nsg-rule-resolution.ts (one rule prepared for a query), nsg-walk.ts (the two walks) and
// nsg-rule-ref.ts (how evidence names a rule).

import type { SecurityRule } from "../model/estate";
import { AddressSet, EVERYTHING, type SetDifference } from "./address-set";
import { type PortSegment, portSegments } from "./nsg-port-segments";
import { buildContext, parseQueryPorts, parseQueryPrefixes } from "./nsg-query-context";
import { type RuleRef, formatRuleRef, ruleRef } from "./nsg-rule-ref";
import { type PreparedRule, prepareAll } from "./nsg-rule-resolution";
import { admittableBy, culprits, largest, noteFor, uniqueInOrder, walk } from "./nsg-walk";
import { PortSet } from "./port-set";
import { type TrustPolicy, untrustedSources } from "./trust";

// Evidence names rules this way in every rule message, so the rule reference is part of this API.
export { type RuleRef, formatRuleRef, ruleRef };

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface InboundExposureQuery {
  protocol: "Tcp" | "Udp";
  /** e.g. "3342" or "1433"; ranges and lists are accepted too. */
  ports: string;
  /** Destination the NSG protects (e.g. the subnet's prefixes); [] = unknown. */
  protectedPrefixes: string[];
  /** The estate's own network as the VirtualNetwork tag counts it (VNet space, peered and gateway-connected spaces). */
  virtualNetworkPrefixes: string[];
  /** Prefixes of user-defined routes that Azure also adds to VirtualNetwork; matched by the tag, never trusted. */
  routePrefixes?: string[];
  /** Why the route prefixes are unknown (a route table that was not collected): VirtualNetwork may then match any address. */
  routesUnknown?: string;
  /** ASG key → member addresses, for the ASGs whose members are all known; an ASG absent from the map is unknown. */
  applicationSecurityGroups?: ReadonlyMap<string, readonly string[]>;
}

/** What the VirtualNetwork tag, the ASGs and the Internet tag stand for in one query (shared by both directions). */
export type NetworkQuery = Pick<
  InboundExposureQuery,
  "virtualNetworkPrefixes" | "routePrefixes" | "routesUnknown" | "applicationSecurityGroups"
>;

export interface InboundExposure {
  verdict: "exposed" | "notExposed" | "uncertain";
  /** Exposure bound: untrusted sources allowed (CIDRs and tag names), at most 20 listed. */
  untrustedAllowed: string[];
  /**
   * One example untrusted source and the Allow rule that lets it in (when exposed or uncertain); `sourcePorts` is set
   * when the rules treat source ports differently, and names the client ports that get in.
   */
  example?: { source: string; port: number; sourcePorts?: string; rule: RuleRef };
  /** When notExposed: the rule that decided for (most of) the untrusted space, e.g. a Deny or DenyAllInBound. */
  decidingRule?: RuleRef;
  /** Rules whose uncertainty could change the verdict (empty when the verdict is certain). */
  uncertainRules: RuleRef[];
  /** Human-readable reasons for uncertainty. */
  notes: string[];
}

export interface OutboundFlowQuery extends NetworkQuery {
  protocol: "Tcp" | "Udp";
  /** e.g. "1433" or "11000-11999". */
  ports: string;
  /** The subnet the NSG protects (local side); [] = unknown. */
  sourcePrefixes: string[];
  /** The remote subnet (e.g. the MI subnet). */
  destinationPrefixes: string[];
}

export interface OutboundSegment {
  ports: string;
  verdict: "allowed" | "blocked" | "uncertain";
  rule?: RuleRef;
  /** When blocked for some ephemeral source ports only: those ports (connections that draw them fail). */
  sourcePorts?: string;
}

export interface OutboundFlow {
  /**
   * allowed = every port is allowed to every destination address, whatever the uncertain rules mean;
   * blocked = some port is denied for some destination address even in the reading most favourable to allowing;
   * uncertain otherwise.
   */
  verdict: "allowed" | "blocked" | "uncertain";
  segments: OutboundSegment[];
  uncertainRules: RuleRef[];
  notes: string[];
}

/**
 * `untrusted source 198.51.100.7 via rule AllowAll (priority 100, Allow)`; when only some client ports get in, it says
 * which (`... from source ports 0-1023 via ...`), so a reader can see why a source-port Deny did not protect.
 */
export function formatExposureExample(example: InboundExposure["example"]): string {
  if (example === undefined) return "an untrusted source";
  const ports =
    example.sourcePorts === undefined
      ? ""
      : ` from source port${/[-,]/.test(example.sourcePorts) ? "s" : ""} ${example.sourcePorts}`;
  return `untrusted source ${example.source}${ports} via rule ${formatRuleRef(example.rule)}`;
}

// Source ports. Inbound, the client picks its own source port, any of 0-65535 (a raw socket can send from any), so the
// exposure question is "is there a source port that gets in": an Allow naming some source ports admits every client
// that picks one of them, and a Deny naming some protects nobody who picks another. Outbound from an app subnet, the
// app's own stack picks an ephemeral port it does not control: Windows uses 49152-65535 and Linux 32768-60999 by
// default, and both can be changed, so a flow is "allowed" only when every port from 1024 to 65535 gets out, and a
// rule that blocks some of them makes it "blocked" for the connections that draw one (named in the evidence).
const INBOUND_SOURCE_PORTS = PortSet.ALL;
export const EPHEMERAL_SOURCE_PORTS = PortSet.range(1024, 65535);

// ---------------------------------------------------------------------------------------------------------------
// Inbound exposure

/**
 * Can an untrusted source reach the protected range on the queried ports through this NSG, from some source port?
 * `exposed` holds even in the restrictive reading; `notExposed` holds even in the exposure reading.
 */
export function evaluateInboundExposure(
  rules: SecurityRule[],
  query: InboundExposureQuery,
  trust: TrustPolicy,
): InboundExposure {
  const notes: string[] = [];
  const ports = parseQueryPorts(query.ports);
  const ctx = buildContext(query.protocol, query, query.protectedPrefixes, "Protected prefixes", notes);
  const prepared = prepareAll(rules, "Inbound", ctx);
  // everything − (trusted ∪ own network), never built: it has a hole per owned address (see untrustedSources). Route
  // prefixes are not subtracted: VirtualNetwork matches them, but a route to an address does not make it ours.
  const untrusted = untrustedSources(trust, ctx.ownNetwork ?? AddressSet.EMPTY);
  const noUntrusted: SetDifference = untrusted.intersect(AddressSet.EMPTY);

  const segments = portSegments(ports, INBOUND_SOURCE_PORTS, prepared);
  const results = segments.map((segment) => {
    const exposure = walk(prepared, segment, EVERYTHING, "exposure");
    const restrictive = walk(prepared, segment, EVERYTHING, "restrictive");
    return {
      segment,
      exposure,
      restrictive,
      exposedAtMost: untrusted.intersect(exposure.allowed),
      exposedAtLeast: untrusted.intersect(restrictive.allowed),
    };
  });

  const untrustedAllowed = results.reduce((set, r) => set.union(r.exposedAtMost), noUntrusted);
  const verdict: InboundExposure["verdict"] = results.some((r) => !r.exposedAtLeast.isEmpty())
    ? "exposed"
    : untrustedAllowed.isEmpty()
      ? "notExposed"
      : "uncertain";

  const result: InboundExposure = {
    verdict,
    untrustedAllowed: untrustedAllowed.describe(20),
    uncertainRules: [],
    notes,
  };

  if (verdict === "notExposed") {
    // Prefer the Deny that stops untrusted sources some Allow would otherwise admit (the Deny at 300 that
    // shadows the Allow at 4000); with no such Allow, the Deny that covers most of the untrusted space.
    const denies = results.flatMap((r) => r.exposure.decisions.filter((d) => d.access === "Deny"));
    const threatened = results.reduce(
      (set, r) => set.union(untrusted.intersect(admittableBy(prepared, r.segment))),
      noUntrusted,
    );
    const deciding = largest(denies, threatened) ?? largest(denies, untrusted);
    if (deciding !== undefined) result.decidingRule = deciding.rule.ref;
    return result;
  }

  // The example is certain when the verdict is: it comes from the restrictive walk for `exposed`. When source ports
  // matter (the segments split them), it names the client ports that get in.
  const sourcePortsMatter = segments.some((s) => !s.source.equals(INBOUND_SOURCE_PORTS));
  for (const r of results) {
    const source = verdict === "exposed" ? r.restrictive : r.exposure;
    const admitted = source.decisions.find((d) => d.access === "Allow" && untrusted.overlaps(d.decided));
    if (admitted === undefined) continue;
    result.example = {
      source: untrusted.intersect(admitted.decided).sampleAddress() ?? "(unknown)",
      port: r.segment.destination.first()!,
      ...(sourcePortsMatter ? { sourcePorts: r.segment.source.toString() } : {}),
      rule: admitted.rule.ref,
    };
    break;
  }

  if (verdict === "uncertain") {
    const suspects = results.flatMap((r) => culprits(r.exposure, r.restrictive, untrusted));
    const ordered = uniqueInOrder(suspects, prepared);
    result.uncertainRules = ordered.map((r) => r.ref);
    notes.push(...ordered.map(noteFor));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Outbound flow

interface SegmentOutcome {
  verdict: OutboundSegment["verdict"];
  rule?: PreparedRule;
  suspects: PreparedRule[];
  /** For a blocked destination segment: the ephemeral source ports it is blocked for, when not all of them. */
  blockedSourcePorts?: PortSet;
}

/** One port piece: allowed when every destination address gets out even in the restrictive reading. */
function outboundOutcome(
  prepared: readonly PreparedRule[],
  segment: PortSegment,
  destination: AddressSet,
): SegmentOutcome {
  const exposure = walk(prepared, segment, destination, "exposure");
  const restrictive = walk(prepared, segment, destination, "restrictive");
  if (restrictive.allowed.containsAll(destination)) {
    return {
      verdict: "allowed",
      rule: largest(
        restrictive.decisions.filter((d) => d.access === "Allow"),
        destination,
      )?.rule,
      suspects: [],
    };
  }
  if (!exposure.allowed.containsAll(destination)) {
    return { verdict: "blocked", rule: exposure.decisions.find((d) => d.access === "Deny")?.rule, suspects: [] };
  }
  const suspects = uniqueInOrder(culprits(exposure, restrictive, destination), prepared);
  return { verdict: "uncertain", rule: suspects[0], suspects };
}

/**
 * A destination piece over every ephemeral source port: blocked if some source port is (the connections that draw it
 * fail), allowed if all are, uncertain otherwise.
 */
function combineSourcePorts(pieces: { source: PortSet; outcome: SegmentOutcome }[]): SegmentOutcome {
  const blocked = pieces.filter((p) => p.outcome.verdict === "blocked");
  if (blocked.length > 0) {
    const ports = blocked.reduce((set, p) => set.union(p.source), PortSet.EMPTY);
    return { ...blocked[0]!.outcome, ...(ports.equals(EPHEMERAL_SOURCE_PORTS) ? {} : { blockedSourcePorts: ports }) };
  }
  const uncertain = pieces.filter((p) => p.outcome.verdict === "uncertain");
  if (uncertain.length > 0) {
    return {
      verdict: "uncertain",
      rule: uncertain[0]!.outcome.rule,
      suspects: uncertain.flatMap((p) => p.outcome.suspects),
    };
  }
  return pieces[0]!.outcome;
}

/**
 * Does this NSG let the protected subnet open connections to every destination address on every queried port, from
 * whichever ephemeral source port its stack picks? Evaluated per port segment; adjacent segments with the same outcome
 * and rule are merged for display.
 */
export function evaluateOutboundFlow(rules: SecurityRule[], query: OutboundFlowQuery): OutboundFlow {
  const notes: string[] = [];
  const ports = parseQueryPorts(query.ports);
  const ctx = buildContext(query.protocol, query, query.sourcePrefixes, "Source prefixes", notes);
  const destination = parseQueryPrefixes(query.destinationPrefixes, "Destination prefixes", notes);
  if (destination === undefined) {
    if (query.destinationPrefixes.length === 0) notes.push("Destination prefixes were not supplied");
    return {
      verdict: "uncertain",
      segments: [{ ports: ports.toString(), verdict: "uncertain" }],
      uncertainRules: [],
      notes,
    };
  }
  const prepared = prepareAll(rules, "Outbound", ctx);

  const pieces = portSegments(ports, EPHEMERAL_SOURCE_PORTS, prepared);
  const byDestination = new Map<PortSet, { source: PortSet; outcome: SegmentOutcome }[]>();
  for (const piece of pieces) {
    const list = byDestination.get(piece.destination) ?? [];
    list.push({ source: piece.source, outcome: outboundOutcome(prepared, piece, destination) });
    byDestination.set(piece.destination, list);
  }
  const evaluated = [...byDestination].map(([destinationPiece, outcomes]) => ({
    segment: destinationPiece,
    ...combineSourcePorts(outcomes),
  }));

  const segments: OutboundSegment[] = [];
  let last:
    { set: PortSet; verdict: OutboundSegment["verdict"]; rule?: PreparedRule; sourcePorts?: string } | undefined;
  const flush = () => {
    if (last === undefined) return;
    segments.push({
      ports: last.set.toString(),
      verdict: last.verdict,
      ...(last.rule ? { rule: last.rule.ref } : {}),
      ...(last.sourcePorts === undefined ? {} : { sourcePorts: last.sourcePorts }),
    });
  };
  for (const e of evaluated) {
    const sourcePorts = e.blockedSourcePorts?.toString();
    const adjacent = last !== undefined && last.set.ranges().at(-1)!.to + 1 === e.segment.first();
    if (
      last !== undefined &&
      adjacent &&
      last.verdict === e.verdict &&
      last.rule === e.rule &&
      last.sourcePorts === sourcePorts
    ) {
      last.set = last.set.union(e.segment);
    } else {
      flush();
      last = {
        set: e.segment,
        verdict: e.verdict,
        ...(e.rule ? { rule: e.rule } : {}),
        ...(sourcePorts === undefined ? {} : { sourcePorts }),
      };
    }
  }
  flush();

  const verdict: OutboundFlow["verdict"] = evaluated.some((e) => e.verdict === "blocked")
    ? "blocked"
    : evaluated.every((e) => e.verdict === "allowed")
      ? "allowed"
      : "uncertain";
  let uncertainRules: RuleRef[] = [];
  if (verdict === "uncertain") {
    const ordered = uniqueInOrder(
      evaluated.flatMap((e) => e.suspects),
      prepared,
    );
    uncertainRules = ordered.map((r) => r.ref);
    notes.push(...ordered.map(noteFor));
  }
  return { verdict, segments, uncertainRules, notes };
}
