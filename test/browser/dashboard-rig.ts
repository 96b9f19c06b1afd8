// What every dashboard test in Chromium stands on, started and stopped in one place: Azurite, a report fixture with its
// tables under a unique prefix, the app's services and report settings pointed at it, the handlers the pages call
// served over HTTP, and a browser.
import type { Browser } from "playwright-core";
import { useServices, type Services } from "../../src/app/services";
import { useReportSettings } from "../../src/report-api/report-settings";
import { ReportFixture, uniqueTablePrefix } from "../report-api/report-fixture";
import { startAzurite, type Azurite } from "../support/azurite";
import { launchChromium } from "./chromium";
import { serveHandlers, type HandlerServer, type ServedRoute } from "./handler-server";

export interface DashboardRig {
  azurite: Azurite;
  fixture: ReportFixture;
  /** The table prefix the fixture's tables (and any other store the test makes) live under. */
  prefix: string;
  server: HandlerServer;
  browser: Browser;
  dispose(): Promise<void>;
}

export async function startDashboardRig(options: {
  /** The start of the table prefix (uniqueTablePrefix adds the rest). */
  prefix: string;
  routes: ServedRoute[];
  /** Runs the audits the pages show; may return the services to use instead of the fixture's. */
  prepare?: (fixture: ReportFixture, prefix: string) => Promise<Services | void>;
}): Promise<DashboardRig> {
  const azurite = await startAzurite();
  const prefix = uniqueTablePrefix(options.prefix);
  const fixture = new ReportFixture(azurite.connectionString, prefix);
  let server: HandlerServer | undefined;
  const stop = async (browser?: Browser): Promise<void> => {
    await browser?.close();
    await server?.close();
    useServices(undefined);
    useReportSettings(undefined);
    fixture.dispose();
    await azurite.dispose();
  };
  try {
    const services = (await options.prepare?.(fixture, prefix)) ?? fixture.services;
    useServices(services);
    useReportSettings({});
    server = await serveHandlers(options.routes);
    const browser = await launchChromium();
    return { azurite, fixture, prefix, server, browser, dispose: () => stop(browser) };
  } catch (error) {
    // A rig that failed half-way stops what it started, so the next test file gets a clean process.
    await stop();
    throw error;
  }
}
