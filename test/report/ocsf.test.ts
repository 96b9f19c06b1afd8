// `scan --format ocsf`: every line is an OCSF 1.3.0 Detection Finding that keeps the schema's published field rules
// (ocsf-schema-check.ts reads them from the schema's own source files), one per result, with the stable fingerprint
// as finding_info.uid and excepted results Suppressed.
import { beforeAll, describe, expect, it } from "vitest";
import { isExcepted } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { ocsfReportChunks } from "../../src/report/ocsf";
import { FINDINGS_PER_CHUNK } from "../../src/report/report-chunks";
import { TOOL } from "../../src/report/report-format";
import { findRule } from "../../src/rules/catalog";
import { OcsfSchema, ocsfEventProblems } from "./ocsf-schema-check";
import {
  HOSTILE,
  hostileFindings,
  repeatedFindings,
  sampleJsonFindings,
  sampleReport,
  scanSample,
} from "./pipeline-format-inputs";

// Events are read back as parsed JSON: any, so the assertions can walk them.
type OcsfEvent = Record<string, any>;

const schema = new OcsfSchema();
const CONTEXT = { gate: {} as never, exitCode: 1 };

function lines(text: string): OcsfEvent[] {
  expect(text.endsWith("\n")).toBe(true);
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => JSON.parse(line) as OcsfEvent);
}

function render(findings: Finding[]): OcsfEvent[] {
  return lines([...ocsfReportChunks(sampleReport(findings), CONTEXT)].join(""));
}

describe("ocsf: the sample estate", () => {
  let events: OcsfEvent[];
  let findings: Awaited<ReturnType<typeof sampleJsonFindings>>;
  beforeAll(async () => {
    events = lines(await scanSample("ocsf"));
    findings = await sampleJsonFindings();
  });

  it("writes one Detection Finding per result, each within the schema's field rules", () => {
    expect(events).toHaveLength(findings.length);
    for (const event of events) expect(ocsfEventProblems(schema, event, "detection_finding")).toEqual([]);
  });

  it("names the finding by the report's fingerprint and the rule as the analytic", () => {
    events.forEach((event, i) => {
      const finding = findings[i]!;
      expect(event.finding_info.uid).toBe(finding.fingerprint);
      expect(event.finding_info.analytic).toEqual({
        uid: finding.ruleId,
        name: finding.title,
        type_id: 1,
        type: "Rule",
      });
      expect(event.resources[0].uid).toBe(finding.resourceId);
      expect(event.cloud.account.uid).toBe(finding.subscriptionId);
      expect(event.status_code).toBe(finding.status);
      expect(event.evidences[0].data).toEqual(finding.evidence);
      expect(event.remediation.desc).toBe(findRule(finding.ruleId)!.remediation);
      expect(event.metadata.product).toMatchObject({ name: TOOL.name, version: TOOL.version });
    });
  });

  it("maps the rule's severity and the result's status to the enums, excepted results Suppressed", () => {
    const severity = { critical: 5, high: 4, medium: 3, low: 2 };
    const byStatus = new Map<number, number>();
    events.forEach((event, i) => {
      const finding = findings[i]!;
      expect(event.severity_id).toBe(severity[finding.severity]);
      const expected = isExcepted(finding)
        ? 3
        : { fail: 1, unknown: 1, error: 1, pass: 4, notApplicable: 99 }[finding.status];
      expect(event.status_id, `${finding.ruleId} ${finding.resourceName}`).toBe(expected);
      byStatus.set(expected, (byStatus.get(expected) ?? 0) + 1);
      if (isExcepted(finding)) {
        expect(event.comment).toBe(finding.exception!.justification);
        expect(event.status_detail).toContain(finding.exception!.id);
        expect(event.unmapped.exception).toEqual(finding.exception);
      }
    });
    // The sample excepts the critical failure on sqlmi-prod-02 (EX-0042, until 2027-03-31) and has passes and fails.
    expect(byStatus.get(3)).toBeGreaterThan(0);
    expect(byStatus.get(1)).toBeGreaterThan(0);
    expect(byStatus.get(4)).toBeGreaterThan(0);
  });

  it("lists only the excepted results under --excepted only, still Suppressed", async () => {
    const only = lines(await scanSample("ocsf", "--excepted", "only"));
    expect(only.length).toBe(findings.filter(isExcepted).length);
    expect(only.every((event) => event.status_id === 3 && event.status === "Suppressed")).toBe(true);
  });
});

describe("ocsf: the checker holds the schema's rules", () => {
  let valid: OcsfEvent;
  beforeAll(() => {
    valid = render(sampleReport().findings.slice(0, 1))[0]!;
  });

  const breaches: [string, (event: OcsfEvent) => void, RegExp][] = [
    ["a required attribute missing", (e) => delete e.finding_info.uid, /finding_info\.uid: required/],
    ["the class's required metadata missing", (e) => delete e.metadata, /event\.metadata: required/],
    ["an attribute outside the class", (e) => (e.verdict = "fail"), /event\.verdict: not an attribute/],
    ["an attribute outside an object", (e) => (e.resources[0].tags = {}), /resources\[0\]\.tags: not an attribute/],
    ["an undefined enum id", (e) => (e.severity_id = 7), /severity_id: 7 is not one of/],
    ["a caption that does not match its id", (e) => (e.status = "Open"), /status: "Open" does not match status_id/],
    ["Other without the source's word", (e) => (e.cloud.account.type = ""), /type: Other \(99\) needs/],
    ["type_uid arithmetic", (e) => (e.type_uid = 200402), /type_uid: 200402, expected 200401/],
    ["the wrong class", (e) => (e.class_uid = 2003), /class_uid: 2003, expected 2004/],
    ["a timestamp as text", (e) => (e.time = "2026-11-22T00:00:00Z"), /time: not a long integer/],
    ["a string too long for string_t", (e) => (e.message = "x".repeat(65_536)), /65536 characters, over/],
    ["a profile's attribute without the profile", (e) => (e.metadata.profiles = []), /belongs to the cloud profile/],
    ["an entity with neither name nor uid", (e) => (e.resources[0] = { type: "x" }), /needs at least one of name, uid/],
    ["another schema version", (e) => (e.metadata.version = "1.2.0"), /metadata\.version/],
  ];

  it.each(breaches)("finds %s", (_, breach, problem) => {
    expect(ocsfEventProblems(schema, valid, "detection_finding")).toEqual([]);
    const event = structuredClone(valid);
    breach(event);
    expect(ocsfEventProblems(schema, event, "detection_finding").join("\n")).toMatch(problem);
  });
});

describe("ocsf: hostile strings", () => {
  it("keeps one event per line, every value exact (cut only at string_t's length), within the field rules", () => {
    const findings = hostileFindings(sampleReport().findings[0]!);
    const text = [...ocsfReportChunks(sampleReport(findings), CONTEXT)].join("");
    // JSON escapes the line breaks inside values: a line is a result.
    expect(text.split("\n")).toHaveLength(findings.length + 1);
    const events = lines(text);
    events.forEach((event, i) => {
      const finding = findings[i]!;
      expect(ocsfEventProblems(schema, event, "detection_finding")).toEqual([]);
      expect(event.resources[0].name).toBe(finding.resourceName);
      expect(event.resources[0].group.name).toBe(finding.resourceGroup);
      expect(event.message).toBe(finding.message.slice(0, 65_535));
      expect(event.evidences[0].data).toEqual(finding.evidence);
      expect(event.resources[0].labels).toContain(`${HOSTILE.markup}=${HOSTILE.attachment}`);
    });
    expect(events.map((event) => event.status_id)).toEqual([1, 4, 99, 1, 1, 3, 3, 1]);
    expect(events[5]!.comment).toBe(findings[5]!.exception!.justification.slice(0, 65_535));
  });

  it("does not split a surrogate pair where it cuts a string", () => {
    const finding = { ...sampleReport().findings[0]!, message: `${"x".repeat(65_534)}😀 and more` };
    const [event] = render([finding]);
    expect(event!.message).toBe("x".repeat(65_534));
  });
});

describe("ocsf: streaming at scale", () => {
  it("writes 100,000 results in chunks of at most FINDINGS_PER_CHUNK lines, none over about 1 MB", () => {
    const report = sampleReport();
    const findings = repeatedFindings(report.findings, 100_000);
    let count = 0;
    let largest = 0;
    let first: OcsfEvent | undefined;
    let last = "";
    for (const chunk of ocsfReportChunks({ ...report, findings }, CONTEXT)) {
      const chunkLines = chunk.split("\n").length - 1;
      expect(chunkLines).toBeLessThanOrEqual(FINDINGS_PER_CHUNK);
      count += chunkLines;
      largest = Math.max(largest, chunk.length);
      first ??= JSON.parse(chunk.slice(0, chunk.indexOf("\n"))) as OcsfEvent;
      last = chunk;
    }
    expect(count).toBe(100_000);
    expect(largest).toBeLessThan(1_500_000);
    const lastEvent = JSON.parse(last.trimEnd().split("\n").at(-1)!) as OcsfEvent;
    expect(ocsfEventProblems(schema, first, "detection_finding")).toEqual([]);
    expect(ocsfEventProblems(schema, lastEvent, "detection_finding")).toEqual([]);
    expect(lastEvent.resources[0].uid).toBe(findings.at(-1)!.resourceId);
  });
});
