// The post-run step that sends a run's results to Log Analytics through the Logs Ingestion API. Rows are built a batch
// at a time (a few MB), never all at once; the SDK cuts each batch into calls under 1 MB, gzips them and retries a 429
// (after its Retry-After) and a 5xx or network error (exponential backoff), up to its retry count. What still failed
// is counted and logged, with the reason; the run stays as it is. A fanned-out run's finaliser runs this step once,
// with the merged report, so shards send nothing of their own (docs/log-analytics.md, Fanned-out runs).
import { LogsIngestionClient, isAggregateLogsUploadError } from "@azure/monitor-ingestion";
import type { Logger, PostRunStep } from "../audit/audit-service";
import { errorText } from "../errors";
import { findingRows } from "./finding-rows";
import type { FindingRow } from "./findings-table";
import type { LogAnalyticsSetting, LogAnalyticsTarget } from "./log-analytics-settings";

export interface IngestionOptions {
  /** Rows handed to one `upload` (the SDK splits them into calls under 1 MB). Default 4 MB: one call per worker. */
  batchBytes?: number;
  /** Calls in flight at a time. Default 4. */
  maxConcurrency?: number;
  /** The SDK's retries of a 429 / 5xx / network failure. Defaults: 3 retries, 1 s base, 30 s cap. */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

/** What one run's sending came to. */
export interface SendOutcome {
  results: number;
  selected: number;
  sent: number;
  /** Rows whose call failed after the SDK's retries. */
  failed: number;
  /** Rows not tried because an earlier call failed for a reason every call would share (auth, DCR, stream). */
  skipped: number;
  calls: number;
  reasons: string[];
}

const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;
/** Rows a failure of this kind concerns alone: the other batches are still worth sending. */
const ROW_SPECIFIC_STATUSES = new Set([413]);

/** The step for the app's setting: none when off, one that logs the problem at every run when a value is bad. */
export function logAnalyticsStepFor(setting: LogAnalyticsSetting | undefined): PostRunStep | undefined {
  if (setting === undefined || setting.kind === "off") return undefined;
  if (setting.kind === "invalid")
    return {
      name: "log-analytics",
      async run({ message, log }) {
        log.error(`log analytics: nothing sent for run ${message.runId}: ${setting.problem}`);
      },
    };
  return logAnalyticsStep(setting.target);
}

export function logAnalyticsStep(target: LogAnalyticsTarget, options: IngestionOptions = {}): PostRunStep {
  const client = new LogsIngestionClient(target.endpoint, target.credential, {
    audience: target.audience,
    ...(target.tlsOptions === undefined ? {} : { tlsOptions: target.tlsOptions }),
    retryOptions: { maxRetries: 3, retryDelayInMs: 1_000, maxRetryDelayInMs: 30_000, ...options.retry },
    userAgentOptions: { userAgentPrefix: "mi-exposure-auditor" },
  });
  return {
    name: "log-analytics",
    async run({ report, completed, log }) {
      const rows = findingRows(report, completed.transitions, target.send);
      const outcome = await sendRows(client, target, rows, options);
      outcome.results = report.findings.length;
      reportOutcome(report.run.runId, target, outcome, log);
    },
  };
}

/** Sends the rows batch by batch; after a failure every call would share, the rest are counted, not sent. */
export async function sendRows(
  client: LogsIngestionClient,
  target: Pick<LogAnalyticsTarget, "dcrId" | "stream">,
  rows: Iterable<FindingRow>,
  options: IngestionOptions = {},
): Promise<SendOutcome> {
  const outcome: SendOutcome = { results: 0, selected: 0, sent: 0, failed: 0, skipped: 0, calls: 0, reasons: [] };
  const limit = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  let batch: FindingRow[] = [];
  let bytes = 0;
  let stop = false;
  const flush = async () => {
    if (batch.length > 0 && !stop) stop = await sendBatch(client, target, batch, options, outcome);
    else outcome.skipped += batch.length;
    batch = [];
    bytes = 0;
  };
  for (const row of rows) {
    outcome.selected += 1;
    batch.push(row);
    bytes += JSON.stringify(row).length + 1;
    if (bytes >= limit) await flush();
  }
  await flush();
  return outcome;
}

/** One upload; true when the failure is one the next batches would meet too. */
async function sendBatch(
  client: LogsIngestionClient,
  target: Pick<LogAnalyticsTarget, "dcrId" | "stream">,
  batch: FindingRow[],
  options: IngestionOptions,
  outcome: SendOutcome,
): Promise<boolean> {
  let failed = 0;
  let shared = false;
  const note = (rows: number, cause: unknown) => {
    failed += rows;
    const status = httpStatusOf(cause);
    if (status === undefined || !ROW_SPECIFIC_STATUSES.has(status)) shared = true;
    const reason = describeFailure(cause);
    if (!outcome.reasons.includes(reason) && outcome.reasons.length < 5) outcome.reasons.push(reason);
  };
  try {
    await client.upload(target.dcrId, target.stream, batch, {
      maxConcurrency: options.maxConcurrency ?? DEFAULT_CONCURRENCY,
      onError: ({ failedLogs, cause }) => note(failedLogs.length, cause),
    });
  } catch (error) {
    // Every failed call was counted through onError; anything else failed the whole batch.
    if (!isAggregateLogsUploadError(error)) note(batch.length - failed, error);
  }
  outcome.calls += 1;
  outcome.failed += failed;
  outcome.sent += batch.length - failed;
  return shared && failed > 0;
}

/** The status and the service's own words, without the request (its token never appears in an error). */
function describeFailure(cause: unknown): string {
  const status = httpStatusOf(cause);
  if (status === undefined) return errorText(cause).slice(0, 300);
  return `HTTP ${status}: ${errorText(cause).slice(0, 300)}`;
}

/** The HTTP status of the SDK's RestError (a `statusCode` property); undefined for a network or credential error. */
function httpStatusOf(error: unknown): number | undefined {
  const status =
    typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === "number" ? status : undefined;
}

function reportOutcome(runId: string, target: LogAnalyticsTarget, outcome: SendOutcome, log: Logger): void {
  const what = `${outcome.selected} of ${outcome.results} results (${target.send}) to ${target.stream} of ${target.dcrId}`;
  const notSent = outcome.failed + outcome.skipped;
  if (notSent === 0) {
    log.info(`log analytics: run ${runId}: sent ${what} in ${outcome.calls} batch(es)`);
    return;
  }
  log.error(
    `log analytics: run ${runId}: ${notSent} row(s) NOT sent of ${what} (${outcome.failed} failed after retries, ${outcome.skipped} not tried after a failure every call would meet): ${outcome.reasons.join("; ")}`,
  );
}
