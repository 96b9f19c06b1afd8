// The AuditStore on Azure Table Storage (Azurite locally), composed of one Table adapter per seam of the port: the run
// lifecycle (table-run-lifecycle.ts, writing results through table-run-results.ts), the queries
// (table-run-queries.ts), the scope locks (table-scope-locks.ts) and retention (table-finding-retention.ts). They share
// the store's tables (table-client.ts). Key design: table-keys.ts; summary layout: run-summary-codec.ts; batching:
// transaction-batches.ts. Tables are created on first use.
import type { AuditStore } from "../audit/audit-store";
import { openStoreTables, type AuditStoreOptions, type StoreConnection } from "./table-client";
import { TableFindingRetention } from "./table-finding-retention";
import { TableRunLifecycle } from "./table-run-lifecycle";
import { TableRunQueries } from "./table-run-queries";
import { TableRunResults } from "./table-run-results";
import { TableScopeLocks } from "./table-scope-locks";

/** Builds the store; no I/O happens until the first call. The composition root calls this once. */
export function createAuditStore(connection: StoreConnection, options: AuditStoreOptions = {}): AuditStore {
  const tables = openStoreTables(connection, options);
  const lifecycle = new TableRunLifecycle(
    tables,
    new TableRunResults(tables, options.findingsArchive, options.retentionDays),
  );
  const queries = new TableRunQueries(tables);
  const locks = new TableScopeLocks(tables);
  const retention = new TableFindingRetention(tables);
  return {
    createRun: (request) => lifecycle.createRun(request),
    markRunning: (runId, at) => lifecycle.markRunning(runId, at),
    completeRun: (report, completeOptions) => lifecycle.completeRun(report, completeOptions),
    writeRunPart: (runId, findings, partOptions) => lifecycle.writeRunPart(runId, findings, partOptions),
    finishRun: (finish) => lifecycle.finishRun(finish),
    deleteRunFindings: (runId, subscriptionIds) => lifecycle.deleteRunFindings(runId, subscriptionIds),
    failRun: (runId, reason, at) => lifecycle.failRun(runId, reason, at),
    skipRun: (runId, reason, at) => lifecycle.skipRun(runId, reason, at),
    getRun: (runId) => queries.getRun(runId),
    getRunRecord: (runId) => queries.getRunRecord(runId),
    listRuns: (pageOptions) => queries.listRuns(pageOptions),
    listFindings: (runId, query) => queries.listFindings(runId, query),
    getResourceHistory: (resourceId, historyOptions) => queries.getResourceHistory(resourceId, historyOptions),
    claimScopeLock: (scope, holder, claimOptions) => locks.claimScopeLock(scope, holder, claimOptions),
    releaseScopeLock: (lock) => locks.releaseScopeLock(lock),
    renewScopeLock: (lock, renewOptions) => locks.renewScopeLock(lock, renewOptions),
    deleteExpiredFindings: (retentionOptions) => retention.deleteExpiredFindings(retentionOptions),
  };
}
