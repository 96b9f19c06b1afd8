// The report formats the CLI writes for people and pipelines, and what each formatter is given. Every formatter
// returns the report as a sequence of text chunks (report-chunks.ts): a 1M-row report is larger than one string may be,
// and `--output` streams the chunks to the file as they come.
import type { AuditReport } from "../audit/run-audit";
import type { GateVerdict } from "../engine/gate";

/** The tool as reports name it (SARIF's tool.driver, OCSF's metadata.product, the JUnit suite, the HTML title). */
export const TOOL = {
  name: "MI Exposure Auditor",
  command: "mi-audit",
  /** Kept equal to package.json's version by test/report/report-format.test.ts. */
  version: "0.1.0",
  informationUri: "https://github.com/mi-exposure-auditor/mi-exposure-auditor",
  vendor: "MI Exposure Auditor",
} as const;

/** `scan --format`: the per-finding formats. `--framework` writes only the first three. */
export const REPORT_FORMATS = ["table", "json", "csv", "sarif", "ocsf", "junit", "markdown", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportFormatContext {
  /** The gate's verdict and the exit code it gives (the formats that show the decision say why). */
  gate: GateVerdict;
  exitCode: number;
  /** `--report-url`: where the full report lives (the dashboard, the pipeline run); Markdown and HTML link to it. */
  reportUrl?: string;
}

/** A formatter: the report (its findings already filtered by --excepted; counts are the whole run's) as text chunks. */
export type ReportFormatter = (report: AuditReport, context: ReportFormatContext) => Iterable<string>;
