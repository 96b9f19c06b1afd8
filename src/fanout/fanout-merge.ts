// The finaliser's arithmetic: every shard's result merged into the report a single run would have produced — one
// RunInfo, the scores, the results and the state transitions. The run's record and the scores come from the same
// functions a single run uses (describeRun, mergeScoreSums + finaliseScores); only the sums over shards are made here.
// Pure.
import { describeRun, describeRunExceptions, finaliseAuditScores, type AuditReport } from "../audit/run-audit";
import type { AuditSettings } from "../config/audit-settings";
import type { Finding } from "../engine/finding";
import { mergeScoreSums, type StatusCounts } from "../engine/scoring";
import { RULES } from "../rules/catalog";
import type { Severity } from "../rules/rule";
import type { StateTransitions, WriteStats } from "../audit/audit-store";
import type { FanoutPlan, ShardResult } from "./fanout-store";

export interface MergedRun {
  report: AuditReport;
  bySeverity: Record<Severity, StatusCounts>;
  transitions: StateTransitions;
  write: WriteStats;
}

const RULE_ORDER = RULES.map((rule) => rule.id);

export function mergeShardResults(
  plan: FanoutPlan,
  results: readonly ShardResult[],
  settings: AuditSettings,
  finishedAt: Date,
): MergedRun {
  const ordered = [...results].sort((a, b) => a.shard - b.shard);
  const sums = mergeScoreSums(ordered.map((r) => r.scores));
  const exceptions = describeRunExceptions(sums, settings, new Date(plan.startedAt));
  // One shard without the store's exceptions is enough for the run to say it went without some of them.
  const unavailable = ordered.filter((r) => r.exceptionsUnavailable !== undefined);
  if (unavailable.length > 0)
    exceptions.exceptionsUnavailable = `shard(s) ${unavailable.map((r) => r.shard).join(", ")}: ${unavailable[0]!.exceptionsUnavailable}`;
  const run = describeRun({
    runId: plan.runId,
    startedAt: new Date(plan.startedAt),
    finishedAt,
    source: plan.source,
    settings,
    resourcesInEstate: (ordered[0]?.contextResources ?? 0) + ordered.reduce((n, r) => n + r.ownResources, 0),
    collection: collectionFigures(plan, ordered),
    coverageGaps: [...plan.context.gaps, ...ordered.flatMap((r) => r.gaps)],
    // The context's warnings are the same in every shard: counted once.
    warnings: [ordered[0]?.contextWarnings ?? { count: 0, sample: [] }, ...ordered.map((r) => r.ownWarnings)],
  });
  return {
    report: {
      run,
      summary: finaliseAuditScores(sums, settings),
      findings: byRuleOrder(ordered.flatMap((r) => r.findings)),
      exceptions,
    },
    bySeverity: sums.bySeverity,
    transitions: mergeTransitions(ordered.map((r) => r.transitions)),
    write: sumWrites(ordered.map((r) => r.write)),
  };
}

/** What the single-run summary reports under `run.collection`, summed over the planner and the shards, plus the fan-out. */
function collectionFigures(plan: FanoutPlan, results: readonly ShardResult[]): Record<string, unknown> {
  const parts = [plan.context.stats, ...results.map((r) => r.collection)];
  const rowsByType: Record<string, number> = {};
  const sums = { requests: 0, pages: 0, throttleWaits: 0, throttleWaitMs: 0, retries: 0 };
  for (const part of parts) {
    for (const [type, n] of Object.entries(record(part["rowsByType"])))
      rowsByType[type] = (rowsByType[type] ?? 0) + (typeof n === "number" ? n : 0);
    for (const key of Object.keys(sums) as Array<keyof typeof sums>)
      sums[key] += typeof part[key] === "number" ? part[key] : 0;
  }
  return {
    rowsByType,
    ...sums,
    scopeMode: "subscriptions",
    subscriptionCount: plan.subscriptions.length,
    enrichment: plan.context.stats["enrichment"],
    fanout: {
      shards: plan.shards.length,
      failedShards: results
        .filter((r) => r.outcome === "failed")
        .map((r) => ({ shard: r.shard, subscriptions: plan.shards[r.shard] ?? [], reason: r.failure ?? "" })),
      contextRows: plan.context.rows,
      contextDurationMs: plan.context.stats["durationMs"],
      crossSubscriptionLinks: plan.grouping.linkCount,
      perShard: results.slice(0, 100).map((r) => ({
        shard: r.shard,
        outcome: r.outcome,
        subscriptions: plan.shards[r.shard]?.length ?? 0,
        rows: r.ownRows,
        results: r.scores.findings,
        collectionMs: r.collection["durationMs"],
        collectedFrom: r.collection["collectedFrom"],
        collectedTo: r.collection["collectedTo"],
        slotWaits: r.collection["slotWaits"],
        durationMs: r.durationMs,
      })),
    },
  };
}

function mergeTransitions(parts: readonly StateTransitions[]): StateTransitions {
  const merged: StateTransitions = {
    new: [],
    resolved: [],
    regressed: [],
    stillFailing: [],
    notFullyRead: 0,
    stale: 0,
  };
  for (const part of parts) {
    for (const key of ["new", "resolved", "regressed", "stillFailing"] as const) merged[key].push(...part[key]);
    merged.notFullyRead += part.notFullyRead;
    merged.stale += part.stale;
  }
  for (const key of ["new", "resolved", "regressed", "stillFailing"] as const)
    merged[key] = byRuleOrder(merged[key], (change) => change.finding);
  return merged;
}

function sumWrites(parts: readonly WriteStats[]): WriteStats {
  const total: WriteStats = {
    findings: 0,
    findingTransactions: 0,
    stateEntities: 0,
    stateTransactions: 0,
    findingsMs: 0,
    stateMs: 0,
    elapsedMs: 0,
  };
  for (const part of parts)
    for (const key of Object.keys(total) as Array<keyof WriteStats>) total[key] = (total[key] ?? 0) + (part[key] ?? 0);
  return total;
}

/** Stable: results of one rule stay in shard order. A single run lists results rule by rule, as the engine runs them. */
function byRuleOrder<T>(
  items: readonly T[],
  findingOf: (item: T) => Finding = (item) => item as unknown as Finding,
): T[] {
  const rank = new Map(RULE_ORDER.map((id, i) => [id, i]));
  return items
    .map((item, index) => ({ item, index, rank: rank.get(findingOf(item).ruleId) ?? RULE_ORDER.length }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.item);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}
