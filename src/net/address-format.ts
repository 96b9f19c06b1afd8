// How the IP part of an address set is written out: addresses in their usual text form, runs as minimal CIDR
// lists, long lists cut fairly for evidence, and a representative address for examples. Formatting only; the set
// algebra lives in address-set.ts.

import ipaddr from "ipaddr.js";
import type { Interval, Intervals } from "./intervals";

export type AddressFamily = "ipv4" | "ipv6";

function formatV4(value: bigint): string {
  const octets = [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 255n));
  return octets.join(".");
}

function formatV6(value: bigint): string {
  const parts: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(Number((value >> shift) & 0xffffn));
  return new ipaddr.IPv6(parts).toRFC5952String();
}

export function formatAddress(family: AddressFamily, value: bigint): string {
  return family === "ipv4" ? formatV4(value) : formatV6(value);
}

export function bytesToBigint(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** Minimal list of CIDR blocks covering exactly one run. */
export function intervalToCidrs(family: AddressFamily, interval: Interval): string[] {
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
export function intervalCidrCount(family: AddressFamily, lo: bigint, hi: bigint): number {
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
export function firstCidrs(family: AddressFamily, runs: Iterable<Interval>, limit: number): string[] {
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
export interface DisplayGroup {
  count: number;
  take(n: number): string[];
}

/**
 * Cuts the groups to `limit` entries with a final "… and N more" entry; the room is shared round-robin so that
 * a long first group (the IPv4 blocks of "Internet") cannot hide the others. Only the entries shown are made.
 */
export function describeGroups(groups: readonly DisplayGroup[], limit: number): string[] {
  const total = groups.reduce((n, g) => n + g.count, 0);
  if (total <= limit) return groups.flatMap((g) => g.take(g.count));
  const room = groups.map(() => 0);
  for (let left = limit - 1; left > 0;) {
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
export function sampleFromRuns(family: AddressFamily, first: Interval, contains: (value: bigint) => boolean): string {
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

/** The display group of one family's runs: counted up front, formatted only as far as shown. */
export function runsGroup(family: AddressFamily, counted: Intervals, runs: () => Iterable<Interval>): DisplayGroup {
  return {
    count: counted.reduce((n, r) => n + intervalCidrCount(family, r.lo, r.hi), 0),
    take: (n) => firstCidrs(family, runs(), n),
  };
}
