// --format html, read by a spec-conformant parser (parse5): the file has no parse error, its policy allows only its
// own stylesheet (the hash is recomputed here from the <style> text parse5 finds), hostile Azure text is text nodes
// only, and the results table streams in bounded chunks. The browser test (test/browser/html-report.test.ts) opens
// the file in Chromium.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DefaultTreeAdapterMap } from "parse5" with { "resolution-mode": "import" };
import type { Finding } from "../../src/engine/finding";
import { reportFingerprints } from "../../src/report/fingerprint";
import { HTML_REPORT_CSP, htmlReportChunks } from "../../src/report/html-report";
import { FINDINGS_PER_CHUNK } from "../../src/report/report-chunks";
import { printableText } from "../../src/report/untrusted-text";
import { runMain } from "../cli/in-process-cli";
import { HOSTILE, SAMPLE, sampleRun } from "./report-fixtures";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

function elements(node: Node, out: Element[] = []): Element[] {
  if ("tagName" in node) out.push(node);
  if ("childNodes" in node) for (const child of node.childNodes) elements(child, out);
  if (node.nodeName === "template") elements((node as DefaultTreeAdapterMap["template"]).content, out);
  return out;
}

function text(node: Node): string {
  if (node.nodeName === "#text") return (node as DefaultTreeAdapterMap["textNode"]).value;
  return "childNodes" in node ? node.childNodes.map(text).join("") : "";
}

const attr = (e: Element, name: string): string | undefined => e.attrs.find((a) => a.name === name)?.value;

async function parsed(document: string): Promise<{ all: Element[]; errors: string[] }> {
  const { parse } = await import("parse5");
  const errors: string[] = [];
  const tree = parse(document, { onParseError: (error) => errors.push(`${error.code} at ${error.startOffset}`) });
  return { all: elements(tree), errors };
}

describe("html report", () => {
  it("is a document without parse errors whose policy allows exactly its one stylesheet", async () => {
    const { report, context } = await sampleRun({ exceptions: true, reportUrl: "https://example.org/runs/1" });
    const { all, errors } = await parsed([...htmlReportChunks(report, context)].join(""));
    expect(errors).toEqual([]);
    const csp = all.find((e) => e.tagName === "meta" && attr(e, "http-equiv") === "Content-Security-Policy");
    expect(attr(csp!, "content")).toBe(HTML_REPORT_CSP);
    const styles = all.filter((e) => e.tagName === "style");
    expect(styles).toHaveLength(1);
    const hash = createHash("sha256").update(text(styles[0]!), "utf8").digest("base64");
    expect(HTML_REPORT_CSP).toContain(`style-src 'sha256-${hash}'`);
    expect(HTML_REPORT_CSP).toMatch(/default-src 'none'/);
    expect(all.filter((e) => e.tagName === "script" || e.tagName === "link" || e.tagName === "iframe")).toEqual([]);
    expect(all.filter((e) => e.attrs.some((a) => a.name === "style" || a.name.startsWith("on")))).toEqual([]);
    // The one link is --report-url's; nothing has a src.
    expect(all.filter((e) => attr(e, "href") !== undefined).map((e) => attr(e, "href"))).toEqual([
      "https://example.org/runs/1",
    ]);
    expect(all.filter((e) => attr(e, "src") !== undefined)).toEqual([]);
  });

  it("lists every result with the JSON report's fingerprint, and its exception", async () => {
    const { report, context } = await sampleRun({ exceptions: true });
    const { all } = await parsed([...htmlReportChunks(report, context)].join(""));
    const rows = all.filter((e) => e.tagName === "tr" && attr(e, "class") === "result");
    expect(rows).toHaveLength(report.findings.length);
    const fingerprints = reportFingerprints(report.findings);
    rows.forEach((row, i) => {
      const cells = row.childNodes.filter((c): c is Element => "tagName" in c);
      expect(text(cells[0]!)).toBe(report.findings[i]!.status);
      expect(text(cells[7]!)).toBe(fingerprints[i]);
      expect(attr(row, "data-exception-effect")).toBe(report.findings[i]!.exception?.effect);
    });
    const json = JSON.parse((await runMain(["scan", "--snapshot", SAMPLE, "--format", "json"])).stdout) as {
      findings: { fingerprint: string }[];
    };
    expect(json.findings.map((f) => f.fingerprint)).toEqual(fingerprints);
  });

  it("writes hostile Azure text as text nodes holding its visible characters", async () => {
    const { report, context } = await sampleRun();
    const first = report.findings[0]!;
    const hostile: Finding = {
      ...first,
      resourceName: HOSTILE.slice(0, 300),
      message: HOSTILE,
      evidence: { [`<b>${HOSTILE.slice(0, 20)}`]: HOSTILE, nested: { x: HOSTILE.slice(0, 200) } },
      tags: { "<x>": "</td></tr></table><script>alert(3)</script>" },
    };
    const gap = { types: [`<svg onload=alert(4)>`], reason: HOSTILE };
    const run = { ...report.run, coverageGaps: [gap], runId: `<iframe src=x>${"\u202E"}` };
    const { all, errors } = await parsed(
      [...htmlReportChunks({ ...report, run, findings: [hostile] }, context)].join(""),
    );
    expect(errors).toEqual([]);
    expect(new Set(all.map((e) => e.tagName))).not.toContain("script");
    for (const tag of ["img", "iframe", "svg", "b"]) expect(all.some((e) => e.tagName === tag)).toBe(tag === "b");
    const row = all.find((e) => e.tagName === "tr" && attr(e, "class") === "result")!;
    const cells = row.childNodes.filter((c): c is Element => "tagName" in c);
    expect(text(cells[4]!)).toBe(printableText(HOSTILE, 5000));
    const body = all.find((e) => e.tagName === "body")!;
    expect(text(body)).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u202A-\u202E\u2066-\u2069]/);
    expect(text(body)).toContain("<script>alert(1)</script>");
  });

  it("streams: the results table comes FINDINGS_PER_CHUNK rows per chunk, no chunk growing with the run", async () => {
    const { report, context } = await sampleRun();
    const base = report.findings;
    const count = 20 * FINDINGS_PER_CHUNK + 3;
    const findings = Array.from({ length: count }, (_, i) => ({
      ...base[i % base.length]!,
      resourceId: `${base[i % base.length]!.resourceId}-${i}`,
    }));
    const chunks = [...htmlReportChunks({ ...report, findings }, context)];
    expect(chunks.length).toBeGreaterThanOrEqual(20 + 2);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(total / 10);
    expect(chunks.join("").match(/<tr class="result"/g)).toHaveLength(count);
  });

  it("is what scan --format html --output writes", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "html-report-")), "report.html");
    const result = await runMain(["scan", "--snapshot", SAMPLE, "--format", "html", "--output", out]);
    expect(result.code).toBe(1);
    const { report, context } = await sampleRun();
    const mask = (s: string): string => s.replace(/\d{8}T\d{6}Z-[0-9a-f]{6}|\d{4}-\d\d-\d\dT[\d:.]+Z|\d+\.\d s/g, "X");
    expect(mask(readFileSync(out, "utf8"))).toBe(mask([...htmlReportChunks(report, context)].join("")));
  });
});
