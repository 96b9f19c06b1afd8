// A fanned-out run's telemetry: the planner's span carries the run, each shard's span links to it through the
// traceparent its queue message carries, and the run's metrics and summary record come once, from the finaliser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { SAMPLE } from "../support/run-cli";
import { appSettingsFromEnv, AUDIT_QUEUE, AUDIT_SHARD_QUEUE } from "../../src/app/app-settings";
import { buildServices, type Services } from "../../src/app/services";
import type { Logger } from "../../src/audit/audit-service";
import { ATTR, INSTRUMENTS } from "../../src/telemetry/run-metrics";
import { otelKit, pointsOf, sumBy, type OtelKit } from "./otel-test-kit";

let azurite: Azurite;
let emulator: RunningEmulator;
let kit: OtelKit;
let built: Services;
let runId: string;

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ATTEMPT = { dequeueCount: 1, maxDequeueCount: 5 };

function decode(text: string): unknown {
  return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
}

/** Works the shard queue as the runAuditShard function would, until it is empty. */
async function drainShards(): Promise<number> {
  const queue = new QueueClient(azurite.connectionString, AUDIT_SHARD_QUEUE);
  let handled = 0;
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 8, visibilityTimeout: 60 });
    if (receivedMessageItems.length === 0) return handled;
    for (const item of receivedMessageItems) {
      await built.fanout!.runShard(decode(item.messageText), ATTEMPT, silent);
      await queue.deleteMessage(item.messageId, item.popReceipt);
      handled += 1;
    }
  }
}

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  emulator = await startEmulator({ estate: SAMPLE, quota: { limit: 10_000 } });
  kit = otelKit();
  built = buildServices(
    appSettingsFromEnv({
      AzureWebJobsStorage: azurite.connectionString,
      AUDIT_ARM_ENDPOINT: emulator.url,
      AUDIT_ARM_CA: emulator.caFile,
      AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "1",
      AUDIT_SHARD_SUBSCRIPTIONS: "1",
    }),
    [],
    kit.telemetry,
  );
  ({ runId } = await built.audits.requestAudit({ trigger: "timer" }));
  const requests = new QueueClient(azurite.connectionString, AUDIT_QUEUE);
  const { receivedMessageItems } = await requests.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
  const outcome = await built.audits.runRequested(decode(receivedMessageItems[0]!.messageText), ATTEMPT, silent);
  expect(outcome.status).toBe("fannedOut");
  expect(await drainShards()).toBeGreaterThan(1);
}, 180_000);

afterAll(async () => {
  await kit?.shutdown();
  await emulator?.close();
  await azurite?.dispose();
});

describe("a fanned-out run", () => {
  it("links every shard's span to the run's span, and gives each shard its collect, evaluate and store", async () => {
    const spans = kit.spans();
    const runs = spans.filter((span) => span.name === "audit.run");
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.attributes[ATTR.status]).toBe("fannedOut");
    const shards = spans.filter((span) => span.name === "audit.shard");
    const stored = await built.store.getRun(runId);
    expect(shards).toHaveLength((stored!.summary!.run.collection["fanout"] as { shards: number }).shards);
    for (const shard of shards) {
      expect(shard.attributes[ATTR.runId]).toBe(runId);
      expect(shard.links.map((link) => link.context.spanId)).toEqual([run.spanContext().spanId]);
      expect(shard.links[0]!.context.traceId).toBe(run.spanContext().traceId);
      const children = spans
        .filter((span) => span.parentSpanContext?.spanId === shard.spanContext().spanId)
        .map((span) => span.name);
      expect(children.slice(0, 3)).toEqual(["audit.collect", "audit.evaluate", "audit.store"]);
    }
    // The finalising shard also runs the post-run steps, in its own trace.
    expect(spans.filter((span) => span.name === "audit.retention")).toHaveLength(1);
  });

  it("records the run's duration and results once, from the finaliser, equal to the stored run", async () => {
    const metrics = await kit.metrics();
    const stored = await built.store.getRun(runId);
    const scores = stored!.summary!.scores;
    const expected = Object.fromEntries(Object.entries(scores.byStatus).filter(([, n]) => n > 0));
    expect(sumBy(pointsOf(metrics, INSTRUMENTS.results.name), ATTR.resultStatus)).toEqual(expected);
    const durations = pointsOf(metrics, INSTRUMENTS.runDuration.name);
    expect(durations).toHaveLength(1);
    expect((durations[0]!.value as { count: number }).count).toBe(1);
    expect(durations[0]!.attributes[ATTR.status]).toBe(stored!.status);
    const summaries = kit.logs.getFinishedLogRecords();
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.attributes[ATTR.runId]).toBe(runId);
    expect(sumBy(pointsOf(metrics, INSTRUMENTS.resourceGraphRequests.name), ATTR.outcome)).toEqual({
      ok: emulator.stats.resourceGraphRequests,
    });
  });
});
