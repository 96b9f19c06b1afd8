// The alerting bookkeeping in Table Storage: the outbox (what each channel is to be told about each run, and whether it
// was) and the ledger (what each channel has been told about each rule × resource). Key design:
//
//   table         PartitionKey   RowKey                         why
//   alertoutbox   "outbox"       <runId>|<channel>              one entity per run × channel. Run ids start with their UTC
//                                                               stamp, so RowKey order is run order: unfinished entries are
//                                                               finished oldest first; one run's channels are one range
//                                                               query (`<runId>|` to `<runId>}`) and one transaction; a
//                                                               day's entries are one range (`YYYYMMDDT` to `YYYYMMDDU`).
//   alertledger   <channel>      <resourceHash>|<ruleKey>       the findingstate RowKey of the pair (table-keys.ts), so
//                                                               the two line up; one partition per channel, read whole.
//   alertnotices  <channel>      sha256(<exceptionKey>|<expiresOn>)  the expiring exceptions the channel was warned of,
//                                                               per expiry date (exception-notices.ts); read whole.
//
// Channel names are lower-case slugs (validated with ALERT_ROUTES), so they are valid keys as they are. Webhook URLs
// are never stored: an entry keeps the hash of the webhook it was planned for.
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { odata, type TableClient } from "@azure/data-tables";
import { AuditorError, errorMessage } from "../errors";
import { clampText, type Entity } from "../store/entity-codec";
import { statusOf, toStorageError } from "../store/storage-errors";
import { EnsuredTables } from "../store/ensured-tables";
import { isValidTableKey } from "../store/table-keys";
import { buildClient, DEFAULT_CONCURRENCY, type StoreConnection } from "../store/table-client";
import { planTransactions, submitTransactions, type WriteAction } from "../store/transaction-batches";
import type { AlertCounts } from "./alert-message";
import type { LedgerChange, LedgerEntry, PlannedChange } from "./alert-plan";
import type { ExpiryNoticeChange } from "./exception-notices";
import type { AlertFormat } from "./alert-settings";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const ALERT_TABLE_NAMES = { outbox: "alertoutbox", ledger: "alertledger", notices: "alertnotices" } as const;
type TableRole = keyof typeof ALERT_TABLE_NAMES;

export const OUTBOX_PARTITION = "outbox";
const CHUNK_BYTES = 64 * 1024;
/** Binary chunks per entity, payload and ledger plan together: 512 KiB, ~683 KiB as base64, under the 1 MiB entity limit. */
const MAX_CHUNKS = 8;

export type OutboxState = "pending" | "delivered" | "failed" | "nothingToSend";
export type OutboxKind = "alert" | "digest" | "none";

/** An outbox entry without its content: what the API and logs show. */
export interface OutboxRecord {
  runId: string;
  channel: string;
  webhookHash: string;
  format: AlertFormat;
  kind: OutboxKind;
  state: OutboxState;
  attempts: number;
  createdAt: string;
  /** The run's start: the time ledger changes record. */
  runStartedAt: string;
  counts: AlertCounts;
  payloadBytes: number;
  ledgerChanges: number;
  /** The ledger changes of this entry were written. Planning a later run waits for this. */
  ledgerApplied: boolean;
  lastError?: string;
  lastAttemptAt?: string;
  /** Set just before a delivery pass posts; a value later than lastAttemptAt means that pass was interrupted. */
  attemptStartedAt?: string;
  deliveredAt?: string;
  failedAt?: string;
  httpStatus?: number;
  /** A Retry-After longer than a pass may wait: do not post before this. */
  nextAttemptAfter?: string;
}

export interface OutboxEntry extends OutboxRecord {
  payload: string;
  /** The ledger changes and expiry notices to write for the channel. */
  ledgerPlan: PlannedChange[];
  /** Why the stored payload or ledger plan could not be read; such an entry is never sent. */
  unreadable?: string;
}

export type OutboxPatch = Partial<
  Pick<
    OutboxRecord,
    | "state"
    | "attempts"
    | "lastError"
    | "lastAttemptAt"
    | "attemptStartedAt"
    | "deliveredAt"
    | "failedAt"
    | "httpStatus"
    | "nextAttemptAfter"
    | "ledgerApplied"
  >
>;

export interface AlertTablesOptions {
  tablePrefix?: string;
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

const RECORD_PROPERTIES = [
  "runId",
  "channel",
  "webhookHash",
  "format",
  "kind",
  "state",
  "attempts",
  "createdAt",
  "runStartedAt",
  "countNew",
  "countRegressed",
  "countResolved",
  "countStillFailing",
  "countReminders",
  "countExceptionExpired",
  "countExceptionsExpiring",
  "payloadBytes",
  "ledgerChanges",
  "ledgerApplied",
  "lastError",
  "lastAttemptAt",
  "attemptStartedAt",
  "deliveredAt",
  "failedAt",
  "httpStatus",
  "nextAttemptAfter",
];

export class AlertTables {
  private readonly clients: Record<TableRole, TableClient>;
  private readonly tables = new EnsuredTables();

  constructor(connection: StoreConnection, options: AlertTablesOptions = {}) {
    const prefix = options.tablePrefix ?? "";
    if (!/^([A-Za-z][A-Za-z0-9]{0,40})?$/.test(prefix))
      throw new AuditorError(
        "CONFIG_INVALID",
        `Table prefix '${prefix}' must start with a letter and hold only letters and digits (at most 41).`,
      );
    this.clients = {
      outbox: buildClient(connection, `${prefix}${ALERT_TABLE_NAMES.outbox}`, { retry: options.retry }),
      ledger: buildClient(connection, `${prefix}${ALERT_TABLE_NAMES.ledger}`, { retry: options.retry }),
      notices: buildClient(connection, `${prefix}${ALERT_TABLE_NAMES.notices}`, { retry: options.retry }),
    };
  }

  // ---- outbox -------------------------------------------------------------------------------------------------

  async outboxForRun(runId: string): Promise<OutboxEntry[]> {
    const outbox = await this.table("outbox");
    const filter = odata`PartitionKey eq ${OUTBOX_PARTITION} and RowKey ge ${`${runId}|`} and RowKey lt ${`${runId}}`}`;
    return this.readEntries(outbox, filter, `reading the alert outbox of run ${runId}`);
  }

  /** Records only (no payload): for the API. */
  async outboxRecordsForRun(runId: string): Promise<OutboxRecord[]> {
    const outbox = await this.table("outbox");
    const filter = odata`PartitionKey eq ${OUTBOX_PARTITION} and RowKey ge ${`${runId}|`} and RowKey lt ${`${runId}}`}`;
    const records: OutboxRecord[] = [];
    for await (const row of scan(outbox, filter, `reading the alert outbox of run ${runId}`, RECORD_PROPERTIES))
      records.push(recordFromEntity(row));
    return records;
  }

  /** Entries still pending delivery or whose ledger changes are not written, oldest run first. */
  async unfinished(): Promise<OutboxEntry[]> {
    const outbox = await this.table("outbox");
    const filter = odata`PartitionKey eq ${OUTBOX_PARTITION} and (state eq ${"pending"} or ledgerApplied eq ${false})`;
    const entries = await this.readEntries(outbox, filter, "listing unfinished alert deliveries");
    return entries.sort((a, b) =>
      a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.channel.localeCompare(b.channel),
    );
  }

  /** Records of the runs stamped on `day` (YYYYMMDD, UTC). */
  async outboxRecordsOfDay(day: string): Promise<OutboxRecord[]> {
    const outbox = await this.table("outbox");
    const filter = odata`PartitionKey eq ${OUTBOX_PARTITION} and RowKey ge ${`${day}T`} and RowKey lt ${`${day}U`}`;
    const records: OutboxRecord[] = [];
    for await (const row of scan(outbox, filter, `reading the alert outbox of ${day}`, RECORD_PROPERTIES))
      records.push(recordFromEntity(row));
    return records;
  }

  /**
   * Creates one run's entries in one transaction (one partition): all of a run's channels are planned together or not
   * at all. False when an entry already exists (another pass planned this run first); the caller reads what it wrote.
   */
  async createOutbox(entries: readonly OutboxEntry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const outbox = await this.table("outbox");
    const entities = await Promise.all(entries.map(entryToEntity));
    try {
      await outbox.submitTransaction(entities.map((entity) => ["create", entity]));
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw toStorageError(error, `writing the alert outbox of run ${entries[0]!.runId}`);
    }
  }

  async updateOutbox(runId: string, channel: string, patch: OutboxPatch): Promise<void> {
    const outbox = await this.table("outbox");
    const entity: Entity = { partitionKey: OUTBOX_PARTITION, rowKey: outboxRowKey(runId, channel) };
    for (const [name, value] of Object.entries(patch))
      if (value !== undefined) entity[name] = typeof value === "string" ? clampText(value, 4_000) : value;
    try {
      await outbox.updateEntity(entity, "Merge");
    } catch (error) {
      throw toStorageError(error, `recording the alert delivery of run ${runId} to ${channel}`);
    }
  }

  // ---- ledger -------------------------------------------------------------------------------------------------

  async readLedger(channel: string): Promise<Map<string, LedgerEntry>> {
    const ledger = await this.table("ledger");
    const entries = new Map<string, LedgerEntry>();
    for await (const row of scan(ledger, odata`PartitionKey eq ${channel}`, `reading the alert ledger of ${channel}`)) {
      const entry: LedgerEntry = {
        key: String(row.rowKey),
        resourceId: str(row.resourceId),
        ruleId: str(row.ruleId),
        open: row.open === true,
      };
      if (typeof row.announcedAt === "string") entry.announcedAt = row.announcedAt;
      if (typeof row.firstAnnouncedAt === "string") entry.firstAnnouncedAt = row.firstAnnouncedAt;
      if (typeof row.announcedRunId === "string") entry.announcedRunId = row.announcedRunId;
      entries.set(entry.key, entry);
    }
    return entries;
  }

  /** The expiry notices the channel was sent (their RowKeys, noticeRowKey). */
  async readNotices(channel: string): Promise<Set<string>> {
    const notices = await this.table("notices");
    const keys = new Set<string>();
    const filter = odata`PartitionKey eq ${channel}`;
    for await (const row of scan(notices, filter, `reading the expiry notices of ${channel}`, ["RowKey"]))
      keys.add(String(row.rowKey));
    return keys;
  }

  /** Writes a plan's ledger changes and expiry notices. Merges, so writing the same plan twice is harmless. */
  async applyLedger(channel: string, changes: readonly PlannedChange[], at: string, runId: string): Promise<void> {
    const ledgerChanges = changes.filter((c): c is LedgerChange => c.action !== "notice");
    const notices = changes.filter((c): c is ExpiryNoticeChange => c.action === "notice");
    if (ledgerChanges.length > 0) {
      const actions = ledgerChanges.map((change) => ledgerAction(channel, change, at, runId));
      await submitTransactions(
        await this.table("ledger"),
        planTransactions(actions),
        DEFAULT_CONCURRENCY,
        `writing the alert ledger of ${channel} for run ${runId}`,
      );
    }
    if (notices.length > 0) {
      const actions: WriteAction[] = notices.map((notice) => ({
        kind: "upsert",
        mode: "Merge",
        entity: {
          partitionKey: channel,
          rowKey: notice.key,
          exceptionKey: clampText(notice.exceptionKey),
          expiresOn: notice.expiresOn,
          noticedAt: at,
          noticedRunId: runId,
        },
      }));
      await submitTransactions(
        await this.table("notices"),
        planTransactions(actions),
        DEFAULT_CONCURRENCY,
        `writing the expiry notices of ${channel} for run ${runId}`,
      );
    }
  }

  // ---- plumbing -----------------------------------------------------------------------------------------------

  private async readEntries(client: TableClient, filter: string, operation: string): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    for await (const row of scan(client, filter, operation)) entries.push(await entryFromEntity(row));
    return entries;
  }

  private table(role: TableRole): Promise<TableClient> {
    return this.tables.ensure(this.clients[role]);
  }
}

function ledgerAction(channel: string, change: LedgerChange, at: string, runId: string): WriteAction {
  const base: Entity = { partitionKey: channel, rowKey: change.key };
  if (change.action === "open") {
    Object.assign(base, {
      resourceId: clampText(change.resourceId),
      ruleId: clampText(change.ruleId),
      resourceName: clampText(change.resourceName),
      open: true,
      announcedAt: at,
      firstAnnouncedAt: at,
      announcedRunId: runId,
    });
  } else if (change.action === "remind") {
    Object.assign(base, { open: true, announcedAt: at, announcedRunId: runId });
  } else {
    Object.assign(base, { open: false, closedAt: at, closedRunId: runId });
  }
  return { kind: "upsert", entity: base, mode: "Merge" };
}

export function outboxRowKey(runId: string, channel: string): string {
  const key = `${runId}|${channel}`;
  if (!isValidTableKey(key))
    throw new Error(`Internal error: outbox key for run '${runId}' and channel '${channel}' is invalid`);
  return key;
}

async function* scan(
  client: TableClient,
  filter: string,
  operation: string,
  select?: string[],
): AsyncGenerator<Record<string, unknown> & { rowKey?: string }> {
  const queryOptions = select === undefined ? { filter } : { filter, select };
  try {
    for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions })) yield row;
  } catch (error) {
    throw toStorageError(error, operation);
  }
}

async function pack(value: unknown): Promise<Uint8Array[]> {
  const packed = await gzipAsync(Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8"));
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < packed.length; offset += CHUNK_BYTES)
    chunks.push(new Uint8Array(packed.subarray(offset, offset + CHUNK_BYTES)));
  return chunks;
}

async function unpack(entity: Record<string, unknown>, prefix: string, count: number): Promise<string> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const chunk = entity[`${prefix}${String(i).padStart(3, "0")}`];
    if (!(chunk instanceof Uint8Array))
      throw new AuditorError(
        "STORAGE_FAILED",
        `Alert outbox entry ${String(entity.rowKey)} is incomplete (${prefix} chunk ${i} missing).`,
      );
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  if (chunks.length === 0) return "";
  return (await gunzipAsync(Buffer.concat(chunks))).toString("utf8");
}

async function entryToEntity(entry: OutboxEntry): Promise<Entity> {
  const payload = entry.payload === "" ? [] : await pack(entry.payload);
  const ledger = entry.ledgerPlan.length === 0 ? [] : await pack(entry.ledgerPlan);
  if (payload.length + ledger.length > MAX_CHUNKS) {
    throw new AuditorError(
      "STORAGE_FAILED",
      `The alert for run ${entry.runId} to ${entry.channel} is too large to store (${payload.length + ledger.length} chunks of 64 KiB gzipped).`,
    );
  }
  const entity: Entity = {
    partitionKey: OUTBOX_PARTITION,
    rowKey: outboxRowKey(entry.runId, entry.channel),
    runId: entry.runId,
    channel: entry.channel,
    webhookHash: entry.webhookHash,
    format: entry.format,
    kind: entry.kind,
    state: entry.state,
    attempts: entry.attempts,
    createdAt: entry.createdAt,
    runStartedAt: entry.runStartedAt,
    countNew: entry.counts.new,
    countRegressed: entry.counts.regressed,
    countResolved: entry.counts.resolved,
    countStillFailing: entry.counts.stillFailing,
    countReminders: entry.counts.reminders,
    countExceptionExpired: entry.counts.exceptionExpired ?? 0,
    countExceptionsExpiring: entry.counts.exceptionsExpiring ?? 0,
    payloadBytes: entry.payloadBytes,
    payloadChunks: payload.length,
    ledgerChanges: entry.ledgerPlan.length,
    ledgerChunks: ledger.length,
    ledgerApplied: entry.ledgerApplied,
  };
  payload.forEach((chunk, i) => (entity[`payloadGz${String(i).padStart(3, "0")}`] = chunk));
  ledger.forEach((chunk, i) => (entity[`ledgerGz${String(i).padStart(3, "0")}`] = chunk));
  if (entry.lastError !== undefined) entity.lastError = clampText(entry.lastError, 4_000);
  if (entry.failedAt !== undefined) entity.failedAt = entry.failedAt;
  return entity;
}

/** Never throws for a damaged entity: one unreadable entry must not block every later delivery. */
async function entryFromEntity(row: Record<string, unknown>): Promise<OutboxEntry> {
  const record = recordFromEntity(row);
  try {
    const payload = await unpack(row, "payloadGz", num(row.payloadChunks));
    const ledgerJson = await unpack(row, "ledgerGz", num(row.ledgerChunks));
    return { ...record, payload, ledgerPlan: ledgerJson === "" ? [] : (JSON.parse(ledgerJson) as PlannedChange[]) };
  } catch (error) {
    return {
      ...record,
      payload: "",
      ledgerPlan: [],
      unreadable: errorMessage(error),
    };
  }
}

function recordFromEntity(row: Record<string, unknown>): OutboxRecord {
  const record: OutboxRecord = {
    runId: str(row.runId),
    channel: str(row.channel),
    webhookHash: str(row.webhookHash),
    format: str(row.format) === "json" ? "json" : "teams",
    kind: (str(row.kind) || "alert") as OutboxKind,
    state: (str(row.state) || "pending") as OutboxState,
    attempts: num(row.attempts),
    createdAt: str(row.createdAt),
    runStartedAt: str(row.runStartedAt),
    counts: {
      new: num(row.countNew),
      regressed: num(row.countRegressed),
      resolved: num(row.countResolved),
      stillFailing: num(row.countStillFailing),
      reminders: num(row.countReminders),
      exceptionExpired: num(row.countExceptionExpired),
      exceptionsExpiring: num(row.countExceptionsExpiring),
    },
    payloadBytes: num(row.payloadBytes),
    ledgerChanges: num(row.ledgerChanges),
    ledgerApplied: row.ledgerApplied === true,
  };
  for (const name of [
    "lastError",
    "lastAttemptAt",
    "attemptStartedAt",
    "deliveredAt",
    "failedAt",
    "nextAttemptAfter",
  ] as const) {
    const value = row[name];
    if (typeof value === "string" && value !== "") record[name] = value;
  }
  if (typeof row.httpStatus === "number") record.httpStatus = row.httpStatus;
  return record;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
