// Fan-out under the local Functions host, as it runs in Azure: queue triggers with several workers against Azurite
// queues, the planner in runAudit, shards in runAuditShard. A sharded run gives exactly the results of a single run of
// the same estate; a worker process killed mid-shard (SIGKILL, nothing deleted, nothing renewed) is recovered through
// the queue's visibility timeout and the run completes the same.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InvocationContext, StorageQueueFunctionOptions } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import type { FunctionRegistration } from "../../src/app/function-registration";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { buildServices, useServices, type Services } from "../../src/app/services";
import { runAuditFunction } from "../../src/functions/run-audit";
import { runAuditShardFunction } from "../../src/functions/run-audit-shard";
import { auditShardPoisonFunction } from "../../src/functions/audit-shard-poison";
import { createFanoutStore } from "../../src/fanout/table-fanout-store";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { SAMPLE } from "../support/run-cli";
import { captureLog, eventually, processAlive } from "../host/support/host-test-kit";
import {
  allFindings,
  comparableScores,
  countingStep,
  fanoutKit,
  finishedRun,
  requestAndPlan,
  verdictLines,
} from "./fanout-kit";
import { replicatedSample } from "./replicated-estate";

const REPO = join(__dirname, "..", "..");
const HOST_JSON = {
  version: "2.0",
  extensions: {
    queues: {
      maxPollingInterval: "00:00:00.500",
      visibilityTimeout: "00:00:01",
      batchSize: 1,
      maxDequeueCount: 3,
      messageEncoding: "base64",
    },
  },
};

let azurite: Azurite;
const emulators: RunningEmulator[] = [];
const hosts: LocalHost[] = [];
let child: ChildProcess | undefined;
const projectDir = mkdtempSync(join(tmpdir(), "fanout-host-"));

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
}, 120_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const host of hosts) await host.stop().catch(() => undefined);
  useServices(undefined);
  for (const emulator of emulators) await emulator.close();
  await azurite?.dispose();
  rmSync(projectDir, { recursive: true, force: true });
});

async function emulator(options: Parameters<typeof startEmulator>[0]): Promise<RunningEmulator> {
  const started = await startEmulator(options);
  emulators.push(started);
  return started;
}

function liveEnv(endpoint: RunningEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_ARM_ENDPOINT: endpoint.url,
    AUDIT_ARM_CA: endpoint.caFile,
    ...extra,
  };
}

/** The shard trigger as registered, with a probe: how many run at once, and each delivery's dequeueCount. */
function probedShardFunction(): {
  registration: FunctionRegistration;
  deliveries: Array<{ shard: number; dequeueCount: number }>;
  maxConcurrent: () => number;
} {
  const deliveries: Array<{ shard: number; dequeueCount: number }> = [];
  let running = 0;
  let max = 0;
  const options = runAuditShardFunction.options as StorageQueueFunctionOptions;
  const handler = async (message: unknown, context: InvocationContext): Promise<void> => {
    deliveries.push({
      shard: Number((message as { shard?: unknown }).shard),
      dequeueCount: Number(context.triggerMetadata?.["dequeueCount"]),
    });
    running += 1;
    max = Math.max(max, running);
    try {
      await (options.handler as (m: unknown, c: InvocationContext) => Promise<void>)(message, context);
    } finally {
      running -= 1;
    }
  };
  return {
    registration: { ...runAuditShardFunction, kind: "storageQueue", options: { ...options, handler } },
    deliveries,
    maxConcurrent: () => max,
  };
}

async function startHost(env: Record<string, string>, registrations: FunctionRegistration[]): Promise<LocalHost> {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const host = await startLocalHost({
      registrations,
      settings: env,
      localSettingsFile: false,
      hostJson: HOST_JSON,
      emulatorEstate: false,
      runTimersOnStart: false,
      queueWorkers: 3,
      queueLeaseSeconds: 2,
      port: 0,
      log: captureLog(),
    });
    hosts.push(host);
    return host;
  } finally {
    warn.mockRestore();
  }
}

describe("the local host with three workers", () => {
  it("runs a sharded audit of a 30-subscription estate with exactly a single run's results, and its post-run steps once", async () => {
    const estate = await emulator({ estate: replicatedSample(10), quota: { limit: 10_000 } });
    const single = fanoutKit({ connectionString: azurite.connectionString, env: liveEnv(estate) });
    const one = await requestAndPlan(single);
    expect(one.status).toBe("completed");
    const singleRun = await finishedRun(single.store, one.runId);

    const env = liveEnv(estate, { AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "10", AUDIT_SHARD_SUBSCRIPTIONS: "4" });
    const step = countingStep();
    const services: Services = buildServices(appSettingsFromEnv(env), [step]);
    useServices(services);
    const probe = probedShardFunction();
    const host = await startHost(env, [runAuditFunction, probe.registration, auditShardPoisonFunction]);

    const started = Date.now();
    const { runId } = await services.audits.requestAudit({ trigger: "http" });
    const run = await finishedRun(services.store, runId, 120_000);
    const elapsed = Date.now() - started;
    await host.stop();

    expect(run.status).toBe("completed");
    expect(run.summary!.run.collection["fanout"]).toMatchObject({ shards: 8, failedShards: [] });
    expect(verdictLines(await allFindings(services.store, runId))).toEqual(
      verdictLines(await allFindings(single.store, one.runId)),
    );
    expect(comparableScores(run)).toEqual(comparableScores(singleRun));
    expect(run.summary!.run.resourcesInEstate).toBe(singleRun.summary!.run.resourcesInEstate);
    expect(step.calls.get(runId)).toBe(1);
    // Eight shards went through three workers, several at a time.
    expect(new Set(probe.deliveries.map((d) => d.shard))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(probe.maxConcurrent()).toBeGreaterThan(1);
    console.log(
      `30 subscriptions, ${run.summary!.run.resourcesInEstate} resources: single run ${singleRun.durationMs} ms, 8 shards on 3 workers ${elapsed} ms`,
    );
  }, 180_000);
});

describe("a worker killed mid-shard", () => {
  it("is recovered through the visibility timeout, and the run completes with a single run's results", async () => {
    const distHost = join(REPO, "dist", "dev", "start-local.js");
    expect(
      existsSync(join(REPO, "dist", "src", "functions", "run-audit-shard.js")),
      "build first: npx tsc -p tsconfig.json",
    ).toBe(true);
    // NIC queries take 4 s here, so a shard is certainly in the middle of its collection when its worker is killed.
    const estate = await emulator({
      estate: SAMPLE,
      quota: { limit: 10_000 },
      faults: "latency:ms=4000,match=networkinterfaces",
    });
    const env = liveEnv(estate, { AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "1", AUDIT_SHARD_SUBSCRIPTIONS: "1" });
    const step = countingStep();
    const services: Services = buildServices(appSettingsFromEnv(env), [step]);
    useServices(services);

    // A separate worker process: the compiled app under the local host, one queue worker, a 2 s lease.
    copyFileSync(join(REPO, "host.json"), join(projectDir, "host.json"));
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(AzureWebJobs|AUDIT_|AUDITOR_|HOST_|PORT$|TEAMS_|ALERT_|REPORT_)/.test(name),
      ),
    );
    child = spawn(process.execPath, [distHost], {
      cwd: projectDir,
      env: {
        ...inherited,
        ...env,
        PORT: "0",
        HOST_FUNCTIONS_DIR: join(REPO, "dist", "src", "functions"),
        HOST_TIMERS_ON_START: "false",
        // Only the run this test requests: no first-start audit of its own (the store may be empty).
        AUDIT_ON_FIRST_START: "false",
        HOST_QUEUE_WORKERS: "1",
        HOST_QUEUE_LEASE_SECONDS: "2",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child!.once("exit", (_code, signal) => resolve(signal)),
    );
    await eventually("the worker process to listen", () => /Host listening on/.test(output), 60_000);

    const { runId } = await services.audits.requestAudit({ trigger: "http" });
    // The worker plans the run and takes its first shard; once that shard's NIC query is in flight, it is killed.
    await eventually(
      "a shard to be collecting",
      () => estate.stats.resourceGraphLog.some((entry) => /networkinterfaces/.test(entry.query) && entry.status === 0),
      60_000,
    );
    const pid = child.pid!;
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(processAlive(pid)).toBe(false);
    expect(output).toMatch(/Executing 'Functions\.runAuditShard'/);
    const fanoutStore = createFanoutStore(services.settings.tables);
    expect(await fanoutStore.getProgress(runId)).toMatchObject({ states: "PPP", done: 0 });

    // The workers that remain: three of them in this process. The killed shard's message comes back after its lease.
    const probe = probedShardFunction();
    await startHost(env, [runAuditFunction, probe.registration, auditShardPoisonFunction]);
    const run = await finishedRun(services.store, runId, 120_000);

    expect(run.status).toBe("completed");
    const redelivered = probe.deliveries.filter((d) => d.dequeueCount === 2);
    expect(redelivered).toHaveLength(1);
    expect(new Set(probe.deliveries.map((d) => d.shard))).toEqual(new Set([0, 1, 2]));
    expect(await fanoutStore.getProgress(runId)).toMatchObject({ states: "DDD", done: 3, failed: 0 });
    expect(step.calls.get(runId)).toBe(1);

    const single = fanoutKit({ connectionString: azurite.connectionString, env: liveEnv(estate) });
    const one = await requestAndPlan(single);
    const singleRun = await finishedRun(single.store, one.runId);
    expect(verdictLines(await allFindings(services.store, runId))).toEqual(
      verdictLines(await allFindings(single.store, one.runId)),
    );
    expect(comparableScores(run)).toEqual(comparableScores(singleRun));
  }, 180_000);
});
