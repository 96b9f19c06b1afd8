// The alert lock is a lease: renewed while its holder lives, so a host killed mid-pass blocks alerts for one short
// lifetime at most. A real child process (the compiled app's audit service and alert step, dist/) audits the sample
// against Azurite and posts its card to a local webhook that never answers; while the post hangs the lock is renewed;
// the child is killed with SIGKILL. The next run, in this process, waits until the dead holder's lock expires, takes it,
// and delivers the pending card again, saying the channel may see it twice. A lease that is taken over mid-pass sends
// nothing more, and SIGTERM releases the lock before the process ends. Times are asserted as the lock recorded them,
// not as the wall clock measured them.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";
import { eventually } from "../host/support/host-test-kit";
import { appSettingsFromEnv, type AppSettings } from "../../src/app/app-settings";
import { AuditService, type Logger } from "../../src/audit/audit-service";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import { createAuditStore } from "../../src/store/table-audit-store";
import { LOCK_PARTITION, lockRowKey } from "../../src/store/table-keys";
import { sourceOpener } from "../../src/app/services";
import { ALERT_LOCK_SCOPE, createAlertService } from "../../src/alerts/alert-service";
import { WebhookReceiver } from "./webhook-receiver";

const REPO = join(__dirname, "..", "..");
const DIST = join(REPO, "dist");
const BASE = "https://mi-audit.example.net";
const TTL_MS = 3_000;
const RENEW_MS = 500;

let azurite: Azurite;
let receiver: WebhookReceiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  receiver = await WebhookReceiver.start();
}, 120_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await receiver?.close();
  await azurite?.dispose();
});

interface LockRow {
  scope: string;
  holder: string;
  acquiredAt: string;
  expiresAt: string;
  renewedAt?: string;
}

async function locks(prefix: string): Promise<LockRow[]> {
  const table = TableClient.fromConnectionString(azurite.connectionString, `${prefix}auditlocks`, {
    allowInsecureConnection: true,
  });
  const rows: LockRow[] = [];
  try {
    for await (const row of table.listEntities<LockRow>()) rows.push(row);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return rows;
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

/** The compiled app's audit service with the alert step: a run of the sample, its card posted to `webhook`. */
const CHILD_SCRIPT = `
const dist = process.env.DIST;
const { appSettingsFromEnv } = require(dist + "/src/app/app-settings.js");
const { AuditService } = require(dist + "/src/audit/audit-service.js");
const { createAuditStore } = require(dist + "/src/store/table-audit-store.js");
const { createAlertService } = require(dist + "/src/alerts/alert-service.js");
const { sourceOpener } = require(dist + "/src/app/services.js");
const settings = appSettingsFromEnv(process.env);
const prefix = process.env.PREFIX;
const store = createAuditStore(settings.tables, { tablePrefix: prefix });
const lock = { ttlMs: Number(process.env.TTL_MS), renewMs: Number(process.env.RENEW_MS) };
const alerts = createAlertService(settings.alerts, settings.tables, store, { tablePrefix: prefix, lock });
const queued = [];
const audits = new AuditService({
  settings: { ...settings, lockTtlMs: 2000 },
  store,
  queue: { enqueue: async (message) => void queued.push(message) },
  postRunSteps: [alerts.step()],
  openSource: sourceOpener(settings.source),
});
const log = { info: (m) => console.log(m), warn: (m) => console.log(m), error: (m) => console.log(m) };
audits
  .requestAudit({ trigger: "http" })
  .then(async ({ runId }) => {
    console.log("RUN " + runId);
    await audits.runRequested(queued[0], { dequeueCount: 1, maxDequeueCount: 3 }, log);
  })
  .catch((error) => { console.error(error); process.exit(1); });
`;

function appEnv(webhook: string): Record<string, string> {
  return {
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_SOURCE: `snapshot:${SAMPLE}`,
    TEAMS_WEBHOOK_URL: webhook,
    REPORT_BASE_URL: BASE,
  };
}

/** A run of the sample in this process (TypeScript sources), with the alert step on the same tables. */
async function auditOnce(settings: AppSettings, prefix: string, log: Logger) {
  const store = createAuditStore(settings.tables, { tablePrefix: prefix });
  const alerts = createAlertService(settings.alerts!, settings.tables, store, {
    tablePrefix: prefix,
    lock: { ttlMs: TTL_MS, renewMs: RENEW_MS, waitMs: 3 * TTL_MS, pollMs: 100 },
  });
  const queued: AuditRequestMessage[] = [];
  const audits = new AuditService({
    settings,
    store,
    queue: { enqueue: async (message) => void queued.push(message) },
    postRunSteps: [alerts.step()],
    openSource: sourceOpener(settings.source),
  });
  const { runId } = await audits.requestAudit({ trigger: "http" });
  const outcome = await audits.runRequested(queued[0], { dequeueCount: 1, maxDequeueCount: 3 }, log);
  return { runId, outcome, alerts };
}

describe("alert lock after a crash", () => {
  it("a pass killed mid-post leaves a lock that expires within one lifetime; the next run delivers the card again", async () => {
    const prefix = `lk${Date.now().toString(36)}`;
    const path = "/crash/default";
    receiver.cue(path, "hold");
    const webhook = receiver.url(path);
    child = spawn(process.execPath, ["-e", CHILD_SCRIPT], {
      env: {
        ...process.env,
        ...appEnv(webhook),
        DIST,
        PREFIX: prefix,
        TTL_MS: String(TTL_MS),
        RENEW_MS: String(RENEW_MS),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child!.once("exit", (_code, signal) => resolve(signal)),
    );

    // The card is posted and hangs; meanwhile the holder renews its lock (renewedAt moves past acquiredAt).
    const held = await eventually("the child's card to reach the webhook", () => receiver.postsTo(path)[0], 60_000);
    expect(held.answered).toBe(-1);
    const childRun = /RUN (\S+)/.exec(output)?.[1];
    expect(childRun).toBeDefined();
    const renewed = await eventually("the alert lock to be renewed twice", async () => {
      const lock = (await locks(prefix)).find((row) => row.scope === ALERT_LOCK_SCOPE);
      return lock?.renewedAt !== undefined && Date.parse(lock.renewedAt) - Date.parse(lock.acquiredAt) >= 2 * RENEW_MS
        ? lock
        : undefined;
    });
    expect(renewed.holder.startsWith(`${childRun}#`)).toBe(true);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    // What the dead holder left: a lock that lives one lifetime past its last renewal, no longer.
    const left = await locks(prefix);
    const dead = left.find((row) => row.scope === ALERT_LOCK_SCOPE)!;
    expect(dead.holder).toBe(renewed.holder);
    expect(Date.parse(dead.expiresAt) - Date.parse(dead.renewedAt!)).toBe(TTL_MS);
    // The child's audit scope lock (2 s, the test's setting) is not what is tested: let it lapse before the next run.
    const auditLock = left.find((row) => row.scope !== ALERT_LOCK_SCOPE);
    if (auditLock !== undefined)
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, Date.parse(auditLock.expiresAt) - Date.now() + 50)),
      );

    const log = recordingLog();
    const settings = appSettingsFromEnv(appEnv(webhook));
    const next = await auditOnce(settings, prefix, log);
    expect(next.outcome.status).toBe("completed");

    // The next pass waited for the dead holder's lock and took it once it had expired: within one lifetime of the
    // holder's last renewal, not the old 10 minutes.
    const took = log.lines
      .map((line) => /took the alert lock at (\S+); (\S+) held it until (\S+)/.exec(line))
      .find(Boolean);
    expect(took, log.lines.join("\n")).toBeDefined();
    const [, takenAt, heldBy, until] = took!;
    expect(heldBy).toBe(dead.holder);
    expect(until).toBe(dead.expiresAt);
    expect(Date.parse(takenAt!)).toBeGreaterThanOrEqual(Date.parse(dead.expiresAt));

    // The pending card is sent again, and the log says the channel may see it twice.
    expect(log.lines.join("\n")).toContain(`alerts: a delivery of run ${childRun} to default started at`);
    expect(log.lines.join("\n")).toMatch(/was never recorded; it is sent again, so the channel may see it twice/);
    const posts = receiver.postsTo(path);
    expect(posts.map((post) => post.answered)).toEqual([-1, 202]);
    expect(posts[1]!.body).toBe(held.body);
    const [delivery] = await next.alerts.deliveryForRun(childRun!);
    expect(delivery).toMatchObject({ channel: "default", state: "delivered" });
    // And the next pass released its lock when it ended.
    expect((await locks(prefix)).filter((row) => row.scope === ALERT_LOCK_SCOPE)).toEqual([]);
  }, 120_000);

  it("a lease taken over mid-pass sends nothing more: the other channel's card waits for the next pass", async () => {
    const prefix = `lt${Date.now().toString(36)}`;
    const paths = ["/lost/default", "/lost/dba"];
    for (const path of paths) receiver.cue(path, "hold");
    const settings = appSettingsFromEnv({
      ...appEnv(receiver.url(paths[0]!)),
      ALERT_ROUTES: '[{"name":"dba","webhookSetting":"DBA_WEBHOOK"}]',
      DBA_WEBHOOK: receiver.url(paths[1]!),
      ALERT_MAX_ATTEMPTS: "1",
    });
    // The held post gives up after 1.5 s (the entry stays pending), long after the renewal noticed the takeover.
    settings.alerts = { ...settings.alerts!, delivery: { ...settings.alerts!.delivery, requestTimeoutMs: 1_500 } };
    const log = recordingLog();
    const run = auditOnce(settings, prefix, log);
    const first = await eventually("a card to be posted", () => paths.flatMap((path) => receiver.postsTo(path))[0]);
    // Another holder takes the lock over, as one would after an expiry: the lease's next renewal finds it gone.
    const table = TableClient.fromConnectionString(azurite.connectionString, `${prefix}auditlocks`, {
      allowInsecureConnection: true,
    });
    const thief = { holder: "thief", acquiredAt: new Date().toISOString(), expiresAt: "2099-01-01T00:00:00.000Z" };
    await table.upsertEntity(
      { partitionKey: LOCK_PARTITION, rowKey: lockRowKey(ALERT_LOCK_SCOPE), scope: ALERT_LOCK_SCOPE, ...thief },
      "Replace",
    );
    const outcome = (await run).outcome;
    expect(outcome.status).toBe("completed");

    expect(paths.flatMap((path) => receiver.postsTo(path))).toEqual([first]);
    const text = log.lines.join("\n");
    expect(text).toMatch(/lock alert-delivery lost: another holder took it over/);
    expect(text).toMatch(/the alert lock was lost .*; this pass sends nothing more/);
    // The lease does not delete a lock that is no longer its own.
    expect((await locks(prefix)).find((row) => row.scope === ALERT_LOCK_SCOPE)).toMatchObject(thief);
    const deliveries = await (await run).alerts.deliveryForRun((await run).runId);
    expect(deliveries.map((d) => d.state)).toEqual(["pending", "pending"]);
  }, 60_000);

  it("SIGTERM mid-pass releases the lock before the process ends, so the next pass need not wait", async () => {
    const prefix = `ls${Date.now().toString(36)}`;
    const path = "/sigterm/default";
    receiver.cue(path, "hold");
    // A long lifetime: a lock that were left behind would still be there when the test looks.
    const stopping = spawn(process.execPath, ["-e", CHILD_SCRIPT], {
      env: {
        ...process.env,
        ...appEnv(receiver.url(path)),
        DIST,
        PREFIX: prefix,
        TTL_MS: "600000",
        RENEW_MS: "200000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = stopping;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      stopping.once("exit", (_code, signal) => resolve(signal)),
    );
    await eventually("the child's card to reach the webhook", () => receiver.postsTo(path)[0], 60_000);
    const held = await eventually("the alert lock to be held", async () =>
      (await locks(prefix)).find((row) => row.scope === ALERT_LOCK_SCOPE),
    );
    expect(Date.parse(held.expiresAt) - Date.parse(held.acquiredAt)).toBe(600_000);
    stopping.kill("SIGTERM");
    // The signal still ends the process (its default, raised again once the lock is released).
    expect(await exited).toBe("SIGTERM");
    expect((await locks(prefix)).filter((row) => row.scope === ALERT_LOCK_SCOPE)).toEqual([]);
  }, 60_000);
});
