// GET /api/findings with the page cache, against Azurite: a finished run's page is read from storage once and then
// served from the cache (store calls counted), with an ETag and 304 on If-None-Match; a running run's pages are read
// every time and are not cacheable; a run purged by retention answers 410 and its pages leave the cache.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useServices, type Services } from "../../src/app/services";
import { newRunId } from "../../src/audit/run-audit";
import { findingsPageCache } from "../../src/report-api/findings-page-response";
import { useReportSettings } from "../../src/report-api/report-settings";
import type { AuditStore } from "../../src/audit/audit-store";
import { listFindings } from "../../src/functions/list-findings";
import { startAzurite, type Azurite } from "../support/azurite";
import { invoke } from "./invoke";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

let azurite: Azurite;
let fixture: ReportFixture;
let finished: string;
let running: string;

/** The fixture's store with its listFindings calls counted; a fresh object, so it starts with an empty page cache. */
/**
 * The store with its finding reads counted. With `holdReadsUntilRunReads`, finding reads wait until that many run
 * lookups (each request's first step) have answered, so concurrent requests all reach the cache while the first
 * read is still out: the coalescing path is taken every time, not only when the machine happens to be slow.
 */
function countingServices(options: { holdReadsUntilRunReads?: number } = {}): {
  services: Services;
  calls: () => number;
} {
  const store = fixture.services.store;
  let calls = 0;
  let runReads = 0;
  let release: () => void = () => undefined;
  const runReadsDone = new Promise<void>((resolve) => (release = resolve));
  if (options.holdReadsUntilRunReads === undefined) release();
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === "listFindings") {
        return async (...args: Parameters<AuditStore["listFindings"]>) => {
          calls += 1;
          await runReadsDone;
          return target.listFindings(...args);
        };
      }
      if (property === "getRunRecord") {
        return async (...args: Parameters<AuditStore["getRunRecord"]>) => {
          const record = await target.getRunRecord(...args);
          runReads += 1;
          // After the last lookup's continuation has run (microtasks first, then this), every request is waiting.
          if (runReads === options.holdReadsUntilRunReads) setImmediate(release);
          return record;
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { services: { ...fixture.services, store: counted }, calls: () => calls };
}

const get = (query: string, headers: Record<string, string> = {}) =>
  invoke(listFindings, `/api/findings${query}`, { headers });

beforeAll(async () => {
  azurite = await startAzurite();
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("pagecache"));
  finished = await fixture.audit(new Date(Date.now() - 60_000));
  // A run still being written: queued, running, one part of its results (five failures) stored, not finished.
  const store = fixture.services.store;
  const someFindings = (await store.listFindings(finished, { top: 5, filter: { status: "fail" } })).items;
  const startedAt = new Date();
  running = newRunId(startedAt);
  await store.createRun({
    baseline: "current",
    runId: running,
    scope: "subscriptions:cache-test",
    requestedBy: "test",
    requestedAt: startedAt,
  });
  await store.markRunning(running, startedAt);
  await store.writeRunPart(running, someFindings, { startedAt: startedAt.toISOString(), status: "completed" });
}, 120_000);

afterAll(async () => {
  useServices(undefined);
  useReportSettings(undefined);
  fixture?.dispose();
  await azurite?.dispose();
});

beforeEach(() => {
  useReportSettings({});
});

describe("GET /api/findings: pages of a finished run", () => {
  it("reads a page from storage once; the same request again is served from the cache, byte for byte", async () => {
    const { services, calls } = countingServices();
    useServices(services);
    const first = await get(`?runId=${finished}&top=3`);
    expect(first.status).toBe(200);
    expect(first.json.items).toHaveLength(3);
    expect(calls()).toBe(1);
    expect(first.headers.get("cache-control")).toBe("private, no-cache");
    expect(first.headers.get("etag")).toMatch(/^"[\w-]+"$/);

    const second = await get(`?runId=${finished}&top=3`);
    expect(second.status).toBe(200);
    expect(calls()).toBe(1);
    expect(second.text).toBe(first.text);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(findingsPageCache(services.store).stats()).toMatchObject({ entries: 1, hits: 1, misses: 1 });
  });

  it("twenty clients opening the same uncached page at once cost one storage read, and all get the page", async () => {
    const { services, calls } = countingServices({ holdReadsUntilRunReads: 20 });
    useServices(services);
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(`?runId=${finished}&top=7`)));
    expect(calls()).toBe(1);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(answers[0]!.text);
    }
    expect(answers[0]!.json.items).toHaveLength(7);
    // Each request reads its run first; the first read of the page is held until all twenty have, so every request
    // finds it in flight: every miss but the first waited for the first one's read.
    const stats = findingsPageCache(services.store).stats();
    expect(stats.hits + stats.misses).toBe(20);
    expect(stats.misses).toBeGreaterThan(1);
    expect(stats.coalesced).toBe(stats.misses - 1);
  });

  it("keys on the page: another size, token or filter is read from storage", async () => {
    const { services, calls } = countingServices();
    useServices(services);
    const first = await get(`?runId=${finished}&top=3`);
    await get(`?runId=${finished}&top=4`);
    await get(`?runId=${finished}&top=3&continuationToken=${encodeURIComponent(first.json.continuationToken)}`);
    await get(`?runId=${finished}&top=3&status=fail`);
    expect(calls()).toBe(4);
    await get(`?runId=${finished}&top=3&continuationToken=${encodeURIComponent(first.json.continuationToken)}`);
    expect(calls()).toBe(4);
  });

  it("answers 304 without a body when If-None-Match holds the page's ETag", async () => {
    const { services, calls } = countingServices();
    useServices(services);
    const first = await get(`?runId=${finished}&top=3`);
    const etag = first.headers.get("etag")!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await get(`?runId=${finished}&top=3`, { "if-none-match": ifNoneMatch });
      expect(again.status, ifNoneMatch).toBe(304);
      expect(again.text).toBe("");
      expect(again.headers.get("etag")).toBe(etag);
    }
    expect((await get(`?runId=${finished}&top=3`, { "if-none-match": '"stale"' })).status).toBe(200);
    expect(calls()).toBe(1);
  });

  it("serves `latest` from the cache under the run it resolves to", async () => {
    const { services, calls } = countingServices();
    useServices(services);
    const byId = await get(`?runId=${finished}&top=3`);
    const latest = await get(`?top=3`);
    expect(latest.json.runId).toBe(finished);
    expect(latest.text).toBe(byId.text);
    expect(calls()).toBe(1);
  });

  it("reads storage every time when REPORT_FINDINGS_CACHE_MB is 0, and still gives the ETag", async () => {
    useReportSettings({ findingsCacheBytes: 0 });
    const { services, calls } = countingServices();
    useServices(services);
    const first = await get(`?runId=${finished}&top=3`);
    const second = await get(`?runId=${finished}&top=3`, { "if-none-match": first.headers.get("etag")! });
    expect(second.status).toBe(304);
    expect(calls()).toBe(2);
  });
});

describe("GET /api/findings: pages of a running run", () => {
  it("reads storage on every request and marks the page no-store, without an ETag", async () => {
    const { services, calls } = countingServices();
    useServices(services);
    const first = await get(`?runId=${running}&top=3`);
    expect(first.status).toBe(200);
    expect(first.json.runId).toBe(running);
    expect(first.json.items).toHaveLength(3);
    const second = await get(`?runId=${running}&top=3`, { "if-none-match": "*" });
    expect(second.status).toBe(200);
    expect(calls()).toBe(2);
    for (const answer of [first, second]) {
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.headers.get("etag")).toBeNull();
    }
    expect(findingsPageCache(services.store).stats().entries).toBe(0);
  });
});

describe("GET /api/findings: a run purged by retention", () => {
  it("answers 410 although its pages were cached, and drops them", async () => {
    const { services, calls } = countingServices();
    useServices(services);
    expect((await get(`?runId=${finished}&top=3`)).status).toBe(200);
    expect(findingsPageCache(services.store).stats().entries).toBe(1);
    const purged = await fixture.services.store.deleteExpiredFindings({
      olderThanDays: 0,
      now: new Date(Date.now() + 1_000),
    });
    expect(purged.runsPurged).toContain(finished);
    const gone = await get(`?runId=${finished}&top=3`);
    expect(gone.status).toBe(410);
    expect(calls()).toBe(1);
    expect(findingsPageCache(services.store).stats().entries).toBe(0);
  });
});
