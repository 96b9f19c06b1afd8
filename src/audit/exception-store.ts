// The exception store port: the exceptions people declare through the API, kept with an append-only history of who
// created, changed or revoked each one. The use case owns it (runs read exceptionsForRun); the report API writes it;
// src/store/table-exception-store.ts implements it on Azure Table Storage. Every write is all-or-nothing: the present
// state and its history row change together, and a write that lost a race or was refused changes nothing.
import type { AuditException } from "../engine/exceptions";

/** Who writes, when, and through which door. `at` defaults to now, `via` to "api". */
export interface ExceptionActor {
  by: string;
  at?: Date;
  via?: "api" | "import";
}

/** An exception as the store keeps it: the declared exception (source "store") plus what the system recorded. */
export interface StoredException extends AuditException {
  source: "store";
  createdBy: string;
  createdAt: string;
  updatedBy?: string;
  updatedAt?: string;
  /** 1 on creation, +1 on every change or revocation: the number of its latest history entry. */
  version: number;
  revokedBy?: string;
  revokedAt?: string;
  revokeReason?: string;
  /** The present state's ETag: pass it back as `ifMatch` to change exactly what was read. */
  etag: string;
}

export type ExceptionAction = "created" | "changed" | "revoked";

/** One history entry (never changed once written): the action and the full state after it. */
export interface ExceptionHistoryEntry {
  version: number;
  action: ExceptionAction;
  by: string;
  at: string;
  via: "api" | "import";
  reason?: string;
  exception: Omit<StoredException, "etag">;
}

export interface ExceptionWithHistory {
  exception: StoredException;
  /** Oldest first. */
  history: ExceptionHistoryEntry[];
}

/** What an import did, by exception id. */
export interface ExceptionImportResult {
  created: string[];
  changed: string[];
  unchanged: string[];
}

export interface ListExceptionsOptions {
  /** Revoked exceptions too (default: only those not revoked). */
  includeRevoked?: boolean;
}

export interface ChangeExceptionOptions {
  /** The ETag the caller read; a mismatch is PRECONDITION_FAILED and changes nothing. */
  ifMatch?: string;
}

/**
 * Exceptions passed in are the declared fields (id, ruleIds, scope, tags, justification, approvedBy, expiresOn,
 * ticket): checked by the caller (readExceptionInput); source, createdBy and createdAt are the store's to set.
 * Ids are compared case-insensitively. Errors are coded AuditorErrors: NOT_FOUND, CONFLICT, PRECONDITION_FAILED,
 * STORAGE_UNAVAILABLE, STORAGE_FAILED.
 */
export interface ExceptionStore {
  /** Sorted by id. */
  listExceptions(options?: ListExceptionsOptions): Promise<StoredException[]>;
  /** `undefined` when no exception has that id. */
  getException(id: string): Promise<ExceptionWithHistory | undefined>;
  /** An id already used (revoked included) is CONFLICT. */
  createException(exception: AuditException, actor: ExceptionActor): Promise<StoredException>;
  /** Unknown id: NOT_FOUND; revoked: CONFLICT; `ifMatch` no longer current (or a concurrent write won): PRECONDITION_FAILED. */
  changeException(
    id: string,
    exception: AuditException,
    actor: ExceptionActor,
    options?: ChangeExceptionOptions,
  ): Promise<StoredException>;
  /** Unknown id: NOT_FOUND; already revoked: returns it unchanged. */
  revokeException(id: string, actor: ExceptionActor, reason?: string): Promise<StoredException>;
  /**
   * Creates the new ids, changes those whose declared fields differ, leaves the rest (revoked ones are CONFLICT, and
   * the import is refused before anything is written). Each exception is its own transaction.
   */
  importExceptions(exceptions: readonly AuditException[], actor: ExceptionActor): Promise<ExceptionImportResult>;
  /** Every exception not revoked, expired ones included (a run reports them), as the engine takes them. */
  exceptionsForRun(): Promise<AuditException[]>;
}
