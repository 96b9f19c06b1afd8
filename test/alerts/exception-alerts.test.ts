// Exceptions in the alerts, night by night: real audits of samples/estate.json (and changed copies) built with
// runAudit({ exceptions }), stored in Azurite, then the alert step posting to a local webhook receiver. What is
// expected follows docs/exceptions.md: an excepted failure does not alert as new; when its exception expires it counts
// again "and says so, once"; an exception ending within EXCEPTION_WARN_DAYS (14) is announced as expiring once per
// channel and expiry date; a date exception applies through the end of its day, UTC.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";
import { appSettingsFromEnv, type AppSettings } from "../../src/app/app-settings";
import type { Logger } from "../../src/audit/audit-service";
import { newRunId, runAudit, type AuditReport } from "../../src/audit/run-audit";
import type { AuditStore } from "../../src/audit/audit-store";
import { createAuditStore } from "../../src/store/table-audit-store";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import type { AuditException } from "../../src/engine/exceptions";
import { alertSettingsFromEnv } from "../../src/alerts/alert-settings";
import { createAlertService, type AlertService, type ChannelDelivery } from "../../src/alerts/alert-service";
import { AlertTables } from "../../src/alerts/alert-tables";
import { pairKey } from "../../src/alerts/alert-plan";
import { alertDocumentSchema, jsonPayload, type AlertDocument } from "../../src/alerts/json-alert";
import { alertLinks, emptySections, type AlertMessage } from "../../src/alerts/alert-message";
import type { ExpiringExceptionItem } from "../../src/alerts/exception-notices";
import { TEAMS_MAX_BYTES, teamsPayload } from "../../src/alerts/teams-card";
import { WebhookReceiver } from "./webhook-receiver";
import { EstateVariants, fixTlsOfProd02, openPublicEndpointOfProd01 } from "./estate-variants";
import { expectValidTeamsMessage, readCard } from "./card-reader";

const BASE = "https://mi-audit.example.net";
const PROD_02 =
  "/subscriptions/6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/resourceGroups/rg-data-prod/providers/Microsoft.Sql/managedInstances/sqlmi-prod-02";
const TLS_RULE = "mi.tls.minimum-version";
const TLS_TITLE = "MI accepts TLS versions below 1.2";

let azurite: Azurite;
let receiver: WebhookReceiver;
let variants: EstateVariants;
let appSettings: AppSettings;
let counter = 0;
let postsBefore = 0;

/** The exception a team records for sqlmi-prod-02's TLS finding (high: the default channel's threshold). */
function tlsException(expiresOn: string, overrides: Partial<AuditException> = {}): AuditException {
  return {
    id: "EX-0042",
    source: "store",
    ruleIds: [TLS_RULE],
    scope: PROD_02,
    justification: "A legacy ETL client speaks TLS 1.0 until its upgrade in the next quarter.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn,
    ticket: "CHG-1182",
    ...overrides,
  };
}

interface Night {
  runId: string;
  report: AuditReport;
  deliveries: ChannelDelivery[];
}

interface Harness {
  store: AuditStore;
  alerts: AlertService;
  tables: AlertTables;
  path: string;
  logs: string[];
  /** One nightly run at `at` over `file` with `exceptions`; `tweak` changes the report before it is stored. */
  night(
    at: string,
    exceptions: readonly AuditException[],
    options?: { file?: string; tweak?: (report: AuditReport) => void },
  ): Promise<Night>;
}

function harness(env: Record<string, string> = {}): Harness {
  const n = (counter += 1);
  const prefix = `exa${Date.now().toString(36)}${n}`;
  const path = `/ex${n}/default`;
  const settings = alertSettingsFromEnv({
    TEAMS_WEBHOOK_URL: receiver.url(path),
    REPORT_BASE_URL: BASE,
    ALERT_RETRY_BASE_MS: "5",
    // No reminders: a night with nothing to say must send nothing, whatever the gap between nights.
    ALERT_REMIND_DAYS: "0",
    ...env,
  })!;
  const store = createAuditStore(appSettings.tables, { tablePrefix: prefix });
  const alerts = createAlertService(settings, appSettings.tables, store, {
    tablePrefix: prefix,
    lock: { waitMs: 10_000, pollMs: 50 },
  });
  const logs: string[] = [];
  const log: Logger = {
    info: (m) => logs.push(`info: ${m}`),
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };
  return {
    store,
    alerts,
    tables: new AlertTables(appSettings.tables, { tablePrefix: prefix }),
    path,
    logs,
    async night(atText, exceptions, options = {}) {
      const at = new Date(atText);
      const file = options.file ?? SAMPLE;
      const runId = newRunId(at);
      const baseline = appSettings.audit.baseline;
      await store.createRun({ runId, scope: `snapshot:${file}`, requestedBy: "timer", requestedAt: at, baseline });
      await store.markRunning(runId, at);
      const report = await runAudit(new SnapshotSource([file]), appSettings.audit, {
        runId,
        now: () => at,
        exceptions,
      });
      options.tweak?.(report);
      const completed = await store.completeRun(report);
      const deliveries = await alerts.afterRun(report, completed, log);
      return { runId, report, deliveries };
    },
  };
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
  variants?.dispose();
  await receiver?.close();
  await azurite?.dispose();
});

beforeEach(() => {
  postsBefore = receiver.posts.length;
});

// Every card these tests receive must be one Teams renders (adaptivecards, version 1.4).
afterEach(() => {
  for (const post of receiver.posts.slice(postsBefore)) {
    const body = JSON.parse(post.body) as { type?: string };
    if (body.type === "message") expectValidTeamsMessage(body);
  }
});

const tlsKey = pairKey(PROD_02, TLS_RULE);
const itemsOf = (card: ReturnType<typeof readCard>, section: string) =>
  card.items.filter((item) => item.section === section).map((item) => `${item.title} on ${item.where.split(" · ")[0]}`);

describe("an excepted failure, night by night", () => {
  it("is not announced while excepted, is warned of once before it expires, and once more when it has expired", async () => {
    const h = harness();
    const exception = tlsException("2026-11-21");

    // Night 1: every failure at or above high is new except the excepted one; the exception ends tomorrow.
    const n1 = await h.night("2026-11-20T02:00:00Z", [exception]);
    const tls = n1.report.findings.find((f) => f.ruleId === TLS_RULE && f.resourceId === PROD_02)!;
    expect(tls.status).toBe("fail");
    expect(tls.exception).toMatchObject({ id: "EX-0042", effect: "applied" });
    const [first, ...more] = receiver.acceptedBy(h.path);
    expect(more).toHaveLength(0);
    const card1 = readCard(first);
    expect(card1.sections["New findings"]).toBe(11);
    expect(itemsOf(card1, "New findings")).not.toContain(`${TLS_TITLE} on sqlmi-prod-02`);
    expect(card1.sections["Exceptions expiring"]).toBe(1);
    expect(card1.expiring).toEqual([
      {
        lines: [
          "EXPIRING  EX-0042 · expires 2026-11-21 (1 day left)",
          `${TLS_RULE} · sqlmi-prod-02`,
          "Approved by secops-lead@contoso.com · CHG-1182",
        ],
        url: `${BASE}/api/web/dashboard/exceptions?id=EX-0042`,
      },
    ]);
    expect(card1.urls).toContain(`${BASE}/api/web/dashboard/exceptions?standing=expiring`);
    expect(card1.title).toBe("MI exposure: 11 new, 1 exception expiring");
    // The channel's ledger was not opened for the excepted pair; the notice was recorded.
    expect((await h.tables.readLedger("default")).has(tlsKey)).toBe(false);
    expect((await h.tables.readNotices("default")).size).toBe(1);
    expect(n1.deliveries).toEqual([
      expect.objectContaining({
        state: "delivered",
        counts: expect.objectContaining({ new: 11, exceptionExpired: 0, exceptionsExpiring: 1 }) as unknown,
      }),
    ]);

    // Night 2: its last day. Nothing changed and the channel was already warned: nothing is sent.
    const n2 = await h.night("2026-11-21T02:00:00Z", [exception]);
    expect(n2.report.exceptions.expiring.map((e) => [e.id, e.daysLeft])).toEqual([["EX-0042", 0]]);
    expect(receiver.postsTo(h.path)).toHaveLength(1);
    expect(n2.deliveries).toEqual([expect.objectContaining({ state: "nothingToSend" })]);

    // Night 3: expired. The failure counts again and is announced once, as such.
    const n3 = await h.night("2026-11-22T02:00:00Z", [exception]);
    const tls3 = n3.report.findings.find((f) => f.ruleId === TLS_RULE && f.resourceId === PROD_02)!;
    expect(tls3.exception?.effect).toBe("expired");
    const cards = receiver.acceptedBy(h.path);
    expect(cards).toHaveLength(2);
    const card3 = readCard(cards[1]);
    expect(card3.title).toBe("MI exposure: 1 exception expired");
    expect(card3.items.map((item) => item.section)).toEqual(["Exception expired (failing again)"]);
    expect(itemsOf(card3, "Exception expired (failing again)")).toEqual([`${TLS_TITLE} on sqlmi-prod-02`]);
    expect(card3.items[0]!.badge).toBe("HIGH");
    expect(card3.items[0]!.note).toBe(
      "Exception EX-0042 (approved by secops-lead@contoso.com) ended 2026-11-21: it counts again.",
    );
    expect(card3.texts).toContain("New 0 · Regressed 0 · Exception expired 1 · Resolved 0 · Still failing 11");
    expect((await h.tables.readLedger("default")).get(tlsKey)?.open).toBe(true);

    // Night 4: the channel knows it is failing; nothing new.
    await h.night("2026-11-23T02:00:00Z", [exception]);
    expect(receiver.postsTo(h.path)).toHaveLength(2);
  });

  it("an extended exception warns again when its new date comes close, once", async () => {
    const h = harness();
    await h.night("2026-11-20T02:00:00Z", [tlsException("2026-11-25")]);
    const card1 = readCard(receiver.acceptedBy(h.path)[0]);
    expect(card1.expiring.map((e) => e.lines[0])).toEqual(["EXPIRING  EX-0042 · expires 2026-11-25 (5 days left)"]);

    // Extended to the end of January: far off, so nothing to say.
    const extended = tlsException("2027-01-31");
    await h.night("2026-11-21T02:00:00Z", [extended]);
    await h.night("2027-01-16T02:00:00Z", [extended]);
    expect(receiver.postsTo(h.path)).toHaveLength(1);

    // Within 14 days of the new date: warned again, then not again.
    const near = await h.night("2027-01-20T02:00:00Z", [extended]);
    expect(near.report.exceptions.expiring.map((e) => e.id)).toEqual(["EX-0042"]);
    const cards = receiver.acceptedBy(h.path);
    expect(cards).toHaveLength(2);
    const card = readCard(cards[1]);
    expect(card.title).toBe("MI exposure: 1 exception expiring");
    expect(card.items).toEqual([]);
    expect(card.expiring.map((e) => e.lines[0])).toEqual(["EXPIRING  EX-0042 · expires 2027-01-31 (11 days left)"]);
    await h.night("2027-01-21T02:00:00Z", [extended]);
    expect(receiver.postsTo(h.path)).toHaveLength(2);
  });

  it("an exception that excepts nothing this channel takes is not announced as expiring", async () => {
    // A route for the dev subscription only: the TLS exception covers a prod resource, so it is not theirs.
    const devPath = `/exdev${Date.now().toString(36)}`;
    const h = harness({
      ALERT_ROUTES: JSON.stringify([
        {
          name: "dev",
          webhookSetting: "ALERT_WEBHOOK_DEV",
          match: { subscriptions: ["7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f"] },
        },
      ]),
      ALERT_WEBHOOK_DEV: receiver.url(devPath),
    });
    await h.night("2026-11-20T02:00:00Z", [tlsException("2026-11-25")]);
    const dev = readCard(receiver.acceptedBy(devPath)[0]);
    expect(dev.sections["Exceptions expiring"]).toBeUndefined();
    expect(readCard(receiver.acceptedBy(h.path)[0]).sections["Exceptions expiring"]).toBe(1);
    expect((await h.tables.readNotices("dev")).size).toBe(0);
  });

  it("a failure the channel was told of, then excepted, gets no reminder, and its fix is still announced", async () => {
    const h = harness({ ALERT_REMIND_DAYS: "1" });
    await h.night("2026-11-20T02:00:00Z", []);
    expect(itemsOf(readCard(receiver.acceptedBy(h.path)[0]), "New findings")).toContain(
      `${TLS_TITLE} on sqlmi-prod-02`,
    );
    const exception = tlsException("2027-03-31");
    // Two days on, reminders are due for the other 11 failures, not for the excepted one.
    await h.night("2026-11-22T02:00:00Z", [exception]);
    const reminder = readCard(receiver.acceptedBy(h.path)[1]);
    expect(reminder.title).toBe("MI exposure: 11 reminders");
    expect(itemsOf(reminder, "Still failing")).not.toContain(`${TLS_TITLE} on sqlmi-prod-02`);
    // Fixed while excepted: the channel knew it as failing, so it hears of the fix.
    await h.night("2026-11-22T14:00:00Z", [exception], { file: variants.write(fixTlsOfProd02) });
    const fixed = readCard(receiver.acceptedBy(h.path)[2]);
    expect(itemsOf(fixed, "Resolved")).toEqual([`${TLS_TITLE} on sqlmi-prod-02`]);
    expect((await h.tables.readLedger("default")).get(tlsKey)?.open).toBe(false);
  });

  it("a run without the store's exceptions says so, and does not announce accepted risks as first notices", async () => {
    const h = harness();
    const exception = tlsException("2027-03-31");
    await h.night("2026-11-20T02:00:00Z", [exception]);
    // The store could not be read: the audit service runs without its exceptions and the outcome says why.
    const reason = "reading the exceptions table: connect ECONNREFUSED 127.0.0.1:10002";
    await h.night("2026-11-21T02:00:00Z", [], {
      file: variants.write(openPublicEndpointOfProd01),
      tweak: (report) => void (report.exceptions.exceptionsUnavailable = reason),
    });
    const card = readCard(receiver.acceptedBy(h.path)[1]);
    expect(itemsOf(card, "New findings")).toEqual([
      "MI public endpoint reachable from untrusted sources on sqlmi-prod-01",
    ]);
    expect(card.items).toHaveLength(1);
    expect(card.texts).toContain(
      `This run went without the exception store's exceptions (${reason}): the failures they cover count as failures in it, and failures this channel has not heard of wait for a run that has them.`,
    );
    expect((await h.tables.readLedger("default")).has(tlsKey)).toBe(false);
    // With the exceptions back, the accepted risk is still not news.
    await h.night("2026-11-22T02:00:00Z", [exception], { file: variants.write(openPublicEndpointOfProd01) });
    expect(receiver.postsTo(h.path)).toHaveLength(2);
  });
});

describe("the daily digest", () => {
  it("lists the open failures, not the accepted risks", async () => {
    const h = harness({ ALERT_DAILY_DIGEST: "true" });
    const exception = tlsException("2027-03-31");
    await h.night("2026-12-10T02:00:00Z", [exception]);
    await h.night("2026-12-11T02:00:00Z", [exception]);
    const digest = readCard(receiver.acceptedBy(h.path)[1]);
    expect(digest.title).toBe("MI exposure daily summary: 11 open failures");
    expect(digest.sections["Open failures"]).toBe(11);
    expect(itemsOf(digest, "Open failures")).not.toContain(`${TLS_TITLE} on sqlmi-prod-02`);
  });
});

describe("the JSON alert", () => {
  it("carries exceptionsExpiring, then the failure under findings.exceptionExpired, and validates", async () => {
    const h = harness({ ALERT_FORMAT: "json" });
    const exception = tlsException("2026-11-21");
    await h.night("2026-11-20T02:00:00Z", [exception]);
    await h.night("2026-11-22T02:00:00Z", [exception]);
    const documents: AlertDocument[] = receiver.acceptedBy(h.path).map((body) => alertDocumentSchema.parse(body));
    expect(documents).toHaveLength(2);
    const [d1, d2] = documents;
    expect(d1!.exceptionsExpiring).toEqual([
      {
        id: "EX-0042",
        source: "store",
        ruleIds: [TLS_RULE],
        scope: PROD_02,
        scopeName: "sqlmi-prod-02",
        expiresOn: "2026-11-21",
        daysLeft: 1,
        approvedBy: "secops-lead@contoso.com",
        ticket: "CHG-1182",
      },
    ]);
    expect(d1!.counts).toMatchObject({ new: 11, exceptionExpired: 0, exceptionsExpiring: 1 });
    expect(d1!.findings.new.some((f) => f.ruleId === TLS_RULE && f.resourceId === PROD_02)).toBe(false);
    expect(d2!.exceptionsExpiring).toEqual([]);
    expect(d2!.findings.exceptionExpired).toEqual([
      expect.objectContaining({
        ruleId: TLS_RULE,
        resourceId: PROD_02,
        status: "fail",
        reason: "exceptionExpired",
        exception: expect.objectContaining({ id: "EX-0042", effect: "expired", expiresOn: "2026-11-21" }) as unknown,
      }),
    ]);
    expect(d2!.counts).toMatchObject({ new: 0, exceptionExpired: 1, stillFailing: 11 });
    expect(d2!.omitted).toMatchObject({ exceptionExpired: 0, exceptionsExpiring: 0 });
  });
});

describe("size", () => {
  it("many expiring exceptions are cut soonest first with 'and N more', within the Teams limit and a valid card", () => {
    const items: ExpiringExceptionItem[] = Array.from({ length: 300 }, (_, i) => ({
      id: `EX-${String(i).padStart(4, "0")}`,
      source: "store",
      ruleIds: [TLS_RULE, "mi.public-endpoint.untrusted-source"],
      scope: PROD_02,
      scopeName: "sqlmi-prod-02",
      expiresOn: "2026-12-01",
      daysLeft: 11,
      approvedBy: "secops-lead@contoso.com",
      ticket: `CHG-${i}`,
    }));
    const message: AlertMessage = {
      kind: "alert",
      channel: "default",
      minSeverity: "high",
      counts: { new: 0, regressed: 0, resolved: 0, stillFailing: 0, reminders: 0, exceptionsExpiring: 300 },
      sections: emptySections(),
      exceptionsExpiring: items,
    };
    const links = alertLinks(BASE);
    const teams = teamsPayload(message, links);
    expect(teams.bytes).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const card = readCard(JSON.parse(teams.body));
    expect(card.sections["Exceptions expiring"]).toBe(300);
    expect(card.expiring.length).toBe(teams.shown.exceptionsExpiring);
    expect(card.expiring.length).toBeGreaterThan(3);
    expect(card.expiring[0]!.lines[0]).toBe("EXPIRING  EX-0000 · expires 2026-12-01 (11 days left)");
    expect(card.more).toEqual([`…and ${300 - card.expiring.length} more, soonest shown first.`]);
    const json = jsonPayload(message, links, 16 * 1024);
    const document = alertDocumentSchema.parse(JSON.parse(json.body));
    expect(json.bytes).toBeLessThanOrEqual(16 * 1024);
    expect(document.exceptionsExpiring.length + document.omitted.exceptionsExpiring).toBe(300);
    expect(document.omitted.exceptionsExpiring).toBeGreaterThan(0);
  });
});
