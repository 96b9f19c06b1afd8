// The dashboard's exceptions in real headless Chromium, over a real audit of the sample estate that read its exceptions
// from the real Table store on Azurite: the Exceptions page lists every stored exception with its standing (active,
// expiring, expired, revoked) and days left, and what the run's exceptions did; one exception's page shows its
// history; the findings view filters excepted results, badges them, marks expired and no-longer-needed exceptions, and
// the run header counts "failing" apart from "failing, excepted" with both scores. A justification holding a <script>
// renders as text under the CSP. Expectations come from the exceptions the test declares (the semantics) and
// from GET /api/runs/latest, never from the page's code. Screenshots are kept in test-artifacts/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Services } from "../../src/app/services";
import { AuditService } from "../../src/audit/audit-service";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import type { ExceptionStore } from "../../src/audit/exception-store";
import type { AuditException } from "../../src/engine/exceptions";
import { REPORT_ROUTES } from "../../src/report-api/report-routes";
import { dashboard } from "../../src/functions/dashboard";
import { dashboardExceptions } from "../../src/functions/dashboard-exceptions";
import { getRun } from "../../src/functions/get-run";
import { listExceptions } from "../../src/functions/exceptions-list";
import { EXCEPTION_ROUTES } from "../../src/report-api/exception-routes";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { createExceptionStore } from "../../src/store/table-exception-store";
import { REPO } from "../support/run-cli";
import type { ReportFixture } from "../report-api/report-fixture";
import { chromiumAvailable, openWatched, type WatchedPage } from "./chromium";
import { startDashboardRig, type DashboardRig } from "./dashboard-rig";
import { type HandlerServer } from "./handler-server";

const ARTIFACTS = join(REPO, "test-artifacts");
const KEY = "key/with+chars=";
const DEV = "/subscriptions/7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f";
const PROD = "/subscriptions/6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const MI = (sub: string, group: string, name: string): string =>
  `${sub}/resourceGroups/${group}/providers/Microsoft.Sql/managedInstances/${name}`;
const HOSTILE = `<script>alert("x")</script> Partner ETL range allowed on 3342 until the private link cut-over.`;
const DAY = 86_400_000;

/** A date `days` from today, UTC (an exception applies through the end of its expiry day, UTC). */
function inDays(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}

function declared(id: string, ruleId: string, scope: string, days: number, extra: Partial<AuditException> = {}) {
  return {
    id,
    source: "store",
    ruleIds: [ruleId],
    scope,
    justification: `Accepted while the network team migrates ${id} to private link.`,
    approvedBy: "secops-lead@contoso.com",
    expiresOn: inDays(days),
    ...extra,
  } satisfies AuditException;
}

// What each exception must do in a run of the sample (its results are listed by `mi-audit scan samples/estate.json`):
const EXCEPTIONS = {
  // the critical failure of nsg-sqlvm-legacy: excepted (rule and resource group scope)
  applied: declared("EX-APPLIED", "nsg.sql-inbound-internet", `${DEV}/resourceGroups/rg-compute-dev`, 90, {
    justification: HOSTILE,
    ticket: "https://tickets.example.com/CHG-1182",
  }),
  // sqlmi-dev-01 accepts TLS 1.0: excepted, ending in 5 days (inside the 14-day warning window)
  expiring: declared("EX-EXPIRING", "mi.tls.minimum-version", MI(DEV, "rg-data-dev", "sqlmi-dev-01"), 5, {
    ticket: "CHG-2001",
  }),
  // sqlmi-prod-02's TLS failure: its exception ended 10 days ago, so it counts again
  expired: declared("EX-EXPIRED", "mi.tls.minimum-version", MI(PROD, "rg-data-prod", "sqlmi-prod-02"), -10),
  // sqlmi-prod-01 passes the TLS rule: the exception is no longer needed
  notNeeded: declared("EX-NOTNEEDED", "mi.tls.minimum-version", MI(PROD, "rg-data-prod", "sqlmi-prod-01"), 60),
  // an audited subscription's group with no managed instance: matches nothing, stale
  stale: declared("EX-STALE", "mi.tls.minimum-version", `${DEV}/resourceGroups/rg-apps-dev`, 60),
  // sqlmi-dev-02 fails Entra-only authentication; the exception is revoked, so the failure counts
  revoked: declared("EX-REVOKED", "mi.auth.entra-only", MI(DEV, "rg-data-dev", "sqlmi-dev-02"), 30),
};

interface RunSummaryJson {
  runId: string;
  summary: {
    scores: {
      estateScore: number;
      estateScoreAllFailures: number;
      estateScoreExceptedNotCounted: number;
      byStatus: { fail: number };
      excepted: { byStatus: { fail: number; unknown: number } };
    };
    exceptions: {
      exceptedResults: { fail: number; unknown: number };
      applied: number;
      counts: Record<"expiring" | "expired" | "stale" | "notNeeded" | "noExpiry", number>;
      expiring: Array<{ id: string }>;
      expired: Array<{ id: string }>;
      stale: Array<{ id: string }>;
      notNeeded: Array<{ id: string }>;
    };
  };
}

describe.skipIf(!chromiumAvailable)("dashboard exceptions in Chromium", () => {
  let rig: DashboardRig;
  let exceptions: ExceptionStore;
  let server: HandlerServer;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    rig = await startDashboardRig({
      prefix: "uie",
      routes: [
        { route: REPORT_ROUTES.dashboard.route, handler: dashboard },
        { route: REPORT_ROUTES.dashboardExceptions.route, handler: dashboardExceptions },
        { route: REPORT_ROUTES.getRun.route, handler: getRun },
        { route: EXCEPTION_ROUTES.listExceptions.route, handler: listExceptions },
      ],
      prepare: async (reports, prefix) => {
        exceptions = createExceptionStore(reports.services.settings.tables, { tablePrefix: prefix });
        const created = new Date(Date.now() - 3 * DAY);
        for (const exception of Object.values(EXCEPTIONS))
          await exceptions.createException(exception, { by: "alice@contoso.com", at: created });
        await exceptions.changeException(
          "ex-applied",
          { ...EXCEPTIONS.applied, approvedBy: "ciso@contoso.com", expiresOn: inDays(120) },
          { by: "bob@contoso.com", at: new Date(Date.now() - 2 * DAY) },
        );
        await exceptions.revokeException("EX-REVOKED", { by: "carol@contoso.com" }, "The migration finished early.");
        const services: Services = { ...reports.services, exceptions };
        await auditWithExceptions(services, reports);
        return services;
      },
    });
    ({ server, browser } = rig);
  }, 240_000);

  afterAll(async () => {
    await rig?.dispose();
  });

  /** One queued run of the sample through the audit service, which reads the store's exceptions itself. */
  async function auditWithExceptions(services: Services, reports: ReportFixture): Promise<void> {
    const messages: AuditRequestMessage[] = [];
    const audits = new AuditService({
      settings: services.settings,
      store: services.store,
      exceptions,
      queue: { enqueue: async (message) => void messages.push(message) },
      openSource: () => new SnapshotSource([reports.estateFile({})]),
    });
    await audits.requestAudit({ trigger: "http", requestedBy: "exceptions-test" });
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const outcome = await audits.runRequested(messages[0]!, { dequeueCount: 1, maxDequeueCount: 3 }, quiet);
    expect(outcome.status).toBe("completed");
  }

  const open = (path: string): Promise<WatchedPage> => openWatched(browser, server.url, path);

  async function latestRun(page: Page): Promise<RunSummaryJson> {
    const answer = await page.request.get(`${server.url}/api/runs/latest`);
    expect(answer.status()).toBe(200);
    return (await answer.json()) as RunSummaryJson;
  }

  it("opens from the nav and lists every stored exception with its standing, days left, approver and creator", async () => {
    const { page, dialogs, problems, foreign } = await open(`/api/dashboard?code=${encodeURIComponent(KEY)}`);
    await Promise.all([
      page.waitForURL(/\/api\/dashboard\/exceptions/),
      page.locator("header nav a", { hasText: "Exceptions" }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get("code")).toBe(KEY);
    await page.screenshot({ path: join(ARTIFACTS, "exceptions-1366.png"), fullPage: true });
    expect(await page.title()).toBe("Exceptions — MI Exposure Auditor");
    const rows = page.locator("#exceptions-table tbody tr.exception-row");
    expect(
      await rows.evaluateAll((trs) =>
        trs.map((tr) => `${tr.getAttribute("data-exception-id")} ${tr.getAttribute("data-standing")}`),
      ),
    ).toEqual([
      "EX-APPLIED active",
      "EX-EXPIRED expired",
      "EX-EXPIRING expiring",
      "EX-NOTNEEDED active",
      "EX-REVOKED revoked",
      "EX-STALE active",
    ]);
    const row = (id: string) => page.locator(`tr.exception-row[data-exception-id="${id}"]`);
    await expect(row("EX-EXPIRING").locator(".days-left").innerText()).resolves.toBe("5 days left");
    await expect(row("EX-APPLIED").locator(".days-left").innerText()).resolves.toBe("120 days left");
    await expect(row("EX-EXPIRED").locator(".days-left").innerText()).resolves.toBe("expired 10 days ago");
    await expect(row("EX-REVOKED").locator(".days-left").innerText()).resolves.toBe("");
    const applied = await row("EX-APPLIED").innerText();
    expect(applied).toContain("nsg.sql-inbound-internet");
    expect(applied).toContain("rg-compute-dev");
    expect(applied).toContain("ciso@contoso.com");
    expect(applied).toContain("alice@contoso.com");
    expect(await row("EX-APPLIED").locator("a.exc-ticket").getAttribute("href")).toBe(EXCEPTIONS.applied.ticket);
    await expect(row("EX-EXPIRING").locator(".exc-ticket").innerText()).resolves.toBe("CHG-2001");
    await expect(row("EX-REVOKED").innerText()).resolves.toContain("revoked by carol@contoso.com");
    // The same standings and days left as the API's (GET /api/exceptions?standing=all).
    const api = await page.request.get(`${server.url}/api/exceptions?standing=all`);
    expect(api.status()).toBe(200);
    const views = ((await api.json()) as { items: Array<{ id: string; standing: string; daysLeft: number | null }> })
      .items;
    expect(views.map((v) => v.id)).toEqual(
      Object.values(EXCEPTIONS)
        .map((e) => e.id)
        .sort(),
    );
    for (const view of views) {
      expect(await row(view.id).getAttribute("data-standing"), view.id).toBe(view.standing);
      const days = await row(view.id).locator(".days-left").innerText();
      if (view.standing !== "revoked" && view.daysLeft !== null)
        expect(days, view.id).toBe(
          view.daysLeft < 0 ? `expired ${-view.daysLeft} days ago` : `${view.daysLeft} days left`,
        );
    }
    expect(await page.locator("#exceptions-json").getAttribute("href")).toBe(
      `../exceptions?code=${encodeURIComponent(KEY)}`,
    );
    // The standing filter narrows the list, server-side, and keeps the key.
    await Promise.all([
      page.waitForURL(/standing=expiring/),
      page.locator("nav a", { hasText: /^Expiring 1$/ }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get("code")).toBe(KEY);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-exception-id")))).toEqual([
      "EX-EXPIRING",
    ]);
    for (const href of await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")!)))
      if (!href.startsWith("https:")) expect(new URL(href, page.url()).searchParams.get("code"), href).toBe(KEY);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it("says what the latest run's exceptions did: excepted, expiring, expired, stale, no longer needed", async () => {
    const { page } = await open("/api/dashboard/exceptions");
    const run = await latestRun(page);
    const outcome = run.summary.exceptions;
    // The test's own exceptions, as the issue defines their effects (Policy exemptions of the sample may add more).
    expect(outcome.expiring.map((e) => e.id)).toContain("EX-EXPIRING");
    expect(outcome.expired.map((e) => e.id)).toContain("EX-EXPIRED");
    expect(outcome.stale.map((e) => e.id)).toContain("EX-STALE");
    expect(outcome.notNeeded.map((e) => e.id)).toContain("EX-NOTNEEDED");
    expect(outcome.exceptedResults.fail).toBeGreaterThanOrEqual(2);
    const card = page.locator("#run-outcome");
    await expect(card.locator("h2").innerText()).resolves.toContain(run.runId);
    const figure = async (id: string): Promise<number> => Number((await card.locator(`#${id} b`).innerText()).trim());
    expect(await figure("oc-excepted-fail")).toBe(outcome.exceptedResults.fail);
    expect(await figure("oc-excepted-unknown")).toBe(outcome.exceptedResults.unknown);
    expect(await figure("oc-applied")).toBe(outcome.applied);
    expect(await figure("oc-expiring")).toBe(outcome.counts.expiring);
    expect(await figure("oc-expired")).toBe(outcome.counts.expired);
    expect(await figure("oc-stale")).toBe(outcome.counts.stale);
    expect(await figure("oc-not-needed")).toBe(outcome.counts.notNeeded);
    const listed = (list: string) =>
      card
        .locator(`#outcome-${list} li[data-exception-id]`)
        .evaluateAll((lis) => lis.map((li) => li.dataset["exceptionId"]));
    expect(await listed("expiring")).toEqual(outcome.expiring.map((e) => e.id));
    expect(await listed("expired")).toEqual(outcome.expired.map((e) => e.id));
    expect(await listed("stale")).toEqual(outcome.stale.map((e) => e.id));
    expect(await listed("not-needed")).toEqual(outcome.notNeeded.map((e) => e.id));
    // A revoked exception is not a run's exception at all.
    expect(await card.locator('[data-exception-id="EX-REVOKED"]').count()).toBe(0);
    await page.close();
  });

  it("shows a <script> justification as text, under a CSP with no script, on every view", async () => {
    const answer = await (await browser.newPage()).request.get(`${server.url}/api/dashboard/exceptions`);
    const csp = answer.headers()["content-security-policy"]!;
    expect(csp).toMatch(/script-src 'none'/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(answer.headers()["x-frame-options"]).toBe("DENY");
    for (const path of [
      "/api/dashboard/exceptions",
      "/api/dashboard/exceptions?id=EX-APPLIED",
      "/api/dashboard?excepted=only",
    ]) {
      const { page, dialogs, problems } = await open(path);
      expect(await page.getByText(HOSTILE).first().isVisible(), path).toBe(true);
      expect(await page.evaluate("document.scripts.length"), path).toBe(0);
      await page.waitForTimeout(200);
      expect(dialogs, path).toEqual([]);
      expect(problems, path).toEqual([]);
      await page.close();
    }
  });

  it("one exception's page shows its fields and its history: created, changed (what), revoked (why), by whom", async () => {
    const { page } = await open("/api/dashboard/exceptions");
    await Promise.all([
      page.waitForURL(/id=EX-APPLIED/),
      page.locator('tr[data-exception-id="EX-APPLIED"] a.exc-id').click(),
    ]);
    await page.screenshot({ path: join(ARTIFACTS, "exception-history-1366.png"), fullPage: true });
    const history = page.locator("#exception-history li");
    const entries = await history.evaluateAll((lis) =>
      lis.map((li) => `${li.dataset["version"]} ${li.dataset["action"]} ${li.querySelector(".by")?.textContent}`),
    );
    expect(entries).toEqual(["1 created alice@contoso.com", "2 changed bob@contoso.com"]);
    await expect(history.nth(1).locator(".changed").innerText()).resolves.toBe("changed: approvedBy, expiresOn");
    const fields = await page.locator("#exception-fields").innerText();
    expect(fields).toContain("ciso@contoso.com");
    expect(fields).toContain(inDays(120));
    await page.goto(`${server.url}/api/dashboard/exceptions?id=ex-revoked`);
    const revoked = await page.locator("#exception-history li").allInnerTexts();
    expect(revoked.map((t) => t.replace(/\s+/g, " "))).toEqual([
      expect.stringMatching(/created by alice@contoso\.com via api · version 1/),
      expect.stringMatching(/revoked by carol@contoso\.com via api · version 2 .*The migration finished early\./),
    ]);
    const missing = await page.request.get(`${server.url}/api/dashboard/exceptions?id=EX-NOPE`);
    expect(missing.status()).toBe(404);
    expect(await missing.text()).toContain("EX-NOPE");
    await page.close();
  });

  it("the Exceptions page stays usable in a narrow window: the table scrolls inside its card, not the page", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    expect((await page.goto(`${server.url}/api/dashboard/exceptions`))?.status()).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, "exceptions-narrow.png"), fullPage: true });
    const overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow as number).toBeLessThanOrEqual(1);
    expect(await page.locator("#exceptions-table").isVisible()).toBe(true);
    await page.close();
  });

  it("the run header counts failing apart from failing, excepted, with both scores", async () => {
    const { page } = await open("/api/dashboard");
    const { scores } = (await latestRun(page)).summary;
    const excepted = scores.excepted.byStatus.fail;
    await expect(page.locator("#failing-line").innerText()).resolves.toBe(
      `failing ${scores.byStatus.fail - excepted} · failing, excepted ${excepted}`,
    );
    expect(Number(await page.locator("#failing-count").innerText())).toBe(scores.byStatus.fail - excepted);
    expect(await page.locator("#score-all").innerText()).toBe(scores.estateScoreAllFailures.toFixed(1));
    expect(await page.locator("#score-excepted").innerText()).toBe(scores.estateScoreExceptedNotCounted.toFixed(1));
    // An excepted critical failure: leaving it out must raise the score, and that is the headline by default.
    expect(scores.estateScoreExceptedNotCounted).toBeGreaterThan(scores.estateScoreAllFailures);
    expect(await page.locator(".score-kpi .kpi-value").innerText()).toBe(
      scores.estateScoreExceptedNotCounted.toFixed(1),
    );
    await expect(page.locator("#both-scores .headline").innerText()).resolves.toMatch(/^excepted not counted/);
    await page.close();
  });

  it("the findings view filters excepted results and marks excepted, expired and no-longer-needed exceptions", async () => {
    const { page } = await open(`/api/dashboard?code=${encodeURIComponent(KEY)}`);
    const { scores } = (await latestRun(page)).summary;
    const rows = page.locator("#findings-table tbody tr.finding");
    const effects = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-exception-effect")));
    expect(await rows.count()).toBe(scores.byStatus.fail);
    await page.selectOption("select[name=excepted]", "only");
    await Promise.all([page.waitForURL(/excepted=only/), page.click("form.filters button[type=submit]")]);
    expect(new URL(page.url()).searchParams.get("code")).toBe(KEY);
    await page.screenshot({ path: join(ARTIFACTS, "findings-excepted-1366.png"), fullPage: true });
    expect(await rows.count()).toBe(scores.excepted.byStatus.fail);
    expect(new Set(await effects())).toEqual(new Set(["applied"]));
    const legacy = rows.filter({ hasText: "nsg-sqlvm-legacy" });
    expect(await legacy.count()).toBe(1);
    await expect(legacy.locator(".exc-badge").innerText()).resolves.toBe("excepted");
    const badge = legacy.locator(".exception");
    expect(await badge.getAttribute("data-exception-id")).toBe("EX-APPLIED");
    await expect(badge.locator(".exc-approver").innerText()).resolves.toBe("ciso@contoso.com");
    await expect(badge.locator(".exc-expiry").innerText()).resolves.toBe(inDays(120));
    await expect(badge.locator(".exc-justification").innerText()).resolves.toContain(HOSTILE);
    expect(await rows.filter({ hasText: "sqlmi-dev-01" }).locator(".exception").getAttribute("data-exception-id")).toBe(
      "EX-EXPIRING",
    );
    // The sample's Azure Policy exemption (a Waiver of 9dfea752 on sqlmi-prod-01) excepts its public endpoint result.
    const exempted = rows.filter({ hasText: "sqlmi-prod-01" }).filter({ hasText: "mi.public-endpoint.enabled" });
    expect(await exempted.locator(".exception").getAttribute("data-source")).toBe("policy");
    await expect(exempted.locator(".exception .exc-head").innerText()).resolves.toMatch(
      /sqlmi-prod-01-public-endpoint Policy exemption$/,
    );
    // The CSV link exports exactly this filter.
    expect(
      new URL((await page.locator("#csv-link").getAttribute("href"))!, page.url()).searchParams.get("excepted"),
    ).toBe("only");
    await page.selectOption("select[name=excepted]", "exclude");
    await Promise.all([page.waitForURL(/excepted=exclude/), page.click("form.filters button[type=submit]")]);
    expect(await rows.count()).toBe(scores.byStatus.fail - scores.excepted.byStatus.fail);
    expect(await effects()).not.toContain("applied");
    // sqlmi-prod-02's TLS failure counts again: its exception expired, and the row says so.
    const prod02 = rows.filter({ hasText: "sqlmi-prod-02" }).filter({ hasText: "mi.tls.minimum-version" });
    expect(await prod02.getAttribute("data-exception-effect")).toBe("expired");
    await expect(prod02.locator(".exc-badge").innerText()).resolves.toBe("exception expired");
    expect(await prod02.locator(".exception").getAttribute("data-exception-id")).toBe("EX-EXPIRED");
    // The revoked exception excepts nothing: sqlmi-dev-02 fails Entra-only authentication, unmarked.
    const dev02 = rows.filter({ hasText: "sqlmi-dev-02" }).filter({ hasText: "mi.auth.entra-only" });
    expect(await dev02.count()).toBe(1);
    expect(await dev02.getAttribute("data-exception-effect")).toBeNull();
    await page.goto(`${server.url}/api/dashboard?status=pass&ruleId=mi.tls.minimum-version&q=sqlmi-prod-01`);
    const passing = rows.filter({ hasText: "sqlmi-prod-01" });
    expect(await passing.getAttribute("data-exception-effect")).toBe("notNeeded");
    await expect(passing.locator(".exc-badge").innerText()).resolves.toBe("exception no longer needed");
    await page.close();
  });
});
