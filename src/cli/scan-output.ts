// scan's output: the report in the format asked for (--format), or a framework's compliance view (--framework), as
// text chunks the CLI streams to stdout or --output.
import type { AuditReport } from "../audit/run-audit";
import { AuditorError } from "../errors";
import { formatTable } from "../report/table";
import { complianceView, evaluatedRuleIds, type ComplianceFramework } from "../report/compliance";
import { complianceCsv, complianceTable } from "../report/compliance-text";
import { terminalLines } from "../report/terminal-text";
import { csvReportChunks, jsonReportChunks } from "../report/report-chunks";
import { rulesOfBaseline } from "../rules/baselines";
import type { GateVerdict } from "../engine/gate";
import { formatGate, gateJson } from "../report/gate-text";
import type { ReportFormat, ReportFormatContext, ReportFormatter } from "../report/report-format";
import { sarifReportChunks } from "../report/sarif";
import { ocsfReportChunks } from "../report/ocsf";
import { junitReportChunks } from "../report/junit";
import { markdownReportChunks } from "../report/markdown-report";
import { htmlReportChunks } from "../report/html-report";

/** Formats a compliance view (--framework) can be written in. */
export const COMPLIANCE_FORMATS: readonly ReportFormat[] = ["table", "json", "csv"];

/** The formats for pipelines and people, each in its own file under src/report/. */
const FORMATTERS: Record<Exclude<ReportFormat, "table" | "json" | "csv">, ReportFormatter> = {
  sarif: sarifReportChunks,
  ocsf: ocsfReportChunks,
  junit: junitReportChunks,
  markdown: markdownReportChunks,
  html: htmlReportChunks,
};

/** The report's text in chunks (see report-chunks.ts): a 1M-row report is larger than one string may be. */
export function render(report: AuditReport, format: ReportFormat, context: ReportFormatContext): Iterable<string> {
  const { gate, exitCode } = context;
  switch (format) {
    case "json":
      // The gate rides in the summary, so a pipeline can read the decision (and what was not verified) from the report.
      return jsonReportChunks({
        ...report,
        summary: { ...report.summary, gate: gateJson(gate, exitCode) } as AuditReport["summary"],
      });
    case "csv":
      return csvReportChunks(report.findings, report.run.baseline);
    case "table":
      // The gate's lines quote coverage gap reasons (Azure's error text): escaped like the table above them.
      return [formatTable(report), terminalLines(formatGate(gate, exitCode))];
    default:
      return FORMATTERS[format](report, context);
  }
}

/** --framework: the compliance view of the run instead of its findings; the gate is the same. */
export function renderCompliance(
  report: AuditReport,
  framework: ComplianceFramework,
  format: ReportFormat,
  gate: GateVerdict,
  exitCode: number,
): string[] {
  const { run, summary } = report;
  const view = complianceView(framework, {
    // A rule of the baseline with nothing to judge still ran: its controls are listed, not applicable.
    ruleIds: evaluatedRuleIds(
      summary.byRule,
      rulesOfBaseline(run.baseline).map((rule) => rule.id),
    ),
    byRule: summary.byRule,
    failures: report.findings,
  });
  switch (format) {
    case "json":
      return [
        `${JSON.stringify({ runId: run.runId, runStatus: run.status, baseline: run.baseline, ...view, gate: gateJson(gate, exitCode) }, null, 2)}\n`,
      ];
    case "csv":
      return [complianceCsv(view)];
    case "table":
      return [
        complianceTable(view, `MI Exposure Auditor: run ${run.runId} (${run.status}), baseline ${run.baseline}`),
        terminalLines(formatGate(gate, exitCode)),
      ];
    default:
      // scan() refuses the other formats with --framework before the audit runs.
      throw new AuditorError("INPUT_INVALID_REQUEST", `--framework cannot be written as ${format}`);
  }
}
