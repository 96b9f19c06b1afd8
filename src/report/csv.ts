// RFC 4180 CSV with spreadsheet formula injection neutralised: a cell that a spreadsheet would run as a formula
// (leading = + - @, or tab/CR that some apps strip before one) is prefixed with a single quote.
import type { Finding } from "../engine/finding";
import type { BaselineId } from "../rules/baselines";

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let text =
    value === undefined || value === null
      ? ""
      : typeof value === "string"
        ? value
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

export const FINDING_CSV_COLUMNS = [
  "ruleId",
  "severity",
  "status",
  "resourceName",
  "resourceType",
  "subscriptionId",
  "resourceGroup",
  "location",
  "resourceId",
  "title",
  "message",
  "evidence",
] as const satisfies readonly (keyof Finding)[];

/** After the finding's columns, the run's: a CSV file has no place for run facts but its rows. */
export const RUN_CSV_COLUMNS = ["baseline"] as const;

export function findingCsvHeader(): string {
  return csvLine([...FINDING_CSV_COLUMNS, ...RUN_CSV_COLUMNS]);
}

/** One result, with the baseline of the run that produced it. */
export function findingCsvRow(finding: Finding, baseline: BaselineId): string {
  return csvLine([...FINDING_CSV_COLUMNS.map((column) => finding[column]), baseline]);
}
