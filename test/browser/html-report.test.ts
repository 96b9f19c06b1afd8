// The HTML report file (--format html) opened from disk in headless Chromium, as someone opens an email attachment or
// an archived file: it makes no network request (every request is intercepted and recorded), runs nothing (hostile
// `<script>` and `onerror` values show as text, no dialog opens, the document has no script element), its own
// stylesheet applies under its policy (no CSP violation), and the counts on the page are the report's.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditReport } from "../../src/audit/run-audit";
import { htmlReportChunks } from "../../src/report/html-report";
import type { ReportFormatContext } from "../../src/report/report-format";
import { SEVERITIES, STATUSES } from "../../src/rules/rule";
import { REPO } from "../support/run-cli";
import { sampleRun } from "../report/report-fixtures";
import { chromiumAvailable, launchChromium } from "./chromium";

const ARTIFACTS = join(REPO, "test-artifacts");
const HOSTILE_NAME = `<img src=x onerror=alert(1)>sqlmi"'&<script>alert(2)</script>`;
const HOSTILE_MESSAGE = `</td></tr></table><script>alert(3)</script><a href="https://evil.example/">x</a><style>body{display:none}</style>`;

interface Opened {
  page: Page;
  requests: string[];
  dialogs: string[];
  problems: string[];
}

function writeReport(report: AuditReport, context: ReportFormatContext): string {
  const file = join(mkdtempSync(join(tmpdir(), "html-report-")), "report.html");
  writeFileSync(file, [...htmlReportChunks(report, context)].join(""));
  return file;
}

async function open(browser: Browser, file: string): Promise<Opened> {
  const context = await browser.newContext();
  const opened: Opened = { page: await context.newPage(), requests: [], dialogs: [], problems: [] };
  const self = pathToFileURL(file).href;
  // Every request but the file itself is recorded and refused: a report that fetched anything would show here.
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (url === self) return route.continue();
    opened.requests.push(url);
    return route.abort();
  });
  opened.page.on("request", (request) => {
    if (request.url() !== self) opened.requests.push(request.url());
  });
  opened.page.on("dialog", (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  opened.page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") opened.problems.push(message.text());
  });
  opened.page.on("pageerror", (error) => opened.problems.push(error.message));
  await opened.page.goto(self);
  await opened.page.waitForLoadState("load");
  return opened;
}

const count = (page: Page, key: string): Promise<string | null> => page.locator(`[data-count="${key}"]`).textContent();

describe.skipIf(!chromiumAvailable)("HTML report file in Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("shows the sample run's counts, loads nothing and applies its own stylesheet", async () => {
    const { report, context } = await sampleRun({
      exceptions: true,
      gap: { types: ["microsoft.network/networksecuritygroups"], reason: "HTTP 429 after 5 retries" },
    });
    const { page, requests, dialogs, problems } = await open(browser, writeReport(report, context));
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    // The header's colour comes from the stylesheet: had the policy refused it, it would be transparent.
    const background = await page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor");
    expect(background).toBe("rgb(15, 39, 65)");
    const { summary, exceptions } = report;
    for (const status of STATUSES) {
      expect(await count(page, `status-${status}`)).toBe(String(summary.byStatus[status]));
      expect(await count(page, `excepted-${status}`)).toBe(String(summary.excepted.byStatus[status]));
    }
    for (const severity of SEVERITIES) {
      const excepted = summary.excepted.failuresBySeverity[severity];
      expect(await count(page, `failing-${severity}`)).toBe(String(summary.failuresBySeverity[severity] - excepted));
      expect(await count(page, `excepted-failures-${severity}`)).toBe(String(excepted));
    }
    expect(await count(page, "exceptions-applied")).toBe(String(exceptions.applied));
    expect(await count(page, "coverage-gaps")).toBe("1");
    expect(await page.locator("#estate-score").textContent()).toBe(summary.estateScore!.toFixed(1));
    expect(await page.locator("#failing-count").textContent()).toBe(
      String(summary.byStatus.fail - summary.excepted.byStatus.fail),
    );
    expect(await page.locator("tr.result").count()).toBe(report.findings.length);
    expect(await page.locator('tr.result[data-exception-effect="applied"]').count()).toBe(
      report.findings.filter((f) => f.exception?.effect === "applied").length,
    );
    expect(await page.locator("#subscriptions tbody tr").count()).toBe(summary.bySubscription.length);
    expect(await page.locator("[data-gate]").getAttribute("data-gate")).toBe(context.gate.outcome);
    expect(await page.locator("#gate-exit").textContent()).toBe(String(context.exitCode));
    await page.screenshot({ path: join(ARTIFACTS, "html-report.png"), fullPage: false });
  });

  it("shows hostile values as text: no script runs, nothing is fetched, the table keeps its shape", async () => {
    const { report, context } = await sampleRun();
    const findings = report.findings.map((f, i) =>
      i === 0
        ? { ...f, resourceName: HOSTILE_NAME, message: HOSTILE_MESSAGE, evidence: { [HOSTILE_NAME]: HOSTILE_MESSAGE } }
        : f,
    );
    const run = { ...report.run, coverageGaps: [{ types: ["<svg onload=alert(4)>"], reason: HOSTILE_MESSAGE }] };
    const { page, requests, dialogs, problems } = await open(
      browser,
      writeReport({ ...report, run, findings }, context),
    );
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    expect(await page.evaluate("document.scripts.length")).toBe(0);
    expect(await page.locator("img, svg, iframe, a[href^='https://evil']").count()).toBe(0);
    const first = page.locator("tr.result").first();
    expect(await first.locator("td").count()).toBe(8);
    expect(await first.locator("td b").first().textContent()).toBe(HOSTILE_NAME);
    expect(await first.locator("td.msg").textContent()).toBe(HOSTILE_MESSAGE);
    expect(await page.locator("tr.result").count()).toBe(findings.length);
    expect(await page.locator("body").isVisible()).toBe(true);
  });
});
