// The dashboard in real headless Chromium (Debian's package, driven by playwright-core) over 30 real audits of the
// sample estate: it loads, the chart is there, filters narrow the table, hostile Azure data renders as text with no
// script run, nothing is fetched from elsewhere, and screenshots are kept in test-artifacts/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_ROUTES } from "../../src/report-api/report-routes";
import { dashboard } from "../../src/functions/dashboard";
import { listFindings } from "../../src/functions/list-findings";
import { resourceHistory } from "../../src/functions/resource-history";
import { getRun } from "../../src/functions/get-run";
import { parseCsv } from "../support/csv-parse";
import { REPO } from "../support/run-cli";
import { chromiumAvailable, inCi, openWatched, type WatchedPage } from "./chromium";
import { startDashboardRig, type DashboardRig } from "./dashboard-rig";
import { type HandlerServer } from "./handler-server";

const ARTIFACTS = join(REPO, "test-artifacts");
const HOSTILE_NAME = "<img src=x onerror=alert(3)>sqlmi-dev-02";
const HOSTILE_DESCRIPTION = "<script>alert(1)</script> legacy vendor access";
const KEY = "test-key/with+chars=";

if (!chromiumAvailable && inCi) {
  describe("browser tests", () => {
    it("need Chromium under CI", () => {
      throw new Error("Chromium is missing and CI=true: .ci/install-chromium should have installed Debian's chromium");
    });
  });
}

describe.skipIf(!chromiumAvailable)("dashboard in Chromium", () => {
  let rig: DashboardRig;
  let server: HandlerServer;
  let browser: Browser;
  let runs: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    rig = await startDashboardRig({
      prefix: "ui",
      routes: [
        { route: REPORT_ROUTES.dashboard.route, handler: dashboard },
        { route: REPORT_ROUTES.listFindings.route, handler: listFindings },
        { route: REPORT_ROUTES.resourceHistory.route, handler: resourceHistory },
        { route: REPORT_ROUTES.getRun.route, handler: getRun },
      ],
      prepare: async (reports) => {
        runs = await reports.auditSeries(29, 1);
        // The latest: the sample itself (legacy NSG open: a new failure; TLS fixed: resolved), one name hostile.
        runs.push(await reports.audit(new Date(Date.now() - 60_000), { renameDevMi: HOSTILE_NAME }));
      },
    });
    ({ server, browser } = rig);
  }, 240_000);

  afterAll(async () => {
    await rig?.dispose();
  });

  /** A page that records dialogs, console errors, failed or foreign requests and CSP violations. */
  const open = (path: string, viewport?: { width: number; height: number }): Promise<WatchedPage> =>
    openWatched(browser, server.url, path, viewport);

  it("loads with the sample estate: overview, 30-run chart with stacked severity bars, delta, subscriptions, findings", async () => {
    const { page, dialogs, problems, foreign } = await open("/api/dashboard");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-1366.png"), fullPage: false });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-1366-full.png"), fullPage: true });
    const top = await page
      .locator(".findings-card")
      .evaluate((el) => (el as unknown as { offsetTop: number }).offsetTop);
    await page.screenshot({
      path: join(ARTIFACTS, "dashboard-1366-findings.png"),
      fullPage: true,
      clip: { x: 0, y: top, width: 1366, height: 900 },
    });
    expect(await page.title()).toBe("MI Exposure Auditor — dashboard");
    await expect(page.locator(".score-kpi .kpi-value").innerText()).resolves.toMatch(/^\d+\.\d$/);
    expect(await page.locator("svg.chart g.run").count()).toBe(30);
    expect(await page.locator("svg.chart path.line").count()).toBe(1);
    expect(await page.locator("svg.chart rect.bar-critical").count()).toBe(30);
    expect(await page.locator("svg.chart").isVisible()).toBe(true);
    const delta = page.locator(".delta-card");
    await expect(delta.locator(".delta-list").first().innerText()).resolves.toContain("nsg-sqlvm-legacy");
    await expect(delta.locator(".delta-list").nth(1).innerText()).resolves.toContain("sqlmi-shared-01");
    expect(await page.locator("table.subs tbody tr").count()).toBe(3);
    expect(await page.locator("#findings-table tbody tr.finding").count()).toBe(33);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it("a filter narrows the table, server-side, and the CSV link exports exactly that filter", async () => {
    const { page } = await open("/api/dashboard");
    const before = await page.locator("#findings-table tbody tr.finding").count();
    await page.selectOption("select[name=severity]", "critical");
    await Promise.all([page.waitForURL(/severity=critical/), page.click("form.filters button[type=submit]")]);
    const rows = page.locator("#findings-table tbody tr.finding");
    const after = await rows.count();
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
    expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-severity"))))).toEqual(
      new Set(["critical"]),
    );
    await page.fill("input[name=q]", "legacy");
    await Promise.all([page.waitForURL(/q=legacy/), page.click("form.filters button[type=submit]")]);
    expect(await rows.count()).toBe(1);
    const href = await page.locator("#csv-link").getAttribute("href");
    expect(href).toMatch(/^findings\?/);
    const csv = await page.request.get(new URL(href!, `${server.url}/api/dashboard`).toString());
    expect(csv.status()).toBe(200);
    const records = parseCsv(await csv.text());
    expect(records.map((r) => `${r[0]}|${r[3]}`)).toEqual(["nsg.sql-inbound-internet|nsg-sqlvm-legacy"]);
    await page.close();
  });

  it("shows a malicious NSG rule description and resource name as text: no script runs, no dialog opens", async () => {
    const { page, dialogs, problems } = await open("/api/dashboard?q=legacy");
    const evidence = page.locator("tr.finding td.evidence").first();
    await expect(evidence.innerText()).resolves.toContain(HOSTILE_DESCRIPTION);
    expect(await evidence.getByText(HOSTILE_DESCRIPTION).isVisible()).toBe(true);
    await expect(evidence.innerText()).resolves.toContain("allow_sql_anywhere");
    await expect(evidence.innerText()).resolves.toMatch(/priority 1000/);
    await expect(evidence.innerText()).resolves.toContain("203.0.113.5");
    await page.goto(`${server.url}/api/dashboard?status=any`);
    const named = page.getByText(HOSTILE_NAME).first();
    expect(await named.isVisible()).toBe(true);
    expect(await page.evaluate("document.scripts.length")).toBe(0);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("[onerror]").count()).toBe(0);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("answers with a strict CSP and carries the function key in every link and the filter form", async () => {
    const response = await (
      await browser.newPage()
    ).request.get(`${server.url}/api/dashboard?code=${encodeURIComponent(KEY)}`);
    const csp = response.headers()["content-security-policy"]!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toMatch(/script-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/form-action 'self'/);
    expect(csp).toMatch(/base-uri 'none'/);
    const { page } = await open(`/api/dashboard?code=${encodeURIComponent(KEY)}`);
    const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    const internal = hrefs.filter((h) => !/^https:/.test(h));
    expect(internal.length).toBeGreaterThan(10);
    for (const href of internal)
      expect(new URL(href, "http://x/api/dashboard").searchParams.get("code"), href).toBe(KEY);
    expect(await page.locator("form.filters input[name=code]").inputValue()).toBe(KEY);
    await page.selectOption("select[name=status]", "any");
    await Promise.all([page.waitForURL(/status=any/), page.click("form.filters button[type=submit]")]);
    expect(new URL(page.url()).searchParams.get("code")).toBe(KEY);
    await page.close();
  });

  it("the delta links open the resource's history page, which links its JSON", async () => {
    const { page, dialogs, foreign } = await open("/api/dashboard");
    await Promise.all([
      page.waitForURL(/resource=/),
      page.locator(".delta-card .delta-list a.res", { hasText: "nsg-sqlvm-legacy" }).first().click(),
    ]);
    expect(await page.locator("#h-resource").innerText()).toContain("nsg-sqlvm-legacy");
    const rule = page.locator("table.rules-table tr", { hasText: "nsg.sql-inbound-internet" });
    await expect(rule.innerText()).resolves.toMatch(/Fail/);
    const newest = (
      await page.locator(".timeline li", { hasText: "nsg.sql-inbound-internet" }).first().innerText()
    ).replace(/\s+/g, " ");
    expect(newest).toMatch(/nsg\.sql-inbound-internet Pass → Fail run /);
    await expect(page.locator("table.findings").innerText()).resolves.toContain(HOSTILE_DESCRIPTION);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-resource-1366.png"), fullPage: false });
    const json = await page.request.get(
      new URL((await page.locator(".resource-head a.button").getAttribute("href"))!, page.url()).toString(),
    );
    expect(json.status()).toBe(200);
    const history = (await json.json()) as { resourceName: string; rules: Array<{ ruleId: string; status: string }> };
    expect(history.resourceName).toBe("nsg-sqlvm-legacy");
    expect(history.rules.find((r) => r.ruleId === "nsg.sql-inbound-internet")?.status).toBe("fail");
    expect(dialogs).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it("stays usable in a narrow window", async () => {
    const { page } = await open("/api/dashboard", { width: 390, height: 844 });
    const overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow as number).toBeLessThanOrEqual(1);
    expect(await page.locator("form.filters button[type=submit]").isVisible()).toBe(true);
    expect(await page.locator("#findings-table tbody tr.finding").first().isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-narrow.png"), fullPage: false });
    await page.locator("#findings-table tbody tr.finding").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-narrow-findings.png"), fullPage: false });
    await page.close();
  });
});
