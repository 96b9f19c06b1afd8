// The function handlers invoked as the host invokes them, against real Azurite and the emulator: request, queue,
// run, store, read back; exclusivity, retries, poison, retention and idempotent re-runs.
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { SAMPLE } from "../support/run-cli";
import { appSettingsFromEnv, AUDIT_QUEUE, type AppSettings } from "../../src/app/app-settings";
import { settingProblems } from "../../src/config/setting-problems";
import { buildServices, useServices, type Services, sourceOpener } from "../../src/app/services";
import { AuditService, retentionStep } from "../../src/audit/audit-service";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createExceptionStore } from "../../src/store/table-exception-store";
import { createAuditQueue } from "../../src/queue/storage-queue";
import type { ResourceSource } from "../../src/audit/resource-source";
import { startAudit } from "../../src/functions/start-audit";
import { runAuditFromQueue } from "../../src/functions/run-audit";
import { getRun } from "../../src/functions/get-run";
import { nightlyAudit } from "../../src/functions/nightly-audit";
import { recordPoisonedAudit } from "../../src/functions/audit-poison";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";

let azurite: Azurite;
let emulator: RunningEmulator;
let settings: AppSettings;
let services: Services;
let prefixCounter = 0;

function context(
  functionName: string,
  triggerMetadata: Record<string, unknown> = {},
): InvocationContext & { logs: string[] } {
  const logs: string[] = [];
  const ctx = new InvocationContext({
    functionName,
    invocationId: `test-${Math.random()}`,
    triggerMetadata,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(" ")}`),
  }) as InvocationContext & { logs: string[] };
  ctx.logs = logs;
  return ctx;
}

async function receiveAll(queueName = AUDIT_QUEUE): Promise<{ body: unknown; dequeueCount: number }[]> {
  const client = new QueueClient(azurite.connectionString, queueName);
  await client.createIfNotExists();
  const received = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 1 });
  for (const message of received.receivedMessageItems)
    await client.deleteMessage(message.messageId, message.popReceipt);
  return received.receivedMessageItems.map((m) => ({
    body: JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")),
    dequeueCount: m.dequeueCount,
  }));
}

/** Fresh tables per test (a table prefix), the same Azurite and emulator. */
function freshServices(extra: Partial<AppSettings> = {}, sourceFor?: () => ResourceSource): Services {
  const merged = { ...settings, ...extra };
  const store = createAuditStore(merged.tables, { tablePrefix: `t${Date.now().toString(36)}${prefixCounter++}` });
  const queue = createAuditQueue(merged.queues, AUDIT_QUEUE);
  const audits = new AuditService({
    settings: merged,
    store,
    queue,
    postRunSteps: [retentionStep(store, merged.retentionDays)],
    openSource: sourceFor ?? sourceOpener(merged.source),
  });
  return { settings: merged, store, queue, audits, exceptions: createExceptionStore(merged.tables) };
}

beforeAll(async () => {
  azurite = await startAzurite();
  emulator = await startEmulator({ estate: SAMPLE, quota: { limit: 10_000 } });
  settings = appSettingsFromEnv({
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_ARM_ENDPOINT: emulator.url,
    AUDIT_ARM_CA: emulator.caFile,
  });
}, 120_000);

afterAll(async () => {
  useServices(undefined);
  await emulator?.close();
  await azurite?.dispose();
});

beforeEach(async () => {
  services = freshServices();
  useServices(services);
  await receiveAll();
});

describe("request → queue → run → read back", () => {
  it("startAudit answers 202 with the run id and status URL, and the run completes through the queue", async () => {
    const response = await startAudit(
      new HttpRequest({ method: "POST", url: "http://127.0.0.1:7071/api/runs", body: { string: "" } }),
      context("startAudit"),
    );
    expect(response.status).toBe(202);
    const { runId, statusUrl } = response.jsonBody as { runId: string; statusUrl: string };
    // No base URL is configured here: a relative reference, never built from the request's host.
    expect(statusUrl).toBe(`/api/runs/${runId}`);
    expect(response.headers).toMatchObject({ location: statusUrl });
    expect((await services.store.getRun(runId))?.status).toBe("queued");

    const [message] = await receiveAll();
    expect(message!.body).toMatchObject({ runId, trigger: "http" });
    const ctx = context("runAudit", { dequeueCount: 1 });
    await runAuditFromQueue(message!.body, ctx);

    const latest = await getRun(
      new HttpRequest({ method: "GET", url: "http://127.0.0.1/api/runs/latest", params: { runId: "latest" } }),
      context("getRun"),
    );
    expect(latest.status).toBe(200);
    const run = latest.jsonBody as {
      runId: string;
      status: string;
      summary: { scores: { byStatus: Record<string, number> }; run: { collection: { requests: number } } };
    };
    expect(run.runId).toBe(runId);
    expect(run.status).toBe("completed");
    expect(run.summary.scores.byStatus.fail).toBe(33);
    expect(run.summary.run.collection.requests).toBeGreaterThan(0);
    const page = await services.store.listFindings(runId, { top: 1000 });
    expect(page.items).toHaveLength(144);
  });

  it("startAudit validates a scope override and rejects bad bodies with 400 naming the problem", async () => {
    const post = (body: string) =>
      startAudit(
        new HttpRequest({ method: "POST", url: "http://127.0.0.1/api/runs", body: { string: body } }),
        context("startAudit"),
      );
    const bad = await post('{"subscriptions":["not-a-guid"]}');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.jsonBody)).toMatch(/body\.subscriptions: not a subscription id/);
    expect((await post("{nope")).status).toBe(400);
    expect(((await post('{"tenant":true}')).jsonBody as { error: { message: string } }).error.message).toMatch(
      /Unrecognized key/,
    );
    const ok = await post('{"subscriptions":["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"]}');
    expect(ok.status).toBe(202);
    const [message] = await receiveAll();
    expect(message!.body).toMatchObject({ scope: { subscriptions: ["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"] } });
    await runAuditFromQueue(message!.body, context("runAudit", { dequeueCount: 1 }));
    const run = await services.store.getRun((ok.jsonBody as { runId: string }).runId);
    expect(run?.status).toBe("completed");
    const findings = await services.store.listFindings(run!.runId, { top: 1000 });
    expect(new Set(findings.items.map((f) => f.subscriptionId))).toEqual(
      new Set(["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"]),
    );
  });

  it("getRun answers 404 for an unknown run and 400 for a malformed id", async () => {
    const get = (runId: string) =>
      getRun(
        new HttpRequest({ method: "GET", url: `http://127.0.0.1/api/runs/${runId}`, params: { runId } }),
        context("getRun"),
      );
    expect((await get("latest")).status).toBe(404);
    expect((await get("20200101T000000Z-abcdef")).status).toBe(404);
    expect((await get("x' or '1' eq '1")).status).toBe(400);
  });

  it("the nightly timer logs isPastDue and queues a timer-triggered run", async () => {
    const ctx = context("nightlyAudit");
    await nightlyAudit({ isPastDue: true, scheduleStatus: { last: "", next: "", lastUpdated: "" } } as Timer, ctx);
    expect(ctx.logs.join("\n")).toMatch(/isPastDue/);
    const [message] = await receiveAll();
    expect(message!.body).toMatchObject({ trigger: "timer" });
  });
});

describe("exclusive runs, retries and failures", () => {
  it("a second request for the same scope while one runs is recorded as skipped, not run twice", async () => {
    const first = await services.audits.requestAudit({ trigger: "http" });
    const second = await services.audits.requestAudit({ trigger: "http" });
    const messages = await receiveAll();
    expect(messages).toHaveLength(2);
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    const outcomes = await Promise.all(
      messages.map((m) => services.audits.runRequested(m.body, { dequeueCount: 1, maxDequeueCount: 3 }, logger)),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(["completed", "skipped"]);
    const statuses = [
      (await services.store.getRun(first.runId))!.status,
      (await services.store.getRun(second.runId))!.status,
    ].sort();
    expect(statuses).toEqual(["completed", "skipped"]);
    const skipped = [first.runId, second.runId].find(
      (id) => outcomes.find((o) => o.runId === id)!.status === "skipped",
    )!;
    expect((await services.store.getRun(skipped))!.error).toMatch(/same scope \(tenant\) is in progress/);
    // The lock is released afterwards: a later request runs.
    await services.audits.requestAudit({ trigger: "http" });
    const [third] = await receiveAll();
    expect(
      (await services.audits.runRequested(third!.body, { dequeueCount: 1, maxDequeueCount: 3 }, logger)).status,
    ).toBe("completed");
  });

  it("re-running the same message (a retry) replaces the run's results and never duplicates them", async () => {
    const { runId } = await services.audits.requestAudit({ trigger: "http" });
    const [message] = await receiveAll();
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    await services.audits.runRequested(message!.body, { dequeueCount: 1, maxDequeueCount: 3 }, logger);
    await services.audits.runRequested(message!.body, { dequeueCount: 2, maxDequeueCount: 3 }, logger);
    const findings = await services.store.listFindings(runId, { top: 1000 });
    expect(findings.items).toHaveLength(144);
    expect(findings.continuationToken).toBeUndefined();
    expect((await services.store.listRuns({ top: 10 })).items.filter((r) => r.runId === runId)).toHaveLength(1);
  });

  it("a failing audit is retried by the queue, recorded as failed on its last attempt, and the poison handler keeps that reason", async () => {
    const failing: ResourceSource = {
      describe: () => ({ kind: "snapshot", files: ["boom.json"] }),
      collect: async () => {
        throw new Error("collection exploded");
      },
    };
    services = freshServices({}, () => failing);
    useServices(services);
    const { runId } = await services.audits.requestAudit({ trigger: "http" });
    const [message] = await receiveAll();
    const first = context("runAudit", { dequeueCount: 1 });
    await expect(runAuditFromQueue(message!.body, first)).rejects.toThrow(/collection exploded/);
    expect((await services.store.getRun(runId))!.status).toBe("running");
    const last = context("runAudit", { dequeueCount: 3 });
    await expect(runAuditFromQueue(message!.body, last)).rejects.toThrow(/collection exploded/);
    const failed = await services.store.getRun(runId);
    expect(failed!.status).toBe("failed");
    expect(failed!.error).toMatch(/collection exploded/);
    await recordPoisonedAudit(message!.body, context("auditPoison"));
    expect((await services.store.getRun(runId))!.error).toMatch(/collection exploded/);
  });

  it("a malformed message fails its run when the run id can be read, and lands in poison otherwise", async () => {
    const { runId } = await services.audits.requestAudit({ trigger: "http" });
    await receiveAll();
    await expect(
      runAuditFromQueue(
        { runId, trigger: "carrier-pigeon", requestedAt: "yesterday" },
        context("runAudit", { dequeueCount: 1 }),
      ),
    ).rejects.toThrow(/trigger/);
    expect((await services.store.getRun(runId))!.status).toBe("failed");
    await expect(runAuditFromQueue("not json at all", context("runAudit", { dequeueCount: 1 }))).rejects.toThrow(
      /audit request message/,
    );
  });

  it("a message that reaches the poison queue without a recorded failure is recorded as failed", async () => {
    const { runId } = await services.audits.requestAudit({ trigger: "http" });
    const [message] = await receiveAll();
    await recordPoisonedAudit(message!.body, context("auditPoison"));
    const run = await services.store.getRun(runId);
    expect(run!.status).toBe("failed");
    expect(run!.error).toMatch(/poison queue after \d+ attempt/);
  });
});

describe("retention", () => {
  it("the nightly run deletes findings older than FINDINGS_RETENTION_DAYS and keeps run summaries; HTTP runs do not purge", async () => {
    const old = new Date(Date.now() - 100 * 86_400_000);
    const oldAudits = new AuditService({
      settings,
      store: services.store,
      queue: services.queue,
      now: () => old,
      openSource: () => new SnapshotSource([SAMPLE]),
    });
    const { runId: oldRunId } = await oldAudits.requestAudit({ trigger: "http" });
    const [oldMessage] = await receiveAll();
    await oldAudits.runRequested(
      oldMessage!.body,
      { dequeueCount: 1, maxDequeueCount: 3 },
      { info: () => {}, warn: () => {}, error: () => {} },
    );
    expect((await services.store.listFindings(oldRunId, { top: 5 })).items).toHaveLength(5);

    await services.audits.requestAudit({ trigger: "http" });
    const [httpMessage] = await receiveAll();
    await services.audits.runRequested(
      httpMessage!.body,
      { dequeueCount: 1, maxDequeueCount: 3 },
      { info: () => {}, warn: () => {}, error: () => {} },
    );
    expect((await services.store.listFindings(oldRunId, { top: 5 })).items).toHaveLength(5);

    await services.audits.requestAudit({ trigger: "timer" });
    const [timerMessage] = await receiveAll();
    const logs: string[] = [];
    await services.audits.runRequested(
      timerMessage!.body,
      { dequeueCount: 1, maxDequeueCount: 3 },
      { info: (m) => logs.push(m), warn: () => {}, error: (m) => logs.push(m) },
    );
    expect(logs.join("\n")).toMatch(/retention: deleted 144 findings of 1 run/);
    expect((await services.store.listFindings(oldRunId, { top: 5 })).items).toHaveLength(0);
    const oldRun = await services.store.getRun(oldRunId);
    expect(oldRun!.status).toBe("completed");
    expect(oldRun!.summary?.scores.byStatus.fail).toBe(33);
  });
});

describe("settings", () => {
  it.each([
    [{ FINDINGS_RETENTION_DAYS: "0" }, /FINDINGS_RETENTION_DAYS: expected a whole number/],
    [{ AUDIT_SOURCE: "ftp:somewhere" }, /AUDIT_SOURCE: expected/],
    [{ AzureWebJobsStorage: "" }, /Storage is not configured/],
    [{ TRUSTED_SOURCE_PREFIXES: "0.0.0.0/1" }, /TRUSTED_SOURCE_PREFIXES/],
    [{ AUDIT_SUBSCRIPTIONS: "nope" }, /AUDIT_SUBSCRIPTIONS: not a subscription id/],
    [{ FINDINGS_ARCHIVE: "everything" }, /FINDINGS_ARCHIVE: expected "changes" or "all"/],
  ])("%j is rejected with a message naming the setting", (overrides, pattern) => {
    const env = {
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      AUDIT_ARM_ENDPOINT: emulator.url,
      AUDIT_ARM_CA: emulator.caFile,
      ...overrides,
    };
    expect(() => appSettingsFromEnv(env)).toThrow(pattern);
  });

  it.each([
    ["0 2 * * *", /^expected an NCRONTAB expression of 6 fields/],
    ["0 61 2 * * *", /is not a valid schedule/],
  ])(
    "AUDIT_SCHEDULE=%s does not stop the app: the default schedule, and the problem for /api/health",
    (value, pattern) => {
      const env = {
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        AUDIT_SOURCE: `snapshot:${SAMPLE}`,
        AUDIT_SCHEDULE: value,
      };
      expect(appSettingsFromEnv(env).schedule).toBe("0 0 2 * * *");
      expect(settingProblems(env)).toEqual([{ setting: "AUDIT_SCHEDULE", problem: expect.stringMatching(pattern) }]);
    },
  );

  it("AUDIT_SOURCE=snapshot:<file> audits a snapshot, and identity-based storage settings are accepted", () => {
    const s = appSettingsFromEnv({
      AUDIT_SOURCE: `snapshot:${SAMPLE}`,
      AzureWebJobsStorage__accountName: "stauditprod",
    });
    expect(s.source).toEqual({ kind: "snapshot", files: [SAMPLE] });
    expect(s.tables).toMatchObject({ accountUrl: "https://stauditprod.table.core.windows.net" });
    expect(s.queues).toMatchObject({ queueServiceUrl: "https://stauditprod.queue.core.windows.net" });
    expect(s.schedule).toBe("0 0 2 * * *");
    expect(s.retentionDays).toBe(90);
    expect(s.findingsArchive).toBe("changes");
    expect(
      appSettingsFromEnv({
        AUDIT_SOURCE: `snapshot:${SAMPLE}`,
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        FINDINGS_ARCHIVE: " All ",
      }).findingsArchive,
    ).toBe("all");
  });
});

// buildServices is what the composition root uses; check it wires a working service from settings alone.
describe("composition root", () => {
  it("buildServices builds a store, queue and audit service from settings", async () => {
    const built = buildServices(settings);
    const { runId } = await built.audits.requestAudit({ trigger: "http" });
    expect((await built.store.getRun(runId))?.status).toBe("queued");
    await receiveAll();
  });

  it("FINDINGS_ARCHIVE reaches the store: `all` stores every result of an unchanged run, the default its failures and unknowns", async () => {
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const auditWith = async (env: Record<string, string>) => {
      const built = buildServices(
        appSettingsFromEnv({
          AzureWebJobsStorage: azurite.connectionString,
          AUDIT_ARM_ENDPOINT: emulator.url,
          AUDIT_ARM_CA: emulator.caFile,
          ...env,
        }),
      );
      await receiveAll();
      await built.audits.requestAudit({ trigger: "http" });
      const [message] = await receiveAll();
      const outcome = await built.audits.runRequested(message!.body, { dequeueCount: 1, maxDequeueCount: 5 }, quiet);
      if (outcome.status === "skipped") throw new Error(`run ${outcome.runId} was skipped`);
      return built.store.getRunRecord(outcome.runId);
    };
    // The composition root's tables (no prefix) are this test's alone in this Azurite; the first run makes the state.
    await auditWith({ FINDINGS_ARCHIVE: "all" });
    expect(await auditWith({ FINDINGS_ARCHIVE: "all" })).toMatchObject({ findings: 144, findingsStored: 144 });
    expect(await auditWith({})).toMatchObject({
      findings: 144,
      findingsStored: 33 + 2,
      byStatus: { fail: 33, unknown: 2, error: 0 },
    });
  });
});
