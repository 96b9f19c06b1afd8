// Sets of addresses an NSG rule can name, with exact set algebra. NSG evaluation is "which sources are still
// undecided after each rule", and a source field mixes CIDRs with service tags whose IP lists we do not hold
// (Sql, AzureCloud, Storage.WestEurope). So a set is IPv4 runs, IPv6 runs and service-tag atoms, kept apart:
// a tag atom is disjoint from every CIDR, `Sql.WestEurope` lies inside `Sql`, and different base tags are
// treated as disjoint. That last point is a simplification: in Azure, AzureCloud overlaps Sql, so a Deny on
// AzureCloud really does shadow a later Allow on Sql, while this model reports the Sql Allow. The error only
// ever reports more exposure, never less.
//
// This file holds the two set types (AddressSet, and SetDifference for a small set minus a large one), prefix
// parsing and the well-known sets. The tag atoms are service-tag-atoms.ts, the text forms address-format.ts and the
// index behind SetDifference run-index.ts.

import ipaddr from "ipaddr.js";
import {
  type AddressFamily,
  type DisplayGroup,
  bytesToBigint,
  describeGroups,
  firstCidrs,
  formatAddress,
  intervalToCidrs,
  runsGroup,
  sampleFromRuns,
} from "./address-format";
import {
  type Interval,
  type Intervals,
  intersectIntervals,
  intervalsEqual,
  intervalsSize,
  normalizeIntervals,
  subtractIntervals,
  unionIntervals,
} from "./intervals";
import { RunIndex } from "./run-index";
import { TagSet } from "./service-tag-atoms";
import { parseServiceTag } from "./service-tags";

export type { AddressFamily };

const MAX_V4 = (1n << 32n) - 1n;
const MAX_V6 = (1n << 128n) - 1n;

/** An immutable set of IPv4 addresses, IPv6 addresses and service-tag atoms. */
export class AddressSet {
  static readonly EMPTY = new AddressSet([], [], TagSet.EMPTY);

  private constructor(
    private readonly v4: Intervals,
    private readonly v6: Intervals,
    private readonly tags: TagSet,
  ) {}

  /** Inclusive range of addresses; `lo` and `hi` are the numeric address values. */
  static range(family: AddressFamily, lo: bigint, hi: bigint): AddressSet {
    const max = family === "ipv4" ? MAX_V4 : MAX_V6;
    if (lo < 0n || hi > max || lo > hi) throw new RangeError(`Invalid ${family} range ${lo}-${hi}`);
    const run = [{ lo, hi }];
    return family === "ipv4" ? new AddressSet(run, [], TagSet.EMPTY) : new AddressSet([], run, TagSet.EMPTY);
  }

  /** The atom for a known service tag (`Sql`, `storage.westeurope`); undefined for unknown tags. */
  static serviceTag(name: string): AddressSet | undefined {
    const ref = parseServiceTag(name);
    if (ref === undefined) return undefined;
    return new AddressSet([], [], TagSet.of(ref.base, ref.region));
  }

  /** Every service-tag atom, including regional forms and tags Azure has not published yet. */
  static allServiceTags(): AddressSet {
    return new AddressSet([], [], TagSet.ALL);
  }

  /** Parses a list of prefixes; throws on the first malformed one (for constants and validated configuration). */
  static fromPrefixes(prefixes: readonly string[]): AddressSet {
    return AddressSet.unionAll(
      prefixes.map((text) => {
        const parsed = parsePrefix(text);
        if (!parsed.ok) throw new Error(parsed.reason);
        return parsed.prefix.set;
      }),
    );
  }

  union(other: AddressSet): AddressSet {
    return new AddressSet(
      unionIntervals(this.v4, other.v4),
      unionIntervals(this.v6, other.v6),
      this.tags.union(other.tags),
    );
  }

  intersect(other: AddressSet): AddressSet {
    return new AddressSet(
      intersectIntervals(this.v4, other.v4),
      intersectIntervals(this.v6, other.v6),
      this.tags.intersect(other.tags),
    );
  }

  subtract(other: AddressSet): AddressSet {
    return new AddressSet(
      subtractIntervals(this.v4, other.v4),
      subtractIntervals(this.v6, other.v6),
      this.tags.subtract(other.tags),
    );
  }

  isEmpty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0 && this.tags.isEmpty();
  }

  /** True when every element of `other` is in this set (other ⊆ this). */
  containsAll(other: AddressSet): boolean {
    return other.subtract(this).isEmpty();
  }

  overlaps(other: AddressSet): boolean {
    return !this.intersect(other).isEmpty();
  }

  equals(other: AddressSet): boolean {
    return intervalsEqual(this.v4, other.v4) && intervalsEqual(this.v6, other.v6) && this.tags.equals(other.tags);
  }

  /** The IP part only, without service-tag atoms. */
  ipAddresses(): AddressSet {
    return new AddressSet(this.v4, this.v6, TagSet.EMPTY);
  }

  /** The service-tag part only. */
  serviceTags(): AddressSet {
    return new AddressSet([], [], this.tags);
  }

  hasServiceTags(): boolean {
    return !this.tags.isEmpty();
  }

  /** Number of addresses of one family (tags are not counted). */
  addressCount(family: AddressFamily): bigint {
    return intervalsSize(family === "ipv4" ? this.v4 : this.v6);
  }

  /** Minimal CIDR list of the IP part, IPv4 first. */
  toCidrs(): string[] {
    return [
      ...this.v4.flatMap((i) => intervalToCidrs("ipv4", i)),
      ...this.v6.flatMap((i) => intervalToCidrs("ipv6", i)),
    ];
  }

  /** Display names of the tag part. */
  serviceTagNames(): string[] {
    return this.tags.names();
  }

  /**
   * IPv4 CIDRs, IPv6 CIDRs, then tag names, cut to `limit` entries with a final "… and N more" entry.
   * When cutting, the room is shared round-robin between the three groups: "Internet" is dozens of IPv4
   * blocks, and listing them must not hide that IPv6 and every service tag are allowed too.
   */
  describe(limit = 20): string[] {
    const tagNames = this.serviceTagNames();
    return describeGroups(
      [
        runsGroup("ipv4", this.v4, () => this.v4),
        runsGroup("ipv6", this.v6, () => this.v6),
        { count: tagNames.length, take: (n) => tagNames.slice(0, n) },
      ],
      limit,
    );
  }

  toString(): string {
    return this.isEmpty() ? "(none)" : this.describe().join(", ");
  }

  /** One representative element for evidence: an address if there is one, else a tag name. */
  sampleAddress(): string | undefined {
    for (const family of ["ipv4", "ipv6"] as const) {
      const runs = family === "ipv4" ? this.v4 : this.v6;
      const first = runs[0];
      if (first === undefined) continue;
      return sampleFromRuns(family, first, (c) => runs.some((r) => r.lo <= c && c <= r.hi));
    }
    return this.tags.sample();
  }

  /** Union of many sets in one pass: all runs are collected, sorted and merged once (not one union per set). */
  static unionAll(sets: Iterable<AddressSet>): AddressSet {
    const v4: Interval[] = [];
    const v6: Interval[] = [];
    let tags = TagSet.EMPTY;
    for (const set of sets) {
      for (const run of set.v4) v4.push(run);
      for (const run of set.v6) v6.push(run);
      if (set.tags !== TagSet.EMPTY) tags = tags.union(set.tags);
    }
    return new AddressSet(normalizeIntervals(v4), normalizeIntervals(v6), tags);
  }

  /** `this − excluded`, without building it: for a small set minus a large one (every source minus thousands of owned IPs). */
  minusIndexed(excluded: AddressSet): SetDifference {
    return new SetDifference(this, ExclusionIndex.of(excluded));
  }

  /** @internal the parts, for SetDifference. */
  static parts(set: AddressSet): { v4: Intervals; v6: Intervals; tags: TagSet } {
    return { v4: set.v4, v6: set.v6, tags: set.tags };
  }

  /** @internal */
  static fromParts(v4: Intervals, v6: Intervals, tags: TagSet): AddressSet {
    return new AddressSet(v4, v6, tags);
  }
}

const EXCLUSION_INDEXES = new WeakMap<AddressSet, ExclusionIndex>();

/** A large set prepared for SetDifference; kept per AddressSet object (sets are immutable). */
class ExclusionIndex {
  private constructor(
    readonly v4: RunIndex,
    readonly v6: RunIndex,
    readonly tags: TagSet,
  ) {}

  static of(set: AddressSet): ExclusionIndex {
    let index = EXCLUSION_INDEXES.get(set);
    if (index === undefined) {
      const parts = AddressSet.parts(set);
      index = new ExclusionIndex(new RunIndex("ipv4", parts.v4), new RunIndex("ipv6", parts.v6), parts.tags);
      EXCLUSION_INDEXES.set(set, index);
    }
    return index;
  }

  family(family: AddressFamily): RunIndex {
    return family === "ipv4" ? this.v4 : this.v6;
  }
}

/**
 * `base − excluded` for a small `base` and a large `excluded`, answered by binary search over the excluded runs
 * so that no query costs more than the size of `base` (times log of the excluded set) plus what it returns.
 * The same set as `base.subtract(excluded)`, with the same outputs.
 */
export class SetDifference {
  private readonly tags: TagSet;

  /** @internal use AddressSet.minusIndexed */
  constructor(
    private readonly base: AddressSet,
    private readonly index: ExclusionIndex,
  ) {
    const own = AddressSet.parts(base).tags;
    this.tags = index.tags === TagSet.EMPTY || own.isEmpty() ? own : own.subtract(index.tags);
  }

  private runs(family: AddressFamily): Intervals {
    const parts = AddressSet.parts(this.base);
    return family === "ipv4" ? parts.v4 : parts.v6;
  }

  private *pieces(family: AddressFamily): Generator<Interval> {
    const index = this.index.family(family);
    for (const run of this.runs(family)) yield* index.remainder(run);
  }

  /** The same difference restricted to `other`. */
  intersect(other: AddressSet): SetDifference {
    return new SetDifference(this.base.intersect(other), this.index);
  }

  /** Union with a difference over the same excluded set. */
  union(other: SetDifference): SetDifference {
    if (other.index !== this.index) throw new Error("SetDifference.union needs the same excluded set");
    return new SetDifference(this.base.union(other.base), this.index);
  }

  overlaps(other: AddressSet): boolean {
    return !this.intersect(other).isEmpty();
  }

  isEmpty(): boolean {
    if (!this.tags.isEmpty()) return false;
    for (const family of ["ipv4", "ipv6"] as const) {
      const index = this.index.family(family);
      if (!this.runs(family).every((run) => index.covers(run))) return false;
    }
    return true;
  }

  hasServiceTags(): boolean {
    return !this.tags.isEmpty();
  }

  addressCount(family: AddressFamily): bigint {
    const index = this.index.family(family);
    return this.runs(family).reduce((sum, run) => sum + index.remainderSize(run), 0n);
  }

  describe(limit = 20): string[] {
    const tagNames = this.tags.names();
    // The same differences recur for every NSG that lets the Internet in (everything − trusted − VirtualNetwork, for
    // each VNet): counting and formatting their CIDRs was a third of a 1M-row audit's evaluation time, so the text is
    // kept per excluded set and exact content (small sets only, so that keys stay short).
    const v4 = this.runs("ipv4");
    const v6 = this.runs("ipv6");
    const memo = v4.length + v6.length <= DESCRIBE_MEMO_RUNS ? describeMemo(this.index) : undefined;
    const key = memo === undefined ? "" : `${limit}|${runsKey(v4)}|${runsKey(v6)}|${tagNames.join("\u0000")}`;
    const known = memo?.get(key);
    if (known !== undefined) return known.slice();
    const described = this.describeUncached(limit, tagNames);
    if (memo !== undefined) {
      if (memo.size >= DESCRIBE_MEMO_SIZE) memo.clear();
      memo.set(key, described.slice());
    }
    return described;
  }

  private describeUncached(limit: number, tagNames: string[]): string[] {
    const group = (family: AddressFamily): DisplayGroup => {
      const index = this.index.family(family);
      return {
        count: this.runs(family).reduce((n, run) => n + index.remainderCidrCount(run), 0),
        take: (n) => firstCidrs(family, this.pieces(family), n),
      };
    };
    return describeGroups(
      [group("ipv4"), group("ipv6"), { count: tagNames.length, take: (n) => tagNames.slice(0, n) }],
      limit,
    );
  }

  sampleAddress(): string | undefined {
    for (const family of ["ipv4", "ipv6"] as const) {
      const first = this.pieces(family).next();
      if (first.done === true) continue;
      const runs = this.runs(family);
      const index = this.index.family(family);
      return sampleFromRuns(family, first.value, (c) => runs.some((r) => r.lo <= c && c <= r.hi) && !index.contains(c));
    }
    return this.tags.sample();
  }

  /** The difference as an ordinary set (costs as much as the excluded set is large; for tests and small cases). */
  toAddressSet(): AddressSet {
    return AddressSet.fromParts([...this.pieces("ipv4")], [...this.pieces("ipv6")], this.tags);
  }
}

const DESCRIBE_MEMO_RUNS = 64;
const DESCRIBE_MEMO_SIZE = 2_048;
const DESCRIBE_MEMOS = new WeakMap<ExclusionIndex, Map<string, string[]>>();

function describeMemo(index: ExclusionIndex): Map<string, string[]> {
  let memo = DESCRIBE_MEMOS.get(index);
  if (memo === undefined) {
    memo = new Map();
    DESCRIBE_MEMOS.set(index, memo);
  }
  return memo;
}

function runsKey(runs: Intervals): string {
  let key = "";
  for (const run of runs) key += `${run.lo.toString(16)}-${run.hi.toString(16)},`;
  return key;
}

export interface ParsedPrefix {
  family: AddressFamily;
  /** Prefix length as written (a bare address is /32 or /128). */
  length: number;
  /** The network in canonical form, host bits cleared: `10.0.0.5/8` → `10.0.0.0/8`. */
  cidr: string;
  set: AddressSet;
}

export type PrefixParse = { ok: true; prefix: ParsedPrefix } | { ok: false; reason: string };

/**
 * Parses `10.0.0.0/8`, a bare address (`1.2.3.4` → /32), or IPv6 with or without a length.
 * Host bits are cleared, as Azure does (`10.0.0.5/8` means 10.0.0.0/8). Only dotted-quad IPv4 is accepted:
 * ipaddr.js would also read `10.1` or `0x0a.0.0.1`, which Azure rejects.
 */
export function parsePrefix(text: string): PrefixParse {
  const trimmed = text.trim();
  const fail = (why: string): PrefixParse => ({ ok: false, reason: `'${text}' is not a valid IP prefix: ${why}` });
  if (trimmed === "") return fail("empty");
  const parts = trimmed.split("/");
  if (parts.length > 2) return fail("more than one '/'");
  const [addressText = "", lengthText] = parts;
  let family: AddressFamily;
  let value: bigint;
  if (addressText.includes(":")) {
    if (addressText.includes("%") || !ipaddr.IPv6.isValid(addressText)) return fail("malformed IPv6 address");
    family = "ipv6";
    value = bytesToBigint(ipaddr.IPv6.parse(addressText).toByteArray());
  } else {
    if (!ipaddr.IPv4.isValidFourPartDecimal(addressText)) return fail("malformed IPv4 address");
    family = "ipv4";
    value = bytesToBigint(ipaddr.IPv4.parse(addressText).toByteArray());
  }
  const width = family === "ipv4" ? 32 : 128;
  let length = width;
  if (lengthText !== undefined) {
    if (!/^\d{1,3}$/.test(lengthText)) return fail("prefix length is not a number");
    length = Number(lengthText);
    if (length > width) return fail(`prefix length ${length} is longer than ${width}`);
  }
  const hostBits = BigInt(width - length);
  const lo = (value >> hostBits) << hostBits;
  const hi = lo + (1n << hostBits) - 1n;
  return {
    ok: true,
    prefix: { family, length, cidr: `${formatAddress(family, lo)}/${length}`, set: AddressSet.range(family, lo, hi) },
  };
}

export const ALL_IPV4 = AddressSet.range("ipv4", 0n, MAX_V4);
export const ALL_IPV6 = AddressSet.range("ipv6", 0n, MAX_V6);
/** Every IP address of both families, without service-tag atoms. */
export const ALL_IP = ALL_IPV4.union(ALL_IPV6);
export const ALL_SERVICE_TAGS = AddressSet.allServiceTags();
/** Everything a `*` source can be: all addresses and all tag atoms. */
export const EVERYTHING = ALL_IP.union(ALL_SERVICE_TAGS);
/** RFC 1918, carrier-grade NAT (RFC 6598) and IPv6 unique-local space. */
export const PRIVATE_RANGES = AddressSet.fromPrefixes([
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "fc00::/7",
]);
/** What Azure translates the AzureLoadBalancer tag to (the platform's virtual IP). */
export const AZURE_LOAD_BALANCER = AddressSet.fromPrefixes(["168.63.129.16/32"]);
