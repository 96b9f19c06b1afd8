// Claims that succeed once per store, ever: an insert into `auditlocks` (partition `once`) that only the first caller
// wins, Table Storage refusing the others with 409. Several instances starting together agree on one of them.
import type { OnceClaims } from "../audit/first-start";
import { statusOf, toStorageError } from "./storage-errors";
import { openStoreTables, type AuditStoreOptions, type StoreConnection } from "./table-client";

const ONCE_PARTITION = "once";

export function createOnceClaims(connection: StoreConnection, options: AuditStoreOptions = {}): OnceClaims {
  const tables = openStoreTables(connection, options);
  return {
    async claimOnce(name, holder, at) {
      const locks = await tables.table("locks");
      try {
        await locks.createEntity({ partitionKey: ONCE_PARTITION, rowKey: name, holder, claimedAt: at.toISOString() });
        return true;
      } catch (error) {
        if (statusOf(error) === 409) return false;
        throw toStorageError(error, `claiming '${name}'`);
      }
    },
  };
}
