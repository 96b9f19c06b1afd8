// The finaliser of a fanned-out run: the shard whose finish completed the run merges every shard's result into the
// run's summary (the arithmetic of a single run, fanout-merge.ts), runs the post-run steps once and lets go of the
// scope. Every step is safe to repeat, so a finaliser that died is finished by its own message coming back.
import type { AuditReport } from "../audit/run-audit";
import type { AuditStore, CompletedRun } from "../audit/audit-store";
import { runPostRunSteps, type Attempt, type Logger, type PostRunStep } from "../audit/audit-service";
import type { RunTrace } from "../audit/run-telemetry";
import type { AuditSettings } from "../config/audit-settings";
import { AuditorError, errorText } from "../errors";
import { mapBounded } from "../store/bounded-concurrency";
import { mergeShardResults } from "./fanout-merge";
import { settingsOfPlan, type FanoutPlan, type FanoutStore, type ShardProgress } from "./fanout-store";

export interface FanoutFinaliserDeps {
  settings: { audit: AuditSettings; lockTtlMs: number };
  store: AuditStore;
  fanoutStore: FanoutStore;
  postRunSteps?: PostRunStep[];
  now: () => Date;
}

const READ_CONCURRENCY = 8;

export class FanoutFinaliser {
  constructor(private readonly deps: FanoutFinaliserDeps) {}

  /** The finaliser is the shard that completed the run; a redelivery of its message finishes what it left undone. */
  async finaliseIfMine(
    plan: FanoutPlan,
    progress: ShardProgress,
    shard: number,
    attempt: Attempt,
    log: Logger,
    trace?: RunTrace,
  ): Promise<boolean> {
    if (progress.finaliser !== shard) return false;
    if (progress.postRunDoneAt !== undefined) {
      // Summary and steps are done; the finaliser may have died before it let go of the scope. Both steps are idempotent.
      await this.closeRun(plan, log);
      return false;
    }
    log.warn(
      `run ${plan.runId}: shard ${shard} completed the run earlier but its finalisation did not finish; finishing it now`,
    );
    return this.finalise(plan, attempt, log, trace);
  }

  /**
   * Merges every shard's result into the run's summary and final status, runs the post-run steps once, releases the
   * scope lock. Safe to repeat: the summary is rewritten the same, and steps already done are not run again.
   */
  async finalise(plan: FanoutPlan, attempt: Attempt, log: Logger, trace?: RunTrace): Promise<boolean> {
    const runId = plan.runId;
    try {
      const results = await mapBounded(plan.shards, READ_CONCURRENCY, async (_subscriptions, shard) => {
        const result = await this.deps.fanoutStore.getShardResult(runId, shard);
        if (result === undefined)
          throw new AuditorError(
            "STORAGE_FAILED",
            `run ${runId}: shard ${shard} is marked finished but has no stored result`,
          );
        return result;
      });
      const merged = mergeShardResults(plan, results, settingsOfPlan(plan, this.deps.settings.audit), this.deps.now());
      const report: AuditReport = merged.report;
      const record = await this.deps.store.finishRun({
        run: report.run,
        scores: report.summary,
        bySeverity: merged.bySeverity,
        findings: report.findings.length,
        transitions: merged.transitions,
        exceptions: report.exceptions,
      });
      const completed: CompletedRun = { run: record, transitions: merged.transitions, stats: merged.write };
      const failed = results.filter((r) => r.outcome === "failed").length;
      log.info(
        `run ${runId} ${report.run.status}: ${report.findings.length} results, ${report.summary.byStatus.fail} failing, estate score ${report.summary.estateScore ?? "n/a"} (${plan.shards.length} shards${failed > 0 ? `, ${failed} failed` : ""})`,
      );
      const progress = await this.requireProgress(runId);
      const firstFinalisation = progress.postRunDoneAt === undefined;
      if (firstFinalisation) {
        await runPostRunSteps(this.deps.postRunSteps ?? [], { message: plan.message, report, completed, log }, trace);
        await this.deps.fanoutStore.markPostRunDone(runId, this.deps.now());
      }
      await this.closeRun(plan, log);
      // The run's metrics and summary record, once: from the shard that finalised it, the first time.
      if (firstFinalisation) trace?.completed(report);
      return true;
    } catch (error) {
      if (attempt.dequeueCount < attempt.maxDequeueCount) throw error;
      // The last chance: a run that cannot be finalised is failed, never left running.
      const reason = `finalising the fanned-out run failed: ${errorText(error)}`;
      log.error(`run ${runId}: ${reason}`);
      await this.deps.store
        .failRun(runId, reason, this.deps.now())
        .catch((failError: unknown) => log.error(`could not record run ${runId} as failed: ${errorText(failError)}`));
      await this.releaseScopeLock(plan, log);
      throw error;
    }
  }

  /** The scope goes to the next run, and the context and result payloads are deleted. */
  private async closeRun(plan: FanoutPlan, log: Logger): Promise<void> {
    await this.releaseScopeLock(plan, log);
    await this.deps.fanoutStore
      .deletePayloads(plan.runId)
      .catch((error: unknown) =>
        log.warn(`run ${plan.runId}: could not delete the fan-out payloads: ${errorText(error)}`),
      );
  }

  private async releaseScopeLock(plan: FanoutPlan, log: Logger): Promise<void> {
    try {
      // The planner's lock is held in the run's name: claiming it again as the run takes it over, then it goes.
      const claim = await this.deps.store.claimScopeLock(plan.scopeKey, plan.runId, {
        ttlMs: this.deps.settings.lockTtlMs,
        now: this.deps.now(),
      });
      if (claim.acquired) await this.deps.store.releaseScopeLock(claim.lock);
    } catch (error) {
      log.warn(`run ${plan.runId}: could not release the lock of ${plan.scopeKey}: ${errorText(error)}`);
    }
  }

  private async requireProgress(runId: string): Promise<ShardProgress> {
    const progress = await this.deps.fanoutStore.getProgress(runId);
    if (progress === undefined) throw new AuditorError("NOT_FOUND", `run ${runId} has no shard progress`);
    return progress;
  }
}
