// The API benchmark: the local Functions host (host/local-host.ts) over Azurite (in-memory persistence) holding one
// 100k-result run written by the store, then 50 concurrent keep-alive clients on loopback (bench/api-load.ts, a child
// process of its own) against GET /api/runs/latest, the first page of GET /api/findings?top=100, and a deep page (the
// continuation token ~50 pages in, followed once, then requested again and again). Bounded by time and count.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startAzurite } from "../host/azurite-process";
import { startLocalHost } from "../host/local-host";
import { createAuditStore } from "../shared/store/table-audit-store";
import { BenchUsageError, runMeasuredChild, type Benchmark, type BenchmarkContext, type BenchmarkReport } from "./benchmark";
import type { LoadResult } from "./api-load";
import { generatedReport } from "./generated-report";

function whole(text: string, option: string): number {
  const value = Number(text.replace(/_/g, "").replace(/k$/i, "000"));
  if (!Number.isSafeInteger(value) || value <= 0) throw new BenchUsageError(`${option} must be a positive whole number, got '${text}'`);
  return value;
}

export const apiBenchmark: Benchmark = {
  name: "api",
  description: "report API on the local host over Azurite with a 100k-result run: 50 concurrent clients on runs/latest, findings page 1 and a deep page",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    let values: Record<string, string | undefined>;
    try {
      ({ values } = parseArgs({
        args: context.args,
        options: { results: { type: "string" }, clients: { type: "string" }, seconds: { type: "string" }, max: { type: "string" }, depth: { type: "string" } },
        strict: true,
      }) as { values: Record<string, string | undefined> });
    } catch (error) {
      if (error instanceof TypeError) throw new BenchUsageError(error.message);
      throw error;
    }
    const results = whole(values["results"] ?? "100000", "--results");
    const clients = whole(values["clients"] ?? "50", "--clients");
    const seconds = whole(values["seconds"] ?? "15", "--seconds");
    const max = whole(values["max"] ?? "20000", "--max");
    const depth = whole(values["depth"] ?? "50", "--depth");

    context.log(`api: generating a report of ${results} results …`);
    const report = generatedReport(results);
    const azurite = await startAzurite({ persistence: "memory" });
    let host: Awaited<ReturnType<typeof startLocalHost>> | undefined;
    try {
      context.log("api: writing the run …");
      const written = await createAuditStore({ connectionString: azurite.connectionString }).completeRun(report);
      host = await startLocalHost({
        projectRoot: context.root,
        settings: { AzureWebJobsStorage: azurite.connectionString, HOST_TIMERS_ON_START: "false", HOST_VERBOSE: "false" },
        localSettingsFile: false,
        emulatorEstate: false,
        runTimersOnStart: false,
        port: 0,
        verbose: false,
        log: { info: () => {}, warn: (line) => context.log(`host: ${line}`), error: (line) => context.log(`host: ${line}`) },
      });
      const api = host.apiUrl;
      const key = host.functionKey;
      const fetchJson = async (path: string) => {
        const response = await fetch(`${api}${path}`, { headers: { "x-functions-key": key } });
        if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as { items?: unknown[]; continuationToken?: string | null };
      };
      // Follow continuation tokens to the deep page, timing the walk.
      let token: string | null | undefined;
      const walkStarted = performance.now();
      let walked = 0;
      for (; walked < depth; walked += 1) {
        const page = await fetchJson(`/findings?top=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`);
        token = page.continuationToken;
        if (!token) break;
      }
      const walkMs = performance.now() - walkStarted;
      if (!token) throw new Error(`the run has fewer than ${depth} pages of 100`);

      const targets = [
        { name: "GET /api/runs/latest", path: "/runs/latest" },
        { name: "GET /api/findings?top=100 (page 1)", path: "/findings?top=100" },
        { name: `GET /api/findings?top=100 (page ${walked + 1}, by token)`, path: `/findings?top=100&continuationToken=${encodeURIComponent(token)}` },
      ];
      const script = join(context.root, "dist", "bench", "api-load.js");
      const measured: { name: string; path: string; outcome: LoadResult | { error: string } }[] = [];
      for (const target of targets) {
        context.log(`api: ${target.name}, ${clients} clients, ≤ ${seconds} s / ${max} requests …`);
        const outcome = await runMeasuredChild<LoadResult>(
          script,
          [],
          ["--url", `${api}${target.path}`, "--key", key, "--clients", String(clients), "--seconds", String(seconds), "--max", String(max)],
          (seconds + 60) * 1000,
        );
        measured.push({ name: target.name, path: target.path.slice(0, 60), outcome: outcome.ok ? outcome.result : { error: `${outcome.reason}: ${outcome.stderr.slice(-300)}` } });
      }
      const table = {
        columns: ["endpoint", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "statuses", "errors", "bytes/resp"],
        rows: measured.map(({ name, outcome }) =>
          "error" in outcome
            ? [name, outcome.error, "", "", "", "", "", "", "", ""]
            : [name, outcome.requests, outcome.perSecond, outcome.p50Ms, outcome.p90Ms, outcome.p99Ms, outcome.maxMs, JSON.stringify(outcome.statuses), outcome.errors, outcome.meanBytes],
        ),
      };
      const notes = [
        `${results} results written by completeRun in ${(written.stats.elapsedMs / 1000).toFixed(1)} s; Azurite in memory; ${clients} clients, keep-alive, each target ≤ ${seconds} s or ${max} requests`,
        `walking ${walked + 1} pages of 100 by continuation token, one client: ${(walkMs / 1000).toFixed(1)} s (${Math.round(walkMs / (walked + 1))} ms a page)`,
      ];
      return { name: "api", table, notes, figures: { results, clients, seconds, max, depth: walked + 1, walkMs: Math.round(walkMs), write: written.stats, measured } };
    } finally {
      await host?.stop();
      await azurite.dispose();
    }
  },
};
