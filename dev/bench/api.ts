// The API benchmark: the local Functions host (host/local-host.ts) over Azurite (in-memory persistence) holding one
// 100k-result run written by the store, then 50 concurrent keep-alive clients on loopback (dev/bench/api-load.ts, a child
// process of its own) against GET /api/runs/latest, the first page of GET /api/findings?top=100, and a deep page (the
// continuation token ~50 pages in). Each target is measured cold, with the page cache off (every request a storage
// read) and each client sending one request, all at once; the findings pages again with the cache on but empty
// ("first": concurrent misses share one storage read); then warm, with the cache on and the page in it, each client
// looping for a bounded time; plus the deep page revalidated with If-None-Match (304). The host runs in
// this process: the cache is switched by replacing the report settings and the services (as the tests do), and its
// hits and misses are read off it per target.
import { join } from "node:path";
import { startAzurite } from "../../src/host/azurite-process";
import { startLocalHost } from "../../src/host/local-host";
import { getServices, useServices } from "../../src/app/services";
import { findingsPageCache } from "../../src/report-api/findings-page-response";
import { getReportSettings, useReportSettings } from "../../src/report-api/report-settings";
import { createAuditStore } from "../../src/store/table-audit-store";
import {
  benchOptions,
  positiveWhole,
  runMeasuredChild,
  type Benchmark,
  type BenchmarkContext,
  type BenchmarkReport,
} from "./benchmark";
import type { LoadResult } from "./api-load";
import { generatedReport } from "./generated-report";

interface Target {
  phase: "cold" | "first" | "warm";
  name: string;
  path: string;
  ifNoneMatch?: string;
}

interface Measured extends Target {
  outcome: LoadResult | { error: string };
  cache: { hits: number; misses: number; coalesced: number };
}

export const apiBenchmark: Benchmark = {
  name: "api",
  description:
    "report API on the local host over Azurite with a 100k-result run: 50 concurrent clients on runs/latest, findings page 1 and a deep page, cold (not cached) and warm",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    const values = benchOptions(context.args, ["results", "clients", "seconds", "max", "depth", "cold-timeout"]);
    const results = positiveWhole(values["results"] ?? "100000", "--results", { millions: false });
    const clients = positiveWhole(values["clients"] ?? "50", "--clients", { millions: false });
    const seconds = positiveWhole(values["seconds"] ?? "15", "--seconds", { millions: false });
    const max = positiveWhole(values["max"] ?? "20000", "--max", { millions: false });
    const depth = positiveWhole(values["depth"] ?? "50", "--depth", { millions: false });
    // Cold requests queue behind each other in Azurite (about 1 s a page at 100k): give them long enough to finish, so
    // the figures are latencies, not a timeout's cut-off.
    const coldTimeout = positiveWhole(values["cold-timeout"] ?? "300", "--cold-timeout", { millions: false });

    context.log(`api: generating a report of ${results} results …`);
    const report = generatedReport(results);
    const azurite = await startAzurite({ persistence: "memory" });
    let host: Awaited<ReturnType<typeof startLocalHost>> | undefined;
    try {
      context.log("api: writing the run …");
      const store = createAuditStore({ connectionString: azurite.connectionString });
      const written = await store.completeRun(report);
      const runId = written.run.runId;
      // The deep page's token, found through the store (the API hands its continuation tokens through unchanged).
      // Timed: one client's cost of a page in storage.
      let token: string | undefined;
      const walkStarted = performance.now();
      let walked = 0;
      for (; walked < depth - 1; walked += 1) {
        token = (
          await store.listFindings(runId, { top: 100, ...(token !== undefined ? { continuationToken: token } : {}) })
        ).continuationToken;
        if (token === undefined) throw new Error(`the run has fewer than ${depth} pages of 100`);
      }
      const walkMs = performance.now() - walkStarted;

      host = await startLocalHost({
        projectRoot: context.root,
        settings: {
          AzureWebJobsStorage: azurite.connectionString,
          HOST_TIMERS_ON_START: "false",
          HOST_VERBOSE: "false",
        },
        localSettingsFile: false,
        emulatorEstate: false,
        runTimersOnStart: false,
        port: 0,
        verbose: false,
        log: {
          info: () => {},
          warn: (line) => context.log(`host: ${line}`),
          error: (line) => context.log(`host: ${line}`),
        },
      });
      const api = host.apiUrl;
      const key = host.functionKey;
      const cacheStats = () => findingsPageCache(getServices().store).stats();

      const deepPath = `/findings?top=100&continuationToken=${encodeURIComponent(token!)}`;
      const deepName = `GET /api/findings?top=100 (page ${depth}, by token)`;
      const endpoints = [
        { name: "GET /api/runs/latest", path: "/runs/latest" },
        { name: "GET /api/findings?top=100 (page 1)", path: "/findings?top=100" },
        { name: deepName, path: deepPath },
      ];
      const script = join(context.root, "dist", "dev", "bench", "api-load.js");
      const measured: Measured[] = [];
      const measure = async (target: Target): Promise<void> => {
        const once = target.phase !== "warm";
        const how = once
          ? `${clients} clients, one request each at once`
          : `${clients} clients, ≤ ${seconds} s / ${max} requests`;
        context.log(
          `api: ${target.phase} ${target.name}${target.ifNoneMatch !== undefined ? " (If-None-Match)" : ""}, ${how} …`,
        );
        const args = ["--url", `${api}${target.path}`, "--key", key, "--clients", String(clients)];
        if (once) args.push("--once", "--timeout", String(coldTimeout));
        else args.push("--seconds", String(seconds), "--max", String(max));
        if (target.ifNoneMatch !== undefined) args.push("--if-none-match", target.ifNoneMatch);
        const before = cacheStats();
        const limitMs = ((once ? coldTimeout : seconds + 30) + 60) * 1000;
        const outcome = await runMeasuredChild<LoadResult>(script, [], args, limitMs);
        const after = cacheStats();
        measured.push({
          ...target,
          outcome: outcome.ok ? outcome.result : { error: `${outcome.reason}: ${outcome.stderr.slice(-300)}` },
          cache: {
            hits: after.hits - before.hits,
            misses: after.misses - before.misses,
            coalesced: after.coalesced - before.coalesced,
          },
        });
      };

      const get = async (path: string): Promise<Response> => {
        const response = await fetch(`${api}${path}`, { headers: { "x-functions-key": key } });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
        return response;
      };
      // Fresh services build a fresh store, and with it a page cache sized by the report settings of that moment.
      const cacheOff = (off: boolean): void => {
        useReportSettings(off ? { ...getReportSettings(), findingsCacheBytes: 0 } : undefined);
        useServices(undefined);
      };

      cacheOff(true);
      for (const endpoint of endpoints) await measure({ phase: "cold", ...endpoint });
      cacheOff(false);
      // first: the cache on but empty, all clients at once on a page nobody has read: they share one storage read.
      for (const endpoint of endpoints.slice(1)) await measure({ phase: "first", ...endpoint });
      // One request puts each page in the cache; the warm figures are of the pages served from it.
      for (const endpoint of endpoints) await get(endpoint.path);
      for (const endpoint of endpoints) await measure({ phase: "warm", ...endpoint });
      const etag = (await get(deepPath)).headers.get("etag");
      if (etag === null) throw new Error("the deep page came without an ETag");
      await measure({ phase: "warm", name: `${deepName}, If-None-Match → 304`, path: deepPath, ifNoneMatch: etag });

      const table = {
        columns: [
          "phase",
          "endpoint",
          "requests",
          "req/s",
          "p50 ms",
          "p90 ms",
          "p99 ms",
          "max ms",
          "statuses",
          "errors",
          "bytes/resp",
          "cache hit/miss (shared)",
        ],
        rows: measured.map(({ phase, name, outcome, cache }) =>
          "error" in outcome
            ? [phase, name, outcome.error, "", "", "", "", "", "", "", "", ""]
            : [
                phase,
                name,
                outcome.requests,
                outcome.perSecond,
                outcome.p50Ms,
                outcome.p90Ms,
                outcome.p99Ms,
                outcome.maxMs,
                JSON.stringify(outcome.statuses),
                outcome.errors,
                outcome.meanBytes,
                `${cache.hits}/${cache.misses}${cache.coalesced > 0 ? ` (${cache.coalesced})` : ""}`,
              ],
        ),
      };
      const notes = [
        `${results} results written by completeRun in ${(written.stats.elapsedMs / 1000).toFixed(1)} s; Azurite in memory; ${clients} clients, keep-alive`,
        `cold: page cache off, each client sends one request, all at once (timeout ${coldTimeout} s); first: cache on, page not yet in it, each client one request at once (concurrent misses share one storage read); warm: page cache on and holding the page, each client loops ≤ ${seconds} s or ${max} requests in all`,
        `walking ${walked} pages of 100 in the store (one client, no API): ${(walkMs / 1000).toFixed(1)} s (${Math.round(walkMs / walked)} ms a page)`,
        `page cache at the end: ${JSON.stringify(cacheStats())}`,
      ];
      return {
        name: "api",
        table,
        notes,
        figures: {
          results,
          clients,
          seconds,
          max,
          depth,
          coldTimeout,
          walkMs: Math.round(walkMs),
          walkedPages: walked,
          write: written.stats,
          measured,
          cache: cacheStats(),
        },
      };
    } finally {
      await host?.stop();
      await azurite.dispose();
    }
  },
};
