// The run's record from queued to final on Table Storage: creating it, marking it running, failing or skipping it, and
// completing it (its results through TableRunResults, then the delta against the previous run, the precomputed summary
// and the final status on the run entity). Summary layout: run-summary-codec.ts.
import { odata } from "@azure/data-tables";
import {
  DELTA_SAMPLE_FIELDS,
  type CompletedRun,
  type CompleteRunOptions,
  type DeltaSample,
  type RunDelta,
  type RunFinish,
  type RunLifecycle,
  type RunPart,
  type RunPartOptions,
  type RunRecord,
  type RunRequest,
  type RunSummary,
  type StateChange,
  type StateTransitions,
} from "../audit/audit-store";
import type { AuditReport } from "../audit/run-audit";
import { pickIdentity, type Finding } from "../engine/finding";
import { emptyStatusCounts, type StatusCounts } from "../engine/scoring";
import { AuditorError } from "../errors";
import { SEVERITIES, type Severity } from "../rules/rule";
import { clampText, runKeys, runRecordFromEntity, runRecordToProperties, type Entity } from "./entity-codec";
import {
  chunkProperties,
  CHUNKS_PER_ENTITY,
  encodeSummary,
  INLINE_CHUNKS,
  SUMMARY_ENCODING,
} from "./run-summary-codec";
import { statusOf, toStorageError } from "./storage-errors";
import { readRowPage, readRunRow, requireRunId, scanRows, type StoreTables } from "./table-client";
import { RUN_PARTITION, RUN_SUMMARY_PARTITION, runRowKey, runSummaryChunkRowKey } from "./table-keys";
import type { TableRunResults } from "./table-run-results";
import { planTransactions, submitTransactions, type WriteAction } from "./transaction-batches";

const DELTA_SAMPLE_SIZE = 10;

export class TableRunLifecycle implements RunLifecycle {
  constructor(
    private readonly tables: StoreTables,
    private readonly results: TableRunResults,
  ) {}

  async createRun(request: RunRequest): Promise<RunRecord> {
    requireRunId(request.runId, "create");
    const runs = await this.tables.table("runs");
    const record: RunRecord = {
      runId: request.runId,
      status: "queued",
      baseline: request.baseline,
      scope: request.scope,
      requestedAt: (request.requestedAt ?? this.tables.now()).toISOString(),
      ...(request.requestedBy !== undefined ? { requestedBy: request.requestedBy } : {}),
    };
    try {
      await runs.createEntity({ ...runKeys(request.runId), ...runRecordToProperties(record) });
      return record;
    } catch (error) {
      if (statusOf(error) !== 409) throw toStorageError(error, `creating run ${request.runId}`);
    }
    const existing = await readRunRow(runs, request.runId);
    if (existing === undefined)
      throw new AuditorError("STORAGE_FAILED", `Run ${request.runId} was reported as existing but cannot be read.`);
    return runRecordFromEntity(existing);
  }

  async markRunning(runId: string, at: Date = this.tables.now()): Promise<void> {
    requireRunId(runId, "mark running");
    const runs = await this.tables.table("runs");
    try {
      await runs.updateEntity({ ...runKeys(runId), status: "running", startedAt: at.toISOString() }, "Merge");
    } catch (error) {
      if (statusOf(error) === 404)
        throw new AuditorError("NOT_FOUND", `Run ${runId} does not exist; create it before marking it running.`, {
          cause: error,
        });
      throw toStorageError(error, `marking run ${runId} running`);
    }
  }

  async failRun(runId: string, reason: string, at: Date = this.tables.now()): Promise<void> {
    await this.endWithoutReport(runId, "failed", reason || "unspecified failure", at);
  }

  async skipRun(runId: string, reason: string, at: Date = this.tables.now()): Promise<void> {
    await this.endWithoutReport(runId, "skipped", reason, at);
  }

  private async endWithoutReport(runId: string, status: "failed" | "skipped", reason: string, at: Date): Promise<void> {
    requireRunId(runId, status === "failed" ? "fail" : "skip");
    const runs = await this.tables.table("runs");
    try {
      // Upsert: a run can end before its record was ever created (the queue message was the only trace).
      await runs.upsertEntity(
        { ...runKeys(runId), runId, status, error: clampText(reason, 4_000), finishedAt: at.toISOString() },
        "Merge",
      );
    } catch (error) {
      throw toStorageError(error, `marking run ${runId} ${status}`);
    }
  }

  async completeRun(report: AuditReport, options: CompleteRunOptions = {}): Promise<CompletedRun> {
    const started = performance.now();
    const { run } = report;
    requireRunId(run.runId, "complete");
    if (run.status !== "completed" && run.status !== "partial" && run.status !== "failed") {
      throw new AuditorError(
        "STORAGE_FAILED",
        `Cannot complete run ${run.runId} with status '${run.status}': expected completed, partial or failed.`,
      );
    }
    const part = await this.writeRunPart(run.runId, report.findings, {
      startedAt: run.startedAt,
      status: run.status,
      ...(options.isFullyRead !== undefined ? { isFullyRead: options.isFullyRead } : {}),
    });
    const record = await this.finishRun({
      run,
      scores: report.summary,
      bySeverity: countBySeverity(report.findings),
      findings: report.findings.length,
      findingsStored: part.stats.findings,
      transitions: part.transitions,
      exceptions: report.exceptions,
    });
    return {
      run: record,
      transitions: part.transitions,
      stats: { ...part.stats, elapsedMs: Math.round(performance.now() - started) },
    };
  }

  writeRunPart(runId: string, findings: readonly Finding[], options: RunPartOptions): Promise<RunPart> {
    return this.results.writeRunPart(runId, findings, options);
  }

  async finishRun(finish: RunFinish): Promise<RunRecord> {
    const { run } = finish;
    requireRunId(run.runId, "finish");
    const previousRunId = await this.previousFinishedRunId(run.runId);
    const delta = buildDelta(finish.transitions, previousRunId, run.status !== "failed");
    const summary: RunSummary = {
      version: 1,
      run,
      scores: finish.scores,
      bySeverity: finish.bySeverity,
      delta,
      ...(finish.exceptions === undefined ? {} : { exceptions: finish.exceptions }),
    };
    const record: RunRecord = {
      runId: run.runId,
      status: run.status,
      baseline: run.baseline,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      durationMs: run.durationMs,
      findings: finish.findings,
      findingsStored: finish.findingsStored ?? (await this.countStoredFindings(run.runId)),
      estateScore: finish.scores.estateScore,
      resourcesAssessed: finish.scores.resourcesAssessed,
      coverageGaps: run.coverageGaps.length,
      byStatus: finish.scores.byStatus,
      failuresBySeverity: finish.scores.failuresBySeverity,
      delta: {
        newFailures: delta.newFailures,
        regressed: delta.regressed,
        resolved: delta.resolved,
        stillFailing: delta.stillFailing,
        notReassessed: delta.notReassessed,
      },
      excepted: { fail: finish.scores.excepted.byStatus.fail, unknown: finish.scores.excepted.byStatus.unknown },
    };
    await this.writeRunEntity(record, summary);
    return record;
  }

  async deleteRunFindings(runId: string, subscriptionIds: readonly string[]): Promise<number> {
    requireRunId(runId, "delete results of");
    const table = await this.tables.table("findings");
    const wanted = new Set(subscriptionIds.map((id) => id.toLowerCase()));
    const actions: WriteAction[] = [];
    // The run's partition is scanned once: a filter may compare at most 15 values, and a shard has hundreds.
    for await (const row of scanRows(
      table,
      odata`PartitionKey eq ${runId}`,
      `listing findings of run ${runId} to delete`,
      ["RowKey", "subscriptionKey"],
    )) {
      if (wanted.has(String(row.subscriptionKey)))
        actions.push({ kind: "delete", partitionKey: runId, rowKey: String(row.rowKey) });
    }
    await submitTransactions(
      table,
      planTransactions(actions),
      this.tables.concurrency,
      `deleting findings of run ${runId}`,
    );
    await this.forgetDeletedResults(runId, wanted);
    return actions.length;
  }

  /**
   * States this run wrote for those subscriptions still name it as the run holding their results, which are gone now:
   * their digest is cleared, so the next run finds them changed and stores them rather than pointing here. A rare path
   * (a shard that failed for good after writing), so one filtered scan of the state table is fine.
   */
  private async forgetDeletedResults(runId: string, subscriptions: ReadonlySet<string>): Promise<void> {
    const state = await this.tables.table("state");
    const actions: WriteAction[] = [];
    for await (const row of scanRows(state, odata`lastSeenRunId eq ${runId}`, `reading states run ${runId} wrote`, [
      "PartitionKey",
      "RowKey",
      "subscriptionId",
    ])) {
      if (subscriptions.has(String(row.subscriptionId).toLowerCase()))
        actions.push({
          kind: "upsert",
          mode: "Merge",
          entity: { partitionKey: row.partitionKey!, rowKey: row.rowKey!, resultsDigest: "" },
        });
    }
    await submitTransactions(
      state,
      planTransactions(actions),
      this.tables.concurrency,
      `clearing result digests of run ${runId}`,
    );
  }

  /** Rows the run's partition holds (keys only): for runs written in parts, whose counts no single call sees. */
  private async countStoredFindings(runId: string): Promise<number> {
    const table = await this.tables.table("findings");
    let count = 0;
    for await (const _row of scanRows(table, odata`PartitionKey eq ${runId}`, `counting findings of run ${runId}`, [
      "RowKey",
    ]))
      count += 1;
    return count;
  }

  private async writeRunEntity(record: RunRecord, summary: RunSummary): Promise<void> {
    const runs = await this.tables.table("runs");
    const chunks = await encodeSummary(summary);
    const inline = chunks.length <= INLINE_CHUNKS;
    const overflowEntities = inline ? 0 : Math.ceil(chunks.length / CHUNKS_PER_ENTITY);
    if (!inline) {
      // Overflow first: a reader trusts the run entity's counts, so they must never point at chunks not yet written.
      const actions: WriteAction[] = [];
      for (let i = 0; i < overflowEntities; i += 1) {
        actions.push({
          kind: "upsert",
          mode: "Replace",
          entity: {
            partitionKey: RUN_SUMMARY_PARTITION,
            rowKey: runSummaryChunkRowKey(record.runId, i),
            runId: record.runId,
            ...chunkProperties(chunks, i),
          },
        });
      }
      await submitTransactions(
        runs,
        planTransactions(actions),
        this.tables.concurrency,
        `writing the summary of run ${record.runId}`,
      );
    }
    const entity: Entity = {
      ...runKeys(record.runId),
      ...runRecordToProperties(record),
      // Merge keeps a failRun's message otherwise; an empty string reads as "no error".
      error: record.error ?? "",
      summaryEncoding: SUMMARY_ENCODING,
      summaryChunks: chunks.length,
      summaryOverflowEntities: overflowEntities,
      summaryBytes: chunks.reduce((n, c) => n + c.byteLength, 0),
      ...(inline ? chunkProperties(chunks, 0) : {}),
    };
    try {
      // Merge keeps what createRun recorded (scope, requestedBy, requestedAt).
      await runs.upsertEntity(entity, "Merge");
    } catch (error) {
      throw toStorageError(error, `writing run ${record.runId}`);
    }
  }

  /** The newest completed or partial run stamped before `runId`. */
  private async previousFinishedRunId(runId: string): Promise<string | undefined> {
    const runs = await this.tables.table("runs");
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and RowKey gt ${runRowKey(runId)} and (status eq ${"completed"} or status eq ${"partial"})`;
    const page = await readRowPage(runs, { filter, select: ["runId"], top: 1 }, "finding the previous run");
    const first = page.items[0];
    return first === undefined ? undefined : String(first.runId);
  }
}

function sample(changes: readonly StateChange[]): DeltaSample[] {
  return changes.slice(0, DELTA_SAMPLE_SIZE).map(({ finding }) => pickIdentity(finding, DELTA_SAMPLE_FIELDS));
}

function buildDelta(transitions: StateTransitions, previousRunId: string | undefined, stateUpdated: boolean): RunDelta {
  return {
    ...(previousRunId !== undefined ? { previousRunId } : {}),
    stateUpdated,
    newFailures: transitions.new.length,
    regressed: transitions.regressed.length,
    resolved: transitions.resolved.length,
    stillFailing: transitions.stillFailing.length,
    notReassessed: transitions.notFullyRead,
    samples: {
      newFailures: sample(transitions.new),
      regressed: sample(transitions.regressed),
      resolved: sample(transitions.resolved),
      stillFailing: sample(transitions.stillFailing),
    },
  };
}

function countBySeverity(findings: readonly Finding[]): Record<Severity, StatusCounts> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, emptyStatusCounts()])) as Record<Severity, StatusCounts>;
  for (const finding of findings) counts[finding.severity][finding.status] += 1;
  return counts;
}
