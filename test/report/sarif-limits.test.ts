// The SARIF writer under load and under attack, checked against GitHub code scanning's upload limits (its "SARIF
// support for code scanning" page: at most 25,000 results in a run, 10 MB gzip-compressed, 20 runs, 10 locations a
// result, 20 tags a rule) and SARIF's own rules:
// - a report past the results limit keeps the most important results and says, in the run's notifications, how many
//   it left out and why; likewise past the compressed-size limit;
// - the chunks of a large report join into one valid log, and no chunk is large;
// - hostile strings from Azure (markup, control characters, U+0000, lone surrogates, bidi overrides, huge values)
//   stay data: the log parses, validates, and the resource's path is still one valid URI reference;
// - a partial collection and a rule that threw make the run unsuccessful and are named in notifications.
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../cli/in-process-cli";
import { SAMPLE } from "../support/run-cli";
import { SAMPLE_EXCEPTIONS_IN_FORCE } from "../support/sample-exceptions";
import type { AuditReport } from "../../src/audit/run-audit";
import type { Finding } from "../../src/engine/finding";
import { assessGate } from "../../src/engine/gate";
import { sarifChunks, GITHUB_SARIF_LIMITS, type SarifLimits } from "../../src/report/sarif";
import type { ReportFormatContext } from "../../src/report/report-format";
import { SEVERITIES } from "../../src/rules/rule";
import { multitoolProblems, schemaErrors, writeSarif } from "./sarif-validation";

interface Log {
  runs: {
    results: {
      ruleId: string;
      kind: string;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string } }; logicalLocations: { name: string }[] }[];
      suppressions?: { justification: string }[];
      properties: { severity: string; status: string; resourceName: string; evidence: unknown };
    }[];
    invocations: {
      executionSuccessful: boolean;
      toolExecutionNotifications: { level: string; message: { text: string }; descriptor: { id: string } }[];
    }[];
    properties: { results: { eligible: number; written: number } };
  }[];
}

let sample: AuditReport;

beforeAll(async () => {
  const run = await runMain([
    "scan",
    "--snapshot",
    SAMPLE,
    "--exceptions",
    SAMPLE_EXCEPTIONS_IN_FORCE,
    "--format",
    "json",
  ]);
  sample = JSON.parse(run.stdout) as AuditReport;
});

function contextOf(report: AuditReport): ReportFormatContext {
  const gate = assessGate(
    {
      byRule: report.summary.byRule,
      coverageGaps: report.run.coverageGaps,
      resourcesInEstate: report.run.resourcesInEstate,
    },
    "high",
  );
  return { gate, exitCode: gate.outcome === "pass" ? 0 : gate.outcome === "fail" ? 1 : 4 };
}

/** The sample's findings copied `copies` times, each copy on resources of its own (so each is a separate result). */
function enlarged(copies: number): AuditReport {
  const findings: Finding[] = [];
  for (let copy = 0; copy < copies; copy += 1)
    for (const finding of sample.findings)
      findings.push({
        ...finding,
        resourceId: `${finding.resourceId}-${copy}`,
        resourceName: `${finding.resourceName}-${copy}`,
      });
  return { ...sample, findings };
}

function write(report: AuditReport, limits?: SarifLimits): { chunks: string[]; text: string; log: Log } {
  const chunks = [...sarifChunks(report, contextOf(report), limits)];
  const text = chunks.join("");
  return { chunks, text, log: JSON.parse(text) as Log };
}

const notificationsOf = (log: Log) => log.runs[0]!.invocations[0]!.toolExecutionNotifications;
const eligibleOf = (report: AuditReport) =>
  report.findings.filter((f) => ["fail", "unknown", "error"].includes(f.status)).length;

describe("GitHub's limits", () => {
  it("keeps 25,000 results of a larger report, the most severe failures first, and says what it left out", () => {
    const report = enlarged(Math.ceil(40_000 / eligibleOf(sample)) + 1);
    const eligible = eligibleOf(report);
    expect(eligible).toBeGreaterThan(GITHUB_SARIF_LIMITS.results);
    const { chunks, text, log } = write(report);
    const results = log.runs[0]!.results;
    expect(results).toHaveLength(GITHUB_SARIF_LIMITS.results);
    expect(gzipSync(text).length).toBeLessThan(GITHUB_SARIF_LIMITS.gzipBytes);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(1024 * 1024);
    // Every critical and high failure of the report that is not excepted is kept.
    const kept = (severity: string) =>
      results.filter((r) => r.kind === "fail" && r.suppressions === undefined && r.properties.severity === severity)
        .length;
    const inReport = (severity: string) =>
      report.findings.filter((f) => f.status === "fail" && f.exception?.effect !== "applied" && f.severity === severity)
        .length;
    expect(kept("critical")).toBe(inReport("critical"));
    expect(kept("high")).toBe(inReport("high"));
    // Excepted results come last, so they are the first left out.
    expect(results.filter((r) => r.suppressions !== undefined)).toHaveLength(0);
    const limited = notificationsOf(log).filter((n) => n.descriptor.id === "results-limited");
    expect(limited).toHaveLength(1);
    expect(limited[0]!.message.text).toContain(`${eligible - GITHUB_SARIF_LIMITS.results} of ${eligible} results`);
    expect(log.runs[0]!.properties.results).toEqual({ eligible, written: GITHUB_SARIF_LIMITS.results });
    // The Multitool takes minutes over 25,000 results on this machine: the schema checks this log, and the Multitool
    // checks the same writer's output past a small limit below.
    expect(schemaErrors(log)).toEqual([]);
  }, 180_000);

  it("passes the Multitool when results were left out for the limit", () => {
    const { text, log } = write(enlarged(20), { results: 100, gzipBytes: GITHUB_SARIF_LIMITS.gzipBytes });
    expect(log.runs[0]!.results).toHaveLength(100);
    expect(notificationsOf(log).map((n) => n.descriptor.id)).toContain("results-limited");
    expect(multitoolProblems(writeSarif(text))).toEqual([]);
  });

  it("orders results by severity within failures, then unknowns, then excepted results", () => {
    const { log } = write(sample);
    const rank = (r: Log["runs"][0]["results"][0]) =>
      (r.suppressions !== undefined ? 2 : r.kind === "fail" ? 0 : 1) * 4 +
      SEVERITIES.indexOf(r.properties.severity as never);
    const ranks = log.runs[0]!.results.map(rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it("stops before the compressed size limit and says how many results it left out", () => {
    const report = enlarged(400);
    const whole = gzipSync(write(report).text).length;
    const limits = { results: 1_000_000, gzipBytes: Math.round(whole / 2) };
    const { text, log } = write(report, limits);
    expect(gzipSync(text).length).toBeLessThanOrEqual(limits.gzipBytes);
    const written = log.runs[0]!.results.length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(eligibleOf(report));
    const limited = notificationsOf(log).find((n) => n.descriptor.id === "results-limited");
    expect(limited?.message.text).toContain(`${eligibleOf(report) - written} of ${eligibleOf(report)} results`);
    expect(schemaErrors(log)).toEqual([]);
  });

  it("writes a large report's chunks as one valid log, no chunk over 1 MB", () => {
    const report = enlarged(1_000);
    const { chunks, log } = write(report, { results: 10_000_000, gzipBytes: Number.MAX_SAFE_INTEGER });
    expect(log.runs[0]!.results).toHaveLength(eligibleOf(report));
    expect(chunks.length).toBeGreaterThan(50);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(1024 * 1024);
  }, 120_000);
});

/** Lone surrogates as U+FFFD (String.prototype.toWellFormed, which this TypeScript lib does not declare). */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

describe("untrusted strings", () => {
  const HOSTILE = [
    "<script>alert(1)</script>",
    "]]>",
    "a|b`c`",
    "\u0000nul\u0007bel\u001b[2Jesc",
    "lone \ud800 high and \udc00 low",
    "bidi \u202eevil\u202c",
    "../../etc/passwd?x=1#frag %41 %zz",
    "x".repeat(200_000),
  ];

  it("stays data: the log parses, validates, passes the Multitool, and the resource path stays a valid URI reference", () => {
    const findings = sample.findings.map((finding, index) => {
      const hostile = HOSTILE[index % HOSTILE.length]!;
      return {
        ...finding,
        resourceName: hostile,
        resourceId: `${finding.resourceId}/child/${hostile}`,
        message: `${finding.message} ${hostile}`,
        evidence: { ...finding.evidence, note: hostile },
        ...(finding.exception === undefined ? {} : { exception: { ...finding.exception, justification: hostile } }),
      };
    });
    const report = { ...sample, findings };
    const { chunks, text, log } = write(report);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(1024 * 1024);
    expect(schemaErrors(log)).toEqual([]);
    expect(multitoolProblems(writeSarif(text))).toEqual([]);
    for (const result of log.runs[0]!.results) {
      const uri = result.locations[0]!.physicalLocation.artifactLocation.uri;
      const path = decodeURIComponent(uri);
      const name = result.locations[0]!.logicalLocations[0]!.name;
      if (name.length < 1000) {
        expect(path.endsWith(`/child/${wellFormed(name.toLowerCase())}`), path).toBe(true);
        expect(result.message.text).toContain(name);
      } else {
        // A 200,000-character value is cut, with the cut said, so no result is huge.
        expect(result.message.text).toMatch(/\[cut: \d+ characters in all\]$/);
        expect(name.length).toBeLessThan(10_000);
      }
    }
  });
});

describe("an empty report", () => {
  it("is a valid log with the baseline's rules and no results", () => {
    const report = { ...sample, findings: [] };
    const { log } = write(report);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.properties.results).toEqual({ eligible: 0, written: 0 });
    expect(schemaErrors(log)).toEqual([]);
  });
});

describe("an incomplete run", () => {
  it("is not successful when the collection was partial or a rule threw, and says so in notifications", () => {
    const [first, ...rest] = sample.findings;
    const errored = { ...first!, status: "error" as const, message: "rule threw: boom" };
    const byRule = sample.summary.byRule.map((rule) =>
      rule.ruleId === first!.ruleId ? { ...rule, counts: { ...rule.counts, error: rule.counts.error + 1 } } : rule,
    );
    const report: AuditReport = {
      ...sample,
      run: {
        ...sample.run,
        status: "partial",
        coverageGaps: [
          { types: ["microsoft.network/networksecuritygroups"], subscriptionIds: ["sub-a"], reason: "403 Forbidden" },
        ],
      },
      summary: { ...sample.summary, byRule },
      findings: [errored, ...rest],
    };
    const { text, log } = write(report);
    const invocation = log.runs[0]!.invocations[0]!;
    expect(invocation.executionSuccessful).toBe(false);
    const ids = invocation.toolExecutionNotifications.map((n) => `${n.descriptor.id}/${n.level}`);
    expect(ids).toContain("coverage-gap/error");
    expect(ids).toContain("rule-error/error");
    expect(
      invocation.toolExecutionNotifications.find((n) => n.descriptor.id === "coverage-gap")!.message.text,
    ).toContain("403 Forbidden");
    const review = log.runs[0]!.results.find((r) => r.properties.status === "error");
    expect(review).toMatchObject({ kind: "review", level: "none" });
    expect(schemaErrors(log)).toEqual([]);
    expect(multitoolProblems(writeSarif(text))).toEqual([]);
  });
});
