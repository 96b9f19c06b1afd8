// Rewrites a stored run into the shape the store wrote before exceptions existed, for the tests that read old runs
// back: findings rows without the `excepted` flag and the exception columns, a run entity without the excepted counts,
// and a summary without `exceptions`, the two scores and the excepted counts.
import { odata, TableClient } from "@azure/data-tables";
import type { RunSummary } from "../../src/audit/audit-store";
import { chunkProperties, encodeSummary, INLINE_CHUNKS } from "../../src/store/run-summary-codec";
import { RUN_PARTITION, runRowKey } from "../../src/store/table-keys";
import { TABLE_NAMES } from "../../src/store/table-client";

/** Properties that only rows written since exceptions exist carry. */
const NEW_FINDING_PROPERTIES = [
  "excepted",
  "exceptionId",
  "exceptionSource",
  "exceptionEffect",
  "exceptionExpiresOn",
  "exceptionApprovedBy",
  "exceptionJustification",
  "exceptionTicket",
];

function client(connectionString: string, prefix: string, table: string): TableClient {
  return TableClient.fromConnectionString(connectionString, `${prefix}${table}`, { allowInsecureConnection: true });
}

/** The summary as it was written before exceptions: no outcome, one score, no excepted counts. */
export function preExceptionsSummary(summary: RunSummary): Record<string, unknown> {
  const { exceptions: _outcome, ...rest } = summary;
  const {
    exceptionsAffectScore: _affect,
    estateScoreAllFailures: _all,
    estateScoreExceptedNotCounted: _notCounted,
    excepted: _excepted,
    ...scores
  } = summary.scores;
  return {
    ...rest,
    scores: { ...scores, byRule: scores.byRule.map(({ excepted: _e, ...rule }) => rule) },
  };
}

/**
 * Rewrites run `runId` (stored by today's code in tables `prefix`*) as the code before exceptions stored it; returns
 * how many findings rows were rewritten. The run must be small enough for its summary to stay inline.
 */
export async function rewriteAsPreExceptions(
  connectionString: string,
  prefix: string,
  runId: string,
  summary: RunSummary,
): Promise<number> {
  const findings = client(connectionString, prefix, TABLE_NAMES.findings);
  let rows = 0;
  for await (const row of findings.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`PartitionKey eq ${runId}` },
  })) {
    const old: Record<string, unknown> = { partitionKey: row.partitionKey, rowKey: row.rowKey };
    for (const [key, value] of Object.entries(row))
      if (!NEW_FINDING_PROPERTIES.includes(key) && key !== "etag" && key !== "timestamp") old[key] = value;
    await findings.upsertEntity(old as { partitionKey: string; rowKey: string }, "Replace");
    rows += 1;
  }

  const runs = client(connectionString, prefix, TABLE_NAMES.runs);
  const entity = await runs.getEntity<Record<string, unknown>>(RUN_PARTITION, runRowKey(runId));
  const chunks = await encodeSummary(preExceptionsSummary(summary) as unknown as RunSummary);
  if (chunks.length > INLINE_CHUNKS) throw new Error("test run too large: its summary does not stay inline");
  const old: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) {
    if (key.startsWith("excepted_") || key.startsWith("summaryGz") || key === "etag" || key === "timestamp") continue;
    old[key] = value;
  }
  Object.assign(old, chunkProperties(chunks, 0), {
    summaryChunks: chunks.length,
    summaryBytes: chunks.reduce((n, c) => n + c.byteLength, 0),
  });
  await runs.upsertEntity(old as { partitionKey: string; rowKey: string }, "Replace");
  return rows;
}
