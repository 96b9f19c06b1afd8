// Retention: the findings of runs past the cut-off are deleted; the runs, their summaries and the finding state stay.
// A partition that a retained run's posture record points at (table-posture.ts) stays until no retained run does:
// runs refresh sources older than half the retention period (table-run-results.ts), so that is at most 1.5 times it.
import { odata } from "@azure/data-tables";
import type { FindingRetention, RetentionResult } from "../audit/audit-store";
import { AuditorError } from "../errors";
import { runKeys } from "./entity-codec";
import { toStorageError } from "./storage-errors";
import { scanRows, type StoreTables } from "./table-client";
import { RUN_PARTITION, runRowKeyLowerBoundBefore } from "./table-keys";
import { deletePosture, referencedSources } from "./table-posture";
import { planTransactions, submitTransactions, type WriteAction } from "./transaction-batches";

export const DEFAULT_RETENTION_DAYS = 90;

interface ExpiredRun {
  runId: string;
  /** Already answered as past retention: its partition was kept only as another run's source. */
  marked: boolean;
}

export class TableFindingRetention implements FindingRetention {
  constructor(private readonly tables: StoreTables) {}

  async deleteExpiredFindings(options: { olderThanDays?: number; now?: Date } = {}): Promise<RetentionResult> {
    const days = options.olderThanDays ?? DEFAULT_RETENTION_DAYS;
    if (!(days >= 0)) throw new AuditorError("CONFIG_INVALID", `Retention must be a number of days >= 0, got ${days}.`);
    const cutoff = new Date((options.now ?? this.tables.now()).getTime() - days * 24 * 60 * 60 * 1000);
    const expired = await this.expiredRuns(cutoff);
    // Read after the expired runs are known and before anything is deleted: the retained runs' record headers.
    const referenced = await referencedSources(this.tables, new Set(expired.map((r) => r.runId)));
    const runsPurged: string[] = [];
    const sourcesKept: string[] = [];
    let deleted = 0;
    for (const { runId, marked } of expired) {
      await deletePosture(this.tables, runId);
      const keep = referenced.has(runId);
      if (keep) sourcesKept.push(runId);
      else deleted += await this.deletePartition(runId);
      if (!marked) runsPurged.push(runId);
      await this.mark(runId, marked, keep);
    }
    return { cutoff: cutoff.toISOString(), runsPurged, findingsDeleted: deleted, sourcesKept };
  }

  /** Runs stamped before the cut-off whose findings are still there (unmarked, or kept as a source). */
  private async expiredRuns(cutoff: Date): Promise<ExpiredRun[]> {
    const runs = await this.tables.table("runs");
    // Older runs have larger inverted stamps: one range scan from the cut-off down finds them all.
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and RowKey ge ${runRowKeyLowerBoundBefore(cutoff)}`;
    const expired: ExpiredRun[] = [];
    for await (const row of scanRows(runs, filter, "listing runs past retention", [
      "runId",
      "findingsDeletedAt",
      "findingsKeptAsSource",
    ])) {
      const marked = typeof row.findingsDeletedAt === "string" && row.findingsDeletedAt !== "";
      if (!marked || row.findingsKeptAsSource === true) expired.push({ runId: String(row.runId), marked });
    }
    return expired;
  }

  private async deletePartition(runId: string): Promise<number> {
    const findings = await this.tables.table("findings");
    const actions: WriteAction[] = [];
    for await (const row of scanRows(
      findings,
      odata`PartitionKey eq ${runId}`,
      `listing findings of run ${runId} for deletion`,
      ["RowKey"],
    )) {
      actions.push({ kind: "delete", partitionKey: runId, rowKey: String(row.rowKey) });
    }
    await submitTransactions(
      findings,
      planTransactions(actions),
      this.tables.concurrency,
      `deleting findings of run ${runId}`,
    );
    return actions.length;
  }

  /** The run answers as past retention from now on; `findingsKeptAsSource` says its partition still serves others. */
  private async mark(runId: string, marked: boolean, keep: boolean): Promise<void> {
    const runs = await this.tables.table("runs");
    const properties = {
      ...runKeys(runId),
      ...(marked ? {} : { findingsDeletedAt: this.tables.now().toISOString() }),
      findingsKeptAsSource: keep,
    };
    try {
      await runs.updateEntity(properties, "Merge");
    } catch (error) {
      throw toStorageError(error, `marking run ${runId} as past retention`);
    }
  }
}
