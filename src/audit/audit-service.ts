// The audit use cases behind the functions: request an audit (enqueue), run a requested audit exclusively per scope,
// and record a request that ended in the poison queue. Handlers stay thin; everything decided here is testable.
import { runAudit, newRunId, type AuditReport } from "./run-audit";
import type { ResourceSource } from "./resource-source";
import type { CollectionScope } from "./collection-scope";
import { AuditorError, errorText } from "../errors";
import type { AuditSettings } from "../config/audit-settings";
import type { AuditStore, CompletedRun } from "./audit-store";
import type { ExceptionStore } from "./exception-store";
import type { AuditException } from "../engine/exceptions";
import { NO_TELEMETRY, type RunTelemetry, type RunTrace } from "./run-telemetry";
import {
  parseAuditRequestMessage,
  recoverRunId,
  scopeKey,
  settingsOfRequest,
  type AuditRequestMessage,
} from "./audit-request";

/** Where audit requests go: a Storage Queue in production (src/queue), an array in tests. */
export interface AuditQueue {
  enqueue(message: AuditRequestMessage): Promise<void>;
}

export interface MessageQueue<T> {
  /** `delaySeconds`: the message stays invisible that long before a worker can receive it (at most 7 days). */
  enqueue(message: T, options?: { delaySeconds?: number }): Promise<void>;
}

/** The settings a run reads; the composition root passes the app's. */
export interface AuditServiceSettings {
  audit: AuditSettings;
  /** Whether runs read a snapshot or collect live; only live runs fan out, and a snapshot takes no scope override. */
  source:
    | { kind: "snapshot"; files: string[] }
    | { kind: "resourceGraph"; collection: { scope?: CollectionScope | undefined } };
  lockTtlMs: number;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A step after a run is stored (retention, alerts). A failing step is logged; it never fails the run. */
export interface PostRunStep {
  name: string;
  run(context: {
    message: AuditRequestMessage;
    report: AuditReport;
    completed: CompletedRun;
    log: Logger;
  }): Promise<void>;
}

/** Splits a large live run into shards (src/fanout); the planner half, as runRequested uses it. */
export interface FanoutPlanner {
  /** A run planned before (a redelivered request): running while its shards run, or finished. Undefined otherwise. */
  resume(runId: string, log: Logger): Promise<{ state: "running" | "finished"; shards: number } | undefined>;
  /** Fans the run out when its scope is large; `single` means: run it here, as always. */
  plan(input: {
    message: AuditRequestMessage;
    scope: CollectionScope | undefined;
    scopeKey: string;
    startedAt: Date;
    log: Logger;
    /** The run's trace, which the shard messages carry so that each shard's span links to it. */
    traceParent?: string | undefined;
  }): Promise<{ kind: "single"; subscriptions: number } | { kind: "fannedOut"; shards: number; subscriptions: number }>;
}

export interface AuditServiceDeps {
  settings: AuditServiceSettings;
  store: AuditStore;
  queue: AuditQueue;
  postRunSteps?: PostRunStep[];
  now?: () => Date;
  /** Opens the source of a run: the composition root builds live or snapshot sources; tests pass their own. */
  openSource: (scope: CollectionScope | undefined) => ResourceSource;
  /** Fan-out of live runs over more than AUDIT_FANOUT_MIN_SUBSCRIPTIONS subscriptions. */
  fanout?: FanoutPlanner;
  /** The exceptions declared through the API; every run reads them (absent: runs have none but Policy exemptions). */
  exceptions?: ExceptionStore;
  /** Spans, metrics and the summary record of each run (src/telemetry); default none. */
  telemetry?: RunTelemetry;
}

export type RunOutcome =
  | { status: "completed" | "partial"; runId: string; completed: CompletedRun }
  | { status: "skipped"; runId: string; heldBy: string }
  /** Split into shards: the shard workers write the results and the last of them finishes the run. */
  | { status: "fannedOut"; runId: string; shards: number };

export interface Attempt {
  dequeueCount: number;
  maxDequeueCount: number;
}

export class AuditService {
  private readonly now: () => Date;

  constructor(private readonly deps: AuditServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Records a queued run and enqueues it. The audit itself never runs in the caller (HTTP triggers stop at 230 s). */
  async requestAudit(input: {
    trigger: "timer" | "http";
    scope?: CollectionScope;
    requestedBy?: string;
  }): Promise<{ runId: string; scope: string }> {
    // Refused before a run is recorded: a snapshot is audited whole, and a run that can only fail is not queued.
    if (this.deps.settings.source.kind === "snapshot" && input.scope !== undefined)
      throw new AuditorError(
        "INPUT_INVALID_REQUEST",
        "this app audits snapshot files (AUDIT_SOURCE): a scope (subscriptions, managementGroups) applies only to live collection; send no body",
      );
    const at = this.now();
    const runId = newRunId(at);
    const scope = this.scopeKeyOf(input.scope);
    const baseline = this.deps.settings.audit.baseline;
    await this.deps.store.createRun({
      runId,
      scope,
      requestedBy: input.requestedBy ?? input.trigger,
      requestedAt: at,
      baseline,
    });
    const message: AuditRequestMessage = {
      runId,
      trigger: input.trigger,
      requestedAt: at.toISOString(),
      baseline,
      ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
    };
    if (input.scope !== undefined)
      message.scope = {
        ...(input.scope.subscriptions ? { subscriptions: input.scope.subscriptions } : {}),
        ...(input.scope.managementGroups ? { managementGroups: input.scope.managementGroups } : {}),
      };
    await this.deps.queue.enqueue(message);
    return { runId, scope };
  }

  /**
   * Runs one requested audit: claim the scope, collect, evaluate, store, post-run steps. Throws to let the queue retry;
   * on the last attempt the run is first recorded as failed with the reason.
   */
  async runRequested(rawMessage: unknown, attempt: Attempt, log: Logger): Promise<RunOutcome> {
    const message = await this.parseRequest(rawMessage);
    const scope =
      message.scope === undefined
        ? undefined
        : { subscriptions: message.scope.subscriptions, managementGroups: message.scope.managementGroups };
    const key = this.scopeKeyOf(scope);
    const settings = settingsOfRequest(message, this.deps.settings.audit);
    const trace = (this.deps.telemetry ?? NO_TELEMETRY).startRun({
      runId: message.runId,
      trigger: message.trigger,
      baseline: settings.baseline,
      scope: key,
    });
    const claim = await this.deps.store.claimScopeLock(key, message.runId, {
      ttlMs: this.deps.settings.lockTtlMs,
      now: this.now(),
    });
    if (!claim.acquired) {
      const reason = `skipped: run ${claim.heldBy} of the same scope (${key}) is in progress until ${claim.expiresAt}`;
      log.warn(`run ${message.runId} ${reason}`);
      await this.deps.store.skipRun(message.runId, reason, this.now());
      trace.ended({ status: "skipped" });
      return { status: "skipped", runId: message.runId, heldBy: claim.heldBy };
    }
    // A fanned-out run keeps the scope until its last shard finishes; its finaliser releases the lock.
    let lockPassedOn = false;
    try {
      const fanout = this.fanoutFor();
      const resumed = await fanout?.resume(message.runId, log);
      if (resumed !== undefined) {
        // The request came again after its run was planned: the shards carry it; nothing is collected twice.
        log.info(`run ${message.runId} was fanned out into ${resumed.shards} shards before; it is ${resumed.state}`);
        lockPassedOn = resumed.state === "running";
        trace.ended({ status: "fannedOut" });
        return { status: "fannedOut", runId: message.runId, shards: resumed.shards };
      }
      const startedAt = this.now();
      await this.deps.store.markRunning(message.runId, startedAt);
      const decision =
        fanout === undefined
          ? undefined
          : await trace.step("audit.plan", () =>
              fanout.plan({ message, scope, scopeKey: key, startedAt, log, traceParent: trace.traceParent }),
            );
      if (decision?.kind === "fannedOut") {
        lockPassedOn = true;
        log.info(
          `run ${message.runId}: ${decision.subscriptions} subscriptions fanned out into ${decision.shards} shards`,
        );
        trace.ended({ status: "fannedOut" });
        return { status: "fannedOut", runId: message.runId, shards: decision.shards };
      }
      return await this.runSingle(message, scope, { trace, log });
    } catch (error) {
      trace.ended({ status: "failed", error });
      const reason = errorText(error);
      if (attempt.dequeueCount >= attempt.maxDequeueCount) {
        log.error(
          `run ${message.runId} failed on its last attempt (${attempt.dequeueCount}/${attempt.maxDequeueCount}): ${reason}`,
        );
        await this.recordFailure(message.runId, reason, log);
      } else {
        log.warn(
          `run ${message.runId} attempt ${attempt.dequeueCount}/${attempt.maxDequeueCount} failed, the queue will retry: ${reason}`,
        );
      }
      throw error;
    } finally {
      if (claim.acquired && !lockPassedOn) {
        await this.deps.store
          .releaseScopeLock(claim.lock)
          .catch((error: unknown) => log.warn(`could not release the lock of ${key}: ${errorText(error)}`));
      }
    }
  }

  /** A run that is not fanned out: collect, evaluate and store here, then the post-run steps. */
  private async runSingle(
    message: AuditRequestMessage,
    scope: CollectionScope | undefined,
    { trace, log }: { trace: RunTrace; log: Logger },
  ): Promise<RunOutcome> {
    const stored = await loadRunExceptions(this.deps.exceptions, `run ${message.runId}`, log);
    const report = await runAudit(this.sourceFor(scope), settingsOfRequest(message, this.deps.settings.audit), {
      runId: message.runId,
      now: this.now,
      onWarning: (warning) => log.warn(`data quality: ${warning}`),
      ...(stored.exceptions === undefined ? {} : { exceptions: stored.exceptions }),
      trace,
    });
    if (stored.unavailable !== undefined) report.exceptions.exceptionsUnavailable = stored.unavailable;
    const completed = await trace.step("audit.store", () => this.deps.store.completeRun(report));
    log.info(
      `run ${message.runId} ${report.run.status}: ${report.findings.length} results, ${report.summary.byStatus.fail} failing, estate score ${report.summary.estateScore ?? "n/a"}`,
    );
    await runPostRunSteps(this.deps.postRunSteps ?? [], { message, report, completed, log }, trace);
    trace.completed(report);
    return { status: report.run.status === "partial" ? "partial" : "completed", runId: message.runId, completed };
  }

  /** Parses the queue message; a malformed one whose run id can still be read records that run as failed first. */
  private async parseRequest(rawMessage: unknown): Promise<AuditRequestMessage> {
    try {
      return parseAuditRequestMessage(rawMessage);
    } catch (error) {
      const runId = recoverRunId(rawMessage);
      if (runId !== undefined) await this.deps.store.failRun(runId, errorText(error), this.now());
      throw error;
    }
  }

  /** Only live runs fan out, and only when no test replaced the source. */
  private fanoutFor(): FanoutPlanner | undefined {
    if (this.deps.fanout === undefined || this.deps.settings.source.kind !== "resourceGraph") return undefined;
    return this.deps.fanout;
  }

  /** A request that reached the poison queue: its run is failed, keeping a reason recorded earlier. */
  async recordPoisoned(rawMessage: unknown, dequeueCount: number, log: Logger): Promise<string | undefined> {
    const runId = recoverRunId(rawMessage);
    if (runId === undefined) {
      log.error("a message without a readable runId reached the poison queue; nothing to record");
      return undefined;
    }
    const run = await this.deps.store.getRun(runId);
    if (run?.status !== "failed")
      await this.recordFailure(
        runId,
        `moved to the poison queue after ${dequeueCount} attempt(s)${run?.error ? `: ${run.error}` : ""}`,
        log,
      );
    await this.releaseLockOf(rawMessage, runId, log);
    return runId;
  }

  /** A run that died without releasing its scope lock (storage was down) must not block the scope until the lock expires. */
  private async releaseLockOf(rawMessage: unknown, runId: string, log: Logger): Promise<void> {
    let scope: CollectionScope | undefined;
    try {
      const message = parseAuditRequestMessage(rawMessage);
      scope =
        message.scope === undefined
          ? undefined
          : { subscriptions: message.scope.subscriptions, managementGroups: message.scope.managementGroups };
    } catch (error) {
      log.warn(`poisoned message of run ${runId} is malformed, so its scope lock cannot be found: ${errorText(error)}`);
      return;
    }
    const key = this.scopeKeyOf(scope);
    const claim = await this.deps.store.claimScopeLock(key, runId, {
      ttlMs: this.deps.settings.lockTtlMs,
      now: this.now(),
    });
    if (claim.acquired) await this.deps.store.releaseScopeLock(claim.lock);
  }

  private async recordFailure(runId: string, reason: string, log: Logger): Promise<void> {
    try {
      await this.deps.store.failRun(runId, reason, this.now());
    } catch (error) {
      // Storage itself may be what failed; the poison queue keeps the message, and the poison handler tries again.
      log.error(`could not record run ${runId} as failed: ${errorText(error)}`);
    }
  }

  private scopeKeyOf(scope: CollectionScope | undefined): string {
    const source = this.deps.settings.source;
    if (source.kind === "snapshot") return scopeKey(scope, source);
    return scopeKey(scope ?? source.collection.scope, source);
  }

  private sourceFor(scope: CollectionScope | undefined): ResourceSource {
    return this.deps.openSource(scope);
  }
}

/**
 * The store's exceptions for a run (or a shard of one). A store that cannot be read does not stop the run: it runs
 * without them, and `unavailable` says why, for the run's summary (every failure then counts, visibly so).
 */
export async function loadRunExceptions(
  store: ExceptionStore | undefined,
  what: string,
  log: Logger,
): Promise<{ exceptions?: AuditException[]; unavailable?: string }> {
  if (store === undefined) return {};
  try {
    return { exceptions: await store.exceptionsForRun() };
  } catch (error) {
    const reason = `the exception store could not be read (${errorText(error)}); this run counts every failure`;
    log.warn(`${what}: ${reason}`);
    return { unavailable: reason };
  }
}

/**
 * Runs each post-run step in its own span (`audit.<name>`); a step that throws is recorded on its span, logged, and
 * leaves the run's status as it is. A fanned-out run's finaliser runs them the same way.
 */
export async function runPostRunSteps(
  steps: readonly PostRunStep[],
  context: Parameters<PostRunStep["run"]>[0],
  trace?: RunTrace,
): Promise<void> {
  const { message, report, log } = context;
  for (const step of steps) {
    try {
      const name = `audit.${step.name}` as const;
      await (trace === undefined ? step.run(context) : trace.step(name, () => step.run(context)));
    } catch (error) {
      log.error(
        `post-run step ${step.name} failed for run ${message.runId} (the run stays ${report.run.status}): ${errorText(error)}`,
      );
    }
  }
}

/** Retention runs after nightly audits: findings older than FINDINGS_RETENTION_DAYS go; run summaries stay. */
export function retentionStep(store: AuditStore, olderThanDays: number): PostRunStep {
  return {
    name: "retention",
    async run({ message, log }) {
      if (message.trigger !== "timer") return;
      const result = await store.deleteExpiredFindings({ olderThanDays });
      log.info(
        `retention: deleted ${result.findingsDeleted} findings of ${result.runsPurged.length} run(s) older than ${olderThanDays} days`,
      );
    },
  };
}
