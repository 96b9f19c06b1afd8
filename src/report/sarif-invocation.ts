// The SARIF run's invocation: when the audit ran, whether it saw everything, what the gate decided, and notifications
// for what a consumer must not miss (a partial collection, a rule that threw, results left out for GitHub's limits).
import type { AuditReport } from "../audit/run-audit";
import type { AnyRule } from "../rules/rule";
import { describeGap } from "../engine/gate";
import type { RuleCounts } from "../engine/scoring";
import { gateJson } from "./gate-text";
import { TOOL, type ReportFormatContext } from "./report-format";

/** The notifications a run can carry, as tool.driver.notifications; `index` is each one's place in this list. */
const NOTIFICATIONS = [
  {
    id: "coverage-gap",
    name: "CoverageGap",
    text: "Part of the estate could not be read: results that depend on it are unknown, never passes.",
  },
  { id: "rule-error", name: "RuleError", text: "A rule threw on some resources: those results have no verdict." },
  {
    id: "results-limited",
    name: "ResultsLimited",
    text: "Results were left out to stay within GitHub code scanning's upload limits; the most important were kept.",
  },
  { id: "data-quality", name: "DataQuality", text: "Rows or fields the audit could not use, with examples." },
] as const;

type NotificationId = (typeof NOTIFICATIONS)[number]["id"];

/** GitHub's validator wants every descriptor to carry both descriptions and help, notifications' included. */
export const SARIF_NOTIFICATION_DESCRIPTORS = NOTIFICATIONS.map(({ id, name, text }) => ({
  id,
  name,
  shortDescription: { text },
  fullDescription: { text },
  help: { text: `${text} See docs/cli.md, "sarif", in ${TOOL.informationUri}.` },
}));

/** Coverage gaps listed one by one, past which one notification counts the rest. */
const GAPS_LISTED = 100;

export interface ResultsLimited {
  /** Fail, unknown and error results in the report (after --excepted). */
  eligible: number;
  written: number;
  /** Left out past the results-per-run limit. */
  byCount: number;
  /** Left out to keep the compressed file under its limit. */
  bySize: number;
  limits: { results: number; gzipBytes: number };
}

export function sarifInvocation(
  report: AuditReport,
  context: ReportFormatContext,
  rules: readonly AnyRule[],
  limited: ResultsLimited,
): Record<string, unknown> {
  const { run } = report;
  const ruleErrors = report.summary.byRule.filter((rule) => rule.counts.error > 0);
  const gate = context.gate;
  return {
    // The audit completed only when the collection was whole and no rule threw: otherwise its results are not the
    // whole truth, and a consumer that reads this one flag must not take the run as complete.
    executionSuccessful: run.status === "completed" && run.coverageGaps.length === 0 && ruleErrors.length === 0,
    ...utc("startTimeUtc", run.startedAt),
    ...utc("endTimeUtc", run.finishedAt),
    exitCode: context.exitCode,
    exitCodeDescription: `gate ${gate.outcome} at ${gate.threshold}${gate.lines.length > 0 ? `: ${gate.lines.join("; ")}` : ""}`,
    toolExecutionNotifications: [
      ...gapNotifications(report),
      ...ruleErrors.map((rule) => ruleErrorNotification(rule, rules)),
      ...limitedNotifications(limited),
      ...dataQualityNotifications(report),
    ],
    properties: { runStatus: run.status, gate: gateJson(gate, context.exitCode) },
  };
}

function ruleErrorNotification(rule: RuleCounts, rules: readonly AnyRule[]): Record<string, unknown> {
  const index = rules.findIndex((candidate) => candidate.id === rule.ruleId);
  return {
    ...notification("rule-error", "error", `${rule.counts.error} result(s) of ${rule.ruleId} errored: the rule threw.`),
    associatedRule: { id: rule.ruleId, ...(index < 0 ? {} : { index }) },
  };
}

function notification(id: NotificationId, level: "error" | "warning" | "note", text: string): Record<string, unknown> {
  return {
    level,
    message: { text },
    descriptor: { id, index: NOTIFICATIONS.findIndex((candidate) => candidate.id === id) },
  };
}

function gapNotifications(report: AuditReport): Record<string, unknown>[] {
  const gaps = report.run.coverageGaps;
  const listed = gaps
    .slice(0, GAPS_LISTED)
    .map((gap) => notification("coverage-gap", "error", `The collection was partial: ${describeGap(gap)}.`));
  if (gaps.length > GAPS_LISTED)
    listed.push(
      notification("coverage-gap", "error", `${gaps.length - GAPS_LISTED} more coverage gap(s) are not listed.`),
    );
  return listed;
}

function limitedNotifications(limited: ResultsLimited): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (limited.byCount > 0)
    out.push(
      notification(
        "results-limited",
        "warning",
        `${limited.byCount} of ${limited.eligible} results were left out: GitHub code scanning refuses more than ` +
          `${limited.limits.results} results in a run. The most important were kept (failures before unknown and ` +
          `error results before excepted ones, each by severity); the JSON and CSV reports list them all.`,
      ),
    );
  if (limited.bySize > 0)
    out.push(
      notification(
        "results-limited",
        "warning",
        `${limited.bySize} of ${limited.eligible} results were left out to keep the gzip-compressed file under ` +
          `GitHub code scanning's ${limited.limits.gzipBytes} bytes. The most important were kept; the JSON and CSV ` +
          `reports list them all.`,
      ),
    );
  return out;
}

function dataQualityNotifications(report: AuditReport): Record<string, unknown>[] {
  const { warnings, sample } = report.run.dataQuality;
  if (warnings === 0) return [];
  return [
    notification(
      "data-quality",
      "note",
      `${warnings} data-quality warning(s)${sample.length > 0 ? `, the first ${sample.length}: ${sample.join(" | ")}` : ""}`,
    ),
  ];
}

/** A SARIF date-time property, written only when the run's timestamp is one. */
function utc(name: string, timestamp: string): Record<string, string> {
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? {} : { [name]: new Date(at).toISOString() };
}
