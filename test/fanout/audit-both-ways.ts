// The sample estate (or any rows) audited in one run and cut into shards (evaluateShard per shard, mergeShardResults
// over them), with no storage or queue in between: shard-merge.test.ts and shard-merge-exceptions.test.ts compare the
// two. The single run reads the context rows first and then each shard's rows in shard order, as the fanned-out run
// does, so that even the warning sample is in the same order.
import { runAudit, type AuditReport, type CollectionStep } from "../../src/audit/run-audit";
import type { ResourceSource } from "../../src/audit/resource-source";
import type { AuditSettings } from "../../src/config/audit-settings";
import type { AuditException } from "../../src/engine/exceptions";
import { mergeShardResults } from "../../src/fanout/fanout-merge";
import type { FanoutPlan, ShardResult } from "../../src/fanout/fanout-store";
import { evaluateShard } from "../../src/fanout/shard-evaluation";
import { isShardedType, SHARDED_TYPES } from "../../src/fanout/shard-families";
import { groupIntoShards } from "../../src/fanout/shard-plan";
import type { CoverageGap } from "../../src/model/estate";
import type { ResourceRow } from "../../src/model/row";

export const RUN_ID = "20261204T020000Z-abc123";
export const STARTED = new Date("2026-12-04T02:00:00.000Z");
export const FINISHED = new Date("2026-12-04T02:03:07.250Z");
const SOURCE = { kind: "resourceGraph" as const, subscriptions: ["in-scope"] };
const origin = (row: ResourceRow): string => `Resource Graph ${typeof row.type === "string" ? row.type : "row"}`;
export const subscriptionOf = (row: ResourceRow): string => String(row.subscriptionId ?? "").toLowerCase();

export interface Parity {
  single: AuditReport;
  merged: ReturnType<typeof mergeShardResults>;
}

/**
 * The single run reads the context rows first and then each shard's rows in shard order, as the fanned-out run does,
 * so that even the warning sample is in the same order. `failing`: a subscription whose NSGs and NICs were never read
 * (its shard failed; in the single run, a gap of the same reason).
 */
export async function auditBothWays(
  rows: readonly ResourceRow[],
  settings: AuditSettings,
  failing?: string,
  exceptions?: readonly AuditException[],
): Promise<Parity> {
  const subscriptions = [...new Set(rows.map(subscriptionOf).filter((s) => s !== ""))].sort();
  const context = rows.filter((row) => !isShardedType(row.type));
  const { shards, linkCount, links } = groupIntoShards(subscriptions, context, 1);
  const ownRows = (shard: readonly string[]) =>
    rows.filter((row) => isShardedType(row.type) && shard.includes(subscriptionOf(row)));
  const failedGap = (shard: readonly string[]): CoverageGap => ({
    types: [...SHARDED_TYPES],
    subscriptionIds: [...shard],
    reason: `shard failed after its retries`,
  });
  const failed = (shard: readonly string[]) => failing !== undefined && shard.includes(failing);

  const single: ResourceSource = {
    describe: () => SOURCE,
    async collect(sink) {
      for (const row of context) sink.add(row, origin(row));
      const gaps: CoverageGap[] = [];
      for (const shard of shards) {
        if (failed(shard)) gaps.push(failedGap(shard));
        else for (const row of ownRows(shard)) sink.add(row, origin(row));
      }
      return { stats: {}, gaps };
    },
  };
  const times = [STARTED, FINISHED];
  const singleReport = await runAudit(single, settings, {
    runId: RUN_ID,
    now: () => times.shift() ?? FINISHED,
    ...(exceptions === undefined ? {} : { exceptions }),
  });

  const results: ShardResult[] = [];
  for (const [index, shard] of shards.entries()) {
    const collect: CollectionStep = failed(shard)
      ? async () => ({ stats: {}, gaps: [failedGap(shard)] })
      : async (sink) => {
          for (const row of ownRows(shard)) sink.add(row, origin(row));
          return { stats: {}, gaps: [] };
        };
    const evaluation = await evaluateShard({
      contextRows: context,
      contextGaps: [],
      collect,
      subscriptions: shard,
      startedAt: STARTED,
      ...(exceptions === undefined ? {} : { exceptions }),
      ...(index === 0 ? { keepUnowned: (id: string) => !subscriptions.includes(id.toLowerCase()) } : {}),
      settings,
    });
    results.push({
      version: 1,
      shard: index,
      outcome: failed(shard) ? "failed" : "done",
      ...evaluation,
      write: {
        findings: 0,
        findingTransactions: 0,
        stateEntities: 0,
        stateTransactions: 0,
        findingsMs: 0,
        stateMs: 0,
        elapsedMs: 0,
      },
      durationMs: 0,
      transitions: { new: [], resolved: [], regressed: [], stillFailing: [], notFullyRead: 0, stale: 0 },
    });
  }
  const plan: FanoutPlan = {
    version: 1,
    runId: RUN_ID,
    scopeKey: "scope",
    message: { runId: RUN_ID, trigger: "timer", requestedAt: STARTED.toISOString() },
    baseline: settings.baseline,
    startedAt: STARTED.toISOString(),
    source: SOURCE,
    subscriptions,
    shards,
    context: { rows: context.length, gaps: [], stats: {} },
    grouping: { linkCount, links },
  };
  // Shards finish in any order; the merge must not depend on it.
  return { single: singleReport, merged: mergeShardResults(plan, results.reverse(), settings, FINISHED) };
}
