import { describe, expect, it } from "vitest";
import { AuditorError } from "../../src/errors";
import { FindingsPageCache, findingsPageKey, serialisePage } from "../../src/report-api/findings-page-cache";
import { reportSettingsFromEnv } from "../../src/report-api/report-settings";

const RUN_A = "20261101T020000Z-aaaaaa";
const RUN_B = "20261102T020000Z-bbbbbb";
const ALL = { filter: {} };

/** A page whose serialised body is exactly `size` bytes (ASCII), so the byte bound is easy to reason about. */
function pageOf(size: number, fill = "x"): ReturnType<typeof serialisePage> {
  return serialisePage(fill.repeat(size - 2)); // JSON.stringify adds the two quotes
}

describe("findingsPageKey", () => {
  it.each([
    ["another run", findingsPageKey(RUN_B, ALL, 100, undefined)],
    ["a filter", findingsPageKey(RUN_A, { filter: { status: ["fail"] } }, 100, undefined)],
    ["a name search", findingsPageKey(RUN_A, { filter: {}, nameContains: "dev" }, 100, undefined)],
    ["another page size", findingsPageKey(RUN_A, ALL, 50, undefined)],
    ["a token", findingsPageKey(RUN_A, ALL, 100, "tok")],
  ])("tells %s apart from the first page of everything", (_name, key) => {
    expect(key).not.toBe(findingsPageKey(RUN_A, ALL, 100, undefined));
  });

  it("is the same for the same request", () => {
    expect(findingsPageKey(RUN_A, { filter: { severity: ["high"] } }, 100, "t")).toBe(
      findingsPageKey(RUN_A, { filter: { severity: ["high"] } }, 100, "t"),
    );
  });
});

describe("serialisePage", () => {
  it("gives a quoted strong ETag that follows the bytes", () => {
    const one = serialisePage({ items: [1] });
    expect(one.body).toBe('{"items":[1]}');
    expect(one.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(serialisePage({ items: [1] }).etag).toBe(one.etag);
    expect(serialisePage({ items: [2] }).etag).not.toBe(one.etag);
  });
});

describe("FindingsPageCache", () => {
  it("misses, then hits with the page it was given", () => {
    const cache = new FindingsPageCache(10_000);
    const key = findingsPageKey(RUN_A, ALL, 100, undefined);
    expect(cache.get(key)).toBeUndefined();
    const page = pageOf(100);
    cache.set(key, RUN_A, page);
    expect(cache.get(key)).toBe(page);
    expect(cache.stats()).toEqual({
      entries: 1,
      bytes: 100 + key.length,
      hits: 1,
      misses: 1,
      tooLarge: 0,
      coalesced: 0,
    });
  });

  it("evicts the least recently used pages to stay within its bytes, and a hit counts as a use", () => {
    const keys = ["k1", "k2", "k3"]; // 2 bytes each
    const cache = new FindingsPageCache(2 * 102);
    cache.set(keys[0]!, RUN_A, pageOf(100));
    cache.set(keys[1]!, RUN_A, pageOf(100));
    expect(cache.get(keys[0]!)).toBeDefined(); // k1 is now the most recent; k2 the oldest
    cache.set(keys[2]!, RUN_A, pageOf(100));
    expect(cache.get(keys[1]!)).toBeUndefined();
    expect(cache.get(keys[0]!)).toBeDefined();
    expect(cache.get(keys[2]!)).toBeDefined();
    expect(cache.stats().bytes).toBe(2 * 102);
  });

  it("replaces a page stored again under its key without counting it twice", () => {
    const cache = new FindingsPageCache(1_000);
    cache.set("k", RUN_A, pageOf(100, "a"));
    cache.set("k", RUN_A, pageOf(200, "b"));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 201 });
    expect(cache.get("k")?.body.startsWith('"b')).toBe(true);
  });

  it("does not keep a page larger than its bound, and keeps nothing when the bound is 0", () => {
    const small = new FindingsPageCache(50);
    small.set("k", RUN_A, pageOf(100));
    expect(small.get("k")).toBeUndefined();
    expect(small.stats()).toMatchObject({ entries: 0, bytes: 0, tooLarge: 1 });
    const off = new FindingsPageCache(0);
    off.set("k", RUN_A, pageOf(10));
    expect(off.get("k")).toBeUndefined();
    expect(off.stats().tooLarge).toBe(0);
  });

  it("forgets every page of one run and only those", () => {
    const cache = new FindingsPageCache(10_000);
    cache.set("a1", RUN_A, pageOf(10));
    cache.set("a2", RUN_A, pageOf(10));
    cache.set("b1", RUN_B, pageOf(10));
    cache.forgetRun(RUN_A);
    expect(cache.get("a1")).toBeUndefined();
    expect(cache.get("a2")).toBeUndefined();
    expect(cache.get("b1")).toBeDefined();
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 12 });
  });

  it.each([-1, 1.5, Number.NaN])("refuses a bound of %s", (bound) => {
    expect(() => new FindingsPageCache(bound)).toThrow(RangeError);
  });
});

describe("REPORT_FINDINGS_CACHE_MB", () => {
  it.each([
    ["16", 16 * 1024 * 1024],
    ["0", 0],
    [" 64 ", 64 * 1024 * 1024],
  ])("reads '%s' as %d bytes", (text, bytes) => {
    expect(reportSettingsFromEnv({ REPORT_FINDINGS_CACHE_MB: text })).toEqual({ findingsCacheBytes: bytes });
  });

  it("leaves the default to the cache when unset or empty", () => {
    expect(reportSettingsFromEnv({})).toEqual({});
    expect(reportSettingsFromEnv({ REPORT_FINDINGS_CACHE_MB: "" })).toEqual({});
  });

  it.each(["-1", "1.5", "lots", "2048"])("refuses '%s', naming the setting", (text) => {
    expect(() => reportSettingsFromEnv({ REPORT_FINDINGS_CACHE_MB: text })).toThrow(AuditorError);
    expect(() => reportSettingsFromEnv({ REPORT_FINDINGS_CACHE_MB: text })).toThrow(/REPORT_FINDINGS_CACHE_MB/);
  });
});

describe("FindingsPageCache.getOrLoad: concurrent misses share one read", () => {
  function deferred(): {
    promise: Promise<ReturnType<typeof serialisePage>>;
    resolve: (page: ReturnType<typeof serialisePage>) => void;
    reject: (error: Error) => void;
  } {
    let resolve!: (page: ReturnType<typeof serialisePage>) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<ReturnType<typeof serialisePage>>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }
  const key = findingsPageKey(RUN_A, ALL, 100, undefined);

  it("fifty requests for a page being read cause one read, get the same page, and the page is then cached", async () => {
    const cache = new FindingsPageCache(1_000_000);
    const read = deferred();
    let loads = 0;
    const load = () => {
      loads += 1;
      return read.promise;
    };
    const waiting = Array.from({ length: 50 }, () => cache.getOrLoad(key, RUN_A, load));
    expect(loads).toBe(1);
    const page = pageOf(100);
    read.resolve(page);
    const pages = await Promise.all(waiting);
    expect(pages.every((p) => p === page)).toBe(true);
    expect(await cache.getOrLoad(key, RUN_A, load)).toBe(page);
    expect(loads).toBe(1);
    expect(cache.stats()).toMatchObject({ entries: 1, misses: 50, hits: 1, coalesced: 49 });
  });

  it("a failed read fails everyone waiting on it, keeps nothing, and the next request reads again", async () => {
    const cache = new FindingsPageCache(1_000_000);
    const read = deferred();
    let loads = 0;
    const waiting = Array.from({ length: 3 }, () =>
      cache.getOrLoad(key, RUN_A, () => {
        loads += 1;
        return read.promise;
      }),
    );
    read.reject(new AuditorError("STORAGE_FAILED", "Table Storage is unreachable"));
    for (const outcome of await Promise.allSettled(waiting)) expect(outcome.status).toBe("rejected");
    expect(cache.stats().entries).toBe(0);
    const page = pageOf(50);
    expect(await cache.getOrLoad(key, RUN_A, async () => page)).toBe(page);
    expect(loads).toBe(1);
  });

  it("with the cache off every request reads", async () => {
    const cache = new FindingsPageCache(0);
    let loads = 0;
    await Promise.all(
      Array.from({ length: 5 }, () => cache.getOrLoad(key, RUN_A, async () => ((loads += 1), pageOf(10)))),
    );
    expect(loads).toBe(5);
    expect(cache.stats()).toMatchObject({ entries: 0, coalesced: 0 });
  });
});
