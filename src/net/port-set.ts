// Port sets for NSG port fields. A rule's ports decide whether it applies to the port being audited, and a
// port field can be `*`, a single port, a range or a list; the evaluator also splits a queried range
// (11000-11999) at every rule boundary. Malformed text is reported with its reason, never guessed at,
// because a rule whose ports we cannot read must be treated as uncertain.

import { type Intervals, intersectIntervals, intervalsEqual, subtractIntervals, unionIntervals } from "./intervals";

const MAX_PORT = 65535;

/** An immutable set of TCP/UDP ports (0-65535). */
export class PortSet {
  static readonly EMPTY = new PortSet([]);
  static readonly ALL = new PortSet([{ lo: 0n, hi: BigInt(MAX_PORT) }]);

  private constructor(private readonly runs: Intervals) {}

  static range(from: number, to: number): PortSet {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > MAX_PORT || from > to) {
      throw new RangeError(`Invalid port range ${from}-${to}`);
    }
    return new PortSet([{ lo: BigInt(from), hi: BigInt(to) }]);
  }

  static single(port: number): PortSet {
    return PortSet.range(port, port);
  }

  union(other: PortSet): PortSet {
    return new PortSet(unionIntervals(this.runs, other.runs));
  }

  intersect(other: PortSet): PortSet {
    return new PortSet(intersectIntervals(this.runs, other.runs));
  }

  subtract(other: PortSet): PortSet {
    return new PortSet(subtractIntervals(this.runs, other.runs));
  }

  isEmpty(): boolean {
    return this.runs.length === 0;
  }

  /** True when every port of `other` is in this set. */
  containsAll(other: PortSet): boolean {
    return other.subtract(this).isEmpty();
  }

  overlaps(other: PortSet): boolean {
    return !this.intersect(other).isEmpty();
  }

  equals(other: PortSet): boolean {
    return intervalsEqual(this.runs, other.runs);
  }

  has(port: number): boolean {
    return this.runs.some((r) => r.lo <= BigInt(port) && BigInt(port) <= r.hi);
  }

  /** The runs as inclusive `{ from, to }` pairs, ascending. */
  ranges(): Array<{ from: number; to: number }> {
    return this.runs.map((r) => ({ from: Number(r.lo), to: Number(r.hi) }));
  }

  /** Lowest port, or undefined when empty. */
  first(): number | undefined {
    const run = this.runs[0];
    return run === undefined ? undefined : Number(run.lo);
  }

  /** NSG-style text: `*`, `1433`, `11000-11999`, `80,443`. */
  toString(): string {
    if (this.equals(PortSet.ALL)) return "*";
    if (this.isEmpty()) return "(none)";
    return this.ranges()
      .map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`))
      .join(",");
  }
}

export type PortParse = { ok: true; ports: PortSet } | { ok: false; reason: string };

function parseOnePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= MAX_PORT ? port : undefined;
}

/** One entry of a port field, or a comma-separated list of them: `*`, `Any`, `80`, `3300-3400`, `80,443`. */
export function parsePortSpec(text: string): PortParse {
  const fail = (why: string): PortParse => ({ ok: false, reason: `'${text}' is not a valid port range: ${why}` });
  const trimmed = text.trim();
  if (trimmed === "") return fail("empty");
  let ports = PortSet.EMPTY;
  for (const raw of trimmed.split(",")) {
    const item = raw.trim();
    if (item === "") return fail("empty list entry");
    if (item === "*" || item.toLowerCase() === "any") {
      ports = PortSet.ALL;
      continue;
    }
    const bounds = item.split("-").map((s) => s.trim());
    if (bounds.length > 2) return fail(`'${item}' has more than one '-'`);
    const [fromText = "", toText = fromText] = bounds;
    const from = parseOnePort(fromText);
    const to = parseOnePort(toText);
    if (from === undefined || to === undefined) return fail(`'${item}' is not a port number 0-65535`);
    if (from > to) return fail(`range ${from}-${to} runs backwards`);
    ports = ports.union(PortSet.range(from, to));
  }
  return { ok: true, ports };
}

/**
 * A port field as the model stores it (plural and singular merged). Readable entries are kept even when
 * others are malformed, so a caller can still say "these ports certainly match"; `problems` lists the rest.
 * An empty list is itself a problem: Azure never stores a rule without ports.
 */
export function parsePortList(entries: readonly string[]): { ports: PortSet; problems: string[] } {
  if (entries.length === 0) return { ports: PortSet.EMPTY, problems: ["no port ranges"] };
  let ports = PortSet.EMPTY;
  const problems: string[] = [];
  for (const entry of entries) {
    const parsed =
      typeof entry === "string" ? parsePortSpec(entry) : { ok: false as const, reason: `${String(entry)} is not text` };
    if (parsed.ok) ports = ports.union(parsed.ports);
    else problems.push(parsed.reason);
  }
  return { ports, problems };
}
