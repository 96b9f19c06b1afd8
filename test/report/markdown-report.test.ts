// --format markdown, rendered as GitHub renders it: GFM (tables, autolinks) by micromark, the HTML parsed by parse5.
// What must hold: the counts read back from the rendered tables are the report's; hostile Azure text renders as exactly
// its (visible) characters, in its own table cell, making no element (link, image, script, heading) and mentioning or
// referencing nobody; the summary stays under GitHub's comment limit however large the run.
import { describe, expect, it } from "vitest";
import type { DefaultTreeAdapterMap } from "parse5" with { "resolution-mode": "import" };
import type { AuditReport } from "../../src/audit/run-audit";
import type { Finding } from "../../src/engine/finding";
import { findingFingerprint } from "../../src/report/fingerprint";
import { MARKDOWN_MAX_LENGTH, MARKDOWN_TOP_FAILURES, markdownReportChunks } from "../../src/report/markdown-report";
import { TOOL, type ReportFormatContext } from "../../src/report/report-format";
import type { ExceptionReportEntry } from "../../src/engine/exception-outcome";
import { printableText } from "../../src/report/untrusted-text";
import { SEVERITIES, STATUSES } from "../../src/rules/rule";
import { runMain } from "../cli/in-process-cli";
import { HOSTILE, SAMPLE, SAMPLE_EXCEPTIONS, sampleRun } from "./report-fixtures";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

async function renderGfm(markdown: string): Promise<string> {
  const { micromark } = await import("micromark");
  const { gfm, gfmHtml } = await import("micromark-extension-gfm");
  // GitHub lets raw HTML through its sanitiser in part: render it raw, so any that got through would show here.
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

function elements(node: Node, out: Element[] = []): Element[] {
  if ("tagName" in node) out.push(node);
  if ("childNodes" in node) for (const child of node.childNodes) elements(child, out);
  return out;
}

function text(node: Node): string {
  if (node.nodeName === "#text") return (node as DefaultTreeAdapterMap["textNode"]).value;
  return "childNodes" in node ? node.childNodes.map(text).join("") : "";
}

async function rendered(markdown: string): Promise<Element[]> {
  const { parseFragment } = await import("parse5");
  return elements(parseFragment(await renderGfm(markdown)));
}

/** The rendered tables as rows of cell texts, each table keyed by its header row's first cell. */
function tables(all: Element[]): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const table of all.filter((e) => e.tagName === "table")) {
    const rows = elements(table)
      .filter((e) => e.tagName === "tr")
      .map((tr) => tr.childNodes.filter((c): c is Element => "tagName" in c).map(text));
    out.set(rows[0]![0]!, rows.slice(1));
  }
  return out;
}

function markdownOf(report: AuditReport, context: ReportFormatContext): string {
  return [...markdownReportChunks(report, context)].join("");
}

describe("markdown report", () => {
  it("shows the sample run's scores, gate and counts as the report has them", async () => {
    const { report, context } = await sampleRun({ exceptions: true, reportUrl: "https://dev.azure.com/x/_build?id=7" });
    const markdown = markdownOf(report, context);
    const all = await rendered(markdown);
    const body = all.map(text).join("\n");
    expect(body).toContain(`Estate score ${report.summary.estateScore!.toFixed(1)}`);
    expect(report.summary.estateScoreAllFailures).not.toBe(report.summary.estateScoreExceptedNotCounted);
    expect(body).toContain(report.summary.estateScoreAllFailures!.toFixed(1));
    expect(context.gate.outcome).toBe("fail");
    expect(body).toContain(`FAIL: ${context.gate.failures} failure(s) at or above high`);
    expect(body).toContain(`exit code ${context.exitCode}`);
    const byTable = tables(all);
    for (const [i, status] of STATUSES.entries()) {
      expect(byTable.get("Results by status")![i]).toEqual([
        status,
        String(report.summary.byStatus[status]),
        String(report.summary.excepted.byStatus[status]),
      ]);
    }
    for (const [i, severity] of SEVERITIES.entries()) {
      const excepted = report.summary.excepted.failuresBySeverity[severity];
      expect(byTable.get("Failures by severity")![i]).toEqual([
        severity,
        String(report.summary.failuresBySeverity[severity] - excepted),
        String(excepted),
      ]);
    }
    const links = all.filter((e) => e.tagName === "a").map((a) => a.attrs.find((x) => x.name === "href")?.value);
    expect(links).toEqual(["https://dev.azure.com/x/_build?id=7"]);
  });

  it("lists the most severe failures no exception covers, with the JSON report's fingerprints", async () => {
    const { report, context } = await sampleRun({ exceptions: true });
    // The failures' table is the one with five columns.
    const rows = [...tables(await rendered(markdownOf(report, context))).values()].flat().filter((r) => r.length === 5);
    const expected = report.findings
      .map((f, i) => ({ f, i }))
      .filter(({ f }) => f.status === "fail" && f.exception?.effect !== "applied")
      .sort((a, b) => SEVERITIES.indexOf(a.f.severity) - SEVERITIES.indexOf(b.f.severity) || a.i - b.i)
      .slice(0, MARKDOWN_TOP_FAILURES);
    expect(rows.map((r) => r[4])).toEqual(expected.map(({ f }) => findingFingerprint(f)));
    expect(rows.map((r) => r[0])).toEqual(expected.map(({ f }) => f.severity));
    const json = JSON.parse(
      (await runMain(["scan", "--snapshot", SAMPLE, "--exceptions", SAMPLE_EXCEPTIONS, "--format", "json"])).stdout,
    ) as { findings: { fingerprint: string }[] };
    const known = new Set(json.findings.map((f) => f.fingerprint));
    for (const row of rows) expect(known.has(row[4]!)).toBe(true);
  });

  it("renders hostile Azure text as its characters only: no element, mention, reference or extra cell", async () => {
    const { report, context } = await sampleRun();
    const first = report.findings.find((f) => f.status === "fail")!;
    const hostile: Finding = { ...first, resourceName: HOSTILE.slice(0, 400), message: HOSTILE };
    const gap = { types: [HOSTILE.slice(0, 60)], reason: HOSTILE };
    const run = { ...report.run, runId: `run ${HOSTILE.slice(0, 40)}`, coverageGaps: [gap] };
    const markdown = markdownOf({ ...report, run, findings: [hostile] }, context);
    const all = await rendered(markdown);
    const tags = new Set(all.map((e) => e.tagName));
    // The summary's own markup is h2/h3 headings, tables, lists, bold text and code spans; nothing else may appear.
    for (const tag of ["a", "img", "script", "h1", "blockquote", "em", "del", "hr", "pre", "input"])
      expect(tags.has(tag), tag).toBe(false);
    const row = [...tables(all).values()].flat().find((r) => r.length === 5)!;
    const zwsp = (s: string): string => s.replace(/[@#]/g, "$&\u200B");
    expect(row[1]).toBe(zwsp(printableText(hostile.resourceName, 100)));
    expect(row[3]).toBe(zwsp(printableText(HOSTILE, 300)));
    const body = all.map(text).join("\n");
    // GitHub's mention and issue-reference filters work on the rendered text.
    expect(body).not.toMatch(/(^|[^\w])@[A-Za-z0-9]/);
    expect(body).not.toMatch(/#\d/);
    expect(body).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u202A-\u202E\u2066-\u2069]/);
    expect(markdown).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it("stays under GitHub's 65,536-character comment limit for a run of 550,000 results, and says what it left out", async () => {
    const { report, context } = await sampleRun();
    const base = report.findings;
    // "@" is the costliest character: escaped and followed by a zero-width space it takes three.
    const at = (n: number): string => "@".repeat(n);
    const [resourceName, message] = [at(300), at(2000)];
    const findings: Finding[] = Array.from({ length: 550_000 }, (_, i) => ({
      ...base[i % base.length]!,
      resourceId: `${base[i % base.length]!.resourceId}-${i}`,
      resourceName,
      message,
    }));
    const gaps = Array.from({ length: 50 }, (_, i) => ({ types: [`t${i}`], reason: at(2000) }));
    const gate = { ...context.gate, lines: Array.from({ length: 40 }, () => at(2000)) };
    const entry = (i: number): ExceptionReportEntry => ({
      id: `${at(200)}${i}`,
      source: "file",
      ruleIds: Array.from({ length: 20 }, () => at(50)),
      scope: at(100),
      approvedBy: at(200),
      justification: at(200),
      expiresOn: "2026-12-31",
      standing: "expiring",
      daysLeft: 3,
      applied: 1,
      notNeeded: 0,
      expired: 0,
    });
    const entries = Array.from({ length: 100 }, (_, i) => entry(i));
    const exceptions = {
      ...report.exceptions,
      considered: { file: 200, store: 0, policy: 0 },
      counts: { ...report.exceptions.counts, expiring: 100, expired: 100 },
      expiring: entries,
      expired: entries,
    };
    const big: AuditReport = { ...report, findings, exceptions, run: { ...report.run, coverageGaps: gaps } };
    const started = Date.now();
    const markdown = [...markdownReportChunks(big, { ...context, gate })].join("");
    const elapsed = Date.now() - started;
    expect(markdown.length).toBeLessThanOrEqual(MARKDOWN_MAX_LENGTH);
    expect(markdown).toMatch(/_\d section\(s\) left out: the summary would exceed GitHub's 65,536-character/);
    // The sections come in order of importance: the headline, the gate, the counts and the failures stay.
    for (const heading of ["## MI Exposure Auditor", "### Gate", "### Results", `### Top ${MARKDOWN_TOP_FAILURES} of`])
      expect(markdown).toContain(heading);
    expect(markdown.endsWith(`MI Exposure Auditor ${TOOL.version}\n`)).toBe(true);
    console.log(`markdown of ${findings.length} results: ${elapsed} ms, ${markdown.length} characters`);
  }, 120_000);

  it("refuses a --report-url that is not an http(s) URL, naming the option", async () => {
    for (const url of ["javascript:alert(1)", "not a url", "data:text/html,<script>x</script>", "https://u:p@h/"]) {
      const result = await runMain(["scan", "--snapshot", SAMPLE, "--format", "markdown", "--report-url", url]);
      expect(result.code, url).toBe(2);
      expect(result.stderr).toMatch(/--report-url/);
      expect(result.stdout).toBe("");
    }
    // Checked before the audit: with a snapshot that does not exist, the URL is still what the error names.
    const early = await runMain([
      "scan",
      "--snapshot",
      "/nonexistent.json",
      "--report-url",
      "ftp://x/",
      "--format",
      "markdown",
    ]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/--report-url/);
    expect(early.stderr).not.toMatch(/nonexistent/);
  });

  it("is what scan --format markdown writes, with the gate's exit code", async () => {
    const { report, context } = await sampleRun({ exceptions: true });
    const result = await runMain([
      "scan",
      "--snapshot",
      SAMPLE,
      "--exceptions",
      SAMPLE_EXCEPTIONS,
      "--format",
      "markdown",
    ]);
    expect(result.code).toBe(context.exitCode);
    // The run id and duration differ between runs: compare with them masked.
    const mask = (s: string): string => s.replace(/`\d{8}T\d{6}Z-[0-9a-f]{6}`/g, "`RUN`");
    expect(mask(result.stdout)).toBe(mask(markdownOf(report, context)));
  });
});
