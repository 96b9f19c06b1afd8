// RFC 4180 CSV with spreadsheet formula injection neutralised: a cell that a spreadsheet would run as a formula
// (leading = + - @, or tab/CR that some apps strip before one) is prefixed with a single quote.
import type { FindingException } from "../engine/exceptions";
import type { Finding } from "../engine/finding";
import type { FingerprintedFinding } from "./fingerprint";
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

/**
 * Last, the exception that covers the result (empty cells when none does), each field prefixed `exception`: a
 * spreadsheet filter on `exceptionEffect` = applied shows the accepted risks, blank the rest.
 */
const EXCEPTION_FIELDS = [
  "id",
  "source",
  "effect",
  "expiresOn",
  "approvedBy",
  "justification",
  "ticket",
] as const satisfies readonly (keyof FindingException)[];

export const EXCEPTION_CSV_COLUMNS = EXCEPTION_FIELDS.map(
  (field) => `exception${field.charAt(0).toUpperCase()}${field.slice(1)}`,
);

/** The last column: the result's stable fingerprint (fingerprint.ts), appended so existing columns keep their place. */
export const FINGERPRINT_CSV_COLUMN = "fingerprint";

export function findingCsvHeader(): string {
  return csvLine([...FINDING_CSV_COLUMNS, ...RUN_CSV_COLUMNS, ...EXCEPTION_CSV_COLUMNS, FINGERPRINT_CSV_COLUMN]);
}

/** One result, with the baseline of the run that produced it, the exception that covers it and its fingerprint. */
export function findingCsvRow(finding: FingerprintedFinding, baseline: BaselineId): string {
  const exception = finding.exception;
  return csvLine([
    ...FINDING_CSV_COLUMNS.map((column) => finding[column]),
    baseline,
    ...EXCEPTION_FIELDS.map((field) => exception?.[field]),
    finding.fingerprint,
  ]);
}
