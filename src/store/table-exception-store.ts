// The ExceptionStore on Table Storage: table `exceptions`, one partition per exception (its lower-cased id), RowKey
// `current` for its present state and `v000001`, `v000002`, ... for its history (table-keys.ts). Every create, change
// and revocation is ONE entity-group transaction: the `current` row (created, or replaced with If-Match on the ETag
// it was read with) and the next history row (created). So the history never disagrees with the state, and of two
// writers racing on one exception exactly one wins; the loser's transaction fails whole and changes nothing.
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type {
  ChangeExceptionOptions,
  ExceptionActor,
  ExceptionHistoryEntry,
  ExceptionImportResult,
  ExceptionStore,
  ExceptionWithHistory,
  ListExceptionsOptions,
  StoredException,
} from "../audit/exception-store";
import type { AuditException } from "../engine/exceptions";
import { EXCEPTION_ID_PATTERN } from "../engine/exception-input";
import { AuditorError } from "../errors";
import { clampText } from "./entity-codec";
import { EnsuredTables } from "./ensured-tables";
import {
  currentEntity,
  declaredState,
  declaresChange,
  forRun,
  historyEntity,
  historyFromRow,
  storedFromRow,
  type ExceptionState,
} from "./exception-codec";
import { codeOf, statusOf, toStorageError } from "./storage-errors";
import { buildClient, scanRows, type AuditStoreOptions, type StoreConnection } from "./table-client";
import { EXCEPTION_CURRENT_ROW, exceptionPartitionKey } from "./table-keys";

export const EXCEPTIONS_TABLE = "exceptions";
/** A revocation's reason is free text, bounded like a justification. */
export const MAX_REVOKE_REASON = 2_000;
const MAX_ACTOR = 1_000;

/** Builds the store; no I/O happens until the first call (the table is created then). */
export function createExceptionStore(connection: StoreConnection, options: AuditStoreOptions = {}): ExceptionStore {
  const prefix = options.tablePrefix ?? "";
  return new TableExceptionStore(
    buildClient(connection, `${prefix}${EXCEPTIONS_TABLE}`, options),
    options.now ?? (() => new Date()),
  );
}

interface Stamp {
  by: string;
  at: string;
  via: "api" | "import";
}

class TableExceptionStore implements ExceptionStore {
  private readonly ensured = new EnsuredTables();

  constructor(
    private readonly client: TableClient,
    private readonly now: () => Date,
  ) {}

  async listExceptions(options: ListExceptionsOptions = {}): Promise<StoredException[]> {
    const table = await this.table();
    const found: StoredException[] = [];
    for await (const row of scanRows(table, odata`RowKey eq ${EXCEPTION_CURRENT_ROW}`, "listing exceptions")) {
      const stored = storedFromRow(row);
      if (options.includeRevoked === true || stored.revokedAt === undefined) found.push(stored);
    }
    return found.sort((a, b) => compareIds(a.id, b.id));
  }

  async getException(id: string): Promise<ExceptionWithHistory | undefined> {
    if (!EXCEPTION_ID_PATTERN.test(id)) return undefined;
    const table = await this.table();
    let exception: StoredException | undefined;
    const history: ExceptionHistoryEntry[] = [];
    const filter = odata`PartitionKey eq ${exceptionPartitionKey(id)}`;
    // One partition, RowKeys in order: `current`, then v000001, v000002, ... (oldest first).
    for await (const row of scanRows(table, filter, `reading exception ${id}`)) {
      if (row.rowKey === EXCEPTION_CURRENT_ROW) exception = storedFromRow(row);
      else history.push(historyFromRow(row));
    }
    return exception === undefined ? undefined : { exception, history };
  }

  async createException(exception: AuditException, actor: ExceptionActor): Promise<StoredException> {
    const table = await this.table();
    return this.create(table, checkedId(exception), this.stamp(actor));
  }

  async changeException(
    id: string,
    exception: AuditException,
    actor: ExceptionActor,
    options: ChangeExceptionOptions = {},
  ): Promise<StoredException> {
    const next = checkedId(exception);
    if (id.toLowerCase() !== next.id.toLowerCase())
      throw new AuditorError(
        "INPUT_INVALID_REQUEST",
        `The exception's id '${next.id}' is not the id being changed ('${id}')`,
      );
    const table = await this.table();
    const stored = await this.readCurrent(table, id);
    if (stored === undefined) throw notFound(id);
    return this.change(table, stored, next, this.stamp(actor), options.ifMatch);
  }

  async revokeException(id: string, actor: ExceptionActor, reason?: string): Promise<StoredException> {
    if (reason !== undefined && reason.length > MAX_REVOKE_REASON)
      throw new AuditorError(
        "INPUT_INVALID_REQUEST",
        `The reason for revoking exception ${id} is ${reason.length} characters; at most ${MAX_REVOKE_REASON}`,
      );
    const table = await this.table();
    const stored = await this.readCurrent(table, id);
    if (stored === undefined) throw notFound(id);
    if (stored.revokedAt !== undefined) return stored;
    const stamp = this.stamp(actor);
    const { etag, ...previous } = stored;
    const state: ExceptionState = {
      ...previous,
      version: previous.version + 1,
      revokedBy: stamp.by,
      revokedAt: stamp.at,
    };
    if (reason !== undefined && reason.trim() !== "") state.revokeReason = reason.trim();
    return this.write(table, state, { ...stamp, action: "revoked", etag });
  }

  async importExceptions(exceptions: readonly AuditException[], actor: ExceptionActor): Promise<ExceptionImportResult> {
    const stamp = this.stamp({ ...actor, via: actor.via ?? "import" });
    const table = await this.table();
    // Everything is checked before anything is written: ids, duplicates, and that none of them is revoked.
    const seen = new Set<string>();
    for (const exception of exceptions) {
      const key = checkedId(exception).id.toLowerCase();
      if (seen.has(key))
        throw new AuditorError("INPUT_INVALID_REQUEST", `The import declares exception ${exception.id} twice`);
      seen.add(key);
      // Encoding checks every property against the Table limits: a too-long one is refused here, not mid-import.
      currentEntity(declaredState(exception, { createdBy: stamp.by, createdAt: stamp.at, version: 1 }));
    }
    const stored = await Promise.all(exceptions.map((exception) => this.readCurrent(table, exception.id)));
    const revoked = stored.filter((s) => s?.revokedAt !== undefined).map((s) => s!.id);
    if (revoked.length > 0)
      throw new AuditorError(
        "CONFLICT",
        `The import changes revoked exceptions (${revoked.join(", ")}); a revoked exception stays revoked: give it a new id`,
      );
    const result: ExceptionImportResult = { created: [], changed: [], unchanged: [] };
    // Each exception is its own transaction (one partition each), with the ETag read above: an exception changed
    // meanwhile fails the import with PRECONDITION_FAILED rather than being overwritten.
    for (const [index, exception] of exceptions.entries()) {
      const current = stored[index];
      if (current === undefined) {
        await this.create(table, exception, stamp);
        result.created.push(exception.id);
      } else if (declaresChange(current, exception)) {
        await this.change(table, current, exception, stamp, current.etag);
        result.changed.push(exception.id);
      } else result.unchanged.push(exception.id);
    }
    return result;
  }

  async exceptionsForRun(): Promise<AuditException[]> {
    return (await this.listExceptions()).map(forRun);
  }

  // ---- writes ---------------------------------------------------------------------------------------------------

  private create(table: TableClient, exception: AuditException, stamp: Stamp): Promise<StoredException> {
    const state = declaredState(exception, { createdBy: stamp.by, createdAt: stamp.at, version: 1 });
    return this.write(table, state, { ...stamp, action: "created" });
  }

  private change(
    table: TableClient,
    stored: StoredException,
    next: AuditException,
    stamp: Stamp,
    ifMatch: string | undefined,
  ): Promise<StoredException> {
    if (stored.revokedAt !== undefined)
      throw new AuditorError(
        "CONFLICT",
        `Exception ${stored.id} was revoked on ${stored.revokedAt}; a revoked exception cannot be changed`,
      );
    if (ifMatch !== undefined && ifMatch !== stored.etag) throw preconditionFailed(stored.id);
    const state = declaredState(next, {
      createdBy: stored.createdBy,
      createdAt: stored.createdAt,
      version: stored.version + 1,
      updatedBy: stamp.by,
      updatedAt: stamp.at,
    });
    return this.write(table, state, { ...stamp, action: "changed", etag: stored.etag });
  }

  /**
   * One transaction: `current` (created when there is no `etag`, else replaced If-Match) and the new history row
   * (created: a row that exists means another writer took this version first).
   */
  private async write(
    table: TableClient,
    state: ExceptionState,
    entry: Stamp & { action: ExceptionHistoryEntry["action"]; etag?: string; reason?: string },
  ): Promise<StoredException> {
    const history: ExceptionHistoryEntry = {
      version: state.version,
      action: entry.action,
      by: entry.by,
      at: entry.at,
      via: entry.via,
      exception: state,
    };
    if (entry.action === "revoked" && state.revokeReason !== undefined) history.reason = state.revokeReason;
    const current = currentEntity(state);
    const actions: TransactionAction[] = [
      entry.etag === undefined ? ["create", current] : ["update", current, "Replace", { etag: entry.etag }],
      ["create", historyEntity(history)],
    ];
    let etag: string | undefined;
    try {
      const response = await table.submitTransaction(actions);
      etag = response.getResponseForEntity(EXCEPTION_CURRENT_ROW)?.etag;
    } catch (error) {
      throw writeError(error, state.id, entry.etag === undefined ? "creating" : entry.action);
    }
    // The service returns each sub-request's ETag; read it back only if one did not.
    if (etag === undefined) etag = (await this.readCurrent(table, state.id))?.etag ?? "";
    return { ...state, etag };
  }

  // ---- reads ----------------------------------------------------------------------------------------------------

  private async readCurrent(table: TableClient, id: string): Promise<StoredException | undefined> {
    if (!EXCEPTION_ID_PATTERN.test(id)) return undefined;
    try {
      return storedFromRow(
        await table.getEntity<Record<string, unknown>>(exceptionPartitionKey(id), EXCEPTION_CURRENT_ROW),
      );
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStorageError(error, `reading exception ${id}`);
    }
  }

  private table(): Promise<TableClient> {
    return this.ensured.ensure(this.client);
  }

  private stamp(actor: ExceptionActor): Stamp {
    return {
      by: clampText(actor.by, MAX_ACTOR),
      at: (actor.at ?? this.now()).toISOString(),
      via: actor.via ?? "api",
    };
  }
}

function checkedId(exception: AuditException): AuditException {
  if (!EXCEPTION_ID_PATTERN.test(exception.id))
    throw new AuditorError(
      "INPUT_INVALID_REQUEST",
      `Exception id '${exception.id}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  return exception;
}

function compareIds(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

function notFound(id: string): AuditorError {
  return new AuditorError("NOT_FOUND", `No exception has the id '${id}'`);
}

function preconditionFailed(id: string): AuditorError {
  return new AuditorError(
    "PRECONDITION_FAILED",
    `Exception ${id} was changed since it was read (its ETag no longer matches); read it again and retry`,
  );
}

/**
 * A refused transaction changed nothing. 412 on `current`: another writer changed it since it was read. 409 on a
 * create: the id exists (creating) or another writer took this history version first (a change that lost the race).
 */
function writeError(error: unknown, id: string, action: "creating" | "changed" | "revoked" | "created"): AuditorError {
  const status = statusOf(error);
  if (status === 412) return preconditionFailed(id);
  if (status === 409 && codeOf(error) !== "TableNotFound") {
    if (action === "creating")
      return new AuditorError("CONFLICT", `An exception with the id '${id}' already exists (ids ignore letter case)`, {
        cause: error,
      });
    return preconditionFailed(id);
  }
  if (status === 404) return notFound(id);
  const doing = action === "creating" ? "creating" : action === "changed" ? "changing" : "revoking";
  return toStorageError(error, `${doing} exception ${id}`);
}
