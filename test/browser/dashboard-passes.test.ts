// The dashboard's status filter shows passes on a second, unchanged night, which stored only its failures and changes:
// two real audits of the sample estate on Azurite, the page in headless Chromium, the filter chosen in its form.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboard } from "../../src/functions/dashboard";
import { listFindings } from "../../src/functions/list-findings";
import { REPORT_ROUTES } from "../../src/report-api/report-routes";
import { ReportFixture } from "../report-api/report-fixture";
import { chromiumAvailable, openWatched } from "./chromium";
import { startDashboardRig, type DashboardRig } from "./dashboard-rig";
import { type HandlerServer } from "./handler-server";

describe.skipIf(!chromiumAvailable)("dashboard status filter on an unchanged night", () => {
  let rig: DashboardRig;
  let fixture: ReportFixture;
  let server: HandlerServer;
  let browser: Browser;
  let night2: string;

  beforeAll(async () => {
    rig = await startDashboardRig({
      prefix: "uipass",
      routes: [
        { route: REPORT_ROUTES.dashboard.route, handler: dashboard },
        { route: REPORT_ROUTES.listFindings.route, handler: listFindings },
      ],
      prepare: async (reports) => {
        await reports.audit(new Date(Date.now() - 2 * 86_400_000));
        night2 = await reports.audit(new Date(Date.now() - 86_400_000));
      },
    });
    ({ fixture, server, browser } = rig);
  }, 240_000);

  afterAll(async () => {
    await rig?.dispose();
  });

  it("lists night 2's passes when the status filter is set to Pass", async () => {
    const record = await fixture.services.store.getRunRecord(night2);
    // The night stored none of its unchanged passes: the table must still show every one.
    expect(record?.findingsStored).toBeLessThan(record?.findings ?? 0);
    const passes = record?.byStatus?.pass ?? 0;
    expect(passes).toBeGreaterThan(0);

    const { page, dialogs, problems, foreign } = await openWatched(browser, server.url, "/api/dashboard");
    const rows = page.locator("#findings-table tbody tr.finding");
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")))).not.toContain("pass");
    await page.selectOption("select[name=status]", "pass");
    await Promise.all([page.waitForURL(/status=pass/), page.click("form.filters button[type=submit]")]);
    const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")));
    expect(statuses).toHaveLength(passes);
    expect(new Set(statuses)).toEqual(new Set(["pass"]));
    expect(await page.locator("#findings-count").textContent()).toContain(`${passes} finding`);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });
});
