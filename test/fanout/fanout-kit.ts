// Helpers for the fan-out tests: services on fresh tables (a table prefix) and their own queues, a queue driver that
// behaves like the Functions host (retries up to maxDequeueCount, then the poison handler), and comparable views of a
// run (its results as rule|resource|status lines, its scores).
import { QueueClient } from "@azure/storage-queue";
import { appSettingsFromEnv, type AppSettings } from "../../src/app/app-settings";
import { createAuditQueue, createMessageQueue } from "../../src/queue/storage-queue";
import { AuditService, type Logger, type PostRunStep } from "../../src/audit/audit-service";
import { sourceOpener, type Services } from "../../src/app/services";
import { FanoutService, type FanoutCollector } from "../../src/fanout/fanout-service";
import type { ShardMessage } from "../../src/fanout/shard-message";
import type { AuditStore, RunDetail, StoredFinding } from "../../src/audit/audit-store";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createFanoutStore } from "../../src/fanout/table-fanout-store";
import { createExceptionStore } from "../../src/store/table-exception-store";
import type { ExceptionStore } from "../../src/audit/exception-store";
import type { FanoutStore } from "../../src/fanout/fanout-store";
import { errorText } from "../../src/errors";

export const MAX_DEQUEUE = 3;

export interface FanoutKit extends Services {
  fanout: FanoutService;
  fanoutStore: FanoutStore;
  auditQueueName: string;
  shardQueueName: string;
  connectionString: string;
  logs: string[];
  log: Logger;
}

let counter = 0;

export function fanoutKit(options: {
  connectionString: string;
  env: Record<string, string>;
  steps?: PostRunStep[];
  collector?: Partial<FanoutCollector>;
  /** Table prefix and queue names; default fresh ones. */
  prefix?: string;
  queues?: { audit: string; shards: string };
  /** The exception store runs and shards read; default the kit's own, on its tables. */
  exceptions?: ExceptionStore;
}): FanoutKit {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  const prefix = options.prefix ?? `f${id}`;
  const settings: AppSettings = appSettingsFromEnv({ AzureWebJobsStorage: options.connectionString, ...options.env });
  const store: AuditStore = createAuditStore(settings.tables, { tablePrefix: prefix });
  const fanoutStore = createFanoutStore(settings.tables, { tablePrefix: prefix });
  const exceptions = options.exceptions ?? createExceptionStore(settings.tables, { tablePrefix: prefix });
  const auditQueueName = options.queues?.audit ?? `audit-${id}`;
  const shardQueueName = options.queues?.shards ?? `shards-${id}`;
  const queue = createAuditQueue(settings.queues, auditQueueName);
  const shardQueue = createMessageQueue<ShardMessage>(
    settings.queues,
    shardQueueName,
    (m) => `shard ${m.shard} of ${m.runId}`,
  );
  const steps = options.steps ?? [];
  const fanout = new FanoutService({
    settings,
    store,
    fanoutStore,
    shardQueue,
    postRunSteps: steps,
    exceptions,
    deferDelaySeconds: () => 1,
    ...(options.collector !== undefined ? { collector: options.collector } : {}),
  });
  const audits = new AuditService({
    settings,
    store,
    queue,
    postRunSteps: steps,
    fanout,
    exceptions,
    openSource: sourceOpener(settings.source),
  });
  const logs: string[] = [];
  const log: Logger = {
    info: (m) => logs.push(m),
    warn: (m) => logs.push(`WARN ${m}`),
    error: (m) => logs.push(`ERROR ${m}`),
  };
  return {
    settings,
    store,
    queue,
    audits,
    exceptions,
    fanout,
    fanoutStore,
    auditQueueName,
    shardQueueName,
    connectionString: options.connectionString,
    logs,
    log,
  };
}

export function queueClient(kit: { connectionString: string }, name: string): QueueClient {
  return new QueueClient(kit.connectionString, name);
}

function decode(text: string): unknown {
  return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
}

/** Requests an audit and runs its request message, as runAudit would. */
export async function requestAndPlan(
  kit: FanoutKit,
  trigger: "http" | "timer" = "http",
): Promise<{ runId: string; status: string }> {
  const { runId } = await kit.audits.requestAudit({ trigger });
  const client = queueClient(kit, kit.auditQueueName);
  const received = await client.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
  const message = received.receivedMessageItems[0];
  if (message === undefined) throw new Error("no audit request on the queue");
  const outcome = await kit.audits.runRequested(
    decode(message.messageText),
    { dequeueCount: 1, maxDequeueCount: MAX_DEQUEUE },
    kit.log,
  );
  await client.deleteMessage(message.messageId, message.popReceipt);
  return { runId, status: outcome.status };
}

/**
 * Works the shard queue as the Functions host would with one worker: a failing attempt makes the message visible again,
 * the attempt that reaches MAX_DEQUEUE hands it to the poison handler. Returns when the queue stays empty.
 */
export async function drainShards(kit: FanoutKit, options: { idleMs?: number; workers?: number } = {}): Promise<void> {
  if ((options.workers ?? 1) > 1) {
    await Promise.all(Array.from({ length: options.workers! }, () => drainShards(kit, { ...options, workers: 1 })));
    return;
  }
  const client = queueClient(kit, kit.shardQueueName);
  await client.createIfNotExists();
  let idleSince = Date.now();
  for (;;) {
    const received = await client.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
    const message = received.receivedMessageItems[0];
    if (message === undefined) {
      if (Date.now() - idleSince > (options.idleMs ?? 300)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const body = decode(message.messageText);
    const attempt = { dequeueCount: message.dequeueCount, maxDequeueCount: MAX_DEQUEUE };
    try {
      await kit.fanout.runShard(body, attempt, kit.log);
      await client.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      // As the host does: the failure is logged, the message retried, and the last attempt's goes to the poison handler.
      kit.logs.push(`ATTEMPT FAILED ${message.dequeueCount}: ${errorText(error)}`);
      if (message.dequeueCount >= MAX_DEQUEUE) {
        await client.deleteMessage(message.messageId, message.popReceipt);
        await kit.fanout.recordPoisonedShard(body, { dequeueCount: 1, maxDequeueCount: MAX_DEQUEUE }, kit.log);
      } else {
        await client.updateMessage(message.messageId, message.popReceipt, undefined, 0);
      }
    }
    idleSince = Date.now();
  }
}

/** Every result of a run, page by page. */
export async function allFindings(store: AuditStore, runId: string): Promise<StoredFinding[]> {
  const items: StoredFinding[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await store.listFindings(runId, {
      top: 1000,
      ...(continuationToken !== undefined ? { continuationToken } : {}),
    });
    items.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  return items;
}

/** `ruleId|resourceId|status` per result, sorted: what must be identical between a sharded and a single run. */
export function verdictLines(findings: readonly StoredFinding[]): string[] {
  return findings.map((f) => `${f.ruleId}|${f.resourceId.toLowerCase()}|${f.status}`).sort();
}

/** Every result in full (message and evidence too) but its run id, one JSON line each, sorted. */
export function findingLines(findings: readonly StoredFinding[]): string[] {
  return findings
    .map(
      ({ runId: _runId, ...finding }) =>
        `${finding.ruleId}|${finding.resourceId.toLowerCase()}|${JSON.stringify(finding)}`,
    )
    .sort();
}

/** The run's scores as stored, byte for byte: a sharded run's must be a single run's, list order included. */
export function comparableScores(run: RunDetail | undefined): string | undefined {
  const scores = run?.summary?.scores;
  return scores === undefined ? undefined : JSON.stringify(scores);
}

/** The run's record but what differs between any two runs (id, times) and the collection figures (fan-out adds its own). */
export function comparableRun(run: RunDetail | undefined): string | undefined {
  if (run?.summary === undefined) return undefined;
  const { runId: _id, startedAt: _s, finishedAt: _f, durationMs: _d, collection: _c, ...rest } = run.summary.run;
  return JSON.stringify({ recordStatus: run.status, ...rest, bySeverity: run.summary.bySeverity });
}

export async function finishedRun(store: AuditStore, runId: string, timeoutMs = 60_000): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await store.getRun(runId);
    if (
      run !== undefined &&
      (run.status === "completed" || run.status === "partial" || run.status === "failed") &&
      run.summary !== undefined
    )
      return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} did not finish within ${timeoutMs} ms (status ${run?.status ?? "missing"})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A post-run step that counts its invocations per run. */
export function countingStep(): PostRunStep & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    name: "counting",
    calls,
    async run({ report }) {
      calls.set(report.run.runId, (calls.get(report.run.runId) ?? 0) + 1);
    },
  };
}
