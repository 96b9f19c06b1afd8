// Maps stored exceptions and their history entries to Table entities and back. The state is flat properties (lists
// and tags as JSON text), the same on the `current` row and on each history row, so a history entry holds the full
// state after its action. Inputs are bounded (readExceptionInput: justification ≤ 2,000 characters, ≤ 15 tags of ≤ 512),
// so every property stays far below the 64 KiB limit; the store refuses rather than cuts anything longer.
import type { AuditException } from "../engine/exceptions";
import { AuditorError } from "../errors";
import type { ExceptionAction, ExceptionHistoryEntry, StoredException } from "../audit/exception-store";
import { MAX_STRING_PROPERTY_CODE_UNITS, type Entity } from "./entity-codec";
import { EXCEPTION_CURRENT_ROW, exceptionHistoryRowKey, exceptionPartitionKey } from "./table-keys";

export type ExceptionState = Omit<StoredException, "etag">;

/** The fields people declare: what an import compares to decide "changed" or "unchanged". */
const DECLARED_FIELDS = ["ruleIds", "scope", "tags", "justification", "approvedBy", "expiresOn", "ticket"] as const;

const OPTIONAL_TEXT = [
  "expiresOn",
  "ticket",
  "updatedBy",
  "updatedAt",
  "revokedBy",
  "revokedAt",
  "revokeReason",
] as const satisfies ReadonlyArray<keyof ExceptionState>;

function stateProperties(state: ExceptionState): Record<string, unknown> {
  const props: Record<string, unknown> = {
    id: state.id,
    ruleIds: JSON.stringify(state.ruleIds),
    scope: state.scope,
    justification: state.justification,
    approvedBy: state.approvedBy,
    createdBy: state.createdBy,
    createdAt: state.createdAt,
    version: state.version,
    revoked: state.revokedAt !== undefined,
  };
  if (state.tags !== undefined) props.tags = JSON.stringify(state.tags);
  for (const field of OPTIONAL_TEXT) if (state[field] !== undefined) props[field] = state[field];
  for (const [name, value] of Object.entries(props))
    if (typeof value === "string" && value.length > MAX_STRING_PROPERTY_CODE_UNITS)
      throw new AuditorError(
        "INPUT_INVALID_REQUEST",
        `Exception ${state.id}: ${name} is too long to store (${value.length} characters)`,
      );
  return props;
}

export function currentEntity(state: ExceptionState): Entity {
  return {
    partitionKey: exceptionPartitionKey(state.id),
    rowKey: EXCEPTION_CURRENT_ROW,
    ...stateProperties(state),
  };
}

export function historyEntity(entry: ExceptionHistoryEntry): Entity {
  const entity: Entity = {
    partitionKey: exceptionPartitionKey(entry.exception.id),
    rowKey: exceptionHistoryRowKey(entry.version),
    ...stateProperties(entry.exception),
    action: entry.action,
    by: entry.by,
    at: entry.at,
    via: entry.via,
  };
  if (entry.reason !== undefined) entity.reason = entry.reason;
  return entity;
}

function text(row: Record<string, unknown>, name: string): string {
  const value = row[name];
  return typeof value === "string" ? value : "";
}

function stateFromRow(row: Record<string, unknown>): ExceptionState {
  const state: ExceptionState = {
    id: text(row, "id"),
    source: "store",
    ruleIds: JSON.parse(text(row, "ruleIds") || "[]") as string[],
    scope: text(row, "scope"),
    justification: text(row, "justification"),
    approvedBy: text(row, "approvedBy"),
    createdBy: text(row, "createdBy"),
    createdAt: text(row, "createdAt"),
    version: typeof row.version === "number" ? row.version : Number(row.version),
  };
  const tags = text(row, "tags");
  if (tags !== "") state.tags = JSON.parse(tags) as Record<string, string>;
  for (const field of OPTIONAL_TEXT) if (typeof row[field] === "string") state[field] = row[field];
  return state;
}

export function storedFromRow(row: Record<string, unknown> & { etag?: string }): StoredException {
  return { ...stateFromRow(row), etag: row.etag ?? "" };
}

export function historyFromRow(row: Record<string, unknown>): ExceptionHistoryEntry {
  const entry: ExceptionHistoryEntry = {
    version: typeof row.version === "number" ? row.version : Number(row.version),
    action: text(row, "action") as ExceptionAction,
    by: text(row, "by"),
    at: text(row, "at"),
    via: text(row, "via") === "import" ? "import" : "api",
    exception: stateFromRow(row),
  };
  if (typeof row.reason === "string") entry.reason = row.reason;
  return entry;
}

/** The exception as a run takes it: the declared fields plus who created it, without the store's bookkeeping. */
export function forRun(state: ExceptionState): AuditException {
  const exception: AuditException = {
    id: state.id,
    source: "store",
    ruleIds: state.ruleIds,
    scope: state.scope,
    justification: state.justification,
    approvedBy: state.approvedBy,
    createdBy: state.createdBy,
    createdAt: state.createdAt,
  };
  if (state.tags !== undefined) exception.tags = state.tags;
  if (state.expiresOn !== undefined) exception.expiresOn = state.expiresOn;
  if (state.ticket !== undefined) exception.ticket = state.ticket;
  return exception;
}

/** The declared fields in a canonical form (tags sorted by name), so equal declarations compare equal. */
function declared(exception: AuditException): string {
  const canonical: Record<string, unknown> = {};
  for (const field of DECLARED_FIELDS) canonical[field] = exception[field];
  if (exception.tags !== undefined)
    canonical.tags = Object.entries(exception.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(canonical);
}

/** Whether `next` declares anything `stored` does not (the id's letter case included). */
export function declaresChange(stored: AuditException, next: AuditException): boolean {
  return stored.id !== next.id || declared(stored) !== declared(next);
}

/** The state after people declared `next` over `previous` (or created it): declared fields replaced, records kept. */
export function declaredState(
  next: AuditException,
  records: Pick<ExceptionState, "createdBy" | "createdAt" | "version"> &
    Partial<Pick<ExceptionState, "updatedBy" | "updatedAt">>,
): ExceptionState {
  const state: ExceptionState = {
    id: next.id,
    source: "store",
    ruleIds: [...next.ruleIds],
    scope: next.scope,
    justification: next.justification,
    approvedBy: next.approvedBy,
    ...records,
  };
  if (next.tags !== undefined) state.tags = { ...next.tags };
  if (next.expiresOn !== undefined) state.expiresOn = next.expiresOn;
  if (next.ticket !== undefined) state.ticket = next.ticket;
  return state;
}
