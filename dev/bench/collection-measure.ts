// The collector side of the collection benchmark, in a child process of its own: collect every row from the emulator
// at --endpoint through the real SDK client, counting rows into a sink that keeps none, and print the collector's
// statistics and this process's peak RSS as one JSON line.
//
//   node dist/dev/bench/collection-measure.js --endpoint https://127.0.0.1:PORT --ca FILE [--max-concurrency N]
import { parseArgs } from "node:util";
import { buildArmConnection } from "../../src/collect/collection-config";
import { QUERY_FAMILIES } from "../../src/collect/queries";
import {
  collectFromResourceGraph,
  MAX_PAGE_SIZE,
  type ResourceGraphStats,
} from "../../src/collect/resource-graph-source";
import { RssSampler } from "./benchmark";

export interface CollectionMeasurement {
  rows: number;
  sinkPages: number;
  stats: Omit<ResourceGraphStats, "rowsByType">;
  gaps: number;
  scopeMode: string;
  /** Why attempts were retried, and how often. */
  retryReasons: Record<string, number>;
  /** Pages one chain per family would need for the rows collected (one subscription batch): the floor without splits. */
  unsplitPages: number;
  wallMs: number;
  cpuMs: number;
  /** Baseline after start-up, before the first request. */
  startRssMiB: number;
  /** Sampled peak and the kernel's maxRSS of this process. */
  peakRssMiB: number;
  maxRssMiB: number;
  peakHeapMiB: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { endpoint: { type: "string" }, ca: { type: "string" }, "max-concurrency": { type: "string" } },
    strict: true,
  });
  const maxConcurrency = values["max-concurrency"] === undefined ? undefined : Number(values["max-concurrency"]);
  const connection = buildArmConnection({ armEndpoint: values.endpoint, armCaFile: values.ca });
  const sampler = new RssSampler();
  sampler.sample();
  const startRss = process.memoryUsage.rss();
  const timer = setInterval(() => sampler.tick(1), 250);
  let rows = 0;
  const retryReasons: Record<string, number> = {};
  let sinkPages = 0;
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  const result = await collectFromResourceGraph(
    (page) => {
      rows += page.length;
      sinkPages += 1;
      sampler.tick(1);
    },
    {
      connection,
      maxConcurrency,
      onRetry: ({ reason }) => {
        const key = reason.slice(0, 120);
        retryReasons[key] = (retryReasons[key] ?? 0) + 1;
      },
    },
  );
  const wallMs = Date.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(timer);
  sampler.tick(1);
  const { rowsByType, ...stats } = result.stats;
  const unsplitPages = QUERY_FAMILIES.reduce((sum, family) => {
    const rowsOfFamily = family.types.reduce((n, type) => n + (rowsByType[type] ?? 0), 0);
    return sum + Math.max(1, Math.ceil(rowsOfFamily / MAX_PAGE_SIZE));
  }, 0);
  const measurement: CollectionMeasurement = {
    rows,
    sinkPages,
    stats,
    gaps: result.gaps.length,
    scopeMode: result.scopeMode,
    retryReasons,
    unsplitPages,
    wallMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    startRssMiB: Math.round(startRss / 1048576),
    peakRssMiB: Math.round(sampler.peakRss / 1048576),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    peakHeapMiB: Math.round(sampler.peakHeapUsed / 1048576),
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
