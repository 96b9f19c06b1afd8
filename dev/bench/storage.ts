// The storage benchmark, on Azurite (a process of its own, disk persistence by default, a larger V8 heap: the 100k run
// once exhausted Azurite's default heap). Three nights of one generated estate, written by the store's batched,
// parallel writer (`completeRun`): the first on fresh tables (every result new), the next with nothing changed, the
// one after with about 1% of the results flipped between pass and fail. Between the first and second night, the first
// night's finding entities are upserted one at a time (a plain `upsertEntity` loop, by default the first 10k) into a
// table of their own, so the batched writer's entities/s and the one-by-one rate come from the same Azurite, same run.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { TableClient } from "@azure/data-tables";
import type { AuditReport } from "../../src/audit/run-audit";
import { scoreFindings } from "../../src/engine/scoring";
import type { AuditStore, CompletedRun, StateTransitions, WriteStats } from "../../src/audit/audit-store";
import { startAzurite, type Azurite } from "../../src/host/azurite-process";
import { findingToEntity } from "../../src/store/entity-codec";
import { createAuditStore } from "../../src/store/table-audit-store";
import { resourceHash } from "../../src/store/table-keys";
import {
  BenchUsageError,
  benchOptions,
  positiveWhole,
  type Benchmark,
  type BenchmarkContext,
  type BenchmarkReport,
} from "./benchmark";
import { generatedReport, nextRun } from "./generated-report";

function fraction(text: string, option: string): number {
  const value = Number(text.replace(/%$/, "")) / (text.endsWith("%") ? 100 : 1);
  if (!(value > 0 && value < 1))
    throw new BenchUsageError(`${option} must be a fraction between 0 and 1 (0.01, 1%), got '${text}'`);
  return value;
}

const perSecond = (entities: number, ms: number) => Math.round((entities / Math.max(ms, 1)) * 1000);

/**
 * The night after `report`: the same results, except about `share` of them flipped between pass and fail (every k-th
 * pass or fail result), as a resource fixed or broken overnight would. Scores are recomputed.
 */
function withChanges(report: AuditReport, share: number): { report: AuditReport; flipped: number } {
  const next = nextRun(report, 24 * 60);
  const candidates = report.findings.flatMap((finding, index) =>
    finding.status === "pass" || finding.status === "fail" ? [index] : [],
  );
  const step = Math.max(1, Math.round(candidates.length / (report.findings.length * share)));
  const flip = new Set(candidates.filter((_, i) => i % step === 0));
  const findings = report.findings.map((finding, index) =>
    flip.has(index)
      ? {
          ...finding,
          status: finding.status === "pass" ? ("fail" as const) : ("pass" as const),
          message: `${finding.message} (flipped by the benchmark)`,
        }
      : finding,
  );
  return { report: { ...next, findings, summary: scoreFindings(findings) }, flipped: flip.size };
}

/** Peak resident set of a process (Linux), in MB; undefined where /proc is not there. */
function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? undefined : Math.round(Number(match[1]) / 1024);
  } catch (error) {
    if (error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "EACCES"))
      return undefined;
    throw error;
  }
}

/** Azurite is launched with the parent's environment: NODE_OPTIONS set around the launch gives it its heap. */
async function startAzuriteWithHeap(heapMb: number, persistence: "disk" | "memory"): Promise<Azurite> {
  const before = process.env["NODE_OPTIONS"];
  process.env["NODE_OPTIONS"] = `${before ?? ""} --max-old-space-size=${heapMb}`.trim();
  try {
    return await startAzurite({ persistence });
  } finally {
    if (before === undefined) delete process.env["NODE_OPTIONS"];
    else process.env["NODE_OPTIONS"] = before;
  }
}

function countTransitions(t: StateTransitions) {
  return {
    new: t.new.length,
    resolved: t.resolved.length,
    regressed: t.regressed.length,
    stillFailing: t.stillFailing.length,
    notFullyRead: t.notFullyRead,
    stale: t.stale,
  };
}

function night(run: CompletedRun, wallMs: number, report: AuditReport) {
  const s = run.stats;
  const byStatus = report.summary.byStatus;
  const t = countTransitions(run.transitions);
  return {
    stats: s,
    wallMs: Math.round(wallMs),
    transitions: t,
    results: report.findings.length,
    /** Results a run must store whatever happened: failures and the unassessed. */
    failuresUnknownError: byStatus.fail + byStatus.unknown + byStatus.error,
    /** Pairs whose verdict moved. */
    changes: t.new + t.resolved + t.regressed,
    writes: s.findings + s.stateEntities,
  };
}

/** Pages served in the passes measurement: the first (record decoded, cold) and the next ones (record cached). */
const SERVED_PAGES = 11;

/**
 * `GET /api/findings?status=pass&top=100` of the unchanged night, page after page: its own partition holds no pass, so
 * every page comes from the posture record (decoded on the first page) and the first night's partition.
 */
async function servePasses(store: AuditStore, runId: string) {
  const pages: Array<{ ms: number; items: number }> = [];
  let token: string | undefined;
  for (let i = 0; i < SERVED_PAGES; i += 1) {
    const started = performance.now();
    const page = await store.listFindings(runId, {
      top: 100,
      filter: { status: "pass" },
      ...(token === undefined ? {} : { continuationToken: token }),
    });
    pages.push({ ms: Math.round(performance.now() - started), items: page.items.length });
    token = page.continuationToken;
    if (token === undefined) break;
  }
  const later = pages
    .slice(1)
    .map((p) => p.ms)
    .sort((a, b) => a - b);
  return {
    pages,
    firstMs: pages[0]?.ms ?? 0,
    medianLaterMs: later[Math.floor(later.length / 2)] ?? 0,
    fullPages: pages.filter((p) => p.items === 100).length,
  };
}

export const storageBenchmark: Benchmark = {
  name: "storage",
  description:
    "three nights on Azurite (new estate, unchanged, ~1% changed): batched parallel completeRun vs one-at-a-time upserts, and what each night writes",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    const values = benchOptions(context.args, [
      "results",
      "one-by-one",
      "changes",
      "azurite-heap-mb",
      "azurite-persistence",
    ]);
    const results = positiveWhole(values["results"] ?? "100000", "--results");
    const oneByOne = Math.min(results, positiveWhole(values["one-by-one"] ?? "10000", "--one-by-one"));
    const changeShare = fraction(values["changes"] ?? "0.01", "--changes");
    const heapMb = positiveWhole(values["azurite-heap-mb"] ?? "6144", "--azurite-heap-mb");
    const persistence = values["azurite-persistence"] ?? "disk";
    if (persistence !== "disk" && persistence !== "memory")
      throw new BenchUsageError(`--azurite-persistence must be disk or memory, got '${persistence}'`);

    context.log(`storage: generating a report of ${results} results …`);
    const generateStarted = Date.now();
    const first = generatedReport(results, 1, new Date(Date.now() - 3 * 24 * 3600_000));
    const unchanged = nextRun(first, 24 * 60);
    const { report: changed, flipped } = withChanges(unchanged, changeShare);
    const generateMs = Date.now() - generateStarted;
    const byStatus = first.summary.byStatus;

    const azurite = await startAzuriteWithHeap(heapMb, persistence);
    try {
      const prefix = `bench${randomBytes(4).toString("hex")}`;
      const store = createAuditStore({ connectionString: azurite.connectionString }, { tablePrefix: prefix });
      const timed = async (label: string, report: AuditReport) => {
        context.log(`storage: ${label}: completeRun of ${report.findings.length} results …`);
        const started = performance.now();
        const run = await store.completeRun(report);
        const wallMs = performance.now() - started;
        // Logged as each phase ends, so that a run cut short (Azurite exiting, a timeout) still leaves its figures.
        context.log(
          `storage: ${label}: ${JSON.stringify(run.stats)}, transitions ${JSON.stringify(countTransitions(run.transitions))}, ${Math.round(wallMs)} ms, Azurite peak RSS ${peakRssMb(azurite.pid()) ?? "?"} MB`,
        );
        return night(run, wallMs, report);
      };

      const night1 = await timed("night 1 (new estate)", first);

      // The same entities the store wrote for the first night, one upsert at a time into a table of their own.
      const ordinals = new Map<string, number>();
      const entities = first.findings.slice(0, oneByOne).map((finding) => {
        const pair = `${resourceHash(finding.resourceId)}|${finding.ruleId}`;
        const ordinal = ordinals.get(pair) ?? 0;
        ordinals.set(pair, ordinal + 1);
        return findingToEntity(first.run.runId, finding, ordinal);
      });
      const single = TableClient.fromConnectionString(azurite.connectionString, `${prefix}single`, {
        allowInsecureConnection: true,
      });
      await single.createTable();
      context.log(`storage: ${oneByOne} one-at-a-time upserts …`);
      const singleStarted = performance.now();
      for (const entity of entities) await single.upsertEntity(entity, "Replace");
      const singleMs = performance.now() - singleStarted;
      const singleRate = perSecond(oneByOne, singleMs);
      context.log(`storage: one-by-one: ${oneByOne} in ${Math.round(singleMs)} ms (${singleRate}/s)`);

      const night2 = await timed("night 2 (unchanged)", unchanged);
      const served = await servePasses(store, unchanged.run.runId);
      context.log(`storage: night 2 status=pass pages of 100: ${JSON.stringify(served.pages)}`);
      const night3 = await timed(`night 3 (${flipped} results flipped)`, changed);
      const azuritePeakRssMb = peakRssMb(azurite.pid());

      const s1 = night1.stats;
      const batchedFindingsRate = perSecond(s1.findings, s1.findingsMs);
      const batchedAllRate = perSecond(night1.writes, night1.wallMs);
      const rows: (string | number)[][] = [
        [
          "night 1 (new): findings, batched, 8 in flight",
          s1.findings,
          "",
          s1.findingTransactions,
          (s1.findingsMs / 1000).toFixed(1),
          batchedFindingsRate,
          (batchedFindingsRate / singleRate).toFixed(1),
        ],
        [
          "night 1 (new): finding state (read + write)",
          "",
          s1.stateEntities,
          s1.stateTransactions,
          (s1.stateMs / 1000).toFixed(1),
          perSecond(s1.stateEntities, s1.stateMs),
          "",
        ],
        [
          "night 1 (new): whole completeRun",
          s1.findings,
          s1.stateEntities,
          s1.findingTransactions + s1.stateTransactions,
          (night1.wallMs / 1000).toFixed(1),
          batchedAllRate,
          (batchedAllRate / singleRate).toFixed(1),
        ],
        [
          `upsertEntity loop (first ${oneByOne})`,
          oneByOne,
          "",
          oneByOne,
          (singleMs / 1000).toFixed(1),
          singleRate,
          "1.0",
        ],
      ];
      for (const [label, n] of [
        ["night 2 (unchanged)", night2],
        [`night 3 (${flipped} flipped)`, night3],
      ] as const) {
        const s: WriteStats = n.stats;
        rows.push([
          `${label}: whole completeRun`,
          s.findings,
          s.stateEntities,
          s.findingTransactions + s.stateTransactions,
          (n.wallMs / 1000).toFixed(1),
          perSecond(n.writes, n.wallMs),
          "",
        ]);
      }
      const table = {
        columns: ["phase", "findings rows", "state entities", "transactions", "seconds", "entities/s", "× one-by-one"],
        rows,
      };
      const describeNight = (label: string, n: ReturnType<typeof night>) =>
        `${label}: ${n.writes} entities written (${n.stats.findings} findings + ${n.stats.stateEntities} states) for ${n.results} results, of which ${n.failuresUnknownError} fail/unknown/error and ${n.changes} verdict changes (transitions ${JSON.stringify(n.transitions)}); ${(n.writes / n.results).toFixed(2)} writes per result; state ${(n.stats.stateMs / 1000).toFixed(1)} s (reads included), findings ${(n.stats.findingsMs / 1000).toFixed(1)} s (posture record included: ${n.stats.posturePairs ?? 0} pairs, ${n.stats.postureBytes ?? 0} bytes, ${n.stats.postureTransactions ?? 0} transaction(s), ${n.stats.postureMs ?? 0} ms)`;
      const notes = [
        `${results} results (${JSON.stringify(byStatus)}), generated in ${(generateMs / 1000).toFixed(1)} s; Azurite ${persistence} persistence, --max-old-space-size=${heapMb}, peak RSS ${azuritePeakRssMb ?? "?"} MB`,
        `batched vs one-by-one: findings writer ${(batchedFindingsRate / singleRate).toFixed(1)}×, whole first completeRun ${(batchedAllRate / singleRate).toFixed(1)}×`,
        describeNight("night 1 (new)", night1),
        describeNight("night 2 (unchanged)", night2),
        describeNight(`night 3 (${flipped} flipped, ${((flipped / results) * 100).toFixed(2)}%)`, night3),
        `night 2 listing, status=pass, top=100: first page ${served.firstMs} ms (posture record read and decoded), median of the next ${served.pages.length - 1} ${served.medianLaterMs} ms; ${served.fullPages} of ${served.pages.length} pages full`,
      ];
      return {
        name: "storage",
        table,
        notes,
        figures: {
          results,
          byStatus,
          oneByOne,
          generateMs,
          azurite: { persistence, heapMb, peakRssMb: azuritePeakRssMb },
          nights: { new: night1, unchanged: night2, changed: { ...night3, flipped } },
          servedPasses: served,
          single: { entities: oneByOne, wallMs: Math.round(singleMs), perSecond: singleRate },
          ratio: { findingsWriter: batchedFindingsRate / singleRate, wholeCall: batchedAllRate / singleRate },
        },
      };
    } finally {
      await azurite.dispose();
    }
  },
};
