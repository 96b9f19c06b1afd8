// `scan --format sarif`: the report as one SARIF 2.1.0 run, for GitHub code scanning, Azure DevOps and SARIF viewers.
// The run's rules are the baseline's (tool.driver.rules); each fail, unknown or error is a result (sarif-results.ts);
// the invocation says whether the audit saw everything. Written in chunks like the JSON report, and kept within GitHub
// code scanning's upload limits: past them the most important results are kept and the run says what was left out.
import { gzipSync } from "node:zlib";
import type { AuditReport } from "../audit/run-audit";
import type { Finding } from "../engine/finding";
import { isExcepted } from "../engine/exceptions";
import { SEVERITIES, type AnyRule } from "../rules/rule";
import { rulesOfBaseline } from "../rules/baselines";
import { RULES } from "../rules/catalog";
import { FINDINGS_PER_CHUNK } from "./report-chunks";
import { FingerprintSequence } from "./fingerprint";
import { TOOL, type ReportFormatContext, type ReportFormatter } from "./report-format";
import { sarifRuleDescriptor } from "./sarif-rules";
import { ARM_URI_BASE_ID, isSarifResult, limitText, sarifResult } from "./sarif-results";
import { sarifInvocation, SARIF_NOTIFICATION_DESCRIPTORS, type ResultsLimited } from "./sarif-invocation";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

/** GitHub code scanning's upload limits (its "SARIF support for code scanning" page) that a report can reach. */
export interface SarifLimits {
  /** Results in one run: GitHub rejects a run with more than 25,000 (and shows the 5,000 most severe). */
  results: number;
  /** The gzip-compressed file: GitHub rejects more than 10 MB. */
  gzipBytes: number;
}

export const GITHUB_SARIF_LIMITS: SarifLimits = { results: 25_000, gzipBytes: 10 * 1024 * 1024 };

/** Room kept for the invocation and the closing brackets, which are written after the results. */
const TRAILER_GZIP_RESERVE = 64 * 1024;
/** A chunk closes at this many characters of results (or FINDINGS_PER_CHUNK results), so no chunk is large. */
const CHUNK_CHARS = 512 * 1024;
/** A result whose JSON is longer has every string in it cut (sarif-results.ts limitText). */
const RESULT_JSON_MAX = 64 * 1024;

export const sarifReportChunks: ReportFormatter = (report, context) => sarifChunks(report, context);

/** The SARIF log in chunks; `limits` defaults to GitHub's (tests pass smaller ones). */
export function* sarifChunks(
  report: AuditReport,
  context: ReportFormatContext,
  limits: SarifLimits = GITHUB_SARIF_LIMITS,
): Generator<string> {
  const rules = runRules(report);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const selected = selectResults(report.findings, limits.results);
  const header = runHeader(report, rules);
  yield header;
  let gzipUsed = gzipSync(header).length + TRAILER_GZIP_RESERVE;
  let written = 0;
  let chunk = "";
  let inChunk = 0;
  let stoppedBySize = false;
  for (const { finding, fingerprint } of selected.inPriorityOrder()) {
    const result = sarifResult({
      finding,
      fingerprint,
      ruleIndex: ruleIndex.get(finding.ruleId)!,
      baseline: report.run.baseline,
    });
    chunk += `${written + inChunk === 0 ? "" : ",\n"}        ${resultJson(result)}`;
    inChunk += 1;
    if (chunk.length < CHUNK_CHARS && inChunk < FINDINGS_PER_CHUNK) continue;
    const size = gzipSync(chunk).length;
    if (gzipUsed + size > limits.gzipBytes) {
      stoppedBySize = true;
      break;
    }
    yield chunk;
    gzipUsed += size;
    written += inChunk;
    chunk = "";
    inChunk = 0;
  }
  if (!stoppedBySize && inChunk > 0) {
    if (gzipUsed + gzipSync(chunk).length > limits.gzipBytes) stoppedBySize = true;
    else {
      yield chunk;
      written += inChunk;
    }
  }
  const limited: ResultsLimited = {
    eligible: selected.eligible,
    written,
    byCount: selected.eligible - selected.kept,
    bySize: selected.kept - written,
    limits,
  };
  yield runTrailer(report, context, rules, limited);
}

/** The baseline's rules, plus any catalog rule a finding names that the baseline lacks (a report built by hand). */
function runRules(report: AuditReport): readonly AnyRule[] {
  const rules = [...rulesOfBaseline(report.run.baseline)];
  const known = new Set(rules.map((rule) => rule.id));
  for (const finding of report.findings) {
    if (known.has(finding.ruleId)) continue;
    const rule = RULES.find((candidate) => candidate.id === finding.ruleId);
    if (rule !== undefined) rules.push(rule);
    known.add(finding.ruleId);
  }
  return rules;
}

function runHeader(report: AuditReport, rules: readonly AnyRule[]): string {
  const driver = {
    name: TOOL.name,
    organization: TOOL.vendor,
    version: TOOL.version,
    semanticVersion: TOOL.version,
    informationUri: TOOL.informationUri,
    rules: rules.map(sarifRuleDescriptor),
    notifications: SARIF_NOTIFICATION_DESCRIPTORS,
  };
  const run = {
    tool: { driver },
    // GitHub reads the part before the last slash as the analysis category: one per baseline, so two baselines'
    // uploads do not close each other's alerts; the run id after it is stored.
    automationDetails: { id: `${TOOL.command}/${report.run.baseline}/${report.run.runId}` },
    originalUriBaseIds: { [ARM_URI_BASE_ID]: armBase(report) },
  };
  const runText = JSON.stringify(run, null, 2).replace(/\n}$/, "");
  return (
    `{\n  "$schema": ${JSON.stringify(SARIF_SCHEMA_URI)},\n  "version": "2.1.0",\n  "runs": [\n    ` +
    `${runText.replace(/\n/g, "\n    ")},\n      "results": [\n`
  );
}

/**
 * What resources' paths are relative to. A live run knows its ARM endpoint only when one was given (an emulator, a
 * sovereign cloud); otherwise, and for snapshots, the base is described but left without a URI (SARIF's "unknown").
 */
function armBase(report: AuditReport): Record<string, unknown> {
  const endpoint = report.run.source.endpoint;
  const uri = endpoint === undefined ? undefined : endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
  return {
    ...(uri !== undefined && /^https?:\/\//.test(uri) ? { uri } : {}),
    description: {
      text: "The Azure Resource Manager endpoint of the audited cloud: each result's path is its resource's ARM id, in lower case.",
    },
  };
}

function runTrailer(
  report: AuditReport,
  context: ReportFormatContext,
  rules: readonly AnyRule[],
  limited: ResultsLimited,
): string {
  const invocation = sarifInvocation(report, context, rules, limited);
  const properties = {
    runId: report.run.runId,
    runStatus: report.run.status,
    baseline: report.run.baseline,
    rulesEvaluated: report.run.rulesEvaluated,
    resourcesInEstate: report.run.resourcesInEstate,
    results: { eligible: limited.eligible, written: limited.written },
    ...(context.reportUrl === undefined ? {} : { reportUrl: context.reportUrl }),
  };
  const invocations = JSON.stringify([invocation], null, 2).replace(/\n/g, "\n      ");
  const props = JSON.stringify(properties, null, 2).replace(/\n/g, "\n      ");
  return `\n      ],\n      "invocations": ${invocations},\n      "properties": ${props}\n    }\n  ]\n}\n`;
}

function resultJson(result: Record<string, unknown>): string {
  const text = JSON.stringify(result);
  return text.length <= RESULT_JSON_MAX ? text : JSON.stringify(cutStrings(result));
}

/** Every string in `value` cut by limitText, except URIs (already bounded, and a cut would make them invalid). */
function cutStrings(value: unknown, key = ""): unknown {
  if (typeof value === "string") return key === "uri" ? value : limitText(value);
  if (Array.isArray(value)) return value.map((item) => cutStrings(item));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, cutStrings(inner, name)]));
  return value;
}

// ---- which results, in what order ------------------------------------------------------------------------------------

/**
 * Results in priority order: failures not excepted, then unknown and error results not excepted, then excepted ones;
 * within each, by severity (critical first), then in report order. Past the limit the least important are dropped,
 * as GitHub itself would show them last.
 */
const TIERS = 3;

function tierOf(finding: Finding): number {
  if (isExcepted(finding)) return 2;
  return finding.status === "fail" ? 0 : 1;
}

function bucketOf(finding: Finding): number {
  return tierOf(finding) * SEVERITIES.length + SEVERITIES.indexOf(finding.severity);
}

interface Selection {
  eligible: number;
  kept: number;
  inPriorityOrder(): Iterable<{ finding: Finding; fingerprint: string }>;
}

/**
 * Two passes over the findings, no copy of them: the first counts results per priority bucket (and so where the limit
 * falls), the second numbers every finding's fingerprint in report order and remembers only the kept ones' positions.
 */
function selectResults(findings: readonly Finding[], limit: number): Selection {
  const buckets = TIERS * SEVERITIES.length;
  const counts = new Array<number>(buckets).fill(0);
  for (const finding of findings) if (isSarifResult(finding)) counts[bucketOf(finding)]! += 1;
  const eligible = counts.reduce((sum, count) => sum + count, 0);
  const room = counts.map(() => 0);
  let left = limit;
  for (let bucket = 0; bucket < buckets; bucket += 1) {
    room[bucket] = Math.min(counts[bucket]!, left);
    left -= room[bucket]!;
  }
  const kept: { index: number; fingerprint: string }[][] = room.map(() => []);
  const sequence = new FingerprintSequence();
  for (const [index, finding] of findings.entries()) {
    const fingerprint = sequence.next(finding);
    if (!isSarifResult(finding)) continue;
    const bucket = bucketOf(finding);
    if (kept[bucket]!.length < room[bucket]!) kept[bucket]!.push({ index, fingerprint });
  }
  return {
    eligible,
    kept: limit - left,
    *inPriorityOrder() {
      for (const bucket of kept)
        for (const { index, fingerprint } of bucket) yield { finding: findings[index]!, fingerprint };
    },
  };
}
