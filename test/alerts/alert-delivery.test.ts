// Alerting end to end: real audits of samples/estate.json (and changed copies) through AuditService.runRequested with
// the alert step wired in, against Azurite, posting to a local webhook receiver that answers on cue. Every Teams card
// any test receives is checked with the adaptivecards package against version 1.4.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort, startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";
import { appSettingsFromEnv, type AppSettings } from "../../src/app/app-settings";
import { AuditService, type Logger, type RunOutcome } from "../../src/audit/audit-service";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import { getServices, useServices, sourceOpener } from "../../src/app/services";
import type { ResourceSource } from "../../src/audit/resource-source";
import type { CoverageGap } from "../../src/model/estate";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import type { AuditStore, StoredFinding } from "../../src/audit/audit-store";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createExceptionStore } from "../../src/store/table-exception-store";
import { alertSettingsFromEnv, type AlertSettings } from "../../src/alerts/alert-settings";
import { createAlertService, type AlertService } from "../../src/alerts/alert-service";
import { AlertTables } from "../../src/alerts/alert-tables";
import { alertDocumentSchema } from "../../src/alerts/json-alert";
import { TEAMS_MAX_BYTES } from "../../src/alerts/teams-card";
import { alertDeliveryForRun, channelDeliverySchema } from "../../src/alerts/run-delivery";
import { sendTestAlert } from "../../src/functions/alerts-test";
import { WebhookReceiver } from "./webhook-receiver";
import { EstateVariants, cloneDev01, fixTlsOfProd02, openPublicEndpointOfProd01 } from "./estate-variants";
import { expectValidTeamsMessage, itemKeys, readCard } from "./card-reader";

const BASE = "https://mi-audit.example.net";
const PROD_SUB = "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let azurite: Azurite;
let receiver: WebhookReceiver;
let variants: EstateVariants;
let appSettings: AppSettings;
let counter = 0;
let postsBefore = 0;

interface Audited {
  runId: string;
  message: AuditRequestMessage;
  outcome: RunOutcome;
}

interface Harness {
  store: AuditStore;
  alerts: AlertService;
  settings: AlertSettings;
  prefix: string;
  logs: string[];
  /** The receiver path of a channel. */
  path(channel: string): string;
  /** Runs an audit of `file` one hour after the previous one (or at `at`), with the alert step. */
  audit(file: string, options?: { at?: Date; gap?: CoverageGap }): Promise<Audited>;
  /** Runs the same queue message again, as the queue does after a failed attempt. */
  replay(audited: Audited, dequeueCount?: number): Promise<RunOutcome>;
}

function harness(
  env: (url: (channel: string) => string) => Record<string, string> = () => ({}),
  options: { tables?: AppSettings["tables"] } = {},
): Harness {
  const n = (counter += 1);
  const prefix = `al${Date.now().toString(36)}${n}`;
  const path = (channel: string) => `/h${n}/${channel}`;
  const url = (channel: string) => receiver.url(path(channel));
  const settings = alertSettingsFromEnv({
    TEAMS_WEBHOOK_URL: url("default"),
    REPORT_BASE_URL: BASE,
    ALERT_RETRY_BASE_MS: "5",
    ...env(url),
  })!;
  const store = createAuditStore(appSettings.tables, { tablePrefix: prefix });
  const alerts = createAlertService(settings, options.tables ?? appSettings.tables, store, {
    tablePrefix: prefix,
    lock: { waitMs: 10_000, pollMs: 50 },
    retry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
  });
  const logs: string[] = [];
  const log: Logger = {
    info: (m) => logs.push(`info: ${m}`),
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };
  let clock = Date.parse("2026-11-20T02:00:00Z") + n * 1000;
  const services = new Map<string, AuditService>();
  const run = async (audits: AuditService, message: AuditRequestMessage, dequeueCount: number) =>
    audits.runRequested(message, { dequeueCount, maxDequeueCount: 3 }, log);
  return {
    store,
    alerts,
    settings,
    prefix,
    logs,
    path,
    async audit(file, auditOptions = {}) {
      const at = auditOptions.at ?? new Date((clock += HOUR));
      clock = Math.max(clock, at.getTime());
      const queued: AuditRequestMessage[] = [];
      const audits = new AuditService({
        settings: appSettings,
        store,
        queue: { enqueue: async (message) => void queued.push(message) },
        postRunSteps: [alerts.step()],
        now: () => at,
        openSource: () => snapshotWithGap(file, auditOptions.gap),
      });
      const { runId } = await audits.requestAudit({ trigger: "http" });
      services.set(runId, audits);
      const message = queued[0]!;
      return { runId, message, outcome: await run(audits, message, 1) };
    },
    replay: (audited, dequeueCount = 2) => run(services.get(audited.runId)!, audited.message, dequeueCount),
  };
}

function snapshotWithGap(file: string, gap: CoverageGap | undefined): ResourceSource {
  const inner = new SnapshotSource([file]);
  return {
    describe: () => inner.describe(),
    collect: async (sink) => {
      const outcome = await inner.collect(sink);
      return { ...outcome, gaps: gap === undefined ? [] : [gap] };
    },
  };
}

async function failing(
  store: AuditStore,
  runId: string,
  severities: string[] = ["critical", "high"],
): Promise<StoredFinding[]> {
  const page = await store.listFindings(runId, { top: 1000, filter: { status: "fail" } });
  return page.items.filter((f) => severities.includes(f.severity));
}

const keysOf = (findings: StoredFinding[]) => findings.map((f) => `${f.title}|${f.resourceId}`).sort();

async function tableText(prefix: string): Promise<string> {
  const service = TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true });
  const texts: string[] = [];
  for await (const table of service.listTables()) {
    if (!table.name?.startsWith(prefix)) continue;
    const client = TableClient.fromConnectionString(azurite.connectionString, table.name, {
      allowInsecureConnection: true,
    });
    for await (const entity of client.listEntities()) texts.push(JSON.stringify(entity));
  }
  return texts.join("\n");
}

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  receiver = await WebhookReceiver.start();
  variants = new EstateVariants();
  appSettings = appSettingsFromEnv({
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_SOURCE: `snapshot:${SAMPLE}`,
  });
}, 120_000);

afterAll(async () => {
  useServices(undefined);
  variants?.dispose();
  await receiver?.close();
  await azurite?.dispose();
});

beforeEach(() => {
  postsBefore = receiver.posts.length;
});

// Every card any test received, whatever the test was about, must be one Teams can render.
afterEach(() => {
  for (const post of receiver.posts.slice(postsBefore)) {
    const body = JSON.parse(post.body) as { type?: string };
    if (body.type === "message") expectValidTeamsMessage(body);
  }
});

describe("what is announced", () => {
  it("a first run alerts every failure at or above the threshold in one valid card, delivered once", async () => {
    const h = harness();
    const first = await h.audit(SAMPLE);
    expect(first.outcome.status).toBe("completed");
    const [message, ...more] = receiver.acceptedBy(h.path("default"));
    expect(more).toHaveLength(0);
    const card = readCard(message);
    const expected = await failing(h.store, first.runId);
    expect(expected).toHaveLength(12);
    expect(itemKeys(card, "New findings")).toEqual(keysOf(expected));
    expect(card.items.every((item) => item.section === "New findings")).toBe(true);
    expect(card.title).toBe("MI exposure: 12 new");
    expect(card.facts["Scope"]).toBe(`snapshot:${SAMPLE}`);
    expect(card.facts["Run"]).toBe(`${first.runId} (completed)`);
    // The sample's Policy exemption excepts one low failure: the headline leaves it out, and the card gives both.
    expect(card.facts["Estate score"]).toBe("85.3; 85.2 counting excepted failures");
    expect(card.texts).toContain("New 12 · Regressed 0 · Resolved 0 · Still failing 0");
    // Most severe first, and each item names severity, title, resource, subscription and its evidence in one line.
    expect(card.items.map((item) => item.badge)).toEqual([
      ...Array<string>(3).fill("CRITICAL"),
      ...Array<string>(9).fill("HIGH"),
    ]);
    const exposed = card.items.find(
      (item) =>
        item.title === "MI public endpoint reachable from untrusted sources" &&
        item.resourceId.endsWith("sqlmi-prod-02"),
    )!;
    expect(exposed.where).toBe(`sqlmi-prod-02 · subscription ${PROD_SUB} · rg-data-prod`);
    expect(exposed.detail).toMatch(
      /^Evidence: decidingRule: allow_public_endpoint_partners \(priority 400, Allow\); exampleUntrustedSource: 203\.0\.113\.5; port: 3342/,
    );
    // The signed-in door's HTML page of the resource: people open it after signing in; no key rides in a card.
    expect(exposed.historyUrl).toBe(
      `${BASE}/api/web/dashboard?resource=${Buffer.from(exposed.resourceId).toString("base64url")}`,
    );
    // Each item carries the finding's fingerprint: the one the store (and so the API and every format) gives it.
    const storedFingerprint = new Map(expected.map((f) => [`${f.title}|${f.resourceId}`, f.fingerprint]));
    for (const item of card.items) {
      expect(item.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(item.fingerprint, item.title).toBe(storedFingerprint.get(`${item.title}|${item.resourceId}`));
    }
    expect(new Set(card.items.map((item) => item.fingerprint)).size).toBe(card.items.length);
    expect(card.urls).toContain(`${BASE}/api/web/dashboard`);
    expect(card.urls).toContain(`${BASE}/api/web/runs/${first.runId}`);
    expect(card.urls.filter((url) => /[?&]code=/.test(url))).toEqual([]);

    expect(await h.alerts.deliveryForRun(first.runId)).toEqual([
      expect.objectContaining({
        channel: "default",
        webhook: h.settings.channels[0]!.webhook.hash,
        kind: "alert",
        state: "delivered",
        attempts: 1,
        httpStatus: 202,
        counts: {
          new: 12,
          regressed: 0,
          resolved: 0,
          stillFailing: 0,
          reminders: 0,
          exceptionExpired: 0,
          exceptionsExpiring: 0,
        },
      }),
    ]);
    expect(receiver.postsTo(h.path("default"))[0]!.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  it("a second identical run sends nothing, and records that it had nothing to send", async () => {
    const h = harness();
    await h.audit(SAMPLE);
    const second = await h.audit(SAMPLE);
    expect(receiver.postsTo(h.path("default"))).toHaveLength(1);
    expect(await h.alerts.deliveryForRun(second.runId)).toEqual([
      expect.objectContaining({ channel: "default", kind: "none", state: "nothingToSend", attempts: 0 }),
    ]);
  });

  it("a change sends exactly the new and the resolved findings: the public endpoint opened at 14:00, and a TLS fix", async () => {
    const h = harness();
    const first = await h.audit(SAMPLE);
    const changed = await h.audit(variants.write(openPublicEndpointOfProd01, fixTlsOfProd02));
    const messages = receiver.acceptedBy(h.path("default"));
    expect(messages).toHaveLength(2);
    const card = readCard(messages[1]);
    const prod01 = (await failing(h.store, changed.runId)).find((f) => f.resourceName === "sqlmi-prod-01")!;
    expect(itemKeys(card, "New findings")).toEqual([
      `MI public endpoint reachable from untrusted sources|${prod01.resourceId}`,
    ]);
    const tls = (await failing(h.store, first.runId)).find(
      (f) => f.ruleId === "mi.tls.minimum-version" && f.resourceName === "sqlmi-prod-02",
    )!;
    expect(itemKeys(card, "Resolved")).toEqual([`${tls.title}|${tls.resourceId}`]);
    expect(card.items).toHaveLength(2);
    expect(card.title).toBe("MI exposure: 1 new, 1 resolved");
    expect(card.texts).toContain("New 1 · Regressed 0 · Resolved 1 · Still failing 11");
    expect(card.items.find((item) => item.section === "Resolved")!.badge).toBe("RESOLVED");
    expect(card.facts["Estate score"]).toMatch(
      /^\d+(\.\d)? \((unchanged|[+−][\d.]+ since the previous run)\)(; \d+(\.\d)? counting excepted failures)?$/,
    );

    // And when it is fixed again, the channel hears that too, once.
    await h.audit(SAMPLE);
    const third = readCard(receiver.acceptedBy(h.path("default"))[2]);
    expect(itemKeys(third, "Resolved")).toEqual([
      `MI public endpoint reachable from untrusted sources|${prod01.resourceId}`,
    ]);
    expect(itemKeys(third, "Regressed (failing again after a fix)")).toEqual([`${tls.title}|${tls.resourceId}`]);
  });

  it("a partial run sends new failures but never a resolved one; the next complete run announces the fix", async () => {
    const h = harness();
    await h.audit(SAMPLE);
    const gap: CoverageGap = {
      types: ["microsoft.network/networksecuritygroups"],
      subscriptionIds: ["7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f"],
      reason: "403 on the NSG query",
    };
    const changedFile = variants.write(openPublicEndpointOfProd01, fixTlsOfProd02);
    const partial = await h.audit(changedFile, { gap });
    expect(partial.outcome.status).toBe("partial");
    // findingstate did record the TLS fix (the MI was fully read); the alert step still refuses to announce it.
    expect(
      partial.outcome.status === "partial" &&
        partial.outcome.completed.transitions.resolved.map((c) => c.finding.resourceName),
    ).toContain("sqlmi-prod-02");
    const card = readCard(receiver.acceptedBy(h.path("default"))[1]);
    expect(card.items.map((item) => item.section)).toEqual(["New findings"]);
    expect(card.sections["Resolved"]).toBeUndefined();
    // One line says it was partial, with the gap and the undecided results at or above the channel's threshold.
    const summary = (await h.store.getRun(partial.runId))!.summary!;
    const undecided = (["critical", "high"] as const)
      .filter((s) => summary.bySeverity[s].unknown + summary.bySeverity[s].error > 0)
      .map((s) => `${summary.bySeverity[s].unknown + summary.bySeverity[s].error} ${s}`);
    expect(undecided.length).toBeGreaterThan(0);
    expect(card.texts).toContain(
      `Partial run (1 coverage gap): ${partial.outcome.status === "partial" ? partial.outcome.completed.transitions.notFullyRead : NaN} rule × resource pair(s) could not be fully read. Not verified (unknown or error): ${undecided.join(", ")}. Nothing is reported as resolved until a complete run confirms it.`,
    );
    expect(card.facts["Run"]).toBe(`${partial.runId} (partial)`);

    const complete = await h.audit(changedFile);
    const next = readCard(receiver.acceptedBy(h.path("default"))[2]);
    expect(next.items.map((item) => `${item.section}: ${item.title} on ${item.where.split(" · ")[0]}`)).toEqual([
      "Resolved: MI accepts TLS versions below 1.2 on sqlmi-prod-02",
    ]);
    expect(complete.outcome.status === "completed" && complete.outcome.completed.transitions.resolved).toEqual([]);
  });

  it("a run completing after a newer partial run still announces a fix findingstate holds, though neither rewrote it", async () => {
    const h = harness();
    const t0 = Date.parse("2026-11-25T02:00:00Z");
    await h.audit(SAMPLE, { at: new Date(t0) });
    const gap: CoverageGap = {
      types: ["microsoft.network/networksecuritygroups"],
      subscriptionIds: ["7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f"],
      reason: "403 on the NSG query",
    };
    const fixed = variants.write(fixTlsOfProd02);
    // A partial run records the fix in findingstate but may not announce it; a newer partial run finds it unchanged
    // (no write, no announcement).
    await h.audit(fixed, { at: new Date(t0 + HOUR), gap });
    const newer = await h.audit(fixed, { at: new Date(t0 + 3 * HOUR), gap });
    expect(newer.outcome.status).toBe("partial");
    const cardsBefore = receiver.acceptedBy(h.path("default")).length;

    // An older complete run finishes last: every existing pair is stale for it, so the fix must be confirmed against
    // findingstate, which passes and was last written by an older run than this one.
    const late = await h.audit(fixed, { at: new Date(t0 + 2 * HOUR) });
    expect(late.outcome.status === "completed" && late.outcome.completed.transitions.stale).toBeGreaterThan(0);
    const cards = receiver.acceptedBy(h.path("default"));
    expect(cards).toHaveLength(cardsBefore + 1);
    const card = readCard(cards.at(-1));
    expect(card.items.map((item) => `${item.section}: ${item.title} on ${item.where.split(" · ")[0]}`)).toEqual([
      "Resolved: MI accepts TLS versions below 1.2 on sqlmi-prod-02",
    ]);
  });

  it("still-failing findings are re-announced once every ALERT_REMIND_DAYS, and never with 0", async () => {
    const h = harness(() => ({ ALERT_REMIND_DAYS: "7" }));
    const t0 = Date.parse("2026-12-01T02:00:05Z");
    await h.audit(SAMPLE, { at: new Date(t0) });
    await h.audit(SAMPLE, { at: new Date(t0 + 3 * DAY) });
    expect(receiver.postsTo(h.path("default"))).toHaveLength(1);
    await h.audit(SAMPLE, { at: new Date(t0 + 7 * DAY - 2_000) });
    const reminder = readCard(receiver.acceptedBy(h.path("default"))[1]);
    expect(reminder.title).toBe("MI exposure: 12 reminders");
    expect(reminder.sections["Still failing"]).toBe(12);
    expect(reminder.texts.join("\n")).not.toMatch(/New findings/);
    await h.audit(SAMPLE, { at: new Date(t0 + 8 * DAY) });
    expect(receiver.postsTo(h.path("default"))).toHaveLength(2);

    const off = harness(() => ({ ALERT_REMIND_DAYS: "0" }));
    await off.audit(SAMPLE, { at: new Date(t0) });
    await off.audit(SAMPLE, { at: new Date(t0 + 30 * DAY) });
    expect(receiver.postsTo(off.path("default"))).toHaveLength(1);
  });

  it("ALERT_DAILY_DIGEST sends one summary a day when there is nothing to announce", async () => {
    const h = harness(() => ({ ALERT_DAILY_DIGEST: "true" }));
    const day1 = Date.parse("2026-12-10T02:00:00Z");
    await h.audit(SAMPLE, { at: new Date(day1) });
    await h.audit(SAMPLE, { at: new Date(day1 + 6 * HOUR) });
    expect(receiver.postsTo(h.path("default"))).toHaveLength(1);
    const next = await h.audit(SAMPLE, { at: new Date(day1 + DAY) });
    await h.audit(SAMPLE, { at: new Date(day1 + DAY + 6 * HOUR) });
    const digests = receiver.acceptedBy(h.path("default")).slice(1);
    expect(digests).toHaveLength(1);
    const digest = readCard(digests[0]);
    expect(digest.title).toBe("MI exposure daily summary: 12 open failures");
    expect(digest.sections["Open failures"]).toBe(12);
    expect(await h.alerts.deliveryForRun(next.runId)).toEqual([
      expect.objectContaining({ kind: "digest", state: "delivered" }),
    ]);
  });
});

describe("delivery guarantees", () => {
  it("429 with Retry-After and 500 are retried with backoff until delivered", async () => {
    const h = harness();
    receiver.cue(h.path("default"), { status: 429, retryAfter: "1", body: "slow down" }, { status: 500, body: "oops" });
    const run = await h.audit(SAMPLE);
    const posts = receiver.postsTo(h.path("default"));
    expect(posts.map((p) => p.answered)).toEqual([429, 500, 202]);
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(990);
    expect(await h.alerts.deliveryForRun(run.runId)).toEqual([
      expect.objectContaining({ state: "delivered", attempts: 3, httpStatus: 202, lastError: "HTTP 500: oops" }),
    ]);
  });

  it("a 400 is a permanent failure, recorded with its reason and never retried", async () => {
    const h = harness();
    receiver.cue(h.path("default"), { status: 400, body: "Bad Request: the card is not valid" });
    const first = await h.audit(SAMPLE);
    expect(first.outcome.status).toBe("completed");
    expect(await h.alerts.deliveryForRun(first.runId)).toEqual([
      expect.objectContaining({
        state: "failed",
        attempts: 1,
        httpStatus: 400,
        lastError: "HTTP 400: Bad Request: the card is not valid",
        failedAt: expect.any(String),
      }),
    ]);
    await h.audit(SAMPLE);
    await h.replay(first);
    expect(receiver.postsTo(h.path("default"))).toHaveLength(1);
    expect(h.logs.join("\n")).toMatch(/default \(webhook sha256:[0-9a-f]{12}\): alert refused, not retried: HTTP 400/);
  });

  it("re-running a delivered run, or its alert step, never sends again", async () => {
    const h = harness();
    const run = await h.audit(SAMPLE);
    await h.replay(run, 2);
    await h.replay(run, 3);
    expect(receiver.postsTo(h.path("default"))).toHaveLength(1);
    expect(await h.alerts.deliveryForRun(run.runId)).toEqual([
      expect.objectContaining({ state: "delivered", attempts: 1 }),
    ]);
  });

  it("a webhook that is down leaves the alert pending, the run completes, and a replay of the run finishes the delivery once", async () => {
    const h = harness(() => ({ ALERT_MAX_ATTEMPTS: "2" }));
    receiver.cue(h.path("default"), "drop", "drop");
    const run = await h.audit(SAMPLE);
    expect(run.outcome.status).toBe("completed");
    expect(await h.alerts.deliveryForRun(run.runId)).toEqual([
      expect.objectContaining({ state: "pending", attempts: 2, lastError: expect.stringMatching(/^network error/) }),
    ]);
    expect(h.logs.join("\n")).toMatch(/pending after 2 attempt\(s\) \(network error.*\); the next run retries it/);
    await h.replay(run);
    expect(receiver.acceptedBy(h.path("default"))).toHaveLength(1);
    expect(receiver.postsTo(h.path("default"))).toHaveLength(3);
    expect(await h.alerts.deliveryForRun(run.runId)).toEqual([
      expect.objectContaining({ state: "delivered", attempts: 3 }),
    ]);
  });

  it("a new run after an undelivered one delivers the earlier alert first, then its own", async () => {
    const h = harness(() => ({ ALERT_MAX_ATTEMPTS: "2" }));
    receiver.cue(h.path("default"), { status: 503 }, { status: 503 });
    const first = await h.audit(SAMPLE);
    expect((await h.alerts.deliveryForRun(first.runId))[0]!.state).toBe("pending");
    const second = await h.audit(variants.write(openPublicEndpointOfProd01));
    const cards = receiver.acceptedBy(h.path("default")).map(readCard);
    expect(cards.map((c) => c.facts["Run"])).toEqual([`${first.runId} (completed)`, `${second.runId} (completed)`]);
    expect(cards.map((c) => c.title)).toEqual(["MI exposure: 12 new", "MI exposure: 1 new"]);
    for (const run of [first, second]) expect((await h.alerts.deliveryForRun(run.runId))[0]!.state).toBe("delivered");
  });

  it("a long Retry-After leaves the alert for a later run, and later alerts of that channel wait behind it", async () => {
    const h = harness();
    receiver.cue(h.path("default"), { status: 429, retryAfter: "3600" });
    const first = await h.audit(SAMPLE);
    const second = await h.audit(variants.write(fixTlsOfProd02));
    expect(receiver.postsTo(h.path("default"))).toHaveLength(1);
    const [delivery] = await h.alerts.deliveryForRun(first.runId);
    expect(delivery).toMatchObject({ state: "pending", attempts: 1, httpStatus: 429 });
    expect((await h.alerts.deliveryForRun(second.runId))[0]).toMatchObject({ state: "pending", attempts: 0 });
  });

  it("a delivery cut off between post and record is sent again with a warning (the documented window)", async () => {
    const h = harness(() => ({ ALERT_MAX_ATTEMPTS: "1" }));
    receiver.cue(h.path("default"), { status: 503 });
    const first = await h.audit(SAMPLE);
    // What a crash right after the webhook accepted the post leaves behind: a pass that started and recorded nothing.
    await new AlertTables(appSettings.tables, { tablePrefix: h.prefix }).updateOutbox(first.runId, "default", {
      attemptStartedAt: "2999-01-01T00:00:00.000Z",
    });
    await h.replay(first);
    expect(h.logs.join("\n")).toMatch(
      new RegExp(
        `a delivery of run ${first.runId} to default started at 2999-01-01T00:00:00.000Z and was never recorded; it is sent again, so the channel may see it twice`,
      ),
    );
    expect(receiver.acceptedBy(h.path("default"))).toHaveLength(1);
  });

  it("an unreadable stored alert is marked failed and never blocks the channel's later alerts", async () => {
    const h = harness(() => ({ ALERT_MAX_ATTEMPTS: "1" }));
    receiver.cue(h.path("default"), { status: 503 });
    const first = await h.audit(SAMPLE);
    const outbox = TableClient.fromConnectionString(azurite.connectionString, `${h.prefix}alertoutbox`, {
      allowInsecureConnection: true,
    });
    await outbox.updateEntity({ partitionKey: "outbox", rowKey: `${first.runId}|default`, payloadChunks: 5 }, "Merge");
    const second = await h.audit(variants.write(openPublicEndpointOfProd01));
    expect((await h.alerts.deliveryForRun(first.runId))[0]).toMatchObject({
      state: "failed",
      lastError: expect.stringMatching(/^stored alert unreadable: Alert outbox entry .* is incomplete/),
    });
    expect((await h.alerts.deliveryForRun(second.runId))[0]).toMatchObject({ state: "delivered" });
    expect(receiver.postsTo(h.path("default"))).toHaveLength(2);
  });

  it("an alert step whose storage is down logs and never fails the run", async () => {
    const closed = await freePort();
    const h = harness(() => ({}), {
      tables: {
        connectionString: azurite.connectionString.replace(
          /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
          `TableEndpoint=http://127.0.0.1:${closed}`,
        ),
      },
    });
    const run = await h.audit(SAMPLE);
    expect(run.outcome.status).toBe("completed");
    expect(h.logs.join("\n")).toMatch(/error: alerts: the alert pass of run .* stopped: STORAGE_UNAVAILABLE/);
    expect(receiver.postsTo(h.path("default"))).toHaveLength(0);
  });
});

describe("size, routing, formats, secrets", () => {
  it("a card stays under 28 KB: the most severe first, then 'and N more' with the dashboard link", async () => {
    const h = harness();
    const run = await h.audit(variants.write(cloneDev01(150)));
    const [post] = receiver.postsTo(h.path("default"));
    expect(Buffer.byteLength(post!.body, "utf8")).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const card = readCard(JSON.parse(post!.body));
    const all = await failing(h.store, run.runId);
    expect(all.length).toBeGreaterThan(400);
    expect(card.sections["New findings"]).toBe(all.length);
    const shown = card.items.length;
    expect(shown).toBeGreaterThan(10);
    expect(card.more).toEqual([`…and ${all.length - shown} more, most severe shown first.`]);
    expect(card.items.slice(0, 3).map((item) => item.badge)).toEqual(["CRITICAL", "CRITICAL", "CRITICAL"]);
    expect(card.items.slice(3).every((item) => item.badge === "HIGH")).toBe(true);
    expect(card.urls.filter((url) => url === `${BASE}/api/web/dashboard`)).toHaveLength(2);
  });

  it("ALERT_ROUTES sends findings to other and additional channels by subscription, rule prefix and tag; JSON for a generic webhook", async () => {
    const routes = [
      {
        name: "platform",
        webhookSetting: "ALERT_WEBHOOK_PLATFORM",
        mode: "instead",
        match: { subscriptions: [PROD_SUB] },
      },
      { name: "dba", webhookSetting: "ALERT_WEBHOOK_DBA", minSeverity: "medium", match: { ruleIdPrefixes: ["mi."] } },
      {
        name: "devteam",
        webhookSetting: "ALERT_WEBHOOK_DEVTEAM",
        format: "json",
        match: { tags: { Owner: "dev-team" } },
      },
    ];
    const h = harness((url) => ({
      ALERT_ROUTES: JSON.stringify(routes),
      ALERT_WEBHOOK_PLATFORM: url("platform"),
      ALERT_WEBHOOK_DBA: url("dba"),
      ALERT_WEBHOOK_DEVTEAM: url("devteam"),
    }));
    const run = await h.audit(SAMPLE);
    const atThreshold = await failing(h.store, run.runId);
    const cardKeys = (channel: string) => {
      const [message, ...rest] = receiver.acceptedBy(h.path(channel));
      expect(rest).toHaveLength(0);
      return itemKeys(readCard(message), "New findings");
    };
    expect(cardKeys("default")).toEqual(keysOf(atThreshold.filter((f) => f.subscriptionId !== PROD_SUB)));
    expect(cardKeys("platform")).toEqual(keysOf(atThreshold.filter((f) => f.subscriptionId === PROD_SUB)));
    const medium = await failing(h.store, run.runId, ["critical", "high", "medium"]);
    expect(cardKeys("dba")).toEqual(keysOf(medium.filter((f) => f.ruleId.startsWith("mi."))));

    const [document] = receiver.acceptedBy(h.path("devteam"));
    const parsed = alertDocumentSchema.parse(document);
    expect(parsed.findings.new.map((f) => `${f.title}|${f.resourceId}`).sort()).toEqual(
      keysOf(atThreshold.filter((f) => f.resourceName === "sqlmi-dev-01")),
    );
    // The JSON items carry the stored finding's fingerprint too.
    expect(parsed.findings.new.map((f) => f.fingerprint).sort()).toEqual(
      atThreshold
        .filter((f) => f.resourceName === "sqlmi-dev-01")
        .map((f) => f.fingerprint)
        .sort(),
    );
    expect(parsed).toMatchObject({
      schema: "mi-exposure-auditor/alert@1",
      kind: "alert",
      channel: "devteam",
      run: { runId: run.runId, status: "completed" },
      links: { dashboard: `${BASE}/api/web/dashboard` },
    });

    const deliveries = await h.alerts.deliveryForRun(run.runId);
    expect(deliveries.map((d) => [d.channel, d.state, d.format])).toEqual([
      ["default", "delivered", "teams"],
      ["platform", "delivered", "teams"],
      ["dba", "delivered", "teams"],
      ["devteam", "delivered", "json"],
    ]);
  });

  it("webhook URLs appear in no table and no log line; only their hash does", async () => {
    const routes = [{ name: "dba", webhookSetting: "ALERT_WEBHOOK_DBA", match: { ruleIdPrefixes: ["mi."] } }];
    const h = harness((url) => ({ ALERT_ROUTES: JSON.stringify(routes), ALERT_WEBHOOK_DBA: url("dba") }));
    receiver.cue(h.path("dba"), { status: 400, body: `rejected ${receiver.url(h.path("dba"))}` });
    await h.audit(SAMPLE);
    const everything = `${await tableText(h.prefix)}\n${h.logs.join("\n")}\n${JSON.stringify(h.settings)}`;
    expect(everything).toContain(h.settings.channels[1]!.webhook.hash);
    expect(everything).not.toMatch(/SECRET-/);
    expect(everything).not.toContain(`127.0.0.1:${receiver.port}`);
    expect(everything).toContain("HTTP 400: rejected <webhook>");
  });
});

describe("POST /api/alerts/test and alertDeliveryForRun", () => {
  function context(): InvocationContext & { logs: string[] } {
    const logs: string[] = [];
    const ctx = new InvocationContext({
      functionName: "alertsTest",
      invocationId: "t",
      logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(" ")}`),
    }) as InvocationContext & { logs: string[] };
    ctx.logs = logs;
    return ctx;
  }
  const post = (body: string) =>
    sendTestAlert(
      new HttpRequest({ method: "POST", url: "http://127.0.0.1/api/alerts/test", body: { string: body } }),
      context(),
    );

  it("sends a valid test card to the chosen route, or to the default channel", async () => {
    const routes = [{ name: "dba", webhookSetting: "ALERT_WEBHOOK_DBA", match: { ruleIdPrefixes: ["mi."] } }];
    const h = harness((url) => ({ ALERT_ROUTES: JSON.stringify(routes), ALERT_WEBHOOK_DBA: url("dba") }));
    useServices({
      settings: appSettings,
      store: h.store,
      queue: { enqueue: async () => {} },
      audits: new AuditService({
        settings: appSettings,
        store: h.store,
        queue: { enqueue: async () => {} },
        openSource: sourceOpener(appSettings.source),
      }),
      exceptions: createExceptionStore(appSettings.tables),
      alerts: h.alerts,
    });

    const toDba = await post('{"route":"dba"}');
    expect(toDba.status).toBe(200);
    expect(toDba.jsonBody).toMatchObject({
      route: "dba",
      state: "delivered",
      attempts: 1,
      httpStatus: 202,
      webhook: expect.stringMatching(/^sha256:/),
    });
    const card = readCard(receiver.acceptedBy(h.path("dba"))[0]);
    expect(card.title).toBe("MI Exposure Auditor: test alert");
    expect(card.facts["Channel"]).toBe("dba");

    expect((await post("")).status).toBe(200);
    expect(receiver.acceptedBy(h.path("default"))).toHaveLength(1);

    const unknown = await post('{"route":"nobody"}');
    expect(unknown.status).toBe(400);
    expect((unknown.jsonBody as { error: { message: string } }).error.message).toBe(
      'route: "nobody" is not a configured alert channel; configured: default, dba',
    );
    expect((await post('{"channel":"dba"}')).status).toBe(400);

    receiver.cue(h.path("dba"), { status: 404, body: "workflow deleted" });
    const broken = await post('{"route":"dba"}');
    expect(broken.status).toBe(502);
    expect(broken.jsonBody).toMatchObject({ state: "failed", httpStatus: 404, reason: "HTTP 404: workflow deleted" });
  });

  it("answers 409 when alerting is off", async () => {
    const h = harness();
    useServices({
      settings: appSettings,
      store: h.store,
      queue: { enqueue: async () => {} },
      audits: new AuditService({
        settings: appSettings,
        store: h.store,
        queue: { enqueue: async () => {} },
        openSource: sourceOpener(appSettings.source),
      }),
      exceptions: createExceptionStore(appSettings.tables),
    });
    const response = await post("");
    expect(response.status).toBe(409);
    expect(JSON.stringify(response.jsonBody)).toMatch(/TEAMS_WEBHOOK_URL or ALERT_ROUTES/);
  });

  it("alertDeliveryForRun gives the delivery state per channel for a run", async () => {
    const h = harness();
    receiver.cue(h.path("default"), { status: 500 }, { status: 202 });
    const run = await h.audit(SAMPLE);
    useServices({
      settings: appSettings,
      store: h.store,
      queue: { enqueue: async () => {} },
      audits: new AuditService({
        settings: appSettings,
        store: h.store,
        queue: { enqueue: async () => {} },
        openSource: sourceOpener(appSettings.source),
      }),
      exceptions: createExceptionStore(appSettings.tables),
      alerts: h.alerts,
    });
    expect(await alertDeliveryForRun(getServices().alerts)(run.runId)).toEqual([
      {
        channel: "default",
        webhook: h.settings.channels[0]!.webhook.hash,
        format: "teams",
        kind: "alert",
        state: "delivered",
        attempts: 2,
        httpStatus: 202,
        lastError: "HTTP 500",
        lastAttemptAt: expect.any(String),
        deliveredAt: expect.any(String),
        counts: {
          new: 12,
          regressed: 0,
          resolved: 0,
          stillFailing: 0,
          reminders: 0,
          exceptionExpired: 0,
          exceptionsExpiring: 0,
        },
      },
    ]);
    for (const delivery of await alertDeliveryForRun(getServices().alerts)(run.runId))
      expect(channelDeliverySchema.parse(delivery)).toEqual(delivery);
    expect(await alertDeliveryForRun(getServices().alerts)("20200101T000000Z-000000")).toEqual([]);
  });
});
