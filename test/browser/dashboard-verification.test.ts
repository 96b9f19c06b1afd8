// The dashboard in real Chromium says, before anything else, when the latest run is partial or left critical results
// undecided: a banner with the gaps and the counts of results it could not decide.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_ROUTES } from "../../src/report-api/report-routes";
import { dashboard } from "../../src/functions/dashboard";
import { REPO } from "../support/run-cli";
import { ReportFixture } from "../report-api/report-fixture";
import { chromiumAvailable } from "./chromium";
import { startDashboardRig, type DashboardRig } from "./dashboard-rig";
import { type HandlerServer } from "./handler-server";

const ARTIFACTS = join(REPO, "test-artifacts");
const PROD = "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

describe.skipIf(!chromiumAvailable)("dashboard verification banner in Chromium", () => {
  let rig: DashboardRig;
  let fixture: ReportFixture;
  let server: HandlerServer;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    rig = await startDashboardRig({
      prefix: "uiv",
      routes: [{ route: REPORT_ROUTES.dashboard.route, handler: dashboard }],
    });
    ({ fixture, server, browser } = rig);
  }, 240_000);

  afterAll(async () => {
    await rig?.dispose();
  });

  it("a partial latest run: the banner is the first thing on the page, with the gap and the counts", async () => {
    await fixture.audit(new Date(Date.now() - 60_000), {
      gap: {
        types: ["microsoft.network/networksecuritygroups"],
        subscriptionIds: [PROD],
        reason: "HTTP 403 AuthorizationFailed",
      },
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    expect((await page.goto(`${server.url}/api/dashboard`))?.status()).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-partial-run.png") });
    const banner = page.getByRole("alert");
    expect(await banner.isVisible()).toBe(true);
    await expect(banner.innerText()).resolves.toMatch(
      /^Partial run: not a clean result\. Partial run: 1 coverage gap, not everything was read; not verified \(unknown or error\): \d+ critical/,
    );
    const bannerTop = (await banner.boundingBox())!.y;
    const overviewTop = (await page.locator(".overview").boundingBox())!.y;
    expect(bannerTop).toBeLessThan(overviewTop);
    await expect(page.locator(".badge-partial").innerText()).resolves.toBe("partial");
    await page.close();
  });

  it("a complete run with undecided critical results says so too, without calling itself partial", async () => {
    // The sample as it is: its broken NSG rule and unreadable public endpoint flag leave critical verdicts unknown.
    await fixture.audit(new Date(Date.now() - 30_000));
    const latest = (await fixture.services.store.getRun("latest"))!;
    expect(latest.status).toBe("completed");
    const critical = latest.summary!.bySeverity.critical.unknown + latest.summary!.bySeverity.critical.error;
    expect(critical).toBeGreaterThan(0);
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    expect((await page.goto(`${server.url}/api/dashboard`))?.status()).toBe(200);
    await expect(page.getByRole("alert").innerText()).resolves.toMatch(
      new RegExp(`^Not everything was verified\\. Not verified \\(unknown or error\\): ${critical} critical`),
    );
    await page.close();
  });
});
