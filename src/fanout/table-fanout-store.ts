// The FanoutStore on Table Storage. Shard progress lives on the run entity (table `auditruns`), updated with If-Match
// on its ETag; the plan, the context and each shard's result live in table `auditshards`, one partition per run:
//
//   RowKey               holds
//   plan                 head: chunk counts of the plan and the context; written last, so a readable head means both are complete
//   plan|nnnn            the plan (subscriptions per shard, context gaps and figures), gzipped JSON chunks (json-chunks.ts)
//   context|nnnn         the context rows every shard reads (VNets, gateways, circuits, public IPs, MIs, apps, ASEs)
//   shard|nnnnn          one per shard: status (pending until its result is saved, then done or failed), last error
//   shard|nnnnn|nnnn     the shard's result: partial scores, gaps, figures, its findings and transitions
//
// Context and result chunks are deleted once the run is final (deletePayloads); the plan and the shard records stay.
import { odata, type TableClient } from "@azure/data-tables";
import type { ResourceRow } from "../model/row";
import type { FanoutPlan, FanoutStore, ShardProgress, ShardResult } from "./fanout-store";
import { AuditorError } from "../errors";
import { runKeys, storedBaseline, type Entity } from "../store/entity-codec";
import { chunkEntities, collectJsonChunks, decodeJsonChunks, encodeJsonChunks } from "../store/json-chunks";
import { statusOf, toStorageError } from "../store/storage-errors";
import { EnsuredTables } from "../store/ensured-tables";
import {
  buildClient,
  DEFAULT_CONCURRENCY,
  readRunRow,
  TABLE_NAMES,
  type AuditStoreOptions,
  type StoreConnection,
} from "../store/table-client";
import { planTransactions, submitTransactions, type WriteAction } from "../store/transaction-batches";

export const FANOUT_TABLE = "auditshards";

/** Optimistic-concurrency rounds before giving up: every round is one read and one conditional write. */
const MAX_ETAG_ROUNDS = 200;

export function createFanoutStore(connection: StoreConnection, options: AuditStoreOptions = {}): FanoutStore {
  const prefix = options.tablePrefix ?? "";
  return new TableFanoutStore(
    buildClient(connection, `${prefix}${TABLE_NAMES.runs}`, options),
    buildClient(connection, `${prefix}${FANOUT_TABLE}`, options),
    options,
  );
}

type Row = Record<string, unknown> & { etag?: string };

class TableFanoutStore implements FanoutStore {
  private readonly tables = new EnsuredTables();
  private readonly concurrency: number;

  constructor(
    private readonly runs: TableClient,
    private readonly shards: TableClient,
    options: AuditStoreOptions,
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  }

  // ---- plan and context -----------------------------------------------------------------------------------------

  async savePlan(plan: FanoutPlan, contextRows: readonly ResourceRow[]): Promise<void> {
    const table = await this.table(this.shards);
    const runId = plan.runId;
    const contextChunks = await encodeJsonChunks(contextRows);
    const planChunks = await encodeJsonChunks(plan);
    const actions: WriteAction[] = [
      ...chunkEntities(runId, (i) => `context|${pad(i, 4)}`, contextChunks),
      ...chunkEntities(runId, (i) => `plan|${pad(i, 4)}`, planChunks),
    ].map((entity) => ({ kind: "upsert", entity, mode: "Replace" }));
    await submitTransactions(table, planTransactions(actions), this.concurrency, `writing the plan of run ${runId}`);
    const head: Entity = {
      partitionKey: runId,
      rowKey: "plan",
      planChunks: planChunks.length,
      contextChunks: contextChunks.length,
      contextRows: contextRows.length,
      shardCount: plan.shards.length,
    };
    await this.call(() => table.upsertEntity(head, "Replace"), `writing the plan of run ${runId}`);
  }

  async getPlan(runId: string): Promise<FanoutPlan | undefined> {
    const head = await this.head(runId, "plan");
    if (head === undefined) return undefined;
    const plan = await this.readChunked<FanoutPlan>(
      runId,
      "plan",
      Number(head["planChunks"]),
      `the plan of run ${runId}`,
    );
    return { ...plan, baseline: storedBaseline(plan.baseline) };
  }

  async loadContext(runId: string): Promise<ResourceRow[]> {
    const head = await this.head(runId, "plan");
    if (head === undefined)
      throw new AuditorError("NOT_FOUND", `Run ${runId} has no fan-out plan, so it has no context to load.`);
    return this.readChunked<ResourceRow[]>(
      runId,
      "context",
      Number(head["contextChunks"]),
      `the context of run ${runId}`,
    );
  }

  // ---- progress on the run entity -----------------------------------------------------------------------------

  async startShards(runId: string, shardCount: number): Promise<ShardProgress> {
    return this.updateRun(runId, `starting the shards of run ${runId}`, (current) => {
      if (current !== undefined) return { result: current };
      return {
        result: progressOf({ shardCount, shardStates: "P".repeat(shardCount) })!,
        write: { shardCount, shardStates: "P".repeat(shardCount), shardsDone: 0, shardsFailed: 0 },
      };
    });
  }

  async finishShard(
    runId: string,
    shard: number,
    outcome: "done" | "failed",
  ): Promise<{ progress: ShardProgress; completedNow: boolean }> {
    return this.updateRun(runId, `finishing shard ${shard} of run ${runId}`, (current) => {
      if (current === undefined) throw new AuditorError("NOT_FOUND", `Run ${runId} has no shards to finish.`);
      if (shard >= current.shardCount)
        throw new AuditorError(
          "INPUT_INVALID_REQUEST",
          `Run ${runId} has ${current.shardCount} shards; there is no shard ${shard}.`,
        );
      if (current.states[shard] !== "P") return { result: { progress: current, completedNow: false } };
      const states = `${current.states.slice(0, shard)}${outcome === "done" ? "D" : "F"}${current.states.slice(shard + 1)}`;
      const completedNow = !states.includes("P");
      const next = progressOf({
        ...raw(current),
        shardStates: states,
        ...(completedNow ? { shardFinaliser: shard } : {}),
      })!;
      return {
        result: { progress: next, completedNow },
        write: {
          shardStates: states,
          shardsDone: next.done,
          shardsFailed: next.failed,
          ...(completedNow ? { shardFinaliser: shard } : {}),
        },
      };
    });
  }

  async getProgress(runId: string): Promise<ShardProgress | undefined> {
    const entity = await this.readRun(runId);
    return entity === undefined ? undefined : progressOf(entity);
  }

  async markEnqueued(runId: string, at: Date): Promise<void> {
    await this.mergeRun(
      runId,
      { shardsEnqueuedAt: at.toISOString() },
      `recording the shards of run ${runId} as enqueued`,
    );
  }

  async markPostRunDone(runId: string, at: Date): Promise<void> {
    await this.mergeRun(
      runId,
      { postRunDoneAt: at.toISOString() },
      `recording the post-run steps of run ${runId} as done`,
    );
  }

  // ---- shard results ------------------------------------------------------------------------------------------

  async saveShardResult(runId: string, result: ShardResult): Promise<boolean> {
    const table = await this.table(this.shards);
    const rowKey = shardRowKey(result.shard);
    const existing = await this.head(runId, rowKey);
    if (existing !== undefined && existing["status"] !== undefined && existing["status"] !== "pending") return false;
    const chunks = await encodeJsonChunks(result);
    const actions: WriteAction[] = chunkEntities(runId, (i) => `${rowKey}|${pad(i, 4)}`, chunks).map((entity) => ({
      kind: "upsert",
      entity,
      mode: "Replace",
    }));
    await submitTransactions(
      table,
      planTransactions(actions),
      this.concurrency,
      `writing the result of shard ${result.shard} of run ${runId}`,
    );
    const head: Entity = {
      partitionKey: runId,
      rowKey,
      shard: result.shard,
      status: result.outcome,
      resultChunks: chunks.length,
      findings: result.scores.findings,
      savedAt: new Date().toISOString(),
    };
    try {
      // Conditional: of two attempts of the same shard racing here, one result is kept whole.
      if (existing === undefined) await table.createEntity(head);
      else await table.updateEntity(head, "Merge", { etag: String(existing.etag) });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412) return false;
      throw toStorageError(error, `writing the result of shard ${result.shard} of run ${runId}`);
    }
  }

  async getShardResult(runId: string, shard: number): Promise<ShardResult | undefined> {
    const head = await this.head(runId, shardRowKey(shard));
    if (head === undefined || typeof head["resultChunks"] !== "number") return undefined;
    return this.readChunked<ShardResult>(
      runId,
      shardRowKey(shard),
      head["resultChunks"],
      `the result of shard ${shard} of run ${runId}`,
    );
  }

  async recordShardError(runId: string, shard: number, reason: string): Promise<void> {
    const table = await this.table(this.shards);
    const entity: Entity = {
      partitionKey: runId,
      rowKey: shardRowKey(shard),
      shard,
      lastError: reason.slice(0, 4_000),
      lastErrorAt: new Date().toISOString(),
    };
    // Merge: a status already saved stays.
    await this.call(() => table.upsertEntity(entity, "Merge"), `recording the error of shard ${shard} of run ${runId}`);
  }

  async shardError(runId: string, shard: number): Promise<string | undefined> {
    const head = await this.head(runId, shardRowKey(shard));
    return typeof head?.["lastError"] === "string" && head["lastError"] !== "" ? head["lastError"] : undefined;
  }

  async deletePayloads(runId: string): Promise<void> {
    const table = await this.table(this.shards);
    const actions: WriteAction[] = [];
    for await (const row of this.scan(
      odata`PartitionKey eq ${runId}`,
      ["RowKey"],
      `listing the fan-out payloads of run ${runId}`,
    )) {
      const rowKey = String(row["rowKey"]);
      if (rowKey.startsWith("context|") || /^shard\|\d+\|/.test(rowKey))
        actions.push({ kind: "delete", partitionKey: runId, rowKey });
    }
    await submitTransactions(
      table,
      planTransactions(actions),
      this.concurrency,
      `deleting the fan-out payloads of run ${runId}`,
    );
    await this.call(
      () =>
        table.upsertEntity(
          { partitionKey: runId, rowKey: "plan", payloadsDeletedAt: new Date().toISOString() },
          "Merge",
        ),
      `recording the payloads of run ${runId} as deleted`,
    );
  }

  // ---- plumbing -----------------------------------------------------------------------------------------------

  /**
   * Reads the run entity and writes what `decide` asks for with If-Match on the ETag it read; on 412 (someone wrote
   * in between) reads again and decides again. `decide` sees the shard progress, or undefined before startShards.
   */
  private async updateRun<T>(
    runId: string,
    operation: string,
    decide: (current: ShardProgress | undefined) => { result: T; write?: Record<string, unknown> },
  ): Promise<T> {
    const runs = await this.table(this.runs);
    for (let round = 0; round < MAX_ETAG_ROUNDS; round += 1) {
      const entity = await this.readRun(runId);
      if (entity === undefined) throw new AuditorError("NOT_FOUND", `Run ${runId} does not exist (${operation}).`);
      const decision = decide(progressOf(entity));
      if (decision.write === undefined) return decision.result;
      try {
        await runs.updateEntity({ ...runKeys(runId), ...decision.write }, "Merge", { etag: String(entity.etag) });
        return decision.result;
      } catch (error) {
        if (statusOf(error) !== 412) throw toStorageError(error, operation);
      }
      // Another shard finished in between; spread the retries so they do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * Math.min(200, 10 * (round + 1))));
    }
    throw new AuditorError(
      "STORAGE_FAILED",
      `Gave up ${operation} after ${MAX_ETAG_ROUNDS} conflicting updates of the run entity.`,
    );
  }

  private async readRun(runId: string): Promise<Row | undefined> {
    return readRunRow(await this.table(this.runs), runId);
  }

  private async mergeRun(runId: string, properties: Record<string, unknown>, operation: string): Promise<void> {
    const runs = await this.table(this.runs);
    await this.call(() => runs.updateEntity({ ...runKeys(runId), ...properties }, "Merge"), operation);
  }

  private async head(runId: string, rowKey: string): Promise<Row | undefined> {
    const table = await this.table(this.shards);
    try {
      return await table.getEntity<Record<string, unknown>>(runId, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStorageError(error, `reading ${rowKey} of run ${runId}`);
    }
  }

  private async readChunked<T>(runId: string, prefix: string, count: number, what: string): Promise<T> {
    const rows: Row[] = [];
    for await (const row of this.scan(
      odata`PartitionKey eq ${runId} and RowKey ge ${`${prefix}|`} and RowKey lt ${`${prefix}}`}`,
      undefined,
      `reading ${what}`,
    ))
      rows.push(row);
    const chunks = collectJsonChunks(rows, count);
    if (chunks === undefined) {
      const deletedAt = (await this.head(runId, "plan"))?.["payloadsDeletedAt"];
      if (typeof deletedAt === "string")
        throw new AuditorError("NOT_FOUND", `${what} was deleted at ${deletedAt}, once the run was final.`);
      throw new AuditorError("STORAGE_FAILED", `The stored ${what} is incomplete (${count} chunks expected).`);
    }
    try {
      return await decodeJsonChunks<T>(chunks);
    } catch (error) {
      throw new AuditorError("STORAGE_FAILED", `The stored ${what} cannot be decoded.`, { cause: error });
    }
  }

  private async *scan(filter: string, select: string[] | undefined, operation: string): AsyncGenerator<Row> {
    const table = await this.table(this.shards);
    try {
      for await (const page of table
        .listEntities<Record<string, unknown>>({ queryOptions: select === undefined ? { filter } : { filter, select } })
        .byPage({ maxPageSize: 1000 })) {
        for (const row of page) yield row;
      }
    } catch (error) {
      throw toStorageError(error, operation);
    }
  }

  private async call(action: () => Promise<unknown>, operation: string): Promise<void> {
    try {
      await action();
    } catch (error) {
      throw toStorageError(error, operation);
    }
  }

  private table(client: TableClient): Promise<TableClient> {
    return this.tables.ensure(client);
  }
}

function shardRowKey(shard: number): string {
  return `shard|${pad(shard, 5)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** The shard progress the run entity holds, or undefined when the run was not fanned out (yet). */
function progressOf(entity: Record<string, unknown>): ShardProgress | undefined {
  const states = entity["shardStates"];
  if (typeof states !== "string" || states === "") return undefined;
  let done = 0;
  let failed = 0;
  for (const state of states) {
    if (state === "D") done += 1;
    else if (state === "F") {
      done += 1;
      failed += 1;
    }
  }
  const progress: ShardProgress = { shardCount: states.length, states, done, failed };
  if (typeof entity["shardFinaliser"] === "number") progress.finaliser = entity["shardFinaliser"];
  if (typeof entity["shardsEnqueuedAt"] === "string") progress.enqueuedAt = entity["shardsEnqueuedAt"];
  if (typeof entity["postRunDoneAt"] === "string") progress.postRunDoneAt = entity["postRunDoneAt"];
  return progress;
}

function raw(progress: ShardProgress): Record<string, unknown> {
  return {
    shardStates: progress.states,
    ...(progress.finaliser !== undefined ? { shardFinaliser: progress.finaliser } : {}),
    ...(progress.enqueuedAt !== undefined ? { shardsEnqueuedAt: progress.enqueuedAt } : {}),
    ...(progress.postRunDoneAt !== undefined ? { postRunDoneAt: progress.postRunDoneAt } : {}),
  };
}
