// The dashboard's framework view in real headless Chromium over real audits of the sample estate: reached from the nav,
// it lists the same controls, statuses and failing resources as GET /api/compliance, links each failing resource to its
// page, switches framework, keeps the function key, shows a hostile resource name as text, and loads nothing from
// elsewhere. The sample's Azure Policy exemption excepts a failure: its control shows the excepted count beside its
// status and in its own column, and the failure is marked "excepted" with the exemption's name. A screenshot is kept
// in test-artifacts/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_ROUTES } from "../../src/report-api/report-routes";
import { dashboard } from "../../src/functions/dashboard";
import { compliance } from "../../src/functions/compliance";
import { dashboardCompliance } from "../../src/functions/dashboard-compliance";
import { REPO } from "../support/run-cli";
import { chromiumAvailable, openWatched, type WatchedPage } from "./chromium";
import { startDashboardRig, type DashboardRig } from "./dashboard-rig";
import { type HandlerServer } from "./handler-server";

const ARTIFACTS = join(REPO, "test-artifacts");
const HOSTILE_NAME = "<img src=x onerror=alert(7)>sqlmi-dev-02";
const KEY = "key/with+chars=";

interface ApiControl {
  id: string;
  status: string;
  counts: { passed: number; failed: number; unverified: number; notApplicable: number; excepted: number };
  failing: { resourceId: string; resourceName: string; ruleId: string; exception?: { id: string; effect: string } }[];
}

describe.skipIf(!chromiumAvailable)("dashboard framework view in Chromium", () => {
  let rig: DashboardRig;
  let server: HandlerServer;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    rig = await startDashboardRig({
      prefix: "uic",
      routes: [
        { route: REPORT_ROUTES.dashboard.route, handler: dashboard },
        { route: REPORT_ROUTES.dashboardCompliance.route, handler: dashboardCompliance },
        { route: REPORT_ROUTES.compliance.route, handler: compliance },
      ],
      // sqlmi-dev-02 on TLS 1.0 fails DP-3 under its hostile name.
      prepare: async (reports) =>
        void (await reports.audit(new Date(Date.now() - 60_000), { renameDevMi: HOSTILE_NAME, weakTls: 3 })),
    });
    ({ server, browser } = rig);
  }, 240_000);

  afterAll(async () => {
    await rig?.dispose();
  });

  const open = (path: string): Promise<WatchedPage> => openWatched(browser, server.url, path);

  async function apiControls(page: Page, framework: string): Promise<ApiControl[]> {
    const answer = await page.request.get(`${server.url}/api/compliance?framework=${framework}`);
    expect(answer.status()).toBe(200);
    return ((await answer.json()) as { controls: ApiControl[] }).controls;
  }

  it("opens from the nav and lists the API's controls with status, counts and failing resources", async () => {
    const { page, dialogs, problems, foreign } = await open(`/api/dashboard?code=${encodeURIComponent(KEY)}`);
    await Promise.all([
      page.waitForURL(/\/api\/dashboard\/compliance/),
      page.locator("nav a", { hasText: "Controls" }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get("code")).toBe(KEY);
    await page.screenshot({ path: join(ARTIFACTS, "compliance-mcsb-1366.png"), fullPage: true });
    expect(await page.title()).toBe("MCSB controls — MI Exposure Auditor");
    const expected = await apiControls(page, "MCSB");
    const rows = page.locator("#controls-table tbody tr.control");
    expect(
      await rows.evaluateAll((trs) =>
        trs.map((tr) => `${tr.getAttribute("data-control")} ${tr.getAttribute("data-status")}`),
      ),
    ).toEqual(expected.map((c) => `${c.id} ${c.status}`));
    for (const control of expected) {
      const row = page.locator(`tr.control[data-control="${control.id}"]`);
      const cells = await row.locator("td.num").allInnerTexts();
      expect(cells.map(Number), control.id).toEqual([
        control.counts.passed,
        control.counts.failed,
        control.counts.unverified,
        control.counts.notApplicable,
        control.counts.excepted,
      ]);
      const label = { fail: "Fail", unverified: "Unverified", pass: "Pass", notApplicable: "N/A" }[control.status];
      const excepted = control.counts.excepted > 0 ? `, ${control.counts.excepted} excepted` : "";
      expect((await row.locator('td[data-label="Status"]').innerText()).trim(), control.id).toBe(`${label}${excepted}`);
      expect(await row.locator("a.res").count(), control.id).toBe(Math.min(control.failing.length, 25));
    }
    // The Policy exemption's failure is listed under each of its controls, marked with the exemption's name.
    const exempted = expected.filter((c) => c.failing.some((f) => f.exception?.effect === "applied"));
    expect(exempted.length).toBeGreaterThan(0);
    for (const control of exempted) {
      expect(control.counts.excepted).toBeGreaterThan(0);
      for (const f of control.failing.filter((x) => x.exception?.effect === "applied")) {
        const mark = page
          .locator(`tr.control[data-control="${control.id}"] li`, { hasText: f.resourceName })
          .filter({ hasText: f.ruleId })
          .locator(".exc-badge");
        expect(await mark.getAttribute("data-exception-id")).toBe(f.exception!.id);
        expect(await mark.innerText()).toBe(`excepted ${f.exception!.id.split("/").at(-1)}`);
      }
    }
    // The hostile name is text in DP-3's failing list; no script ran, nothing was fetched from elsewhere.
    const dp3 = page.locator('tr.control[data-control="DP-3"]');
    expect(await dp3.getByText(HOSTILE_NAME).isVisible()).toBe(true);
    expect(await page.evaluate("document.scripts.length")).toBe(0);
    for (const href of await page
      .locator("main a[href]")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? "")))
      if (!href.startsWith("https:")) expect(new URL(href, page.url()).searchParams.get("code"), href).toBe(KEY);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it("a failing resource links to its page; the framework switch shows NIST through MCSB", async () => {
    const { page } = await open("/api/dashboard/compliance");
    const link = page.locator('tr.control[data-control="NS-2"] a.res').first();
    const name = await link.innerText();
    await Promise.all([page.waitForURL(/\/api\/dashboard\?resource=/), link.click()]);
    expect(await page.locator("#h-resource").innerText()).toContain(name);
    await page.goto(`${server.url}/api/dashboard/compliance`);
    await Promise.all([page.waitForURL(/framework=NIST/), page.locator("nav a", { hasText: "NIST" }).click()]);
    const expected = await apiControls(page, "NIST");
    expect(await page.locator("#controls-table tbody tr.control").count()).toBe(expected.length);
    await expect(page.locator('tr.control[data-control="AC-4"]').innerText()).resolves.toMatch(/through MCSB .*NS-2/);
    await page.close();
  });
});
