// Finds Debian's Chromium for the browser tests. Outside CI a missing browser skips them with a visible notice; under
// CI=true it is a failure (.ci/install-chromium installs it).
import { existsSync } from "node:fs";
import { expect } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export const chromiumAvailable = existsSync(CHROMIUM_PATH);
export const inCi = (process.env["CI"] ?? "").toLowerCase() === "true";

if (!chromiumAvailable) {
  const notice = `Chromium not found at ${CHROMIUM_PATH}: ${inCi ? "FAILING (CI=true requires it; run .ci/install-chromium)" : "SKIPPING the browser tests (install Debian's chromium, or set CHROMIUM_PATH)"}`;
  console.warn(`\n*** ${notice} ***\n`);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
}

/** A page opened for a test, with what it did that a test must be able to see. */
export interface WatchedPage {
  page: Page;
  /** alert/confirm/prompt messages (dismissed): a script ran where none should. */
  dialogs: string[];
  /** Console errors and uncaught page errors (a CSP violation is one). */
  problems: string[];
  /** Requests that left `origin`: the pages load nothing from outside. */
  foreign: string[];
}

/** Opens `origin + path` in a new page and expects a 200, watching dialogs, errors and requests from the start. */
export async function openWatched(
  browser: Browser,
  origin: string,
  path: string,
  viewport = { width: 1366, height: 768 },
): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const watched: WatchedPage = { page, dialogs: [], problems: [], foreign: [] };
  page.on("dialog", (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.type() === "error") watched.problems.push(message.text());
  });
  page.on("pageerror", (error) => watched.problems.push(error.message));
  page.on("request", (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith("data:")) watched.foreign.push(request.url());
  });
  const response = await page.goto(`${origin}${path}`);
  expect(response?.status()).toBe(200);
  return watched;
}
