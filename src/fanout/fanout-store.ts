// The storage port of a fanned-out run: its plan, the context every shard reads, each shard's result, and the shard
// progress kept on the run entity with optimistic concurrency. `table-fanout-store.ts` implements it on Table
// Storage; findings and findingstate go through the AuditStore as for any run.
import type { SourceDescription } from "../audit/resource-source";
import type { Finding } from "../engine/finding";
import type { CoverageGap } from "../model/estate";
import type { ResourceRow } from "../model/row";
import type { AuditRequestMessage } from "../audit/audit-request";
import type { StateTransitions, WriteStats } from "../audit/audit-store";
import type { ScoreSums } from "../engine/scoring";
import type { WarningTally } from "../audit/run-audit";
import type { AuditSettings } from "../config/audit-settings";
import type { BaselineId } from "../rules/baselines";

export interface FanoutPlan {
  version: 1;
  runId: string;
  /** The scope lock the planner claimed; the finaliser releases it. */
  scopeKey: string;
  /** The request, for the post-run steps (retention runs after timer-triggered runs only). */
  message: AuditRequestMessage;
  /**
   * The baseline every shard evaluates, fixed when the run was requested: a setting changed while shards run must not
   * mix baselines in one run. A plan stored before baselines existed reads as `seed-2019` (its shards evaluated those).
   */
  baseline: BaselineId;
  /** When the run started: every shard records this in findingstate, as a single run would. */
  startedAt: string;
  source: SourceDescription;
  /** Every subscription in scope, lower case, sorted. */
  subscriptions: string[];
  shards: string[][];
  context: {
    rows: number;
    /** Gaps of discovery and of the context families; they apply to every shard. */
    gaps: CoverageGap[];
    stats: Record<string, unknown>;
  };
  /** Cross-subscription associations that made subscriptions share a shard (see shard-plan.ts). */
  grouping: { linkCount: number; links: Array<{ from: string; to: string; via: string }> };
}

/** The settings a shard and the finaliser evaluate with: the app's, with the run's baseline from its plan. */
export function settingsOfPlan(plan: FanoutPlan, audit: AuditSettings): AuditSettings {
  return { ...audit, baseline: plan.baseline };
}

/** What a shard contributed to its run; the finaliser merges these. Saved once per shard. */
export interface ShardResult {
  version: 1;
  shard: number;
  outcome: "done" | "failed";
  /** Why the shard failed (failed shards only). */
  failure?: string;
  /** Why the shard evaluated without the exception store's exceptions (it could not be read). */
  exceptionsUnavailable?: string;
  /** The shard's score sums; the finaliser adds them up (engine/scoring.ts). */
  scores: ScoreSums;
  /** Rows the shard collected itself, and the resources they added to the estate. */
  ownRows: number;
  ownResources: number;
  /** Resources built from the context (the same in every shard). */
  contextResources: number;
  /** The shard's own coverage gaps (its collection, or the gap of a failed shard). */
  gaps: CoverageGap[];
  /** Data-quality warnings about the context rows (the same in every shard) and about the shard's own rows. */
  contextWarnings: WarningTally;
  ownWarnings: WarningTally;
  collection: Record<string, unknown>;
  write: WriteStats;
  durationMs: number;
  /** The shard's results and state transitions, for the post-run steps (alerts read every verdict). */
  findings: Finding[];
  transitions: StateTransitions;
}

/** Shard states on the run entity: one character per shard, P pending, D done, F failed. */
export interface ShardProgress {
  shardCount: number;
  states: string;
  done: number;
  failed: number;
  /** The shard whose finish completed the run: it, and only it, finalises. */
  finaliser?: number;
  enqueuedAt?: string;
  postRunDoneAt?: string;
}

export interface FanoutStore {
  /** Saves the context rows, then the plan; a plan that can be read has its context complete. */
  savePlan(plan: FanoutPlan, contextRows: readonly ResourceRow[]): Promise<void>;
  /** undefined when the run has no (complete) plan. */
  getPlan(runId: string): Promise<FanoutPlan | undefined>;
  loadContext(runId: string): Promise<ResourceRow[]>;
  /** Puts `shardCount` pending shards on the run entity; when they are there already, leaves them as they are. */
  startShards(runId: string, shardCount: number): Promise<ShardProgress>;
  markEnqueued(runId: string, at: Date): Promise<void>;
  getProgress(runId: string): Promise<ShardProgress | undefined>;
  /** Saves a pending shard's result; false (and nothing written) when the shard has finished already. */
  saveShardResult(runId: string, result: ShardResult): Promise<boolean>;
  getShardResult(runId: string, shard: number): Promise<ShardResult | undefined>;
  /** The last error of a failing attempt, for the gap of a shard that ends in the poison queue. */
  recordShardError(runId: string, shard: number, reason: string): Promise<void>;
  shardError(runId: string, shard: number): Promise<string | undefined>;
  /**
   * Marks the shard done or failed on the run entity (If-Match on its ETag, retried on 412). Idempotent: a shard
   * already marked keeps its mark. `completedNow` is true for the one call that marked the last pending shard.
   */
  finishShard(
    runId: string,
    shard: number,
    outcome: "done" | "failed",
  ): Promise<{ progress: ShardProgress; completedNow: boolean }>;
  markPostRunDone(runId: string, at: Date): Promise<void>;
  /** Deletes the context and the shards' result payloads once the run is final; the plan and shard records stay. */
  deletePayloads(runId: string): Promise<void>;
}
