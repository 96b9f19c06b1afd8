// The Log Analytics tests' parts: a receiver that declares the documented table's stream, a target pointed at it with
// the local audience credential, and audits of snapshot files that run the step after each run, against Azurite.
import type { AppSettings } from "../../src/app/app-settings";
import { AuditService, type Logger, type PostRunStep, type RunOutcome } from "../../src/audit/audit-service";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import type { AuditReport } from "../../src/audit/run-audit";
import type { AuditStore } from "../../src/audit/audit-store";
import { createAuditStore } from "../../src/store/table-audit-store";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { FINDINGS_TABLE_COLUMNS, DEFAULT_TABLE } from "../../src/log-analytics/findings-table";
import {
  LocalAudienceCredential,
  MONITOR_AUDIENCES,
  type LogAnalyticsTarget,
} from "../../src/log-analytics/log-analytics-settings";
import {
  startLogsIngestionReceiver,
  type LogsIngestionReceiver,
} from "../../dev/logs-ingestion/logs-ingestion-receiver";

export const DCR = "dcr-0123456789abcdef0123456789abcdef";
export const STREAM = `Custom-${DEFAULT_TABLE}`;

export function startReceiver(audience?: string): Promise<LogsIngestionReceiver> {
  return startLogsIngestionReceiver({
    rules: { [DCR]: { [STREAM]: FINDINGS_TABLE_COLUMNS } },
    ...(audience === undefined ? {} : { audience }),
  });
}

export function targetOf(
  receiver: LogsIngestionReceiver,
  overrides: Partial<LogAnalyticsTarget> = {},
): LogAnalyticsTarget {
  return {
    endpoint: receiver.url,
    dcrId: DCR,
    stream: STREAM,
    send: "changes",
    audience: MONITOR_AUDIENCES.AzureCloud,
    credential: new LocalAudienceCredential(),
    tlsOptions: { ca: receiver.caPem },
    ...overrides,
  };
}

/** Retries fast: the tests wait out a Retry-After, never a backoff base. */
export const FAST_RETRY = { retry: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 } };

export interface Audited {
  runId: string;
  outcome: RunOutcome;
  report: AuditReport;
}

/** Audits of snapshot files, an hour apart, on fresh tables, each followed by `steps` (and a step that keeps the report). */
export function auditor(appSettings: AppSettings, steps: PostRunStep[]) {
  const prefix = `la${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const store: AuditStore = createAuditStore(appSettings.tables, { tablePrefix: prefix });
  const logs: string[] = [];
  const log: Logger = {
    info: (m) => logs.push(`info: ${m}`),
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };
  let clock = Date.parse("2026-12-01T02:00:00Z");
  return {
    store,
    logs,
    log,
    async audit(file: string): Promise<Audited> {
      const at = new Date((clock += 60 * 60 * 1000));
      const queued: AuditRequestMessage[] = [];
      let report: AuditReport | undefined;
      const keep: PostRunStep = { name: "keep", run: async (context) => void (report = context.report) };
      const audits = new AuditService({
        settings: appSettings,
        store,
        queue: { enqueue: async (message) => void queued.push(message) },
        postRunSteps: [...steps, keep],
        now: () => at,
        openSource: () => new SnapshotSource([file]),
      });
      const { runId } = await audits.requestAudit({ trigger: "http" });
      const outcome = await audits.runRequested(queued[0], { dequeueCount: 1, maxDequeueCount: 3 }, log);
      if (report === undefined) throw new Error(`run ${runId} ran no post-run step (${outcome.status})`);
      return { runId, outcome, report };
    },
  };
}
