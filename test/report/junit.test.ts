// `scan --format junit`: valid against the Jenkins JUnit schema (junit-10.xsd, validated by libxml2 through
// xmllint-wasm), read back with libxml2's XPath: exact counts on every suite and on the root, one test case per
// result with its fingerprint, excepted and not-applicable results skipped, unknown and error as errors, and text from
// Azure that cannot break the document.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateXML } from "xmllint-wasm";
import { isExcepted } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { junitReportChunks } from "../../src/report/junit";
import { FINDINGS_PER_CHUNK } from "../../src/report/report-chunks";
import {
  hostileFindings,
  repeatedFindings,
  sampleJsonFindings,
  sampleReport,
  scanSample,
} from "./pipeline-format-inputs";

const XSD = readFileSync(join(__dirname, "..", "fixtures", "junit", "junit-10.xsd"), "utf8");
const CONTEXT = { gate: {} as never, exitCode: 1 };
/** WebAssembly memory for libxml2: 64 KiB pages, 1 GiB at most. */
const MEMORY = { initialMemoryPages: 256, maxMemoryPages: 16_384 };

async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: "report.xml", contents: xml }],
    schema: [{ fileName: "junit-10.xsd", contents: XSD }],
    ...MEMORY,
  });
  return result.errors.map((error) => error.rawMessage);
}

/** libxml2's answer to an XPath 1.0 expression over the document (a string, number or boolean result). */
async function xpath(xml: string, expression: string): Promise<string> {
  const result = await validateXML({
    xml: [{ fileName: "report.xml", contents: xml }],
    normalization: "format",
    modifyArguments: () => ["--xpath", expression, "report.xml"],
    ...MEMORY,
  });
  if (result.errors.length > 0) throw new Error(result.rawOutput);
  return result.normalized.replace(/\n$/, "");
}

/** The counts every suite and the root must state exactly: none of these may find anything. */
const COUNT_BREACHES = [
  "count(//testsuite[@tests != count(testcase)])",
  "count(//testsuite[@failures != count(testcase[failure])])",
  "count(//testsuite[@errors != count(testcase[error])])",
  "count(//testsuite[@skipped != count(testcase[skipped])])",
  "count(//testcase[count(failure | error | skipped) > 1])",
  "count(/testsuites[@tests != count(//testcase)])",
  "count(/testsuites[@failures != count(//testcase[failure])])",
  "count(/testsuites[@errors != count(//testcase[error])])",
  // GitLab keeps only the first of two test cases with one name in a suite.
  "count(//testcase[@name = preceding-sibling::testcase/@name])",
];

async function expectExactCounts(xml: string): Promise<void> {
  for (const expression of COUNT_BREACHES) expect(await xpath(xml, expression), expression).toBe("0");
}

function render(findings: Finding[]): string {
  return [...junitReportChunks(sampleReport(findings), CONTEXT)].join("");
}

describe("junit: the sample estate", () => {
  it("validates against the JUnit schema, with exact counts and a test case per result", async () => {
    const xml = await scanSample("junit");
    const findings = await sampleJsonFindings();
    expect(await schemaErrors(xml)).toEqual([]);
    await expectExactCounts(xml);
    const open = findings.filter((f) => !isExcepted(f));
    expect(await xpath(xml, "string(/testsuites/@tests)")).toBe(String(findings.length));
    expect(await xpath(xml, "count(//testcase/failure)")).toBe(String(open.filter((f) => f.status === "fail").length));
    expect(await xpath(xml, "count(//testcase/error[@type='unknown'])")).toBe(
      String(open.filter((f) => f.status === "unknown").length),
    );
    expect(await xpath(xml, "count(//testcase/skipped[@type='notApplicable'])")).toBe(
      String(findings.filter((f) => f.status === "notApplicable").length),
    );
    expect(await xpath(xml, "count(//testsuite)")).toBe(String(new Set(findings.map((f) => f.ruleId)).size));
    // Every result's fingerprint, as the JSON report writes it.
    const written = [...xml.matchAll(/fingerprint: ([0-9a-f]{32})/g)].map((m) => m[1]);
    expect(written.sort()).toEqual(findings.map((f) => f.fingerprint).sort());
  });

  it("skips an excepted result with its exception and justification, counted as skipped", async () => {
    const xml = await scanSample("junit");
    const excepted = (await sampleJsonFindings()).filter(isExcepted);
    expect(excepted.length).toBeGreaterThan(0);
    expect(await xpath(xml, "count(//testcase/skipped[@type='excepted'])")).toBe(String(excepted.length));
    for (const finding of excepted) {
      const testCase = `//testcase[@classname='${finding.ruleId}'][contains(@name, '(${finding.resourceId})')]`;
      const message = await xpath(xml, `string(${testCase}/skipped/@message)`);
      expect(message).toContain(finding.exception!.id);
      expect(message).toContain(finding.exception!.justification);
    }
  });

  it("is refused by the schema when a test case has no name (the validator can fail)", async () => {
    const xml = (await scanSample("junit")).replace(
      /<testcase classname="([^"]*)" name="[^"]*"/,
      '<testcase classname="$1"',
    );
    expect((await schemaErrors(xml)).join("\n")).toMatch(/attribute 'name' is required/);
  });
});

/** XML 1.0's Char production, written out apart from the product's: what a parser may hand back of `text`. */
function asXmlReadsIt(text: string): string {
  let out = "";
  for (const char of text) {
    const c = char.codePointAt(0)!;
    const allowed =
      c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
    out += allowed ? char : "\uFFFD";
  }
  return out;
}

describe("junit: hostile strings", () => {
  const findings = hostileFindings(sampleReport().findings[0]!);
  const xml = render(findings);

  it("stays well-formed and valid, with exact counts", async () => {
    expect(await schemaErrors(xml)).toEqual([]);
    await expectExactCounts(xml);
    expect(await xpath(xml, "concat(/testsuites/@tests, ' ', /testsuites/@failures, ' ', /testsuites/@errors)")).toBe(
      "8 2 2",
    );
    expect(await xpath(xml, "count(//skipped)")).toBe("3");
  });

  it("hands the parser back every string as written, with only XML's forbidden characters replaced", async () => {
    const first = findings[0]!;
    expect(await xpath(xml, "string(//testcase[1]/@name)")).toBe(
      asXmlReadsIt(`${first.resourceName} (${first.resourceId})`),
    );
    expect(await xpath(xml, "string(//testcase[1]/failure/@message)")).toBe(asXmlReadsIt(first.message));
    expect(await xpath(xml, "string(//testsuite[1]/@name)")).toContain(first.ruleId);
    const body = await xpath(xml, "string(//testcase[1]/failure)");
    expect(body.startsWith(asXmlReadsIt(first.message))).toBe(true);
  });

  it("writes no CDATA end, NUL, lone surrogate or attachment tag from Azure's text", () => {
    expect(xml).not.toContain("]]>");
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]/);
    expect(xml).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    // GitLab reads [[ATTACHMENT|path]] in a test case's system-out as a link to a job artifact.
    const systemOut = [...xml.matchAll(/<system-out>([^<]*)<\/system-out>/g)].map((m) => m[1]).join("\n");
    expect(systemOut).toContain("ATTACHMENT|/etc/passwd");
    expect(systemOut).not.toContain("[[ATTACHMENT");
  });
});

describe("junit: streaming at scale", () => {
  it("writes 100,000 results with the counts first and at most FINDINGS_PER_CHUNK test cases per chunk", () => {
    const report = sampleReport();
    const findings = repeatedFindings(report.findings, 100_000);
    let cases = 0;
    let head = "";
    for (const chunk of junitReportChunks({ ...report, findings }, CONTEXT)) {
      head ||= chunk;
      const inChunk = chunk.split("<testcase ").length - 1;
      expect(inChunk).toBeLessThanOrEqual(FINDINGS_PER_CHUNK);
      cases += inChunk;
    }
    expect(cases).toBe(100_000);
    expect(head).toContain('<testsuites name="MI Exposure Auditor run 20261122T000000Z-abcdef" tests="100000"');
  });

  it("keeps a 3,000-result document valid with exact counts", async () => {
    const report = sampleReport();
    const xml = render(repeatedFindings(report.findings, 3_000));
    expect(await schemaErrors(xml)).toEqual([]);
    expect(await xpath(xml, "string(/testsuites/@tests)")).toBe("3000");
    expect(await xpath(xml, COUNT_BREACHES.slice(0, 8).join(" + "))).toBe("0");
  });
});
