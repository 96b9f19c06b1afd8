// The emulator's page cache (dev/emulator/query-result-cache.ts) stays within its bounds, and a fingerprint guards it.
import { describe, expect, it } from "vitest";
import { type CachedResult, QueryResultCache } from "../../dev/emulator/query-result-cache";

const result = (fingerprint: string, rows: number): CachedResult => ({
  fingerprint,
  rows: Array.from({ length: rows }, (_, index) => ({ id: `r${index}` })),
  hasId: true,
  limitHit: false,
});

describe("QueryResultCache", () => {
  it("serves a result to its own fingerprint only", () => {
    const cache = new QueryResultCache();
    const cursor = cache.newCursor();
    cache.put(cursor, result("f1", 3));
    expect(cache.get(cursor, "f1")?.rows).toHaveLength(3);
    expect(cache.get(cursor, "f2")).toBeUndefined();
    expect(cache.get("no-such-cursor", "f1")).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 1, misses: 2 });
  });

  it("evicts the least recently read cursor past maxEntries or maxRows, and keeps no result larger than maxRows", () => {
    const cache = new QueryResultCache({ maxEntries: 2, maxRows: 10, idleMs: 60_000 });
    const [a, b, c, d] = [cache.newCursor(), cache.newCursor(), cache.newCursor(), cache.newCursor()];
    cache.put(a, result("a", 3));
    cache.put(b, result("b", 3));
    cache.get(a, "a");
    cache.put(c, result("c", 3)); // b is the least recently read
    expect(cache.get(b, "b")).toBeUndefined();
    expect(cache.get(a, "a")).toBeDefined();
    cache.put(d, result("d", 8)); // 3 + 3 + 8 rows > 10: both older ones go
    expect(cache.size).toEqual({ entries: 1, rows: 8 });
    cache.put(a, result("a", 11));
    expect(cache.get(a, "a")).toBeUndefined();
    expect(cache.size.rows).toBeLessThanOrEqual(10);
  });

  it("drops a cursor that has not been read for idleMs, and a released one at once", () => {
    let now = 0;
    const cache = new QueryResultCache({ maxEntries: 10, maxRows: 100, idleMs: 1_000 }, () => now);
    const [a, b] = [cache.newCursor(), cache.newCursor()];
    cache.put(a, result("a", 1));
    cache.put(b, result("b", 1));
    cache.release(b);
    expect(cache.size.entries).toBe(1);
    now = 999;
    expect(cache.get(a, "a")).toBeDefined();
    now = 2_000;
    expect(cache.get(a, "a")).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, rows: 0 });
  });
});
