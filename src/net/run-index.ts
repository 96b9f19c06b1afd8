// A large set's runs of one family, indexed for the lazy difference (SetDifference in address-set.ts): binary search
// and prefix sums answer "is this covered", "what is left of this run" and "how many addresses or CIDRs are left"
// in O(log k), so that "everything minus thousands of owned addresses" is never built.

import { type AddressFamily, intervalCidrCount } from "./address-format";
import type { Interval, Intervals } from "./intervals";

/** One family's runs of a large set, sorted and disjoint, with prefix sums so a query costs O(log k). */
export class RunIndex {
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
