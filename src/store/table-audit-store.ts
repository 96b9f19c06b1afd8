// The AuditStore on Azure Table Storage (Azurite locally). Key design: table-keys.ts; summary layout:
// run-summary-codec.ts; batching: transaction-batches.ts. Tables are created on first use.
import { odata, TableClient, type TableEntityResult, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import type { AuditReport, RunStatus } from "../audit/run-audit";
import type { Finding } from "../engine/finding";
import { emptyStatusCounts, type StatusCounts } from "../engine/scoring";
import { AuditorError } from "../errors";
import { SEVERITIES, type Severity } from "../rules/rule";
import type {
  AuditStore,
  CompletedRun,
  CompleteRunOptions,
  DeltaSample,
  FindingFilter,
  FindingQuery,
  FindingState,
  HeldLock,
  LockClaim,
  Page,
  PageRequest,
  ResourceHistory,
  RunFinish,
  RunPart,
  RunPartOptions,
  RetentionResult,
  RunDelta,
  RunDetail,
  RunRecord,
  RunRequest,
  RunSummary,
  StateChange,
  StateTransitions,
  StoredFinding,
  WriteStats,
} from "../audit/audit-store";
import { mapBounded } from "./bounded-concurrency";
import {
  clampText,
  findingFromEntity,
  findingToEntity,
  RUN_RECORD_PROPERTIES,
  runKeys,
  runRecordFromEntity,
  runRecordToProperties,
  stateFromEntity,
  stateToEntity,
  type Entity,
} from "./entity-codec";
import { defaultIsFullyRead, nextState, representativeResult } from "./finding-transitions";
import { unionCoverage, type Coverage } from "./run-coverage";
import { chunkProperties, CHUNKS_PER_ENTITY, collectChunks, decodeSummary, encodeSummary, INLINE_CHUNKS, SUMMARY_ENCODING } from "./run-summary-codec";
import { statusOf, toStorageError } from "./storage-errors";
import { EnsuredTables } from "./ensured-tables";
import {
  isRunId,
  LOCK_PARTITION,
  lockRowKey,
  newerRunRowKeys,
  resourceHash,
  resourceRowKeyRange,
  RUN_PARTITION,
  RUN_SUMMARY_PARTITION,
  runRowKey,
  runRowKeyLowerBoundBefore,
  runSummaryChunkRowKey,
  stateKeys,
  stateShard,
} from "./table-keys";
import { planTransactions, submitTransactions, type WriteAction } from "./transaction-batches";

export type StoreConnection = { connectionString: string } | { accountUrl: string; credential: TokenCredential };

/**
 * What a run stores in `findings`. `changes` (default): every fail, unknown and error result, and every result of a
 * rule × resource pair whose state the run writes (new or changed); a pass the state already holds is not stored
 * again. `all`: every result of every run, the full archive (FINDINGS_ARCHIVE=all).
 */
export type FindingsArchive = "changes" | "all";

export interface AuditStoreOptions {
  /** Transactions (and per-partition reads) in flight at once. Default 8. */
  concurrency?: number;
  /** Default `changes`. */
  findingsArchive?: FindingsArchive;
  /** Prepended to every table name (letters and digits), so tests or tenants can share an account. */
  tablePrefix?: string;
  /** The SDK's retry policy; tests lower it so an unreachable emulator fails fast. */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  now?: () => Date;
}

export const TABLE_NAMES = { runs: "auditruns", findings: "findings", state: "findingstate", locks: "auditlocks" } as const;
type TableRole = keyof typeof TABLE_NAMES;

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_LOCK_TTL_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_RETENTION_DAYS = 90;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
/** Filtered queries may come back empty with a continuation token; stop filling a page after this many requests. */
const MAX_REQUESTS_PER_PAGE = 20;
/** The name search looks at this many rows per call at most (about 20 service requests). */
const MAX_ROWS_SCANNED_PER_PAGE = 20 * MAX_PAGE_SIZE;
/** The service allows 15 discrete comparisons per filter; one is the PartitionKey. */
const MAX_FILTER_COMPARISONS = 14;
const DELTA_SAMPLE_SIZE = 10;

/** Builds the store; no I/O happens until the first call. The composition root calls this once. */
export function createAuditStore(connection: StoreConnection, options: AuditStoreOptions = {}): AuditStore {
  const prefix = options.tablePrefix ?? "";
  if (!/^([A-Za-z][A-Za-z0-9]{0,40})?$/.test(prefix)) {
    throw new AuditorError("CONFIG_INVALID", `Table prefix '${prefix}' must start with a letter and hold only letters and digits (at most 41).`);
  }
  const clients = {} as Record<TableRole, TableClient>;
  for (const role of Object.keys(TABLE_NAMES) as TableRole[]) {
    clients[role] = buildClient(connection, `${prefix}${TABLE_NAMES[role]}`, options);
  }
  return new TableAuditStore(clients, options);
}

/** A TableClient for one table of the store (prefix applied by the caller); other Table adapters share it. */
export function buildClient(connection: StoreConnection, tableName: string, options: AuditStoreOptions): TableClient {
  const clientOptions: TableServiceClientOptions = {};
  if (options.retry !== undefined) clientOptions.retryOptions = { ...options.retry };
  if ("connectionString" in connection) {
    clientOptions.allowInsecureConnection = connectionStringIsHttp(connection.connectionString);
    try {
      return TableClient.fromConnectionString(connection.connectionString, tableName, clientOptions);
    } catch (error) {
      // The SDK's message may quote the string; ours does not.
      throw new AuditorError("CONFIG_INVALID", "The storage connection string is not valid (expected AccountName/AccountKey/TableEndpoint or UseDevelopmentStorage=true).", { cause: error });
    }
  }
  let url: URL;
  try {
    url = new URL(connection.accountUrl);
  } catch (error) {
    throw new AuditorError("CONFIG_INVALID", `The storage account URL '${connection.accountUrl}' is not a URL.`, { cause: error });
  }
  clientOptions.allowInsecureConnection = url.protocol === "http:";
  return new TableClient(connection.accountUrl, tableName, connection.credential, clientOptions);
}

/** Azurite serves plain http; the SDK refuses it unless told. */
export function connectionStringIsHttp(connectionString: string): boolean {
  const endpoint = /(?:^|;)\s*TableEndpoint\s*=\s*([^;]+)/i.exec(connectionString)?.[1];
  if (endpoint !== undefined) return endpoint.trim().toLowerCase().startsWith("http:");
  return /(?:^|;)\s*UseDevelopmentStorage\s*=\s*true/i.test(connectionString) || /(?:^|;)\s*DefaultEndpointsProtocol\s*=\s*http\s*(?:;|$)/i.test(connectionString);
}

type Row = TableEntityResult<Record<string, unknown>>;

/** The run's entity in the runs table (the other Table adapters share it), or undefined when there is none. */
export async function readRunRow(runs: TableClient, runId: string): Promise<Row | undefined> {
  const { partitionKey, rowKey } = runKeys(runId);
  try {
    return await runs.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw toStorageError(error, `reading run ${runId}`);
  }
}

/** One rule × resource pair's results in this write, in report order: the index is the finding's ordinal. */
interface PairResults {
  partitionKey: string;
  rowKey: string;
  findings: Finding[];
}

/** What a run part does to `findingstate`, decided before anything is written. */
interface StatePlan {
  transitions: StateTransitions;
  actions: WriteAction[];
  /** Pairs whose state this run writes (or, on a retry, wrote): all their results are stored. */
  written: Set<string>;
}

/** Results stored whatever their pair's state did: a run's findings list always holds its failures and unassessed. */
function alwaysStored(finding: Finding): boolean {
  return finding.status === "fail" || finding.status === "unknown" || finding.status === "error";
}

class TableAuditStore implements AuditStore {
  private readonly tables = new EnsuredTables();
  private readonly concurrency: number;
  private readonly now: () => Date;
  private readonly archive: FindingsArchive;

  constructor(
    private readonly clients: Record<TableRole, TableClient>,
    options: AuditStoreOptions,
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    this.now = options.now ?? (() => new Date());
    this.archive = options.findingsArchive ?? "changes";
    if (this.archive !== "changes" && this.archive !== "all") {
      throw new AuditorError("CONFIG_INVALID", `The findings archive must be 'changes' or 'all', got '${String(this.archive)}'.`);
    }
  }

  // ---- run lifecycle ------------------------------------------------------------------------------------------

  async createRun(request: RunRequest): Promise<RunRecord> {
    requireRunId(request.runId, "create");
    const runs = await this.table("runs");
    const record: RunRecord = {
      runId: request.runId,
      status: "queued",
      scope: request.scope,
      requestedAt: (request.requestedAt ?? this.now()).toISOString(),
      ...(request.requestedBy !== undefined ? { requestedBy: request.requestedBy } : {}),
    };
    try {
      await runs.createEntity({ ...runKeys(request.runId), ...runRecordToProperties(record) });
      return record;
    } catch (error) {
      if (statusOf(error) !== 409) throw toStorageError(error, `creating run ${request.runId}`);
    }
    const existing = await this.readRunEntity(request.runId);
    if (existing === undefined) throw new AuditorError("STORAGE_FAILED", `Run ${request.runId} was reported as existing but cannot be read.`);
    return runRecordFromEntity(existing);
  }

  async markRunning(runId: string, at: Date = this.now()): Promise<void> {
    requireRunId(runId, "mark running");
    const runs = await this.table("runs");
    try {
      await runs.updateEntity({ ...runKeys(runId), status: "running", startedAt: at.toISOString() }, "Merge");
    } catch (error) {
      if (statusOf(error) === 404) throw new AuditorError("NOT_FOUND", `Run ${runId} does not exist; create it before marking it running.`, { cause: error });
      throw toStorageError(error, `marking run ${runId} running`);
    }
  }

  async failRun(runId: string, reason: string, at: Date = this.now()): Promise<void> {
    await this.endWithoutReport(runId, "failed", reason || "unspecified failure", at);
  }

  async skipRun(runId: string, reason: string, at: Date = this.now()): Promise<void> {
    await this.endWithoutReport(runId, "skipped", reason, at);
  }

  private async endWithoutReport(runId: string, status: "failed" | "skipped", reason: string, at: Date): Promise<void> {
    requireRunId(runId, status === "failed" ? "fail" : "skip");
    const runs = await this.table("runs");
    try {
      // Upsert: a run can end before its record was ever created (the queue message was the only trace).
      await runs.upsertEntity({ ...runKeys(runId), runId, status, error: clampText(reason, 4_000), finishedAt: at.toISOString() }, "Merge");
    } catch (error) {
      throw toStorageError(error, `marking run ${runId} ${status}`);
    }
  }

  async completeRun(report: AuditReport, options: CompleteRunOptions = {}): Promise<CompletedRun> {
    const started = performance.now();
    const { run } = report;
    requireRunId(run.runId, "complete");
    if (run.status !== "completed" && run.status !== "partial" && run.status !== "failed") {
      throw new AuditorError("STORAGE_FAILED", `Cannot complete run ${run.runId} with status '${run.status}': expected completed, partial or failed.`);
    }
    const part = await this.writeRunPart(run.runId, report.findings, { startedAt: run.startedAt, status: run.status, ...(options.isFullyRead !== undefined ? { isFullyRead: options.isFullyRead } : {}) });
    const record = await this.finishRun({
      run,
      scores: report.summary,
      bySeverity: countBySeverity(report.findings),
      findings: report.findings.length,
      findingsStored: part.stats.findings,
      transitions: part.transitions,
    });
    return { run: record, transitions: part.transitions, stats: { ...part.stats, elapsedMs: Math.round(performance.now() - started) } };
  }

  /**
   * State is decided first and written last: which pairs this run writes decides which passing results are stored,
   * and a crash between the two leaves nothing a retry would decide differently (a retry sees its own state writes as
   * replays, and stores the same rows again).
   */
  async writeRunPart(runId: string, findings: readonly Finding[], options: RunPartOptions): Promise<RunPart> {
    const started = performance.now();
    requireRunId(runId, "write results of");
    const pairs = groupByPair(findings);
    let plan: StatePlan = { transitions: emptyTransitions(), actions: [], written: new Set() };
    if (options.status !== "failed") {
      // A completed run read everything; a partial one only vouches for what it fully read.
      const isFullyRead = options.status === "partial" ? (options.isFullyRead ?? defaultIsFullyRead) : () => true;
      plan = await this.planFindingState(runId, options.startedAt, pairs, isFullyRead);
    }
    const planMs = performance.now() - started;

    const findingsStarted = performance.now();
    const written = await this.writeFindings(runId, pairs, plan.written);
    const findingsMs = performance.now() - findingsStarted;

    const stateStarted = performance.now();
    const state = await this.table("state");
    const stateTransactions = await submitTransactions(state, planTransactions(plan.actions), this.concurrency, `updating finding state for run ${runId}`);
    const stats: WriteStats = {
      findings: written.entities,
      findingTransactions: written.transactions,
      stateEntities: plan.actions.length,
      stateTransactions,
      findingsMs: Math.round(findingsMs),
      stateMs: Math.round(planMs + performance.now() - stateStarted),
      elapsedMs: Math.round(performance.now() - started),
    };
    return { transitions: plan.transitions, stats };
  }

  async finishRun(finish: RunFinish): Promise<RunRecord> {
    const { run } = finish;
    requireRunId(run.runId, "finish");
    const previousRunId = await this.previousFinishedRunId(run.runId);
    const delta = buildDelta(finish.transitions, previousRunId, run.status !== "failed");
    const summary: RunSummary = { version: 1, run, scores: finish.scores, bySeverity: finish.bySeverity, delta };
    const record: RunRecord = {
      runId: run.runId,
      status: run.status,
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
      delta: { newFailures: delta.newFailures, regressed: delta.regressed, resolved: delta.resolved, stillFailing: delta.stillFailing, notReassessed: delta.notReassessed },
    };
    await this.writeRunEntity(record, summary);
    return record;
  }

  async deleteRunFindings(runId: string, subscriptionIds: readonly string[]): Promise<number> {
    requireRunId(runId, "delete results of");
    const table = await this.table("findings");
    const wanted = new Set(subscriptionIds.map((id) => id.toLowerCase()));
    const actions: WriteAction[] = [];
    // The run's partition is scanned once: a filter may compare at most 15 values, and a shard has hundreds.
    for await (const row of this.scan(table, odata`PartitionKey eq ${runId}`, `listing findings of run ${runId} to delete`, ["RowKey", "subscriptionKey"])) {
      if (wanted.has(String(row.subscriptionKey))) actions.push({ kind: "delete", partitionKey: runId, rowKey: String(row.rowKey) });
    }
    await submitTransactions(table, planTransactions(actions), this.concurrency, `deleting findings of run ${runId}`);
    return actions.length;
  }

  /** Rows the run's partition holds (keys only): for runs written in parts, whose counts no single call sees. */
  private async countStoredFindings(runId: string): Promise<number> {
    const table = await this.table("findings");
    let count = 0;
    for await (const _row of this.scan(table, odata`PartitionKey eq ${runId}`, `counting findings of run ${runId}`, ["RowKey"])) count += 1;
    return count;
  }

  private async writeFindings(runId: string, pairs: ReadonlyMap<string, PairResults>, written: ReadonlySet<string>): Promise<{ entities: number; transactions: number }> {
    const table = await this.table("findings");
    const actions: WriteAction[] = [];
    for (const [id, pair] of pairs) {
      const keepAll = this.archive === "all" || written.has(id);
      // Ordinals number every result of the pair in report order, stored or not, so a rewrite of the same report
      // produces the same keys and replaces rather than duplicates.
      pair.findings.forEach((finding, ordinal) => {
        if (keepAll || alwaysStored(finding)) actions.push({ kind: "upsert", entity: findingToEntity(runId, finding, ordinal), mode: "Replace" });
      });
    }
    const transactions = await submitTransactions(table, planTransactions(actions), this.concurrency, `writing findings of run ${runId}`);
    return { entities: actions.length, transactions };
  }

  private async planFindingState(
    runId: string,
    startedAt: string,
    pairs: ReadonlyMap<string, PairResults>,
    isFullyRead: (finding: Finding) => boolean,
  ): Promise<StatePlan> {
    const table = await this.table("state");
    const transitions = emptyTransitions();
    const decided: Array<{ id: string; finding: Finding }> = [];
    for (const [id, pair] of pairs) {
      const finding = representativeResult(pair.findings, isFullyRead);
      if (finding === undefined) transitions.notFullyRead += 1;
      else decided.push({ id, finding });
    }

    const shards = [...new Set(decided.map((d) => pairs.get(d.id)!.partitionKey))];
    const previous = new Map<string, FindingState>();
    const [newer] = await Promise.all([
      this.newerRunCoverage(runId),
      mapBounded(shards, this.concurrency, async (shard) => {
        for await (const row of this.scan(table, odata`PartitionKey eq ${shard}`, `reading finding state (partition ${shard})`)) {
          previous.set(`${row.partitionKey}/${row.rowKey}`, stateFromEntity(row));
        }
      }),
    ]);

    const at = startedAt;
    const actions: WriteAction[] = [];
    const written = new Set<string>();
    for (const { id, finding } of decided) {
      const before = previous.get(id);
      const step = nextState(before, finding, { runId, at }, newer(finding.subscriptionId));
      if (step.kind === "stale") {
        transitions.stale += 1;
        continue;
      }
      if (step.kind === "unchanged") continue;
      written.add(id);
      const transition = step.transition;
      const change: StateChange = { finding };
      const priorState = step.kind === "replay" ? step.before : before;
      if (priorState !== undefined) change.previous = priorState;
      if (transition !== undefined) transitions[transition].push(change);
      if (step.kind === "update") actions.push({ kind: "upsert", entity: stateToEntity(step.state), mode: "Replace" });
    }
    return { transitions, actions, written };
  }

  /**
   * The subscriptions that completed or partial runs newer than `runId` covered. When this run completes late, those
   * runs' verdicts stand: a pass they found unchanged left no mark on the state, so this is the only way to know.
   */
  private async newerRunCoverage(runId: string): Promise<Coverage> {
    const runs = await this.table("runs");
    const keys = newerRunRowKeys(runId);
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and (RowKey lt ${keys.laterThan} or (RowKey gt ${keys.own} and RowKey lt ${keys.sameSecondEnd})) and (status eq ${"completed"} or status eq ${"partial"})`;
    const scopes: Array<string | undefined> = [];
    for await (const row of this.scan(runs, filter, `looking for runs newer than ${runId}`, ["runId", "scope"])) {
      scopes.push(typeof row.scope === "string" && row.scope !== "" ? row.scope : undefined);
    }
    return unionCoverage(scopes);
  }

  private async writeRunEntity(record: RunRecord, summary: RunSummary): Promise<void> {
    const runs = await this.table("runs");
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
          entity: { partitionKey: RUN_SUMMARY_PARTITION, rowKey: runSummaryChunkRowKey(record.runId, i), runId: record.runId, ...chunkProperties(chunks, i) },
        });
      }
      await submitTransactions(runs, planTransactions(actions), this.concurrency, `writing the summary of run ${record.runId}`);
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
    const runs = await this.table("runs");
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and RowKey gt ${runRowKey(runId)} and (status eq ${"completed"} or status eq ${"partial"})`;
    const page = await this.readPage(runs, { filter, select: ["runId"], top: 1 }, "finding the previous run");
    const first = page.items[0];
    return first === undefined ? undefined : String(first.runId);
  }

  // ---- queries ------------------------------------------------------------------------------------------------

  async getRun(runId: string): Promise<RunDetail | undefined> {
    let entity: Record<string, unknown> | undefined;
    if (runId === "latest") {
      const runs = await this.table("runs");
      const filter = odata`PartitionKey eq ${RUN_PARTITION} and (status eq ${"completed"} or status eq ${"partial"})`;
      entity = (await this.readPage(runs, { filter, top: 1 }, "finding the latest run")).items[0];
    } else if (isRunId(runId)) {
      entity = await this.readRunEntity(runId);
    }
    if (entity === undefined) return undefined;
    const detail: RunDetail = runRecordFromEntity(entity);
    const summary = await this.readSummary(detail.runId, entity);
    if (summary !== undefined) detail.summary = summary;
    return detail;
  }

  private async readRunEntity(runId: string): Promise<Record<string, unknown> | undefined> {
    return readRunRow(await this.table("runs"), runId);
  }

  private async readSummary(runId: string, entity: Record<string, unknown>): Promise<RunSummary | undefined> {
    const count = typeof entity.summaryChunks === "number" ? entity.summaryChunks : 0;
    if (count === 0) return undefined;
    let sources: Array<Record<string, unknown>> = [entity];
    if (typeof entity.summaryOverflowEntities === "number" && entity.summaryOverflowEntities > 0) {
      const runs = await this.table("runs");
      const base = runRowKey(runId);
      const filter = odata`PartitionKey eq ${RUN_SUMMARY_PARTITION} and RowKey ge ${`${base}|`} and RowKey lt ${`${base}}`}`;
      sources = [];
      for await (const row of this.scan(runs, filter, `reading the summary of run ${runId}`)) sources.push(row);
    }
    const chunks = collectChunks(sources, count);
    if (chunks === undefined) throw new AuditorError("STORAGE_FAILED", `The stored summary of run ${runId} is incomplete (${count} chunks expected).`);
    try {
      return await decodeSummary(chunks);
    } catch (error) {
      throw new AuditorError("STORAGE_FAILED", `The stored summary of run ${runId} cannot be decoded.`, { cause: error });
    }
  }

  async listRuns(options: PageRequest & { status?: RunStatus | RunStatus[] } = {}): Promise<Page<RunRecord>> {
    const runs = await this.table("runs");
    const statuses = toList(options.status);
    let filter = odata`PartitionKey eq ${RUN_PARTITION}`;
    if (statuses.length > 0) filter += ` and (${statuses.map((s) => odata`status eq ${s}`).join(" or ")})`;
    const page = await this.readPage(runs, { filter, select: RUN_RECORD_PROPERTIES, top: options.top, continuationToken: options.continuationToken }, "listing runs");
    return withToken(page.items.map(runRecordFromEntity), page.continuationToken);
  }

  async getRunRecord(runId: string): Promise<RunRecord | undefined> {
    const runs = await this.table("runs");
    if (runId === "latest") {
      const filter = odata`PartitionKey eq ${RUN_PARTITION} and (status eq ${"completed"} or status eq ${"partial"})`;
      const row = (await this.readPage(runs, { filter, select: RUN_RECORD_PROPERTIES, top: 1 }, "finding the latest run")).items[0];
      return row === undefined ? undefined : runRecordFromEntity(row);
    }
    if (!isRunId(runId)) return undefined;
    const { partitionKey, rowKey } = runKeys(runId);
    try {
      return runRecordFromEntity(await runs.getEntity<Record<string, unknown>>(partitionKey, rowKey, { queryOptions: { select: RUN_RECORD_PROPERTIES } }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStorageError(error, `reading run ${runId}`);
    }
  }

  async listFindings(runId: string, options: FindingQuery = {}): Promise<Page<StoredFinding>> {
    if (!isRunId(runId)) return { items: [] };
    const findings = await this.table("findings");
    if (options.nameContains !== undefined) return this.listFindingsByName(findings, runId, options.nameContains, options);
    const filter = [odata`PartitionKey eq ${runId}`, ...findingFilterClauses(options.filter ?? {})].join(" and ");
    const page = await this.readPage(findings, { filter, top: options.top, continuationToken: options.continuationToken }, `listing findings of run ${runId}`);
    return withToken(page.items.map(findingFromEntity), page.continuationToken);
  }

  /**
   * The name search: the server-side filter narrows the scan, the name is matched here as rows stream by. The token is
   * our own (the RowKey of the last row looked at, resumed with `RowKey gt`), so a page never holds more than `top` and
   * no match is skipped when a page fills halfway through a service page. At most MAX_ROWS_SCANNED_PER_PAGE rows are
   * looked at per call; a page can therefore be short, or empty, and still carry a token.
   */
  private async listFindingsByName(client: TableClient, runId: string, nameContains: string, options: FindingQuery): Promise<Page<StoredFinding>> {
    const top = pageSize(options.top);
    const needle = nameContains.toLowerCase();
    const operation = `searching findings of run ${runId} by resource name`;
    const after = options.continuationToken === undefined ? undefined : decodeNameScanToken(options.continuationToken, runId, operation);
    const filter = [odata`PartitionKey eq ${runId}`, ...(after === undefined ? [] : [odata`RowKey gt ${after}`]), ...findingFilterClauses(options.filter ?? {}, 1)].join(" and ");
    const items: StoredFinding[] = [];
    let scanned = 0;
    let lastRowKey: string | undefined;
    let stoppedEarly = false;
    try {
      const pages = client.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: MAX_PAGE_SIZE });
      scan: for await (const page of pages) {
        for (let i = 0; i < page.length; i += 1) {
          const row = page[i]!;
          scanned += 1;
          lastRowKey = row.rowKey;
          if (typeof row.resourceName === "string" && row.resourceName.toLowerCase().includes(needle)) items.push(findingFromEntity(row));
          if (items.length >= top) {
            stoppedEarly = i < page.length - 1 || page.continuationToken !== undefined;
            break scan;
          }
        }
        if (page.continuationToken !== undefined && scanned >= MAX_ROWS_SCANNED_PER_PAGE) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (error) {
      throw toStorageError(error, operation);
    }
    return stoppedEarly && lastRowKey !== undefined ? { items, continuationToken: encodeNameScanToken(runId, lastRowKey) } : { items };
  }

  async getResourceHistory(resourceId: string, options: { runs?: number } = {}): Promise<ResourceHistory> {
    const { from, to } = resourceRowKeyRange(resourceId);
    const stateTable = await this.table("state");
    const states: FindingState[] = [];
    const stateFilter = odata`PartitionKey eq ${stateShard(resourceHash(resourceId))} and RowKey ge ${from} and RowKey lt ${to}`;
    for await (const row of this.scan(stateTable, stateFilter, "reading a resource's finding state")) states.push(stateFromEntity(row));

    const runCount = Math.min(Math.max(1, Math.floor(options.runs ?? 10)), 100);
    const recent = await this.listRuns({ top: runCount, status: ["completed", "partial"] });
    const findingsTable = await this.table("findings");
    const runs = await mapBounded(recent.items, this.concurrency, async (run) => {
      const filter = odata`PartitionKey eq ${run.runId} and RowKey ge ${from} and RowKey lt ${to}`;
      const found: StoredFinding[] = [];
      for await (const row of this.scan(findingsTable, filter, `reading findings of run ${run.runId} for a resource`)) found.push(findingFromEntity(row));
      return { runId: run.runId, status: run.status, ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}), findings: found };
    });
    return { resourceId, states, runs };
  }

  // ---- locks --------------------------------------------------------------------------------------------------

  async claimScopeLock(scope: string, holder: string, options: { ttlMs?: number; now?: Date } = {}): Promise<LockClaim> {
    const locks = await this.table("locks");
    const now = options.now ?? this.now();
    const ttl = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    const keys = { partitionKey: LOCK_PARTITION, rowKey: lockRowKey(scope) };
    const lock = { scope: clampText(scope, 4_000), holder: clampText(holder, 1_000), acquiredAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttl).toISOString() };
    const operation = `claiming the lock for scope '${lock.scope}'`;
    // Insert wins outright; otherwise an expired (or our own) lock is taken over with If-Match on its ETag, so of two
    // claimants racing for the same expired lock exactly one succeeds. A few rounds settle any interleaving.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        const created = await locks.createEntity({ ...keys, ...lock });
        return { acquired: true, lock: { ...lock, etag: created.etag ?? "" } };
      } catch (error) {
        if (statusOf(error) !== 409) throw toStorageError(error, operation);
      }
      let current: Row;
      try {
        current = await locks.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey);
      } catch (error) {
        if (statusOf(error) === 404) continue; // released meanwhile: try the insert again
        throw toStorageError(error, operation);
      }
      const heldBy = String(current.holder ?? "");
      const expiresAt = String(current.expiresAt ?? "");
      const expired = !(Date.parse(expiresAt) > now.getTime());
      if (heldBy !== lock.holder && !expired) return { acquired: false, scope, heldBy, expiresAt };
      try {
        const taken = await locks.updateEntity({ ...keys, ...lock }, "Replace", { etag: current.etag });
        return { acquired: true, lock: { ...lock, etag: taken.etag ?? "" } };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 412 && status !== 404) throw toStorageError(error, operation);
      }
    }
    const last = await locks.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey).catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw toStorageError(error, operation);
    });
    return { acquired: false, scope, heldBy: String(last?.holder ?? "unknown"), expiresAt: String(last?.expiresAt ?? "") };
  }

  async releaseScopeLock(lock: HeldLock): Promise<boolean> {
    const locks = await this.table("locks");
    try {
      await locks.deleteEntity(LOCK_PARTITION, lockRowKey(lock.scope), { etag: lock.etag });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 412) return false;
      throw toStorageError(error, `releasing the lock for scope '${lock.scope}'`);
    }
  }

  // ---- retention ----------------------------------------------------------------------------------------------

  async deleteExpiredFindings(options: { olderThanDays?: number; now?: Date } = {}): Promise<RetentionResult> {
    const days = options.olderThanDays ?? DEFAULT_RETENTION_DAYS;
    if (!(days >= 0)) throw new AuditorError("CONFIG_INVALID", `Retention must be a number of days >= 0, got ${days}.`);
    const cutoff = new Date((options.now ?? this.now()).getTime() - days * 24 * 60 * 60 * 1000);
    const runs = await this.table("runs");
    const findings = await this.table("findings");
    // Older runs have larger inverted stamps: one range scan from the cut-off down finds them all.
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and RowKey ge ${runRowKeyLowerBoundBefore(cutoff)}`;
    const expired: string[] = [];
    for await (const row of this.scan(runs, filter, "listing runs past retention", ["runId", "findingsDeletedAt"])) {
      if (typeof row.findingsDeletedAt !== "string" || row.findingsDeletedAt === "") expired.push(String(row.runId));
    }
    let deleted = 0;
    for (const runId of expired) {
      const actions: WriteAction[] = [];
      for await (const row of this.scan(findings, odata`PartitionKey eq ${runId}`, `listing findings of run ${runId} for deletion`, ["RowKey"])) {
        actions.push({ kind: "delete", partitionKey: runId, rowKey: String(row.rowKey) });
      }
      await submitTransactions(findings, planTransactions(actions), this.concurrency, `deleting findings of run ${runId}`);
      deleted += actions.length;
      try {
        await runs.updateEntity({ ...runKeys(runId), findingsDeletedAt: this.now().toISOString() }, "Merge");
      } catch (error) {
        throw toStorageError(error, `marking run ${runId} as past retention`);
      }
    }
    return { cutoff: cutoff.toISOString(), runsPurged: expired, findingsDeleted: deleted };
  }

  // ---- plumbing -----------------------------------------------------------------------------------------------

  private table(role: TableRole): Promise<TableClient> {
    return this.tables.ensure(this.clients[role]);
  }

  /** Every row matching `filter`, page by page. */
  private async *scan(client: TableClient, filter: string, operation: string, select?: string[]): AsyncGenerator<Row> {
    const queryOptions = select === undefined ? { filter } : { filter, select };
    try {
      for await (const page of client.listEntities<Record<string, unknown>>({ queryOptions }).byPage({ maxPageSize: MAX_PAGE_SIZE })) {
        for (const row of page) yield row;
      }
    } catch (error) {
      throw toStorageError(error, operation);
    }
  }

  /**
   * Up to `top` rows from the token on. A filtered query can return short or empty pages with a token, so this keeps
   * asking for what is missing (bounded), and hands back the token of the last request.
   */
  private async readPage(
    client: TableClient,
    request: { filter: string; select?: string[]; top?: number | undefined; continuationToken?: string | undefined },
    operation: string,
  ): Promise<Page<Row>> {
    const top = pageSize(request.top);
    const queryOptions = request.select === undefined ? { filter: request.filter } : { filter: request.filter, select: request.select };
    const items: Row[] = [];
    let token = request.continuationToken;
    for (let requests = 0; requests < MAX_REQUESTS_PER_PAGE && items.length < top; requests += 1) {
      let result: IteratorResult<Row[] & { continuationToken?: string }>;
      try {
        const pages = client.listEntities<Record<string, unknown>>({ queryOptions }).byPage({ maxPageSize: top - items.length, ...(token !== undefined ? { continuationToken: token } : {}) });
        result = await pages.next();
      } catch (error) {
        // The SDK decodes our token (base64 JSON) before sending anything: a token that is not one fails to parse.
        if (token !== undefined && error instanceof SyntaxError) {
          throw new AuditorError("INPUT_UNKNOWN_SHAPE", `The continuation token is not valid for ${operation}.`, { cause: error });
        }
        throw toStorageError(error, operation);
      }
      if (result.done === true) {
        token = undefined;
        break;
      }
      items.push(...result.value);
      token = result.value.continuationToken;
      if (token === undefined) break;
    }
    return withToken(items, token);
  }
}

// ---- helpers ------------------------------------------------------------------------------------------------------

function requireRunId(runId: string, action: string): void {
  if (!isRunId(runId)) {
    throw new AuditorError("STORAGE_FAILED", `Cannot ${action} run '${runId}': run ids have the form YYYYMMDDTHHMMSSZ-suffix (see newRunId).`);
  }
}

function pageSize(top: number | undefined): number {
  return Math.min(Math.max(1, Math.floor(top ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
}

const NAME_SCAN_TOKEN_PREFIX = "n1.";

function encodeNameScanToken(runId: string, rowKey: string): string {
  return NAME_SCAN_TOKEN_PREFIX + Buffer.from(JSON.stringify({ r: runId, k: rowKey }), "utf8").toString("base64url");
}

function decodeNameScanToken(token: string, runId: string, operation: string): string {
  let decoded: unknown;
  try {
    decoded = token.startsWith(NAME_SCAN_TOKEN_PREFIX) ? JSON.parse(Buffer.from(token.slice(NAME_SCAN_TOKEN_PREFIX.length), "base64url").toString("utf8")) : undefined;
  } catch (error) {
    throw new AuditorError("INPUT_UNKNOWN_SHAPE", `The continuation token is not valid for ${operation}.`, { cause: error });
  }
  const candidate = decoded as { r?: unknown; k?: unknown } | undefined;
  if (candidate?.r !== runId || typeof candidate.k !== "string" || candidate.k === "") {
    throw new AuditorError("INPUT_UNKNOWN_SHAPE", `The continuation token is not valid for ${operation}.`);
  }
  return candidate.k;
}

function toList<T extends string>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function withToken<T>(items: T[], continuationToken: string | undefined): Page<T> {
  return continuationToken === undefined ? { items } : { items, continuationToken };
}

// Every value goes through the odata tag, which quotes and escapes it; field names are fixed here, never input.
const FILTER_CLAUSES: { [K in keyof FindingFilter]-?: (value: string) => string } = {
  status: (v) => odata`status eq ${v}`,
  severity: (v) => odata`severity eq ${v}`,
  ruleId: (v) => odata`ruleId eq ${v}`,
  subscriptionId: (v) => odata`subscriptionKey eq ${v.toLowerCase()}`,
  resourceGroup: (v) => odata`resourceGroupKey eq ${v.toLowerCase()}`,
  resourceType: (v) => odata`resourceTypeKey eq ${v.toLowerCase()}`,
};

/** `reserved`: comparisons the caller adds beside these (and the PartitionKey). */
export function findingFilterClauses(filter: FindingFilter, reserved = 0): string[] {
  const clauses: string[] = [];
  let comparisons = 0;
  for (const field of Object.keys(FILTER_CLAUSES) as Array<keyof FindingFilter>) {
    const values = toList<string>(filter[field] as string | string[] | undefined);
    if (values.length === 0) continue;
    comparisons += values.length;
    const parts = values.map((v) => FILTER_CLAUSES[field](String(v)));
    clauses.push(parts.length === 1 ? parts[0]! : `(${parts.join(" or ")})`);
  }
  if (comparisons > MAX_FILTER_COMPARISONS - reserved) {
    throw new AuditorError("INPUT_UNKNOWN_SHAPE", `A findings filter may compare at most ${MAX_FILTER_COMPARISONS - reserved} values in all; this one has ${comparisons}.`);
  }
  return clauses;
}

/** The results grouped by rule × resource (the findingstate key), each group in report order. */
function groupByPair(findings: readonly Finding[]): Map<string, PairResults> {
  const pairs = new Map<string, PairResults>();
  for (const finding of findings) {
    const keys = stateKeys(finding.resourceId, finding.ruleId);
    const id = `${keys.partitionKey}/${keys.rowKey}`;
    const pair = pairs.get(id);
    if (pair === undefined) pairs.set(id, { ...keys, findings: [finding] });
    else pair.findings.push(finding);
  }
  return pairs;
}

function emptyTransitions(): StateTransitions {
  return { new: [], resolved: [], regressed: [], stillFailing: [], notFullyRead: 0, stale: 0 };
}

function sample(changes: readonly StateChange[]): DeltaSample[] {
  return changes.slice(0, DELTA_SAMPLE_SIZE).map(({ finding }) => ({
    ruleId: finding.ruleId,
    resourceId: finding.resourceId,
    resourceName: finding.resourceName,
    severity: finding.severity,
    title: finding.title,
  }));
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
