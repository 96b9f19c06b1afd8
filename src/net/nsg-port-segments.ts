// The port side of NSG evaluation: what a rule's port fields certainly and possibly match, and the queried ports cut
// at every rule's boundaries, so that each piece is matched by every rule wholly or not at all and the address walk
// runs once per piece.

import type { ParsedPorts } from "./nsg-rule-parse";
import { PortSet } from "./port-set";

export interface PortBounds {
  certain: PortSet;
  possible: PortSet;
}

/** A rule's two port fields. */
export interface PortFields {
  destinationPorts: PortBounds;
  sourcePorts: PortBounds;
}

/** The ports a field certainly matches (its readable entries), and those it possibly matches (all, if any is unreadable). */
export function portBounds(parsed: ParsedPorts): PortBounds {
  return { certain: parsed.ports, possible: parsed.problems.length > 0 ? PortSet.ALL : parsed.ports };
}

/** Destination and source port pieces that never straddle a rule boundary, so every rule matches each whole or not at all. */
export interface PortSegment {
  destination: PortSet;
  source: PortSet;
}

/** Every destination segment paired with every source segment. */
export function portSegments(destination: PortSet, source: PortSet, rules: readonly PortFields[]): PortSegment[] {
  // Most rule sets never name a source port: one source piece then, without splitting.
  const sources = rules.every((r) => r.sourcePorts.certain.equals(PortSet.ALL))
    ? [source]
    : splitPorts(
        source,
        rules.map((r) => r.sourcePorts),
      );
  return splitPorts(
    destination,
    rules.map((r) => r.destinationPorts),
  ).flatMap((d) => sources.map((s) => ({ destination: d, source: s })));
}

/** Splits the queried ports at every rule's port boundaries, so each piece is uniform for every rule. */
function splitPorts(query: PortSet, fields: readonly PortBounds[]): PortSet[] {
  const cuts = new Set<number>();
  for (const field of fields) {
    for (const set of [field.certain, field.possible]) {
      for (const { from, to } of set.ranges()) {
        cuts.add(from);
        cuts.add(to + 1);
      }
    }
  }
  const sortedCuts = [...cuts].sort((a, b) => a - b);
  const segments: PortSet[] = [];
  for (const { from, to } of query.ranges()) {
    let start = from;
    for (const cut of sortedCuts) {
      if (cut <= start || cut > to) continue;
      segments.push(PortSet.range(start, cut - 1));
      start = cut;
    }
    segments.push(PortSet.range(start, to));
  }
  return segments;
}
