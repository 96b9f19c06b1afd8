// The storage benchmark: one 100k-result run written to Azurite (a process of its own, disk persistence) by the
// store's batched, parallel writer (`completeRun` on fresh tables: findings in entity-group transactions of up to 100,
// then finding state), against the same finding entities upserted one at a time (a plain `upsertEntity` loop, by
// default on the first 10k so the run stays short). Then the same results again as the next night's run, to show how
// many entities an unchanged nightly run writes today.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { TableClient } from "@azure/data-tables";
import { startAzurite } from "../host/azurite-process";
import { findingToEntity } from "../shared/store/entity-codec";
import { createAuditStore } from "../shared/store/table-audit-store";
import { resourceHash } from "../shared/store/table-keys";
import { BenchUsageError, type Benchmark, type BenchmarkContext, type BenchmarkReport } from "./benchmark";
import { generatedReport, nextRun } from "./generated-report";

function whole(text: string, option: string): number {
  const value = Number(text.replace(/_/g, "").replace(/k$/i, "000").replace(/m$/i, "000000"));
  if (!Number.isSafeInteger(value) || value <= 0) throw new BenchUsageError(`${option} must be a positive whole number (10000, 10k), got '${text}'`);
  return value;
}

const perSecond = (entities: number, ms: number) => Math.round((entities / Math.max(ms, 1)) * 1000);

export const storageBenchmark: Benchmark = {
  name: "storage",
  description: "a 100k-result run written to Azurite: batched parallel completeRun vs one-at-a-time upserts; entities a second, unchanged run writes",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    let values: Record<string, string | undefined>;
    try {
      ({ values } = parseArgs({ args: context.args, options: { results: { type: "string" }, "one-by-one": { type: "string" } }, strict: true }) as {
        values: Record<string, string | undefined>;
      });
    } catch (error) {
      if (error instanceof TypeError) throw new BenchUsageError(error.message);
      throw error;
    }
    const results = whole(values["results"] ?? "100000", "--results");
    const oneByOne = Math.min(results, whole(values["one-by-one"] ?? "10000", "--one-by-one"));

    context.log(`storage: generating a report of ${results} results …`);
    const generateStarted = Date.now();
    const first = generatedReport(results, 1, new Date(Date.now() - 24 * 3600_000));
    const second = nextRun(first, 24 * 60);
    const generateMs = Date.now() - generateStarted;
    const byStatus = first.summary.byStatus;

    const azurite = await startAzurite();
    try {
      const prefix = `bench${randomBytes(4).toString("hex")}`;
      const store = createAuditStore({ connectionString: azurite.connectionString }, { tablePrefix: prefix });
      context.log(`storage: completeRun of ${results} results (batched, parallel) …`);
      const batchedStarted = performance.now();
      const firstRun = await store.completeRun(first);
      const batchedMs = performance.now() - batchedStarted;
      // Logged as each phase ends, so that a run cut short (Azurite exiting, a timeout) still leaves its figures.
      context.log(`storage: first run ${JSON.stringify(firstRun.stats)}, ${Math.round(batchedMs)} ms`);
      context.log(`storage: second, identical run …`);
      const secondStarted = performance.now();
      const secondRun = await store.completeRun(second);
      const secondMs = performance.now() - secondStarted;
      context.log(`storage: second run ${JSON.stringify(secondRun.stats)}, ${Math.round(secondMs)} ms`);

      // The same entities the store wrote for the first run, one upsert at a time into a table of their own.
      const ordinals = new Map<string, number>();
      const entities = first.findings.slice(0, oneByOne).map((finding) => {
        const pair = `${resourceHash(finding.resourceId)}|${finding.ruleId}`;
        const ordinal = ordinals.get(pair) ?? 0;
        ordinals.set(pair, ordinal + 1);
        return findingToEntity(first.run.runId, finding, ordinal);
      });
      const single = TableClient.fromConnectionString(azurite.connectionString, `${prefix}single`, { allowInsecureConnection: true });
      await single.createTable();
      context.log(`storage: ${oneByOne} one-at-a-time upserts …`);
      const singleStarted = performance.now();
      for (const entity of entities) await single.upsertEntity(entity, "Replace");
      const singleMs = performance.now() - singleStarted;

      const s1 = firstRun.stats;
      const s2 = secondRun.stats;
      const batchedFindingsRate = perSecond(s1.findings, s1.findingsMs);
      const batchedAllRate = perSecond(s1.findings + s1.stateEntities, batchedMs);
      const singleRate = perSecond(oneByOne, singleMs);
      const table = {
        columns: ["writer", "entities", "transactions", "seconds", "entities/s", "× one-by-one"],
        rows: [
          ["completeRun: findings (batched, 8 in flight)", s1.findings, s1.findingTransactions, (s1.findingsMs / 1000).toFixed(1), batchedFindingsRate, (batchedFindingsRate / singleRate).toFixed(1)],
          ["completeRun: finding state (read + write)", s1.stateEntities, s1.stateTransactions, (s1.stateMs / 1000).toFixed(1), perSecond(s1.stateEntities, s1.stateMs), ""],
          ["completeRun: whole call", s1.findings + s1.stateEntities, s1.findingTransactions + s1.stateTransactions, (batchedMs / 1000).toFixed(1), batchedAllRate, (batchedAllRate / singleRate).toFixed(1)],
          [`upsertEntity loop (first ${oneByOne})`, oneByOne, oneByOne, (singleMs / 1000).toFixed(1), singleRate, "1.0"],
          ["second, identical run: findings", s2.findings, s2.findingTransactions, (s2.findingsMs / 1000).toFixed(1), perSecond(s2.findings, s2.findingsMs), ""],
          ["second, identical run: finding state", s2.stateEntities, s2.stateTransactions, (s2.stateMs / 1000).toFixed(1), perSecond(s2.stateEntities, s2.stateMs), ""],
          ["second, identical run: whole call", s2.findings + s2.stateEntities, s2.findingTransactions + s2.stateTransactions, (secondMs / 1000).toFixed(1), perSecond(s2.findings + s2.stateEntities, secondMs), ""],
        ],
      };
      const failures = byStatus.fail ?? 0;
      const notes = [
        `${results} results (${JSON.stringify(byStatus)}), generated in ${(generateMs / 1000).toFixed(1)} s; Azurite with disk persistence`,
        `second run: ${s2.findings + s2.stateEntities} entities written for ${failures} failures and 0 changes (transitions: new ${secondRun.transitions.new.length}, stillFailing ${secondRun.transitions.stillFailing.length}, resolved ${secondRun.transitions.resolved.length}, regressed ${secondRun.transitions.regressed.length})`,
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
          first: { stats: s1, wallMs: Math.round(batchedMs), transitions: countTransitions(firstRun.transitions) },
          second: { stats: s2, wallMs: Math.round(secondMs), transitions: countTransitions(secondRun.transitions) },
          single: { entities: oneByOne, wallMs: Math.round(singleMs), perSecond: singleRate },
          ratio: { findingsWriter: batchedFindingsRate / singleRate, wholeCall: batchedAllRate / singleRate },
        },
      };
    } finally {
      await azurite.dispose();
    }
  },
};

function countTransitions(t: { new: unknown[]; resolved: unknown[]; regressed: unknown[]; stillFailing: unknown[]; notFullyRead: number; stale: number }) {
  return { new: t.new.length, resolved: t.resolved.length, regressed: t.regressed.length, stillFailing: t.stillFailing.length, notFullyRead: t.notFullyRead, stale: t.stale };
}
