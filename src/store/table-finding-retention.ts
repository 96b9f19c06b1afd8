// Retention: the findings of runs past the cut-off are deleted; the runs, their summaries and the finding state stay.
import { odata } from "@azure/data-tables";
import type { FindingRetention, RetentionResult } from "../audit/audit-store";
import { AuditorError } from "../errors";
import { runKeys } from "./entity-codec";
import { toStorageError } from "./storage-errors";
import { scanRows, type StoreTables } from "./table-client";
import { RUN_PARTITION, runRowKeyLowerBoundBefore } from "./table-keys";
import { planTransactions, submitTransactions, type WriteAction } from "./transaction-batches";

export const DEFAULT_RETENTION_DAYS = 90;

export class TableFindingRetention implements FindingRetention {
  constructor(private readonly tables: StoreTables) {}

  async deleteExpiredFindings(options: { olderThanDays?: number; now?: Date } = {}): Promise<RetentionResult> {
    const days = options.olderThanDays ?? DEFAULT_RETENTION_DAYS;
    if (!(days >= 0)) throw new AuditorError("CONFIG_INVALID", `Retention must be a number of days >= 0, got ${days}.`);
    const cutoff = new Date((options.now ?? this.tables.now()).getTime() - days * 24 * 60 * 60 * 1000);
    const runs = await this.tables.table("runs");
    const findings = await this.tables.table("findings");
    // Older runs have larger inverted stamps: one range scan from the cut-off down finds them all.
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and RowKey ge ${runRowKeyLowerBoundBefore(cutoff)}`;
    const expired: string[] = [];
    for await (const row of scanRows(runs, filter, "listing runs past retention", ["runId", "findingsDeletedAt"])) {
      if (typeof row.findingsDeletedAt !== "string" || row.findingsDeletedAt === "") expired.push(String(row.runId));
    }
    let deleted = 0;
    for (const runId of expired) {
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
      deleted += actions.length;
      try {
        await runs.updateEntity({ ...runKeys(runId), findingsDeletedAt: this.tables.now().toISOString() }, "Merge");
      } catch (error) {
        throw toStorageError(error, `marking run ${runId} as past retention`);
      }
    }
    return { cutoff: cutoff.toISOString(), runsPurged: expired, findingsDeleted: deleted };
  }
}
