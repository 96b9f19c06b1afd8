// A run's telemetry, from real runs of the sample estate: live collection from the ARM emulator, storage in Azurite,
// a Teams alert to a local receiver, all wired by the composition root. The trace, the metrics and the summary record
// are read back from in-memory exporters and held to what the run reported and what the emulator served.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { HistogramMetricData } from "@opentelemetry/sdk-metrics";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { SAMPLE } from "../support/run-cli";
import { WebhookReceiver } from "../alerts/webhook-receiver";
import { appSettingsFromEnv, AUDIT_QUEUE } from "../../src/app/app-settings";
import { buildServices, type Services } from "../../src/app/services";
import type { Logger } from "../../src/audit/audit-service";
import type { Scores } from "../../src/engine/scoring";
import { ATTR, INSTRUMENTS } from "../../src/telemetry/run-metrics";
import { DEFAULT_BASELINE } from "../../src/rules/baselines";
import { otelKit, pointsOf, sumBy, type OtelKit } from "./otel-test-kit";

let azurite: Azurite;
let receiver: WebhookReceiver;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  receiver = await WebhookReceiver.start();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await azurite?.dispose();
});

/** A subscription of the sample; given explicitly, the run lists nothing before it collects. */
const SUBSCRIPTION = "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Services on a fresh account's tables (a new emulator per test) reporting to the kit's telemetry. */
function services(emulator: RunningEmulator, kit: OtelKit, env: Record<string, string> = {}): Services {
  const settings = appSettingsFromEnv({
    ...env,
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_ARM_ENDPOINT: emulator.url,
    AUDIT_ARM_CA: emulator.caFile,
    TEAMS_WEBHOOK_URL: receiver.url(`/telemetry/${Date.now()}`),
    REPORT_BASE_URL: "https://auditor.example",
  });
  return buildServices(settings, [], kit.telemetry);
}

/** Requests an audit and runs its queue message, as the runAudit function does. */
async function audit(built: Services): Promise<{ runId: string; scope: string; outcome: Promise<unknown> }> {
  const { runId, scope } = await built.audits.requestAudit({ trigger: "http" });
  const queue = new QueueClient(azurite.connectionString, AUDIT_QUEUE);
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
  const item = receivedMessageItems[0]!;
  await queue.deleteMessage(item.messageId, item.popReceipt);
  const message = JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8"));
  return { runId, scope, outcome: built.audits.runRequested(message, { dequeueCount: 1, maxDequeueCount: 5 }, silent) };
}

function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const named = spans.filter((span) => span.name === name);
  expect(named, name).toHaveLength(1);
  return named[0]!;
}

describe("the trace of a run", () => {
  let emulator: RunningEmulator;
  let kit: OtelKit;
  let runId: string;
  let scope: string;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: SAMPLE, quota: { limit: 10_000 } });
    kit = otelKit();
    const started = await audit(services(emulator, kit));
    runId = started.runId;
    scope = started.scope;
    await started.outcome;
  }, 120_000);

  afterAll(async () => {
    await kit?.shutdown();
    await emulator?.close();
  });

  it("has one root span audit.run with plan, collect, evaluate, store, retention and alerts as its children, in order", () => {
    const spans = kit.spans();
    const root = only(spans, "audit.run");
    expect(root.parentSpanContext).toBeUndefined();
    const children = spans
      .filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId)
      .sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
    // audit.plan decides whether the run fans out; audit.retention is a post-run step (it acts on nightly runs only).
    expect(children.map((span) => span.name)).toEqual([
      "audit.plan",
      "audit.collect",
      "audit.evaluate",
      "audit.store",
      "audit.retention",
      "audit.alerts",
    ]);
    for (const child of children) {
      expect(child.spanContext().traceId).toBe(root.spanContext().traceId);
      // Steps run one after the other, inside the run's span.
      expect(hrMs(child.startTime)).toBeGreaterThanOrEqual(hrMs(root.startTime) - 1);
      expect(hrMs(child.endTime)).toBeLessThanOrEqual(hrMs(root.endTime) + 1);
    }
    // (span times are rounded to the clock's resolution: allow a millisecond)
    for (let i = 1; i < children.length; i += 1)
      expect(hrMs(children[i]!.startTime)).toBeGreaterThanOrEqual(hrMs(children[i - 1]!.endTime) - 1);
  });

  it("names the run, its trigger, baseline, scope and final status on the root span", () => {
    const root = only(kit.spans(), "audit.run");
    expect(root.attributes).toMatchObject({
      [ATTR.runId]: runId,
      [ATTR.trigger]: "http",
      [ATTR.baseline]: DEFAULT_BASELINE,
      // The scope key the run was requested (and stored) with: no explicit scope, so the credential's tenant.
      [ATTR.scope]: scope,
      [ATTR.status]: "completed",
    });
    expect(root.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it("counts results by status and failures by severity exactly as the stored run reports them", async () => {
    const services = kit.metrics();
    const metrics = await services;
    const run = await storedSummary(runId);
    expect(sumBy(pointsOf(metrics, INSTRUMENTS.results.name), ATTR.resultStatus)).toEqual(nonZero(run.byStatus));
    expect(sumBy(pointsOf(metrics, INSTRUMENTS.failures.name), ATTR.severity)).toEqual(nonZero(run.failuresBySeverity));
    expect(run.byStatus.fail).toBeGreaterThan(0);
  });

  it("counts every Resource Graph request the emulator served, and records the run's duration once", async () => {
    const metrics = await kit.metrics();
    const requests = sumBy(pointsOf(metrics, INSTRUMENTS.resourceGraphRequests.name), ATTR.outcome);
    expect(requests).toEqual({ ok: emulator.stats.resourceGraphRequests });
    const duration = pointsOf(metrics, INSTRUMENTS.runDuration.name);
    expect(duration).toHaveLength(1);
    expect(duration[0]!.attributes).toMatchObject({ [ATTR.status]: "completed", [ATTR.baseline]: DEFAULT_BASELINE });
    const histogram = metrics.find((m) => m.descriptor.name === INSTRUMENTS.runDuration.name) as HistogramMetricData;
    expect(histogram.descriptor.unit).toBe("s");
    const root = only(kit.spans(), "audit.run");
    const spanSeconds = (hrMs(root.endTime) - hrMs(root.startTime)) / 1000;
    expect((duration[0]!.value as { sum: number }).sum).toBeCloseTo(spanSeconds, 1);
  });

  it("logs the run's summary once, as a structured record in the run's trace", () => {
    const records = kit.logs.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    const record = records[0]!;
    const root = only(kit.spans(), "audit.run");
    expect(record.attributes).toMatchObject({
      [ATTR.runId]: runId,
      [ATTR.status]: "completed",
      [ATTR.baseline]: DEFAULT_BASELINE,
      "event.name": "miaudit.run.summary",
    });
    expect(record.spanContext?.traceId).toBe(root.spanContext().traceId);
  });
});

describe("a run whose collection fails", () => {
  it("records the error on audit.collect and on the run's span, and counts the failed requests", async () => {
    // Every Resource Graph request is refused (403 is not retried): nothing is collected, the run fails.
    const emulator = await startEmulator({ estate: SAMPLE, faults: [{ effect: "error", status: 403, match: "" }] });
    const kit = otelKit();
    try {
      const { outcome } = await audit(services(emulator, kit, { AUDIT_SUBSCRIPTIONS: SUBSCRIPTION }));
      await expect(outcome).rejects.toThrow(/nothing could be collected/);
      const spans = kit.spans();
      const collect = only(spans, "audit.collect");
      expect(collect.status.code).toBe(SpanStatusCode.ERROR);
      expect(collect.events.map((event) => event.name)).toContain("exception");
      expect(String(collect.events[0]!.attributes!["exception.message"])).toMatch(/nothing could be collected/);
      const root = only(spans, "audit.run");
      expect(root.status.code).toBe(SpanStatusCode.ERROR);
      expect(root.attributes[ATTR.status]).toBe("failed");
      expect(spans.map((span) => span.name)).not.toContain("audit.evaluate");
      const metrics = await kit.metrics();
      expect(sumBy(pointsOf(metrics, INSTRUMENTS.resourceGraphRequests.name), ATTR.outcome)).toEqual({
        failed: emulator.stats.resourceGraphRequests,
      });
    } finally {
      await kit.shutdown();
      await emulator.close();
    }
  }, 120_000);
});

function hrMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

function nonZero(counts: object): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => typeof n === "number" && n > 0));
}

/** The run's scores as the store keeps them (the report API reads the same). */
async function storedSummary(runId: string): Promise<Scores> {
  const built = buildServices(
    appSettingsFromEnv({ AzureWebJobsStorage: azurite.connectionString, AUDIT_SOURCE: `snapshot:${SAMPLE}` }),
    [],
  );
  const run = await built.store.getRun(runId);
  return run!.summary!.scores;
}
