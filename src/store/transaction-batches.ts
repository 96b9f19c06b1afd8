// Groups entity writes into Table transactions: one partition each, at most 100 actions, and a request body under
// 4 MiB. The body size is estimated from each entity's JSON as the SDK serializes it (UTF-8, binary as base64) plus
// the multipart headers of its sub-request, with a safety margin; a batch is cut before it would cross the budget.
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { mapBounded } from "./bounded-concurrency";
import type { Entity } from "./entity-codec";
import { toStorageError } from "./storage-errors";

export const MAX_TRANSACTION_ACTIONS = 100;
/** 4 MiB is the service's limit for the whole request; keep 256 KiB for the envelope and estimation error. */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024 - 256 * 1024;
/** Per sub-request: boundary, request line, Content-Type/Accept/Prefer/DataServiceVersion headers. */
const SUB_REQUEST_OVERHEAD_BYTES = 1_024;

export type WriteAction =
  | { kind: "upsert"; entity: Entity; mode: "Replace" | "Merge" }
  | { kind: "delete"; partitionKey: string; rowKey: string };

/** Bytes this action adds to a transaction body (an estimate that errs on the large side). */
export function estimateActionBytes(action: WriteAction): number {
  const keys = action.kind === "upsert" ? action.entity : action;
  // Keys appear percent-encoded in the sub-request URL (up to 3 bytes per UTF-8 byte) and again in the body.
  const keyBytes = Buffer.byteLength(keys.partitionKey, "utf8") * 4 + Buffer.byteLength(keys.rowKey, "utf8") * 4;
  if (action.kind === "delete") return SUB_REQUEST_OVERHEAD_BYTES + keyBytes;
  let body = 2;
  for (const [name, value] of Object.entries(action.entity)) {
    if (name === "partitionKey" || name === "rowKey") continue;
    body += Buffer.byteLength(name, "utf8") + 4;
    if (typeof value === "string") body += Buffer.byteLength(JSON.stringify(value), "utf8");
    else if (value instanceof Uint8Array) body += Math.ceil(value.byteLength / 3) * 4 + 2 + name.length + 40;
    else if (value !== null && typeof value === "object")
      body += Buffer.byteLength(JSON.stringify(value), "utf8") + name.length + 40;
    else body += 24;
  }
  return SUB_REQUEST_OVERHEAD_BYTES + keyBytes + body;
}

/**
 * Splits actions into transactions. Actions keep their order within a partition. A later upsert of the same row
 * replaces an earlier one in the same plan, since a transaction may not touch a row twice.
 */
export function planTransactions(
  actions: readonly WriteAction[],
  limits: { maxActions?: number; maxBytes?: number } = {},
): WriteAction[][] {
  const maxActions = Math.min(limits.maxActions ?? MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_ACTIONS);
  const maxBytes = limits.maxBytes ?? MAX_TRANSACTION_BYTES;
  const byPartition = new Map<string, Map<string, WriteAction>>();
  for (const action of actions) {
    const keys = action.kind === "upsert" ? action.entity : action;
    let rows = byPartition.get(keys.partitionKey);
    if (rows === undefined) {
      rows = new Map();
      byPartition.set(keys.partitionKey, rows);
    }
    rows.delete(keys.rowKey);
    rows.set(keys.rowKey, action);
  }
  const batches: WriteAction[][] = [];
  for (const rows of byPartition.values()) {
    let batch: WriteAction[] = [];
    let bytes = 0;
    for (const action of rows.values()) {
      const size = estimateActionBytes(action);
      if (batch.length > 0 && (batch.length >= maxActions || bytes + size > maxBytes)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(action);
      bytes += size;
    }
    if (batch.length > 0) batches.push(batch);
  }
  return batches;
}

function toTransactionAction(action: WriteAction): TransactionAction {
  return action.kind === "upsert"
    ? ["upsert", action.entity, action.mode]
    : ["delete", { partitionKey: action.partitionKey, rowKey: action.rowKey }];
}

/** Submits the batches, at most `concurrency` at once. Returns how many transactions were sent. */
export async function submitTransactions(
  client: TableClient,
  batches: readonly WriteAction[][],
  concurrency: number,
  operation: string,
): Promise<number> {
  await mapBounded(batches, concurrency, async (batch) => {
    try {
      await client.submitTransaction(batch.map(toTransactionAction));
    } catch (error) {
      throw toStorageError(error, `${operation} (transaction of ${batch.length} in partition '${partitionOf(batch)}')`);
    }
  });
  return batches.length;
}

function partitionOf(batch: readonly WriteAction[]): string {
  const first = batch[0];
  if (first === undefined) return "";
  return first.kind === "upsert" ? first.entity.partitionKey : first.partitionKey;
}
