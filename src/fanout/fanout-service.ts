// Fan-out: a live run over more subscriptions than one invocation should collect is split by subscription shard.
//
//   runAudit (planner)      lists the scope's subscriptions; over AUDIT_FANOUT_MIN_SUBSCRIPTIONS it collects the
//                           context families once, cuts the subscriptions into shards, saves plan and context, puts the
//                           shard states on the run entity and enqueues one message per shard on `audit-shards`.
//   runAuditShard (worker)  collects NSGs and NICs of its subscriptions, evaluates context + its rows, keeps the results
//                           about its subscriptions, writes them and their findingstate, saves its result, and marks
//                           itself done on the run entity (ETag). The shard that marks the last one finalises.
//   auditShardPoison        a shard the queue gave up on is evaluated without its own rows (its NSG and NIC verdicts
//                           become unknown under a coverage gap naming its subscriptions) and marked failed.
//   finaliser               merges every shard's result into the run summary (status partial if any gap or failed
//                           shard), runs the post-run steps once, releases the scope lock (fanout-finaliser.ts).
//
// See docs/operations.md (Scale and fan-out) for the design, the settings and their defaults.
import { assertSomethingCollected, type CollectionStep } from "../audit/run-audit";
import type { ResourceSource } from "../audit/resource-source";
import type { CollectionScope } from "../collect/collection-config";
import { ResourceGraphSource } from "../collect/live-resource-source";
import { DEFAULT_QUOTA } from "../collect/quota-pacer";
import { listSubscriptionsInScope, type SubscriptionListing } from "../collect/resource-graph-source";
import { AuditorError, errorText } from "../errors";
import type { CoverageGap } from "../model/estate";
import type { ResourceRow } from "../model/row";
import type { AuditStore } from "../audit/audit-store";
import type { AuditSettings } from "../config/audit-settings";
import type { SourceSetting } from "../collect/collection-config";
import type { FanoutSettings } from "./fanout-settings";

import { settingsOfRequest, type AuditRequestMessage } from "../audit/audit-request";
import {
  loadRunExceptions,
  type Attempt,
  type Logger,
  type MessageQueue,
  type PostRunStep,
} from "../audit/audit-service";
import type { ExceptionStore } from "../audit/exception-store";
import { CollectionSlots, deferralDelaySeconds, DEFAULT_SLOT_TTL_MS } from "./collection-slots";
import { FanoutFinaliser } from "./fanout-finaliser";
import { NO_TELEMETRY, type ResourceGraphObserver, type RunTelemetry, type RunTrace } from "../audit/run-telemetry";
import {
  settingsOfPlan,
  type FanoutPlan,
  type FanoutStore,
  type ShardProgress,
  type ShardResult,
} from "./fanout-store";
import { contextFamilies, shardFamilies, SHARDED_TYPES } from "./shard-families";
import { evaluateShard, type ShardEvaluation } from "./shard-evaluation";
import { parseShardMessage, type ShardMessage } from "./shard-message";
import { MAX_SHARDS } from "./fanout-settings";
import { mapBounded } from "../store/bounded-concurrency";
import { groupIntoShards } from "./shard-plan";

/** Where rows come from: Resource Graph by default; tests replace parts. */
export interface FanoutCollector {
  listSubscriptions(scope: CollectionScope | undefined): Promise<SubscriptionListing>;
  /** The context families for every subscription in scope, collected once by the planner. */
  contextSource(subscriptions: string[]): ResourceSource;
  /** A shard's own families (NSGs, NICs) for its subscriptions. */
  shardSource(subscriptions: string[], shard: number): ResourceSource;
}

/** The app settings fan-out reads (the composition root passes the app's). */
export interface FanoutServiceSettings {
  audit: AuditSettings;
  source: SourceSetting;
  lockTtlMs: number;
  fanout: FanoutSettings;
}

export interface FanoutDeps {
  settings: FanoutServiceSettings;
  store: AuditStore;
  fanoutStore: FanoutStore;
  shardQueue: MessageQueue<ShardMessage>;
  postRunSteps?: PostRunStep[];
  now?: () => Date;
  collector?: Partial<FanoutCollector>;
  /** Lease of a collection slot (default 15 minutes). */
  slotTtlMs?: number;
  /** After this many waits for a slot a shard collects anyway (default 240: hours of waiting). */
  maxDeferrals?: number;
  /** Seconds a shard waits for a slot before trying again (default deferralDelaySeconds; tests shorten it). */
  deferDelaySeconds?: (deferrals: number) => number;
  /** The exceptions declared through the API; each shard reads them before it evaluates. */
  exceptions?: ExceptionStore;
  /** Each shard's span (`audit.shard`, linked to the run's) and, from the finaliser, the run's metrics. */
  telemetry?: RunTelemetry;
}

export type PlanDecision =
  { kind: "single"; subscriptions: number } | { kind: "fannedOut"; shards: number; subscriptions: number };

export type ResumeState = { state: "running"; shards: number } | { state: "finished"; shards: number };

export type ShardOutcome =
  | { status: "done" | "failed"; runId: string; shard: number; finalised: boolean }
  | { status: "deferred"; runId: string; shard: number; delaySeconds: number }
  | { status: "alreadyFinished"; runId: string; shard: number; finalised: boolean };

export class FanoutService {
  private readonly now: () => Date;
  private readonly collector: FanoutCollector;
  private readonly slots: CollectionSlots;
  private readonly finaliser: FanoutFinaliser;

  constructor(private readonly deps: FanoutDeps) {
    this.now = deps.now ?? (() => new Date());
    this.finaliser = new FanoutFinaliser({ ...deps, now: this.now });
    this.collector = { ...defaultCollector(deps.settings, deps.telemetry?.resourceGraph), ...deps.collector };
    this.slots = new CollectionSlots(
      deps.store,
      deps.settings.fanout.collectionConcurrency,
      deps.slotTtlMs ?? DEFAULT_SLOT_TTL_MS,
    );
  }

  // ---- planner --------------------------------------------------------------------------------------------------

  /**
   * A request delivered again after its run was planned: the run is running (its shards are on the queue) or finished.
   * Undefined when the run was never planned. Re-enqueues the shards when the planner died before it had.
   */
  async resume(runId: string, log: Logger): Promise<ResumeState | undefined> {
    const progress = await this.deps.fanoutStore.getProgress(runId);
    if (progress === undefined) return undefined;
    const record = await this.deps.store.getRunRecord(runId);
    if (
      record !== undefined &&
      (record.status === "completed" || record.status === "partial" || record.status === "failed")
    )
      return { state: "finished", shards: progress.shardCount };
    if (progress.enqueuedAt === undefined) {
      const plan = await this.requirePlan(runId);
      await this.enqueueShards(plan, progress, log);
    }
    return { state: "running", shards: progress.shardCount };
  }

  /** Fans the run out when its scope has more subscriptions than AUDIT_FANOUT_MIN_SUBSCRIPTIONS. */
  async plan(input: {
    message: AuditRequestMessage;
    scope: CollectionScope | undefined;
    scopeKey: string;
    startedAt: Date;
    log: Logger;
    traceParent?: string | undefined;
  }): Promise<PlanDecision> {
    const { message, log } = input;
    const runId = message.runId;
    let plan = await this.deps.fanoutStore.getPlan(runId);
    if (plan === undefined) {
      const listing = await this.collector.listSubscriptions(input.scope);
      const threshold = this.deps.settings.fanout.minSubscriptions;
      if (listing.subscriptions.length <= threshold)
        return { kind: "single", subscriptions: listing.subscriptions.length };
      log.info(
        `run ${runId}: ${listing.subscriptions.length} subscriptions in scope, more than AUDIT_FANOUT_MIN_SUBSCRIPTIONS (${threshold}): fanning out`,
      );
      plan = await this.collectContext(input, listing, log);
    }
    const progress = await this.deps.fanoutStore.startShards(runId, plan.shards.length);
    if (progress.enqueuedAt === undefined) await this.enqueueShards(plan, progress, log, input.traceParent);
    return { kind: "fannedOut", shards: plan.shards.length, subscriptions: plan.subscriptions.length };
  }

  private async collectContext(
    input: { message: AuditRequestMessage; scope: CollectionScope | undefined; scopeKey: string; startedAt: Date },
    listing: SubscriptionListing,
    log: Logger,
  ): Promise<FanoutPlan> {
    const runId = input.message.runId;
    const rows: ResourceRow[] = [];
    const source = this.collector.contextSource(listing.subscriptions);
    const outcome = await source.collect({
      add: (row) => void rows.push(row as ResourceRow),
      addCoverageGap: (gap) => listing.gaps.push(gap),
    });
    const gaps = [...listing.gaps, ...outcome.gaps];
    // As for a single run: reading nothing at all is a failed collection, never an audit of an empty estate.
    assertSomethingCollected(rows.length, gaps);
    const grouping = groupIntoShards(listing.subscriptions, rows, this.deps.settings.fanout.shardSubscriptions);
    if (grouping.shards.length > MAX_SHARDS) {
      throw new AuditorError(
        "CONFIG_INVALID",
        `AUDIT_SHARD_SUBSCRIPTIONS: ${listing.subscriptions.length} subscriptions at ${this.deps.settings.fanout.shardSubscriptions} per shard make ${grouping.shards.length} shards, more than the ${MAX_SHARDS} a run can track; raise it`,
      );
    }
    const stats = { ...outcome.stats, requests: num(outcome.stats["requests"]) + listing.requests };
    const plan: FanoutPlan = {
      version: 1,
      runId,
      scopeKey: input.scopeKey,
      message: input.message,
      baseline: settingsOfRequest(input.message, this.deps.settings.audit).baseline,
      startedAt: input.startedAt.toISOString(),
      source: this.describeScope(input.scope),
      subscriptions: listing.subscriptions,
      shards: grouping.shards,
      context: { rows: rows.length, gaps, stats },
      grouping: { linkCount: grouping.linkCount, links: grouping.links },
    };
    if (grouping.linkCount > 0)
      log.warn(
        `run ${runId}: ${grouping.linkCount} association(s) cross subscriptions (e.g. ${grouping.links[0]!.via}); their subscriptions share a shard`,
      );
    await this.deps.fanoutStore.savePlan(plan, rows);
    log.info(
      `run ${runId}: context of ${rows.length} rows collected in ${num(outcome.stats["durationMs"])} ms; ${plan.shards.length} shards of up to ${Math.max(...plan.shards.map((s) => s.length))} subscriptions`,
    );
    return plan;
  }

  private async enqueueShards(
    plan: FanoutPlan,
    progress: ShardProgress,
    log: Logger,
    traceparent?: string,
  ): Promise<void> {
    const pending = [...progress.states].flatMap((state, shard) => (state === "P" ? [shard] : []));
    // A duplicate message (a planner retried after it sent some) is harmless: a shard is only ever counted once.
    await mapBounded(pending, ENQUEUE_CONCURRENCY, (shard) =>
      this.deps.shardQueue.enqueue({ runId: plan.runId, shard, ...(traceparent === undefined ? {} : { traceparent }) }),
    );
    await this.deps.fanoutStore.markEnqueued(plan.runId, this.now());
    log.info(`run ${plan.runId}: ${pending.length} shard message(s) enqueued`);
  }

  private describeScope(scope: CollectionScope | undefined) {
    const source = this.deps.settings.source;
    if (source.kind !== "resourceGraph")
      throw new AuditorError("CONFIG_INVALID", "Only live (Resource Graph) runs fan out; AUDIT_SOURCE is a snapshot.");
    return new ResourceGraphSource({
      connection: source.collection.connection,
      scope: scope ?? source.collection.scope,
    }).describe();
  }

  // ---- worker ---------------------------------------------------------------------------------------------------

  /** One shard message. Throws to let the queue retry; the poison handler takes over after the last attempt. */
  async runShard(raw: unknown, attempt: Attempt, log: Logger): Promise<ShardOutcome> {
    const message = parseShardMessage(raw);
    const { runId, shard } = message;
    const trace = (this.deps.telemetry ?? NO_TELEMETRY).startRun({
      runId,
      trigger: "shard",
      shard: { index: shard, ...(message.traceparent === undefined ? {} : { runTraceParent: message.traceparent }) },
    });
    try {
      const plan = await this.requirePlan(runId);
      const progress = await this.requireProgress(runId);
      if (progress.states[shard] !== "P") {
        trace.ended({ status: "completed" });
        return await this.alreadyFinished(plan, progress, shard, attempt, log);
      }

      let result = await this.deps.fanoutStore.getShardResult(runId, shard);
      if (result === undefined) {
        // A shard that waited long enough collects without a slot rather than never: pacing must not starve it.
        const waited = message.deferrals ?? 0;
        const slot =
          waited >= (this.deps.maxDeferrals ?? 240)
            ? undefined
            : await this.slots.acquire(`${runId}#${shard}`, shard, this.now());
        if (slot === undefined && waited < (this.deps.maxDeferrals ?? 240)) {
          const delaySeconds = (this.deps.deferDelaySeconds ?? deferralDelaySeconds)(waited);
          await this.deps.shardQueue.enqueue({ ...message, deferrals: waited + 1 }, { delaySeconds });
          trace.ended({ status: "queued" });
          log.info(
            `run ${runId} shard ${shard}: all ${this.deps.settings.fanout.collectionConcurrency} collection slots are taken; trying again in ${delaySeconds} s`,
          );
          return { status: "deferred", runId, shard, delaySeconds };
        }
        const source = this.collector.shardSource(plan.shards[shard] ?? [], shard);
        result = await this.evaluateAndWrite(plan, shard, {
          log,
          trace,
          collect: async (sink) => {
            const collectedFrom = this.now().toISOString();
            try {
              const outcome = await source.collect(sink);
              return {
                ...outcome,
                stats: { ...outcome.stats, slotWaits: waited, collectedFrom, collectedTo: this.now().toISOString() },
              };
            } finally {
              // The slot covers Resource Graph only; evaluation and writes do not touch the quota.
              if (slot !== undefined)
                await this.slots
                  .release(slot)
                  .catch((error: unknown) =>
                    log.warn(`run ${runId} shard ${shard}: releasing collection slot: ${errorText(error)}`),
                  );
            }
          },
        });
        if (!(await this.deps.fanoutStore.saveShardResult(runId, result)))
          result = (await this.deps.fanoutStore.getShardResult(runId, shard)) ?? result;
      }
      const { progress: after, completedNow } = await this.deps.fanoutStore.finishShard(runId, shard, result.outcome);
      log.info(
        `run ${runId} shard ${shard + 1}/${after.shardCount} ${result.outcome}: ${result.scores.findings} results from ${result.ownRows} rows; ${after.done}/${after.shardCount} shards finished`,
      );
      const finalised = completedNow
        ? await this.finaliser.finalise(plan, attempt, log, trace)
        : await this.finaliser.finaliseIfMine(plan, after, shard, attempt, log, trace);
      trace.ended({ status: result.outcome === "failed" ? "failed" : "completed" });
      return { status: result.outcome, runId, shard, finalised };
    } catch (error) {
      trace.ended({ status: "failed", error });
      const reason = errorText(error);
      await this.deps.fanoutStore
        .recordShardError(runId, shard, reason)
        .catch((recordError: unknown) =>
          log.error(`run ${runId} shard ${shard}: could not record its error: ${errorText(recordError)}`),
        );
      log.warn(
        `run ${runId} shard ${shard} attempt ${attempt.dequeueCount}/${attempt.maxDequeueCount} failed${attempt.dequeueCount >= attempt.maxDequeueCount ? " (its last; the poison handler records it)" : ", the queue will retry"}: ${reason}`,
      );
      throw error;
    }
  }

  /** A redelivered message of a shard that has finished: only a finaliser that left work undone has anything to do. */
  private async alreadyFinished(
    plan: FanoutPlan,
    progress: ShardProgress,
    shard: number,
    attempt: Attempt,
    log: Logger,
  ): Promise<ShardOutcome> {
    const finalised = await this.finaliser.finaliseIfMine(plan, progress, shard, attempt, log);
    return { status: "alreadyFinished", runId: plan.runId, shard, finalised };
  }

  /**
   * A shard message the queue gave up on. The shard is judged without its own rows: a coverage gap for NSGs and NICs
   * of its subscriptions makes every verdict that needed them unknown, the shard is marked failed, and the run ends
   * partial with those subscriptions listed. Never dropped.
   */
  async recordPoisonedShard(raw: unknown, attempt: Attempt, log: Logger): Promise<ShardOutcome | undefined> {
    let message: ShardMessage;
    try {
      message = parseShardMessage(raw);
    } catch (error) {
      log.error(`a shard message that cannot be read reached the poison queue; nothing to record: ${errorText(error)}`);
      return undefined;
    }
    const { runId, shard } = message;
    const plan = await this.deps.fanoutStore.getPlan(runId);
    if (plan === undefined) {
      log.error(`run ${runId} shard ${shard} reached the poison queue, but the run has no plan; nothing to record`);
      return undefined;
    }
    const progress = await this.requireProgress(runId);
    if (progress.states[shard] !== "P") return this.alreadyFinished(plan, progress, shard, attempt, log);

    let result = await this.deps.fanoutStore.getShardResult(runId, shard);
    if (result === undefined) {
      // Its worker died after saving nothing, or kept failing: judge it without its rows.
      const lastError = await this.deps.fanoutStore.shardError(runId, shard);
      const subscriptions = plan.shards[shard] ?? [];
      const reason = `shard ${shard} (${subscriptions.length} subscription(s)) failed after its retries${lastError !== undefined ? `: ${lastError}` : " (its worker stopped without an error)"}`;
      const gap: CoverageGap = { types: [...SHARDED_TYPES], subscriptionIds: subscriptions, reason };
      // Results an attempt wrote before it died would contradict the failed shard's; they go first.
      await this.deps.store.deleteRunFindings(runId, subscriptions);
      result = await this.evaluateAndWrite(plan, shard, {
        log,
        collect: async () => ({ stats: {}, gaps: [gap] }),
        failure: reason,
      });
      if (!(await this.deps.fanoutStore.saveShardResult(runId, result)))
        result = (await this.deps.fanoutStore.getShardResult(runId, shard)) ?? result;
      log.error(`run ${runId}: ${reason}; recorded as failed, its subscriptions are a coverage gap`);
    }
    const { progress: after, completedNow } = await this.deps.fanoutStore.finishShard(runId, shard, result.outcome);
    const finalised = completedNow
      ? await this.finaliser.finalise(plan, attempt, log)
      : await this.finaliser.finaliseIfMine(plan, after, shard, attempt, log);
    return { status: result.outcome, runId, shard, finalised };
  }

  /** `collect` streams the shard's rows; a failed shard's reports, instead, the gap of what it never read. */
  private async evaluateAndWrite(
    plan: FanoutPlan,
    shard: number,
    how: { collect: CollectionStep; failure?: string; log: Logger; trace?: RunTrace },
  ): Promise<ShardResult> {
    const started = performance.now();
    const subscriptions = plan.shards[shard] ?? [];
    const stored = await loadRunExceptions(this.deps.exceptions, `run ${plan.runId} shard ${shard}`, how.log);
    const contextRows = await this.deps.fanoutStore.loadContext(plan.runId);
    const allSubscriptions = new Set(plan.subscriptions);
    const evaluation: ShardEvaluation = await evaluateShard({
      contextRows,
      contextGaps: plan.context.gaps,
      collect: how.collect,
      subscriptions,
      startedAt: new Date(plan.startedAt),
      ...(stored.exceptions === undefined ? {} : { exceptions: stored.exceptions }),
      // Shard 0 also keeps results about subscriptions outside every shard (a row naming a subscription not in
      // scope), which a single run would have reported too.
      ...(shard === 0 ? { keepUnowned: (id: string) => !allSubscriptions.has(id.toLowerCase()) } : {}),
      settings: settingsOfPlan(plan, this.deps.settings.audit),
      ...(how.trace === undefined ? {} : { trace: how.trace }),
    });
    const anyGap = plan.context.gaps.length > 0 || evaluation.gaps.length > 0;
    const write = () =>
      this.deps.store.writeRunPart(plan.runId, evaluation.findings, {
        startedAt: plan.startedAt,
        status: anyGap ? "partial" : "completed",
        // Each shard writes its own part of the run's posture record; a shard written again replaces its part.
        part: `shard-${shard}`,
      });
    const part = await (how.trace === undefined ? write() : how.trace.step("audit.store", write));
    return {
      version: 1,
      shard,
      outcome: how.failure !== undefined ? "failed" : "done",
      ...(how.failure !== undefined ? { failure: how.failure } : {}),
      ...(stored.unavailable !== undefined ? { exceptionsUnavailable: stored.unavailable } : {}),
      scores: evaluation.scores,
      ownRows: evaluation.ownRows,
      ownResources: evaluation.ownResources,
      contextResources: evaluation.contextResources,
      gaps: evaluation.gaps,
      contextWarnings: evaluation.contextWarnings,
      ownWarnings: evaluation.ownWarnings,
      collection: evaluation.collection,
      write: part.stats,
      durationMs: Math.round(performance.now() - started),
      findings: evaluation.findings,
      transitions: part.transitions,
    };
  }

  private async requirePlan(runId: string): Promise<FanoutPlan> {
    const plan = await this.deps.fanoutStore.getPlan(runId);
    if (plan === undefined) throw new AuditorError("NOT_FOUND", `run ${runId} has no fan-out plan`);
    return plan;
  }

  private async requireProgress(runId: string): Promise<ShardProgress> {
    const progress = await this.deps.fanoutStore.getProgress(runId);
    if (progress === undefined) throw new AuditorError("NOT_FOUND", `run ${runId} has no shard progress`);
    return progress;
  }
}

const ENQUEUE_CONCURRENCY = 16;

function defaultCollector(settings: FanoutServiceSettings, observer?: ResourceGraphObserver): FanoutCollector {
  const live = (): SourceSetting & { kind: "resourceGraph" } => {
    if (settings.source.kind !== "resourceGraph")
      throw new AuditorError("CONFIG_INVALID", "Only live (Resource Graph) runs fan out; AUDIT_SOURCE is a snapshot.");
    return settings.source;
  };
  return {
    listSubscriptions: (scope) =>
      listSubscriptionsInScope({
        connection: live().collection.connection,
        scope: scope ?? live().collection.scope,
        ...(observer === undefined ? {} : { observer }),
      }),
    contextSource: (subscriptions) =>
      new ResourceGraphSource({
        connection: live().collection.connection,
        scope: { subscriptions },
        families: contextFamilies(),
        enrichment: { concurrency: live().collection.enrichmentConcurrency },
        ...(observer === undefined ? {} : { observer }),
      }),
    shardSource: (subscriptions) =>
      new ResourceGraphSource({
        connection: live().collection.connection,
        scope: { subscriptions },
        families: shardFamilies(),
        enrichment: { concurrency: live().collection.enrichmentConcurrency },
        // Up to AUDIT_SHARD_CONCURRENCY shards collect at once with the same identity: each spends its share.
        quota: { ...DEFAULT_QUOTA, share: settings.fanout.collectionConcurrency },
        ...(observer === undefined ? {} : { observer }),
      }),
  };
}

function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}
