// `scan --format junit`: the run as JUnit XML for Azure Pipelines (PublishTestResults@2, format JUnit) and GitLab
// (artifacts:reports:junit): a <testsuite> per rule, a <testcase> per rule × resource result. It follows the Jenkins
// JUnit schema (junit-10.xsd; test/report/junit.test.ts validates against it), which both readers accept:
// - fail: <failure>; error: <error>; unknown: <error> too. unknown means the control could not be verified, and the
//   gate exits 4 for it, never as a pass: GitLab and Azure Pipelines show <skipped> as harmless (Azure Pipelines: "Not
//   executed"), so an unknown there would read as fine. <error> ("an unanticipated problem") keeps it red.
// - notApplicable, and a fail or unknown an exception covers: <skipped>, with the reason (the justification) as its
//   message and content: GitLab shows a skip's content, not its attributes.
// - pass: an empty test case (with its system-out).
// The schema has no <properties> in a test case, so each case's fingerprint, severity and resource id are in its
// <system-out>, which GitLab and Azure Pipelines show with the result; the rule's own are the suite's <properties>.
import type { AuditReport } from "../audit/run-audit";
import { isExcepted } from "../engine/exceptions";
import type { Finding } from "../engine/finding";
import { armKey } from "../model/arm-id";
import { findRule } from "../rules/catalog";
import { FingerprintSequence } from "./fingerprint";
import { FINDINGS_PER_CHUNK } from "./report-chunks";
import { TOOL, type ReportFormatter } from "./report-format";
import { xmlAttribute, xmlText } from "./xml-text";

/** How a result reads as a test: the element it gets in its test case (`passed`: none). */
export type JunitOutcome = "passed" | "failure" | "error" | "skipped";

export function junitOutcome(finding: Pick<Finding, "status" | "exception">): JunitOutcome {
  if (isExcepted(finding)) return "skipped";
  switch (finding.status) {
    case "pass":
      return "passed";
    case "fail":
      return "failure";
    case "unknown":
    case "error":
      return "error";
    case "notApplicable":
      return "skipped";
  }
}

export interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

interface RuleSuite {
  counts: JunitCounts;
  /** Positions of the rule's results in the report, in report order. */
  positions: number[];
}

/**
 * The first pass: each rule's counts and where its results are (positions, not copies), and the whole run's counts.
 * The counts open the document, before any test case, so they are known before anything is written.
 */
export function junitSuites(findings: readonly Finding[]): { total: JunitCounts; suites: Map<string, RuleSuite> } {
  const total = emptyCounts();
  const suites = new Map<string, RuleSuite>();
  findings.forEach((finding, position) => {
    let suite = suites.get(finding.ruleId);
    if (suite === undefined) {
      suite = { counts: emptyCounts(), positions: [] };
      suites.set(finding.ruleId, suite);
    }
    suite.positions.push(position);
    for (const counts of [total, suite.counts]) count(counts, junitOutcome(finding));
  });
  return { total, suites };
}

function emptyCounts(): JunitCounts {
  return { tests: 0, failures: 0, errors: 0, skipped: 0 };
}

function count(counts: JunitCounts, outcome: JunitOutcome): void {
  counts.tests += 1;
  if (outcome === "failure") counts.failures += 1;
  else if (outcome === "error") counts.errors += 1;
  else if (outcome === "skipped") counts.skipped += 1;
}

/** JUnit XML in chunks: the root with the run's counts, then each rule's suite a few hundred test cases at a time. */
export const junitReportChunks: ReportFormatter = function* (report: AuditReport) {
  const { run, findings } = report;
  const { total, suites } = junitSuites(findings);
  yield (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${xmlAttribute(`${TOOL.name} run ${run.runId}`)}" tests="${total.tests}" ` +
    `failures="${total.failures}" errors="${total.errors}" time="${seconds(run.durationMs)}">\n`
  );
  // Results of one rule × resource pair are all in the rule's suite, in report order: fingerprints fed in suite order
  // number each pair's results as the report order does.
  const fingerprints = new FingerprintSequence();
  for (const [ruleId, suite] of suites) {
    let chunk = suiteOpening(ruleId, suite.counts, report);
    const occurrences = new Map<string, number>();
    for (const [index, position] of suite.positions.entries()) {
      const finding = findings[position]!;
      const key = armKey(finding.resourceId);
      const occurrence = occurrences.get(key) ?? 0;
      occurrences.set(key, occurrence + 1);
      chunk += testCase(finding, fingerprints.next(finding), occurrence);
      if ((index + 1) % FINDINGS_PER_CHUNK === 0) {
        yield chunk;
        chunk = "";
      }
    }
    yield `${chunk}  </testsuite>\n`;
  }
  yield "</testsuites>\n";
};

/** JUnit's time: seconds with at most three decimals (the schema's pattern). */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function suiteOpening(ruleId: string, counts: JunitCounts, report: AuditReport): string {
  const rule = findRule(ruleId);
  const title = rule?.title ?? ruleId;
  const properties: [string, string][] = [
    ["ruleId", ruleId],
    ...(rule === undefined ? [] : ([["severity", rule.severity]] as [string, string][])),
    ["runId", report.run.runId],
    ["baseline", report.run.baseline],
    ...(rule?.references ?? []).map((url): [string, string] => ["reference", url]),
  ];
  return (
    `  <testsuite name="${xmlAttribute(`${ruleId}: ${title}`)}" tests="${counts.tests}" ` +
    `failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" ` +
    `timestamp="${xmlAttribute(report.run.startedAt)}">\n    <properties>\n` +
    properties
      .map(([name, value]) => `      <property name="${xmlAttribute(name)}" value="${xmlAttribute(value)}"/>\n`)
      .join("") +
    "    </properties>\n"
  );
}

/**
 * One result. The name is the resource's name and id (GitLab keeps only the first of two cases with one name), with
 * `#2`, `#3`... for a rule's further results on the same resource.
 */
function testCase(finding: Finding, fingerprint: string, occurrence: number): string {
  const name = `${finding.resourceName} (${finding.resourceId})${occurrence === 0 ? "" : ` #${occurrence + 1}`}`;
  const outcome = junitOutcome(finding);
  return (
    `    <testcase classname="${xmlAttribute(finding.ruleId)}" name="${xmlAttribute(name)}" time="0">\n` +
    outcomeElement(finding, outcome) +
    `      <system-out>${xmlText(systemOut(finding, fingerprint))}</system-out>\n` +
    "    </testcase>\n"
  );
}

function outcomeElement(finding: Finding, outcome: JunitOutcome): string {
  if (outcome === "passed") return "";
  const exception = finding.exception;
  if (outcome === "skipped" && exception !== undefined && isExcepted(finding)) {
    const expiry = exception.expiresOn === undefined ? "no expiry" : `until ${exception.expiresOn}`;
    const reason = `excepted by ${exception.id} (${exception.source}, approved by ${exception.approvedBy}, ${expiry}): ${exception.justification}`;
    const body = `${reason}\n\nResult: ${finding.status}: ${finding.message}\n\n${evidenceText(finding)}`;
    return element("skipped", "excepted", reason, body);
  }
  if (outcome === "skipped") return element("skipped", "notApplicable", finding.message, finding.message);
  const remediation = findRule(finding.ruleId)?.remediation;
  const body = [
    finding.message,
    evidenceText(finding),
    ...(remediation === undefined ? [] : [`Remediation: ${remediation}`]),
  ];
  const lapsed =
    exception?.effect === "expired" ? [`Exception ${exception.id} expired ${exception.expiresOn ?? ""}`] : [];
  return element(outcome, finding.status, finding.message, [...body, ...lapsed].join("\n\n"));
}

function element(name: string, type: string, message: string, body: string): string {
  return `      <${name} type="${xmlAttribute(type)}" message="${xmlAttribute(message)}">${xmlText(body)}</${name}>\n`;
}

function evidenceText(finding: Finding): string {
  return `Evidence:\n${JSON.stringify(finding.evidence, null, 2)}`;
}

/**
 * The case's identity for people and tools. GitLab turns `[[ATTACHMENT|path]]` in system-out into a link to a job
 * artifact: a resource named with that text must not plant one, so `[[` from Azure is broken with a zero-width space.
 */
function systemOut(finding: Finding, fingerprint: string): string {
  const fields: [string, string][] = [
    ["fingerprint", fingerprint],
    ["severity", finding.severity],
    ["status", finding.status],
    ["resourceId", finding.resourceId],
    ["subscriptionId", finding.subscriptionId],
    ["resourceGroup", finding.resourceGroup],
    ["location", finding.location],
    ...(finding.exception === undefined
      ? []
      : ([["exception", `${finding.exception.id} (${finding.exception.effect})`]] as [string, string][])),
  ];
  return fields.map(([name, value]) => `${name}: ${value.replace(/\[\[/g, "[\u200B[")}`).join("\n");
}
