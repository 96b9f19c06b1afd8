// The results the emulator keeps between the pages of one paged query. Without it every page re-scoped and re-ran the
// query over the whole estate just to slice 1,000 rows out, so paging through a result cost O(rows × pages): at 1M
// rows the emulator, not the collector, set the pace. A first page now stores its result under a cursor id that the
// $skipToken carries, and later pages slice it. The cache is bounded in entries, in rows held and in idle time; a
// page whose cursor has been evicted re-runs the query, so eviction costs time, never correctness.

import { randomBytes } from "node:crypto";

export interface CachedResult {
  /** The query-and-scope fingerprint the cursor was made for; a token of another query never reads it. */
  fingerprint: string;
  rows: Record<string, unknown>[];
  /** Whether the rows keep `id` (Resource Graph pages only such results). */
  hasId: boolean;
  /** Whether the scope was cut at the subscription limit (the header every page repeats). */
  limitHit: boolean;
}

export interface ResultCacheLimits {
  /** Cursors kept at most; the least recently read goes first. */
  maxEntries: number;
  /** Rows kept at most over all cursors; a result larger than this is not kept at all. */
  maxRows: number;
  /** A cursor not read for this long is dropped. */
  idleMs: number;
}

export const DEFAULT_RESULT_CACHE_LIMITS: ResultCacheLimits = {
  maxEntries: 256,
  maxRows: 4_000_000,
  idleMs: 10 * 60_000,
};

export interface ResultCacheStats {
  /** Pages after the first served from a kept result. */
  hits: number;
  /** Pages after the first whose result had to be computed again (evicted, expired, or never kept). */
  misses: number;
  evictions: number;
}

export class QueryResultCache {
  /** Map order is the recency order: a read moves its entry to the end, eviction takes from the front. */
  private readonly entries = new Map<string, { result: CachedResult; lastRead: number }>();
  private rowsHeld = 0;
  private sequence = 0;
  /** Cursor ids differ between emulator runs, so a token from an earlier run misses instead of reading another result. */
  private readonly prefix = randomBytes(4).toString("hex");
  readonly stats: ResultCacheStats = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    private readonly limits: ResultCacheLimits = DEFAULT_RESULT_CACHE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new cursor id for a result about to be paged. */
  newCursor(): string {
    this.sequence += 1;
    return `${this.prefix}-${this.sequence.toString(36)}`;
  }

  /** Keeps `result` under `cursor` (a result over `maxRows` is not kept) and evicts what the limits no longer allow. */
  put(cursor: string, result: CachedResult): void {
    this.drop(cursor);
    if (result.rows.length > this.limits.maxRows) return;
    this.entries.set(cursor, { result, lastRead: this.now() });
    this.rowsHeld += result.rows.length;
    this.evict();
  }

  /** The result kept under `cursor` for this fingerprint, or undefined; counts the page as a hit or a miss. */
  get(cursor: string, fingerprint: string): CachedResult | undefined {
    this.expire();
    const entry = this.entries.get(cursor);
    if (entry === undefined || entry.result.fingerprint !== fingerprint) {
      this.stats.misses += 1;
      return undefined;
    }
    this.entries.delete(cursor);
    entry.lastRead = this.now();
    this.entries.set(cursor, entry);
    this.stats.hits += 1;
    return entry.result;
  }

  /** Forgets a cursor whose last page has been served. */
  release(cursor: string): void {
    this.drop(cursor);
  }

  get size(): { entries: number; rows: number } {
    return { entries: this.entries.size, rows: this.rowsHeld };
  }

  private drop(cursor: string): void {
    const entry = this.entries.get(cursor);
    if (entry === undefined) return;
    this.entries.delete(cursor);
    this.rowsHeld -= entry.result.rows.length;
  }

  private evict(): void {
    this.expire();
    for (const cursor of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries && this.rowsHeld <= this.limits.maxRows) break;
      this.drop(cursor);
      this.stats.evictions += 1;
    }
  }

  private expire(): void {
    const oldest = this.now() - this.limits.idleMs;
    for (const [cursor, entry] of this.entries) {
      // Recency order: the first entry read recently enough ends the scan.
      if (entry.lastRead > oldest) break;
      this.drop(cursor);
      this.stats.evictions += 1;
    }
  }
}
