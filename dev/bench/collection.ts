// The collection benchmark: Resource Graph collection of generated estates (100k and 1M rows) from the emulator with
// the default quota (15 requests per 5 s) and 200 ms added latency per request. The emulator runs in a child process
// (dev/bench/collection-emulator.ts) and the collector in another (dev/bench/collection-measure.ts), streaming pages into a
// counting sink, so the collector's peak RSS is its own. Target: wall time within 1.15 × the quota bound
// (requests ÷ 3 per second), no 429 reaching the collector, and memory flat as the estate grows.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import {
  benchOptions,
  positiveWhole,
  runMeasuredChild,
  type Benchmark,
  type BenchmarkContext,
  type BenchmarkReport,
} from "./benchmark";
import type { CollectionMeasurement } from "./collection-measure";
import { errorMessage } from "../../src/errors";

const QUOTA_PER_SECOND = 15 / 5;
const TARGET_RATIO = 1.15;

interface EmulatorReady {
  url: string;
  caFile: string;
  rows: number;
  generateMs: number;
  loadMs: number;
  rssMiB: number;
}

interface EmulatorCounters {
  requests: number;
  resourceGraphRequests: number;
  throttled: number;
  maxInFlight: number;
  faults: { error: number; drop: number; latency: number };
  resultCache?: { hits: number; misses: number; evictions: number };
  rssMiB: number;
}

interface CollectionRun {
  resources: number;
  emulator?: EmulatorReady & { after?: EmulatorCounters };
  outcome: { ok: true; measurement: CollectionMeasurement; ratio: number } | { ok: false; reason: string };
}

/** Starts the emulator child and resolves once it serves; `ask` sends one stdin command and reads one JSON line. */
function startEmulatorChild(
  script: string,
  resources: number,
  seed: number,
  faults: string,
  heapMb: number,
  maxResponseBytes: number | undefined,
) {
  const limit = maxResponseBytes === undefined ? [] : ["--max-response-bytes", String(maxResponseBytes)];
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${heapMb}`,
      script,
      "--resources",
      String(resources),
      "--seed",
      String(seed),
      "--faults",
      faults,
      ...limit,
    ],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-10_000)));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`emulator child: no answer within ${timeoutMs / 1000} s; stderr: ${stderr}`)),
        timeoutMs,
      );
      const onExit = (code: number | null) => reject(new Error(`emulator child exited (${code}); stderr: ${stderr}`));
      child.once("exit", onExit);
      waiting.push((line) => {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(line);
      });
    });
  return {
    ready: async () => JSON.parse(await next(15 * 60_000)) as EmulatorReady,
    stats: async () => {
      const answer = next(30_000);
      child.stdin.write("stats\n");
      return JSON.parse(await answer) as EmulatorCounters;
    },
    /** Writes the emulator's Resource Graph request log to `file`. */
    log: async (file: string) => {
      const answer = next(30_000);
      child.stdin.write(`log ${file}\n`);
      await answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin.end("close\n");
      }),
  };
}

export const collectionBenchmark: Benchmark = {
  name: "collection",
  description:
    "Resource Graph collection from the emulator (quota 15/5 s, 200 ms latency), 100k and 1M rows, collector in its own process",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    const values = benchOptions(context.args, [
      "sizes",
      "seed",
      "faults",
      "timeout",
      "emulator-heap-mb",
      "max-concurrency",
      "max-response-bytes",
    ]);
    const sizes = (values["sizes"] ?? "100000,1000000").split(",").map((s) => positiveWhole(s.trim(), "--sizes"));
    const seed = values["seed"] === undefined ? 1 : positiveWhole(values["seed"], "--seed");
    const faults = values["faults"] ?? "latency:ms=200";
    const timeoutMs = positiveWhole(values["timeout"] ?? "1800", "--timeout") * 1000;
    const heapMb = positiveWhole(values["emulator-heap-mb"] ?? "12288", "--emulator-heap-mb");
    const maxConcurrency =
      values["max-concurrency"] === undefined
        ? []
        : ["--max-concurrency", String(positiveWhole(values["max-concurrency"], "--max-concurrency"))];
    // Resource Graph's response size limit in the emulator: its 16 MiB unless given (a smaller one shows the halving).
    const maxResponseBytes =
      values["max-response-bytes"] === undefined
        ? undefined
        : positiveWhole(values["max-response-bytes"], "--max-response-bytes");
    const emulatorScript = join(context.root, "dist", "dev", "bench", "collection-emulator.js");
    const measureScript = join(context.root, "dist", "dev", "bench", "collection-measure.js");

    const runs: CollectionRun[] = [];
    for (const resources of sizes) {
      context.log(`collection: generating and serving ${resources} rows …`);
      const emulator = startEmulatorChild(emulatorScript, resources, seed, faults, heapMb, maxResponseBytes);
      let ready: EmulatorReady;
      try {
        ready = await emulator.ready();
      } catch (error) {
        await emulator.close();
        runs.push({
          resources,
          outcome: {
            ok: false,
            reason: `emulator did not start: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`,
          },
        });
        continue;
      }
      context.log(`collection: emulator ready (${ready.rssMiB} MiB RSS); collecting …`);
      const outcome = await runMeasuredChild<CollectionMeasurement>(
        measureScript,
        [],
        ["--endpoint", ready.url, "--ca", ready.caFile, ...maxConcurrency],
        timeoutMs,
      );
      let after: EmulatorCounters | undefined;
      try {
        after = await emulator.stats();
        await emulator.log(join(context.root, "test-artifacts", `bench-collection-${resources}-requests.json`));
      } catch (error) {
        context.log(`collection: no emulator stats: ${errorMessage(error)}`);
      }
      await emulator.close();
      if (!outcome.ok) {
        runs.push({
          resources,
          emulator: { ...ready, after },
          outcome: { ok: false, reason: `${outcome.reason}: ${outcome.stderr.slice(-500)}` },
        });
        continue;
      }
      const m = outcome.result;
      const ratio = m.wallMs / 1000 / (m.stats.requests / QUOTA_PER_SECOND);
      runs.push({ resources, emulator: { ...ready, after }, outcome: { ok: true, measurement: m, ratio } });
    }

    const columns = [
      "rows",
      "requests",
      "pages",
      "unsplit pages",
      "splits",
      "in flight",
      "throttle waits",
      "wait s",
      "wall s",
      "bound s",
      "ratio",
      "429 sent",
      "retries",
      "too large",
      "halvings",
      "CPU s",
      "start RSS MiB",
      "peak RSS MiB",
      "peak heap MiB",
      "emulator RSS MiB",
    ];
    const rows = runs.map((run) => {
      if (!run.outcome.ok) return [run.resources, run.outcome.reason, ...columns.slice(2).map(() => "")];
      const m = run.outcome.measurement;
      return [
        run.resources,
        m.stats.requests,
        m.stats.pages,
        m.unsplitPages,
        m.stats.splits,
        `${m.stats.maxInFlight} / ${run.emulator?.after?.maxInFlight ?? "?"}`,
        m.stats.throttleWaits,
        (m.stats.throttleWaitMs / 1000).toFixed(1),
        (m.wallMs / 1000).toFixed(1),
        (m.stats.requests / QUOTA_PER_SECOND).toFixed(1),
        run.outcome.ratio.toFixed(3),
        run.emulator?.after?.throttled ?? "?",
        m.stats.retries,
        m.stats.payloadTooLarge,
        m.stats.pageHalvings,
        (m.cpuMs / 1000).toFixed(1),
        m.startRssMiB,
        Math.max(m.peakRssMiB, m.maxRssMiB),
        m.peakHeapMiB,
        run.emulator?.after?.rssMiB ?? run.emulator?.rssMiB ?? "?",
      ];
    });
    const notes = [
      `quota bound = requests ÷ ${QUOTA_PER_SECOND}/s; target ratio ≤ ${TARGET_RATIO}; faults '${faults}'`,
      "unsplit pages: one chain per family for the rows collected; in flight: most requests at once, collector / emulator",
      `response size limit ${maxResponseBytes === undefined ? "16 MiB (Resource Graph's)" : `${maxResponseBytes} bytes`}; too large: pages refused with 400 ResponsePayloadTooLarge; halvings: of those, re-asked with half the rows (the rest were single rows skipped as gaps)`,
      ...runs
        .filter((r) => r.outcome.ok)
        .map((r) => {
          const m = (r.outcome as { measurement: CollectionMeasurement }).measurement;
          const okRatio = (r.outcome as { ratio: number }).ratio <= TARGET_RATIO;
          const cache = r.emulator?.after?.resultCache;
          const cacheNote =
            cache === undefined
              ? ""
              : `; emulator result cache ${cache.hits} hits, ${cache.misses} misses, ${cache.evictions} evictions`;
          return `${r.resources} rows: ${m.rows} rows collected (${m.gaps} gaps, ${m.scopeMode}); ratio ${okRatio ? "within" : "ABOVE"} target; retries ${
            m.stats.retries === 0
              ? "0"
              : `${m.stats.retries} (${Object.entries(m.retryReasons ?? {})
                  .map(([reason, n]) => `${n} × ${reason}`)
                  .join("; ")})`
          }${cacheNote}`;
        }),
    ];
    return {
      name: "collection",
      table: { columns, rows },
      figures: { quotaPerSecond: QUOTA_PER_SECOND, targetRatio: TARGET_RATIO, faults, seed, maxResponseBytes, runs },
      notes,
    };
  },
};
