// Interval algebra shared by address sets and port sets. Both are "sets of integers that come in long runs"
// (a /8 is 16 million addresses, a port range thousands of ports), so they are stored as sorted, disjoint,
// inclusive [lo, hi] runs and combined run by run, never element by element. bigint because IPv6 needs 128 bits.

export interface Interval {
  readonly lo: bigint;
  readonly hi: bigint;
}

export type Intervals = readonly Interval[];

/** Sorts and merges overlapping or touching runs, so equal sets always have equal representations. */
export function normalizeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = [...list].filter((i) => i.lo <= i.hi).sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && next.lo <= last.hi + 1n) {
      if (next.hi > last.hi) out[out.length - 1] = { lo: last.lo, hi: next.hi };
    } else {
      out.push(next);
    }
  }
  return out;
}

export function unionIntervals(a: Intervals, b: Intervals): Interval[] {
  return normalizeIntervals([...a, ...b]);
}

export function intersectIntervals(a: Intervals, b: Intervals): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const lo = x.lo > y.lo ? x.lo : y.lo;
    const hi = x.hi < y.hi ? x.hi : y.hi;
    if (lo <= hi) out.push({ lo, hi });
    if (x.hi < y.hi) i++;
    else j++;
  }
  return out;
}

export function subtractIntervals(a: Intervals, b: Intervals): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const x of a) {
    let lo = x.lo;
    while (j < b.length && b[j]!.hi < lo) j++;
    let k = j;
    while (k < b.length && b[k]!.lo <= x.hi) {
      const y = b[k]!;
      if (y.lo > lo) out.push({ lo, hi: y.lo - 1n });
      if (y.hi >= x.hi) {
        lo = x.hi + 1n;
        break;
      }
      lo = y.hi + 1n;
      k++;
    }
    if (lo <= x.hi) out.push({ lo, hi: x.hi });
  }
  return out;
}

export function intervalsEqual(a: Intervals, b: Intervals): boolean {
  return a.length === b.length && a.every((x, i) => x.lo === b[i]!.lo && x.hi === b[i]!.hi);
}

/** Number of integers in the set. */
export function intervalsSize(a: Intervals): bigint {
  return a.reduce((sum, i) => sum + (i.hi - i.lo + 1n), 0n);
}
