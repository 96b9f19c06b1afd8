// The Log Analytics step against the local Logs Ingestion receiver (HTTPS, bearer token with Monitor's audience, the
// DCR stream path, gzip, 413 and 429), over real runs stored in Azurite: what `changes` sends, every row exactly once
// at 100k results, a throttled call retried after its Retry-After, an oversized row handled honestly, and failures
// (unknown DCR, unknown stream, wrong audience, bad settings) logged with the count not sent while the run completes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogsIngestionClient, isAggregateLogsUploadError } from "@azure/monitor-ingestion";
import { startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";
import { EstateVariants, fixTlsOfProd02, openPublicEndpointOfProd01 } from "../alerts/estate-variants";
import { appSettingsFromEnv, type AppSettings } from "../../src/app/app-settings";
import { buildServices, type Services } from "../../src/app/services";
import { logAnalyticsStep } from "../../src/log-analytics/log-analytics-step";
import { FINDINGS_TABLE_COLUMNS } from "../../src/log-analytics/findings-table";
import { EVIDENCE_TRUNCATED_NOTE, TEXT_FIELD_BYTES } from "../../src/log-analytics/finding-rows";
import { LocalAudienceCredential } from "../../src/log-analytics/log-analytics-settings";
import { reportFingerprints } from "../../src/report/fingerprint";
import type { Finding } from "../../src/engine/finding";
import type { AuditReport } from "../../src/audit/run-audit";
import type { CompletedRun } from "../../src/audit/audit-store";
import { MAX_CALL_BYTES, type LogsIngestionReceiver } from "../../dev/logs-ingestion/logs-ingestion-receiver";
import { auditor, DCR, FAST_RETRY, startReceiver, STREAM, targetOf } from "./log-analytics-kit";

let azurite: Azurite;
let receiver: LogsIngestionReceiver;
let variants: EstateVariants;
let appSettings: AppSettings;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  receiver = await startReceiver();
  variants = new EstateVariants();
  appSettings = appSettingsFromEnv({
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_SOURCE: `snapshot:${SAMPLE}`,
  });
}, 120_000);

afterAll(async () => {
  variants?.dispose();
  await receiver?.close();
  await azurite?.dispose();
});

type Row = Record<string, unknown>;
const rowsOf = (runId: string): Row[] => receiver.records.filter((row) => row["RunId"] === runId);
const callsSince = (count: number) => receiver.calls.slice(count);
const key = (row: Row) => `${String(row["RuleId"])}|${String(row["ResourceId"]).toLowerCase()}`;

describe("LOG_ANALYTICS_SEND=changes", () => {
  it("sends every fail, unknown and error result and every result whose pair moved, nothing else", async () => {
    const audits = auditor(appSettings, [logAnalyticsStep(targetOf(receiver), FAST_RETRY)]);
    const first = await audits.audit(SAMPLE);
    const second = await audits.audit(variants.write(openPublicEndpointOfProd01, fixTlsOfProd02));
    expect(second.outcome.status).toBe("completed");

    for (const { runId, report } of [first, second]) {
      const rows = rowsOf(runId);
      const byStatus = report.summary.byStatus;
      // The summary's counts are the whole run's: every failing, unknown and error result is sent, once.
      expect(rows.filter((r) => r["Status"] === "fail")).toHaveLength(byStatus.fail);
      expect(rows.filter((r) => r["Status"] === "unknown")).toHaveLength(byStatus.unknown);
      expect(rows.filter((r) => r["Status"] === "error")).toHaveLength(byStatus.error);
      expect(new Set(rows.map((r) => r["Fingerprint"])).size).toBe(rows.length);
      // A pass or not-applicable result is sent only when its pair moved (resolved).
      for (const row of rows.filter((r) => r["Status"] === "pass" || r["Status"] === "notApplicable"))
        expect(row["Transition"]).toBe("resolved");
    }
    // The first night: every failure is new.
    expect(
      new Set(
        rowsOf(first.runId)
          .filter((r) => r["Status"] === "fail")
          .map((r) => r["Transition"]),
      ),
    ).toEqual(new Set(["new"]));
    const second_ = rowsOf(second.runId);
    const tls = second_.filter(
      (r) => r["RuleId"] === "mi.tls.minimum-version" && r["ResourceName"] === "sqlmi-prod-02",
    );
    expect(tls).toMatchObject([{ Status: "pass", Transition: "resolved" }]);
    const opened = second_.filter((r) => r["ResourceName"] === "sqlmi-prod-01" && r["Transition"] === "new");
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every((r) => r["Status"] === "fail")).toBe(true);
    // Everything failing the night before and still failing says so.
    const stillFailing = second_.filter((r) => r["Transition"] === "stillFailing").map(key);
    const failedBefore = new Set(
      rowsOf(first.runId)
        .filter((r) => r["Status"] === "fail")
        .map(key),
    );
    expect(stillFailing.length).toBeGreaterThan(0);
    for (const pair of stillFailing) expect(failedBefore.has(pair)).toBe(true);
    // Fewer rows than results: the passes that did not move stay home.
    expect(second_.length).toBeLessThan(second.report.findings.length);
    expect(audits.logs.some((l) => l.startsWith(`info: log analytics: run ${second.runId}: sent`))).toBe(true);
  });

  it("carries the report's fingerprints, run, rule and resource in the documented columns only", async () => {
    const audits = auditor(appSettings, [logAnalyticsStep(targetOf(receiver, { send: "all" }), FAST_RETRY)]);
    const { runId, report } = await audits.audit(SAMPLE);
    const rows = rowsOf(runId);
    expect(rows).toHaveLength(report.findings.length);
    expect(rows.map((r) => r["Fingerprint"])).toEqual(reportFingerprints(report.findings));
    const columns = FINDINGS_TABLE_COLUMNS.map((c) => c.name).sort();
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(columns);
    expect(rows[0]).toMatchObject({
      TimeGenerated: report.run.startedAt,
      RunId: runId,
      RuleId: report.findings[0]!.ruleId,
      RuleTitle: report.findings[0]!.title,
      ResourceId: report.findings[0]!.resourceId,
      Baseline: report.run.baseline,
    });
    const excepted = rows.filter((r) => r["Excepted"] === true);
    for (const row of excepted) expect(row).toMatchObject({ ExceptionEffect: "applied" });
    expect(receiver.oversizedFields).toEqual([]);
  });
});

describe("batches", () => {
  it("delivers 100,000 results exactly once, gzipped, every call under 1 MB", async () => {
    const { report, completed } = await bigReport(100_000);
    const before = receiver.calls.length;
    const step = logAnalyticsStep(targetOf(receiver, { send: "all" }), FAST_RETRY);
    const logs: string[] = [];
    const log = {
      info: (m: string) => logs.push(m),
      warn: (m: string) => logs.push(m),
      error: (m: string) => logs.push(m),
    };
    const started = Date.now();
    await step.run({ message: { runId: report.run.runId } as never, report, completed, log });
    const elapsed = Date.now() - started;
    const rows = rowsOf(report.run.runId);
    expect(rows).toHaveLength(100_000);
    // Calls run side by side, so rows arrive out of order: the same fingerprints, each once.
    const arrived = rows.map((r) => String(r["Fingerprint"])).sort();
    const expected = reportFingerprints(report.findings).sort();
    expect(new Set(arrived).size).toBe(100_000);
    expect(arrived.join("\n") === expected.join("\n")).toBe(true);
    const calls = callsSince(before);
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.every((c) => c.status === 204 && c.gzip && c.jsonBytes <= MAX_CALL_BYTES)).toBe(true);
    expect(calls.reduce((n, c) => n + c.records, 0)).toBe(100_000);
    expect(logs.join("\n")).toContain("sent 100000 of 100000 results (all)");
    console.log(`100k rows: ${calls.length} calls, ${elapsed} ms`);
  }, 180_000);

  it("retries a 429 after its Retry-After and sends every row once", async () => {
    const { report, completed } = await bigReport(3_000);
    const before = receiver.calls.length;
    receiver.cue({ status: 429, retryAfter: "1" });
    const logs: string[] = [];
    const log = {
      info: (m: string) => logs.push(m),
      warn: (m: string) => logs.push(m),
      error: (m: string) => logs.push(m),
    };
    const started = Date.now();
    await logAnalyticsStep(targetOf(receiver, { send: "all" }), { ...FAST_RETRY, maxConcurrency: 1 }).run({
      message: { runId: report.run.runId } as never,
      report,
      completed,
      log,
    });
    const calls = callsSince(before);
    expect(calls[0]!.status).toBe(429);
    expect(calls.slice(1).every((c) => c.status === 204)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(rowsOf(report.run.runId)).toHaveLength(3_000);
    expect(logs.join("\n")).toContain("sent 3000 of 3000");
  }, 60_000);
});

describe("an oversized row", () => {
  it("is refused by the API with 413 and named by the SDK's onError: the row and the cause", async () => {
    const client = new LogsIngestionClient(receiver.url, new LocalAudienceCredential(), {
      tlsOptions: { ca: receiver.caPem },
      retryOptions: { maxRetries: 0 },
    });
    // Random text: gzip cannot shrink it under the limit, so both sizes are over 1 MB.
    const huge = { ...sampleRow(), Message: randomText(1_200_000) };
    const failures: Array<{ rows: number; status: unknown }> = [];
    const error = await client
      .upload(DCR, STREAM, [sampleRow(), huge, sampleRow()], {
        maxConcurrency: 1,
        onError: ({ failedLogs, cause }) =>
          failures.push({ rows: failedLogs.length, status: (cause as { statusCode?: number }).statusCode }),
      })
      .catch((e: unknown) => e);
    expect(isAggregateLogsUploadError(error)).toBe(true);
    // The SDK puts a row over 1 MB in a call of its own: that call fails, the rows around it arrive.
    expect(failures).toEqual([{ rows: 1, status: 413 }]);
  });

  it("never leaves the step: evidence and text are cut with a marker, and the row arrives", async () => {
    const audits = auditor(appSettings, [logAnalyticsStep(targetOf(receiver, { send: "all" }), FAST_RETRY)]);
    const { runId, report } = await audits.audit(SAMPLE);
    const finding = { ...report.findings.find((f) => f.status === "fail")!, resourceId: "/subscriptions/x/huge" };
    const hostile = `<script>]]>|\`\u0000\u202e${"\ud83d\ude00".repeat(20_000)}\ud800`;
    finding.evidence = { blob: randomText(3_000_000) };
    finding.message = hostile;
    const bigRun = { ...report, run: { ...report.run, runId: `${runId}-big` }, findings: [finding] };
    const none = { new: [], resolved: [], regressed: [], stillFailing: [], notFullyRead: 0, stale: 0 };
    const completed = { transitions: none } as unknown as CompletedRun;
    const logs: string[] = [];
    const log = {
      info: (m: string) => logs.push(m),
      warn: (m: string) => logs.push(m),
      error: (m: string) => logs.push(m),
    };
    await logAnalyticsStep(targetOf(receiver, { send: "all" }), FAST_RETRY).run({
      message: { runId } as never,
      report: bigRun,
      completed,
      log,
    });
    const [row] = rowsOf(`${runId}-big`);
    expect(row).toMatchObject({ EvidenceTruncated: true, Transition: "unchanged" });
    const evidence = row!["Evidence"] as { note: string; partialJson: string; originalBytes: number };
    expect(evidence.note).toBe(EVIDENCE_TRUNCATED_NOTE);
    expect(JSON.stringify(finding.evidence).startsWith(evidence.partialJson)).toBe(true);
    expect(evidence.originalBytes).toBeGreaterThan(3_000_000);
    const message = row!["Message"] as string;
    expect(message).toMatch(/ …\[truncated: \d+ characters in all\]$/);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(TEXT_FIELD_BYTES);
    expect(message.startsWith("<script>]]>|`\u0000\u202e")).toBe(true);
    expect(receiver.oversizedFields).toEqual([]);
  });
});

describe("a failure of the step", () => {
  it.each([
    ["an unknown DCR", { dcrId: "dcr-ffffffffffffffffffffffffffffffff" }, "HTTP 404"],
    ["an unknown stream", { stream: "Custom-Other_CL" }, "HTTP 400"],
  ])("(%s) is logged with the count not sent; the run completes", async (_what, overrides, status) => {
    const audits = auditor(appSettings, [logAnalyticsStep(targetOf(receiver, overrides), FAST_RETRY)]);
    const { runId, outcome, report } = await audits.audit(SAMPLE);
    expect(outcome.status).toBe("completed");
    expect((await audits.store.getRun(runId))?.status).toBe("completed");
    const sent = report.findings.filter((f) => ["fail", "unknown", "error"].includes(f.status)).length;
    const line = audits.logs.find((l) => l.startsWith(`error: log analytics: run ${runId}:`));
    expect(line).toContain(`${sent} row(s) NOT sent of ${sent} of ${report.findings.length} results`);
    expect(line).toContain(status);
    expect(rowsOf(runId)).toEqual([]);
  });

  it("with a token for another cloud's audience (AUDIT_CLOUD) is a 401, logged; the run completes", async () => {
    const settings = appSettingsFromEnv({
      AzureWebJobsStorage: azurite.connectionString,
      AUDIT_SOURCE: `snapshot:${SAMPLE}`,
      AUDIT_CLOUD: "AzureUSGovernment",
      LOG_ANALYTICS_ENDPOINT: receiver.url,
      LOG_ANALYTICS_DCR_ID: DCR,
      LOG_ANALYTICS_CA: receiver.caFile,
    });
    const services = buildServices(settings);
    const before = receiver.calls.length;
    const { runId, outcome, logs } = await auditOnce(services);
    expect(outcome.status).toBe("completed");
    expect(callsSince(before).map((c) => c.status)).toEqual([401]);
    expect(callsSince(before)[0]!.error).toContain("https://monitor.azure.us");
    const line = logs.find((l) => l.startsWith(`error: log analytics: run ${runId}`));
    expect(line).toMatch(/\d+ row\(s\) NOT sent .*HTTP 401/);
  });

  it("from a bad setting never stops the app: each run logs the problem, naming the setting", async () => {
    const settings = appSettingsFromEnv({
      AzureWebJobsStorage: azurite.connectionString,
      AUDIT_SOURCE: `snapshot:${SAMPLE}`,
      LOG_ANALYTICS_ENDPOINT: receiver.url,
      LOG_ANALYTICS_DCR_ID: "dcr-nothex",
    });
    const services = buildServices(settings);
    const { runId, outcome, logs } = await auditOnce(services);
    expect(outcome.status).toBe("completed");
    expect(logs).toContain(
      `error: log analytics: nothing sent for run ${runId}: LOG_ANALYTICS_DCR_ID: expected a data collection rule immutable id: dcr- and 32 hex digits`,
    );
  });
});

/** The sample's results copied onto distinct resources until there are `count`: a big run, without a big engine run. */
async function bigReport(count: number): Promise<{ report: AuditReport; completed: CompletedRun }> {
  const audits = auditor(appSettings, []);
  const { report } = await audits.audit(SAMPLE);
  const findings: Finding[] = [];
  for (let copy = 0; findings.length < count; copy += 1)
    for (const finding of report.findings) {
      if (findings.length === count) break;
      findings.push({
        ...finding,
        resourceId: `${finding.resourceId}-copy${copy}`,
        resourceName: `${finding.resourceName}-${copy}`,
      });
    }
  const runId = `${report.run.runId}-${count}`;
  const none = { new: [], resolved: [], regressed: [], stillFailing: [], notFullyRead: 0, stale: 0 };
  return {
    report: { ...report, run: { ...report.run, runId }, findings },
    completed: { transitions: none } as unknown as CompletedRun,
  };
}

function sampleRow(): Record<string, unknown> {
  return { TimeGenerated: "2026-12-04T02:00:00Z", RunId: "sdk", Fingerprint: "f", Status: "fail" };
}

function randomText(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let text = "";
  for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(Math.random() * alphabet.length)];
  return text;
}

/** Requests one audit and runs it as the queue trigger would, keeping its log lines (errors prefixed `error: `). */
async function auditOnce(services: Services) {
  const { runId } = await services.audits.requestAudit({ trigger: "http" });
  const logs: string[] = [];
  const log = {
    info: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(m),
    error: (m: string) => logs.push(`error: ${m}`),
  };
  const outcome = await services.audits.runRequested(
    { runId, trigger: "http", requestedAt: new Date().toISOString(), baseline: "current" },
    { dequeueCount: 1, maxDequeueCount: 3 },
    log,
  );
  return { runId, outcome, logs };
}
