// Sets of addresses an NSG rule can name, with exact set algebra. NSG evaluation is "which sources are still
// undecided after each rule", and a source field mixes CIDRs with service tags whose IP lists we do not hold
// (Sql, AzureCloud, Storage.WestEurope). So a set is IPv4 runs, IPv6 runs and service-tag atoms, kept apart:
// a tag atom is disjoint from every CIDR, `Sql.WestEurope` lies inside `Sql`, and different base tags are
// treated as disjoint. That last point is a simplification: in Azure, AzureCloud overlaps Sql, so a Deny on
// AzureCloud really does shadow a later Allow on Sql, while this model reports the Sql Allow. The error only
// ever reports more exposure, never less.

import ipaddr from "ipaddr.js";
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
import { SERVICE_TAG_NAMES, parseServiceTag, regionDisplayName } from "./service-tags";

export type AddressFamily = "ipv4" | "ipv6";

const MAX_V4 = (1n << 32n) - 1n;
const MAX_V6 = (1n << 128n) - 1n;

// ---------------------------------------------------------------------------------------------------------------
// Service-tag atoms. A base tag is the union of its regional tags; the set of regions is open (Azure adds regions),
// so "Sql except Sql.WestEurope" is still non-empty. Per base we keep either a finite set of regions or the
// complement of one.

interface RegionSet {
  /** true: every region except `keys`; false: exactly `keys`. */
  readonly complement: boolean;
  readonly keys: ReadonlySet<string>;
}

const NO_REGIONS: RegionSet = { complement: false, keys: new Set() };
const ALL_REGIONS: RegionSet = { complement: true, keys: new Set() };

function regionsOp(a: RegionSet, b: RegionSet, op: "union" | "intersect"): RegionSet {
  const inBoth = [...a.keys].filter((k) => b.keys.has(k));
  const aOnly = [...a.keys].filter((k) => !b.keys.has(k));
  const bOnly = [...b.keys].filter((k) => !a.keys.has(k));
  const either = [...a.keys, ...bOnly];
  if (op === "union") {
    if (!a.complement && !b.complement) return { complement: false, keys: new Set(either) };
    if (a.complement && b.complement) return { complement: true, keys: new Set(inBoth) };
    // finite ∪ co-finite: everything except what the co-finite side excludes and the finite side does not add
    return a.complement ? { complement: true, keys: new Set(aOnly) } : { complement: true, keys: new Set(bOnly) };
  }
  if (!a.complement && !b.complement) return { complement: false, keys: new Set(inBoth) };
  if (a.complement && b.complement) return { complement: true, keys: new Set(either) };
  return a.complement ? { complement: false, keys: new Set(bOnly) } : { complement: false, keys: new Set(aOnly) };
}

function regionsComplement(a: RegionSet): RegionSet {
  return { complement: !a.complement, keys: a.keys };
}

function regionsEqual(a: RegionSet, b: RegionSet): boolean {
  return a.complement === b.complement && a.keys.size === b.keys.size && [...a.keys].every((k) => b.keys.has(k));
}

function regionsEmpty(a: RegionSet): boolean {
  return !a.complement && a.keys.size === 0;
}

/** Tag atoms: bases not listed in `bases` are all present (`all`) or all absent. */
class TagSet {
  static readonly EMPTY = new TagSet(false, new Map());
  static readonly ALL = new TagSet(true, new Map());

  private constructor(
    readonly all: boolean,
    readonly bases: ReadonlyMap<string, RegionSet>,
  ) {}

  static of(base: string, region: string | undefined): TagSet {
    const regions = region === undefined ? ALL_REGIONS : { complement: false, keys: new Set([region]) };
    return new TagSet(false, new Map([[base, regions]]));
  }

  regionsOf(base: string): RegionSet {
    return this.bases.get(base) ?? (this.all ? ALL_REGIONS : NO_REGIONS);
  }

  private combine(other: TagSet, op: (a: RegionSet, b: RegionSet) => RegionSet, all: boolean): TagSet {
    const fallback = all ? ALL_REGIONS : NO_REGIONS;
    const bases = new Map<string, RegionSet>();
    for (const base of new Set([...this.bases.keys(), ...other.bases.keys()])) {
      const regions = op(this.regionsOf(base), other.regionsOf(base));
      if (!regionsEqual(regions, fallback)) bases.set(base, regions);
    }
    return new TagSet(all, bases);
  }

  union(other: TagSet): TagSet {
    return this.combine(other, (a, b) => regionsOp(a, b, "union"), this.all || other.all);
  }

  intersect(other: TagSet): TagSet {
    return this.combine(other, (a, b) => regionsOp(a, b, "intersect"), this.all && other.all);
  }

  subtract(other: TagSet): TagSet {
    return this.combine(other, (a, b) => regionsOp(a, regionsComplement(b), "intersect"), this.all && !other.all);
  }

  isEmpty(): boolean {
    return !this.all && [...this.bases.values()].every(regionsEmpty);
  }

  equals(other: TagSet): boolean {
    if (this.all !== other.all) return false;
    const keys = new Set([...this.bases.keys(), ...other.bases.keys()]);
    return [...keys].every((k) => regionsEqual(this.regionsOf(k), other.regionsOf(k)));
  }

  /** Display names, e.g. `Sql`, `Storage.WestEurope`, `any service tag except Sql`. */
  names(): string[] {
    const regional = (base: string, keys: ReadonlySet<string>) =>
      [...keys].sort().map((k) => `${base}.${regionDisplayName(base, k)}`);
    const sortedBases = [...this.bases.keys()].sort();
    if (!this.all) {
      return sortedBases.flatMap((base) => {
        const r = this.regionsOf(base);
        if (!r.complement) return regional(base, r.keys);
        if (r.keys.size === 0) return [base];
        return [`${base} except ${regional(base, r.keys).join(", ")}`];
      });
    }
    const missing = sortedBases.flatMap((base) => {
      const r = this.regionsOf(base);
      if (r.complement) return regional(base, r.keys);
      if (r.keys.size === 0) return [base];
      return [`${base} (other than ${regional(base, r.keys).join(", ")})`];
    });
    return [missing.length === 0 ? "any service tag" : `any service tag except ${missing.join(", ")}`];
  }

  /** One concrete tag name in the set, preferring AzureCloud (the tag most rules name). */
  sample(): string | undefined {
    for (const base of [...this.bases.keys()].sort()) {
      const r = this.regionsOf(base);
      if (regionsEmpty(r)) continue;
      if (r.complement) return r.keys.size === 0 ? base : `${base} (other regions)`;
      const first = [...r.keys].sort()[0]!;
      return `${base}.${regionDisplayName(base, first)}`;
    }
    if (!this.all) return undefined;
    return ATOM_BASES.find((base) => !this.bases.has(base));
  }
}

/** Bases that become atoms; the three special tags are translated to addresses by the evaluator instead. */
const ATOM_BASES = ["AzureCloud", ...SERVICE_TAG_NAMES.filter((n) => !["AzureCloud", "Internet", "VirtualNetwork", "AzureLoadBalancer"].includes(n))];

// ---------------------------------------------------------------------------------------------------------------

function formatV4(value: bigint): string {
  const octets = [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 255n));
  return octets.join(".");
}

function formatV6(value: bigint): string {
  const parts: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(Number((value >> shift) & 0xffffn));
  return new ipaddr.IPv6(parts).toRFC5952String();
}

function formatAddress(family: AddressFamily, value: bigint): string {
  return family === "ipv4" ? formatV4(value) : formatV6(value);
}

function bytesToBigint(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** Minimal list of CIDR blocks covering exactly one run. */
function intervalToCidrs(family: AddressFamily, interval: Interval): string[] {
  if (family === "ipv4") return ipv4IntervalToCidrs(Number(interval.lo), Number(interval.hi));
  const width = 128n;
  const out: string[] = [];
  let lo = interval.lo;
  while (lo <= interval.hi) {
    let size = 0n; // log2 of the block size
    while (size < width && (lo & ((1n << (size + 1n)) - 1n)) === 0n && lo + (1n << (size + 1n)) - 1n <= interval.hi) {
      size++;
    }
    out.push(`${formatAddress(family, lo)}/${width - size}`);
    lo += 1n << size;
  }
  return out;
}

/**
 * The IPv4 case in plain numbers: every value is below 2^32, exact in a double. Evidence lists of exposed NSGs are
 * formatted for every failing target, and the bigint loop above was a visible share of a 1M-row audit's time.
 */
function ipv4IntervalToCidrs(from: number, to: number): string[] {
  const out: string[] = [];
  let lo = from;
  while (lo <= to) {
    let size = 0; // log2 of the block size
    while (size < 32) {
      const block = 2 ** (size + 1);
      if (lo % block !== 0 || lo + block - 1 > to) break;
      size++;
    }
    out.push(`${lo >>> 24}.${(lo >>> 16) & 255}.${(lo >>> 8) & 255}.${lo & 255}/${32 - size}`);
    lo += 2 ** size;
  }
  return out;
}

/** Number of blocks intervalToCidrs would return, without formatting them (plain numbers for IPv4). */
function intervalCidrCount(family: AddressFamily, lo: bigint, hi: bigint): number {
  if (lo > hi) return 0;
  let count = 0;
  if (family === "ipv4") {
    let a = Number(lo);
    const h = Number(hi);
    while (a <= h) {
      let block = 1;
      while (block < 4294967296 && a % (block * 2) === 0 && a + block * 2 - 1 <= h) block *= 2;
      count++;
      a += block;
    }
    return count;
  }
  let a = lo;
  while (a <= hi) {
    let size = 0n;
    while (size < 128n && (a & ((1n << (size + 1n)) - 1n)) === 0n && a + (1n << (size + 1n)) - 1n <= hi) size++;
    count++;
    a += 1n << size;
  }
  return count;
}

/** The first `limit` CIDRs of a list of runs, in order, stopping as soon as there are enough. */
function firstCidrs(family: AddressFamily, runs: Iterable<Interval>, limit: number): string[] {
  const out: string[] = [];
  if (limit <= 0) return out;
  for (const run of runs) {
    for (const cidr of intervalToCidrs(family, run)) {
      out.push(cidr);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** A group of display entries whose total is known without producing all of them. */
interface DisplayGroup {
  count: number;
  take(n: number): string[];
}

/**
 * Cuts the groups to `limit` entries with a final "… and N more" entry; the room is shared round-robin so that
 * a long first group (the IPv4 blocks of "Internet") cannot hide the others. Only the entries shown are made.
 */
function describeGroups(groups: readonly DisplayGroup[], limit: number): string[] {
  const total = groups.reduce((n, g) => n + g.count, 0);
  if (total <= limit) return groups.flatMap((g) => g.take(g.count));
  const room = groups.map(() => 0);
  for (let left = limit - 1; left > 0; ) {
    const before = left;
    groups.forEach((g, i) => {
      if (left > 0 && room[i]! < g.count) {
        room[i]!++;
        left--;
      }
    });
    if (left === before) break;
  }
  const shown = groups.flatMap((g, i) => g.take(room[i]!));
  return [...shown, `… and ${total - shown.length} more`];
}

/** Evidence address from the first run of a family (see AddressSet.sampleAddress). */
function sampleFromRuns(family: AddressFamily, first: Interval, contains: (value: bigint) => boolean): string {
  if (first.lo !== 0n) return formatAddress(family, first.lo);
  // A run from 0.0.0.0 is "the Internet"; quote a documentation address from it rather than 0.0.0.0.
  const candidate = SAMPLE_CANDIDATES[family].find(contains);
  if (candidate !== undefined) return formatAddress(family, candidate);
  return formatAddress(family, first.hi > first.lo ? first.lo + 1n : first.lo);
}

/** Addresses chosen as evidence when a whole range starting at 0.0.0.0 is allowed; a real-looking source reads better. */
const SAMPLE_CANDIDATES: Record<AddressFamily, bigint[]> = {
  ipv4: [bytesToBigint([203, 0, 113, 5]), bytesToBigint([198, 51, 100, 7]), bytesToBigint([8, 8, 8, 8])],
  ipv6: [bytesToBigint(ipaddr.IPv6.parse("2001:db8::5").toByteArray())],
};

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
    return new AddressSet(unionIntervals(this.v4, other.v4), unionIntervals(this.v6, other.v6), this.tags.union(other.tags));
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

function runsGroup(family: AddressFamily, counted: Intervals, runs: () => Iterable<Interval>): DisplayGroup {
  return {
    count: counted.reduce((n, r) => n + intervalCidrCount(family, r.lo, r.hi), 0),
    take: (n) => firstCidrs(family, runs(), n),
  };
}

/** One family's runs of a large set, sorted and disjoint, with prefix sums so a query costs O(log k). */
class RunIndex {
  private sizePrefix: bigint[] | undefined;
  private gapCidrPrefix: number[] | undefined;

  constructor(
    private readonly family: AddressFamily,
    private readonly runs: Intervals,
  ) {}

  /** Smallest i with runs[i].hi >= value (runs.length if none). */
  private firstEndingFrom(value: bigint): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.runs[mid]!.hi < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Largest j with runs[j].lo <= value (-1 if none). */
  private lastStartingBy(value: bigint): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.runs[mid]!.lo <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  contains(value: bigint): boolean {
    const run = this.runs[this.firstEndingFrom(value)];
    return run !== undefined && run.lo <= value;
  }

  covers(interval: Interval): boolean {
    const run = this.runs[this.firstEndingFrom(interval.lo)];
    return run !== undefined && run.lo <= interval.lo && run.hi >= interval.hi;
  }

  /** Runs of `interval` not in the index, in order. */
  *remainder(interval: Interval): Generator<Interval> {
    let lo = interval.lo;
    for (let i = this.firstEndingFrom(lo); i < this.runs.length; i++) {
      const run = this.runs[i]!;
      if (run.lo > interval.hi) break;
      if (run.lo > lo) yield { lo, hi: run.lo - 1n };
      if (run.hi >= interval.hi) return;
      lo = run.hi + 1n;
    }
    if (lo <= interval.hi) yield { lo, hi: interval.hi };
  }

  /** Addresses of `interval` not in the index. */
  remainderSize(interval: Interval): bigint {
    const i = this.firstEndingFrom(interval.lo);
    const j = this.lastStartingBy(interval.hi);
    const whole = interval.hi - interval.lo + 1n;
    if (i > j) return whole;
    if (this.sizePrefix === undefined) {
      const prefix = [0n];
      for (const run of this.runs) prefix.push(prefix[prefix.length - 1]! + (run.hi - run.lo + 1n));
      this.sizePrefix = prefix;
    }
    const first = this.runs[i]!;
    const last = this.runs[j]!;
    let covered = this.sizePrefix[j + 1]! - this.sizePrefix[i]!;
    if (first.lo < interval.lo) covered -= interval.lo - first.lo;
    if (last.hi > interval.hi) covered -= last.hi - interval.hi;
    return whole - covered;
  }

  /** Number of CIDR blocks of the runs of `interval` not in the index. */
  remainderCidrCount(interval: Interval): number {
    const i = this.firstEndingFrom(interval.lo);
    const j = this.lastStartingBy(interval.hi);
    if (i > j) return intervalCidrCount(this.family, interval.lo, interval.hi);
    if (this.gapCidrPrefix === undefined) {
      // gap g lies between runs g and g + 1
      const prefix = [0];
      for (let g = 0; g + 1 < this.runs.length; g++) {
        prefix.push(prefix[g]! + intervalCidrCount(this.family, this.runs[g]!.hi + 1n, this.runs[g + 1]!.lo - 1n));
      }
      this.gapCidrPrefix = prefix;
    }
    const first = this.runs[i]!;
    const last = this.runs[j]!;
    return (
      (interval.lo < first.lo ? intervalCidrCount(this.family, interval.lo, first.lo - 1n) : 0) +
      (this.gapCidrPrefix[j]! - this.gapCidrPrefix[i]!) +
      (last.hi < interval.hi ? intervalCidrCount(this.family, last.hi + 1n, interval.hi) : 0)
    );
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
    return describeGroups([group("ipv4"), group("ipv6"), { count: tagNames.length, take: (n) => tagNames.slice(0, n) }], limit);
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
export const PRIVATE_RANGES = AddressSet.fromPrefixes(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]);
/** What Azure translates the AzureLoadBalancer tag to (the platform's virtual IP). */
export const AZURE_LOAD_BALANCER = AddressSet.fromPrefixes(["168.63.129.16/32"]);
