// One run per scope at a time: a lock entity per scope in `auditlocks`, claimed by insert or by an ETag-guarded
// takeover of an expired lock, renewed and released only by its holder (If-Match on the ETag it got).
import type { HeldLock, LockClaim, ScopeLocks } from "../audit/audit-store";
import { clampText } from "./entity-codec";
import { statusOf, toStorageError } from "./storage-errors";
import type { Row, StoreTables } from "./table-client";
import { LOCK_PARTITION, lockRowKey } from "./table-keys";

export const DEFAULT_LOCK_TTL_MS = 2 * 60 * 60 * 1000;

export class TableScopeLocks implements ScopeLocks {
  constructor(private readonly tables: StoreTables) {}

  async claimScopeLock(
    scope: string,
    holder: string,
    options: { ttlMs?: number; now?: Date } = {},
  ): Promise<LockClaim> {
    const locks = await this.tables.table("locks");
    const now = options.now ?? this.tables.now();
    const ttl = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    const keys = { partitionKey: LOCK_PARTITION, rowKey: lockRowKey(scope) };
    const lock = {
      scope: clampText(scope, 4_000),
      holder: clampText(holder, 1_000),
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttl).toISOString(),
    };
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
    const last = await locks
      .getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey)
      .catch((error: unknown) => {
        if (statusOf(error) === 404) return undefined;
        throw toStorageError(error, operation);
      });
    return {
      acquired: false,
      scope,
      heldBy: String(last?.holder ?? "unknown"),
      expiresAt: String(last?.expiresAt ?? ""),
    };
  }

  async renewScopeLock(lock: HeldLock, options: { ttlMs?: number; now?: Date } = {}): Promise<HeldLock | undefined> {
    const locks = await this.tables.table("locks");
    const now = options.now ?? this.tables.now();
    const renewal = {
      renewedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (options.ttlMs ?? DEFAULT_LOCK_TTL_MS)).toISOString(),
    };
    try {
      // If-Match on the ETag we hold: a lock someone took over (or that was released) is not ours to extend.
      const renewed = await locks.updateEntity(
        { partitionKey: LOCK_PARTITION, rowKey: lockRowKey(lock.scope), ...renewal },
        "Merge",
        { etag: lock.etag },
      );
      return { ...lock, ...renewal, etag: renewed.etag ?? "" };
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 412) return undefined;
      throw toStorageError(error, `renewing the lock for scope '${lock.scope}'`);
    }
  }

  async releaseScopeLock(lock: HeldLock): Promise<boolean> {
    const locks = await this.tables.table("locks");
    try {
      await locks.deleteEntity(LOCK_PARTITION, lockRowKey(lock.scope), { etag: lock.etag });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 412) return false;
      throw toStorageError(error, `releasing the lock for scope '${lock.scope}'`);
    }
  }
}
