// The human-readable report: the summary, scores per subscription, then failures grouped by severity. The findings
// listed may be a filtered part of the run's (--excepted); every count comes from the summary, so a filter never
// changes one.
import type { AuditReport } from "../audit/run-audit";
import { SEVERITIES } from "../rules/rule";
import { terminalText } from "./terminal-text";
import { exceptionSummaryLines, scoreText, statusLabel } from "./exception-text";
import { isExcepted } from "../engine/exceptions";

export function formatTable(report: AuditReport): string {
  const { run, summary, findings } = report;
  const lines: string[] = [];
  const source =
    run.source.kind === "snapshot"
      ? `snapshot ${(run.source.files ?? []).join(", ")}`
      : `Resource Graph ${describeScope(run.source)}`;
  lines.push(`MI Exposure Auditor: run ${run.runId} (${run.status}) of ${source}`);
  lines.push(`Baseline: ${run.baseline} (${run.rulesEvaluated} rules)`);
  lines.push(
    `Resources: ${run.resourcesInEstate}   Results: ${resultCount(summary)}   Estate score: ${scoreText(summary)}   Unassessed: ${summary.unassessed}`,
  );
  lines.push(
    `Status:   ${(["fail", "pass", "unknown", "error", "notApplicable"] as const).map((s) => `${s} ${summary.byStatus[s]}`).join("  ")}`,
  );
  lines.push(`Failures: ${SEVERITIES.map((s) => `${s} ${summary.failuresBySeverity[s]}`).join("  ")}`);
  lines.push(...exceptionSummaryLines(summary, report.exceptions));
  if (run.source.kind === "resourceGraph") lines.push(...describeCollection(run.collection));
  if (run.coverageGaps.length > 0) {
    lines.push("", "Coverage gaps (verdicts that depend on these are unknown):");
    for (const gap of run.coverageGaps)
      lines.push(
        `  ${gap.types.join(", ")} ${gap.subscriptionIds ? `in ${gap.subscriptionIds.join(", ")}` : "in every subscription"}: ${gap.reason}`,
      );
  }
  if (run.dataQuality.warnings > 0)
    lines.push(
      "",
      `Data quality: ${run.dataQuality.warnings} warning(s) about the input: unusable rows, malformed values, values converted from the wrong type (see stderr).`,
    );

  lines.push("", "Scores per subscription");
  const header = ["SUBSCRIPTION", "SCORE", "ASSESSED", "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNASSESSED"];
  const rows = summary.bySubscription.map((s) => [
    s.subscriptionId,
    s.score === null ? "n/a" : s.score.toFixed(1),
    String(s.resourcesAssessed),
    ...SEVERITIES.map((sev) => String(s.failuresBySeverity[sev])),
    String(s.unassessed),
  ]);
  lines.push(...alignColumns([header, ...rows]).map((line) => `  ${line}`));

  lines.push(...findingLines(findings));
  // Names, messages and gap reasons carry text from Azure; each line is made safe for a terminal as a whole, after
  // the columns were aligned on cells made safe the same way.
  return `${lines.map(terminalText).join("\n")}\n`;
}

function resultCount(summary: AuditReport["summary"]): number {
  return Object.values(summary.byStatus).reduce((sum, n) => sum + n, 0);
}

/** Failures by severity (excepted ones marked), the unassessed, then the exceptions that are no longer needed. */
function findingLines(findings: AuditReport["findings"]): string[] {
  const lines: string[] = [];
  const label = (f: (typeof findings)[number]): string => (f.exception === undefined ? "" : `  ${statusLabel(f)}`);
  for (const severity of SEVERITIES) {
    const failures = findings.filter((f) => f.status === "fail" && f.severity === severity);
    if (failures.length === 0) continue;
    const excepted = failures.filter(isExcepted).length;
    lines.push(
      "",
      `${severity.toUpperCase()} failures (${failures.length}${excepted > 0 ? `, ${excepted} excepted` : ""})`,
    );
    for (const f of failures) {
      lines.push(`  ${f.ruleId}  ${f.resourceName}  [${f.subscriptionId}/${f.resourceGroup}]${label(f)}`);
      lines.push(`    ${f.message}`);
    }
  }
  const unknowns = findings.filter((f) => f.status === "unknown" || f.status === "error");
  if (unknowns.length > 0) {
    lines.push("", `Unassessed (${unknowns.length})`);
    for (const f of unknowns) lines.push(`  ${f.ruleId}  ${f.resourceName}${label(f)}: ${f.message}`);
  }
  const unneeded = findings.filter((f) => f.exception?.effect === "notNeeded");
  if (unneeded.length > 0) {
    lines.push("", `Exceptions no longer needed (${unneeded.length})`);
    for (const f of unneeded)
      lines.push(`  ${f.ruleId}  ${f.resourceName}  [${f.subscriptionId}/${f.resourceGroup}]${label(f)}`);
  }
  return lines;
}

function describeCollection(stats: Record<string, unknown>): string[] {
  const num = (key: string): number => (typeof stats[key] === "number" ? stats[key] : 0);
  const rowsByType = (stats["rowsByType"] ?? {}) as Record<string, number>;
  const counts = Object.entries(rowsByType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, count]) => `${type.replace(/^microsoft\./, "")} ${count}`)
    .join(", ");
  return [
    `Collected: ${counts || "no rows"}`,
    `Requests: ${num("requests")}   Pages: ${num("pages")}   Throttle waits: ${num("throttleWaits")} (${(num("throttleWaitMs") / 1000).toFixed(1)} s)   Retries: ${num("retries")}   Duration: ${(num("durationMs") / 1000).toFixed(1)} s`,
  ];
}

function describeScope(source: AuditReport["run"]["source"]): string {
  if (source.managementGroups?.length) return `management groups ${source.managementGroups.join(", ")}`;
  if (source.subscriptions?.length) return `${source.subscriptions.length} subscription(s)`;
  return "all readable subscriptions";
}

function alignColumns(cells: string[][]): string[] {
  const rows = cells.map((row) => row.map(terminalText));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}
