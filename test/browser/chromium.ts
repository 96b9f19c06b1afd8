// Finds Debian's Chromium for the browser tests. Outside CI a missing browser skips them with a visible notice; under
// CI=true it is a failure (.ci/install-chromium installs it).
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

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
