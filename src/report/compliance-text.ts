// A compliance view (compliance.ts) as a terminal table and as CSV. The CSV has one row per control × failing
// resource, or one row per control when none fails, with the CSV conventions of csv.ts (RFC 4180, formulas neutralised).
// Exceptions come last (columns added after the old ones, so readers by position keep working): the control's excepted
// count and the failing resource's exception, prefixed `exception` like the findings CSV.
import { exceptionMark, statusWithExcepted, type ComplianceControl, type ComplianceView } from "./compliance";
import { csvLine } from "./csv";
import { terminalText } from "./terminal-text";

export const COMPLIANCE_CSV_COLUMNS = [
  "framework",
  "controlId",
  "version",
  "title",
  "status",
  "passed",
  "failed",
  "unverified",
  "notApplicable",
  "rules",
  "resourceId",
  "resourceName",
  "ruleId",
  "severity",
  "excepted",
  "exceptionId",
  "exceptionSource",
  "exceptionEffect",
  "exceptionExpiresOn",
] as const;

export function complianceCsv(view: ComplianceView): string {
  const lines = [csvLine([...COMPLIANCE_CSV_COLUMNS])];
  for (const control of view.controls) {
    const head = [
      view.framework,
      control.id,
      control.version ?? "",
      control.title ?? "",
      control.status,
      control.counts.passed,
      control.counts.failed,
      control.counts.unverified,
      control.counts.notApplicable,
      control.rules.map((rule) => `${rule.ruleId} (${rule.relation})`).join("; "),
    ];
    const excepted = control.counts.excepted;
    if (control.failing.length === 0) lines.push(csvLine([...head, "", "", "", "", excepted, "", "", "", ""]));
    for (const f of control.failing) {
      const e = f.exception;
      const exception = [e?.id, e?.source, e?.effect, e?.expiresOn].map((value) => value ?? "");
      lines.push(csvLine([...head, f.resourceId, f.resourceName, f.ruleId, f.severity, excepted, ...exception]));
    }
  }
  return lines.join("");
}

/** The view for a terminal: one block per control (status, counts, rules, failing resources), then unmapped rules. */
export function complianceTable(view: ComplianceView, heading: string): string {
  const lines = [heading, `${view.frameworkTitle}: ${view.controls.length} control(s) ${statusTally(view)}`];
  for (const control of view.controls) lines.push("", ...controlBlock(control));
  if (view.unmapped.length > 0) {
    lines.push("", `Rules with no ${view.framework} control (${view.unmapped.length})`);
    for (const rule of view.unmapped) lines.push(`  ${rule.ruleId}  ${countsText(rule.counts)}`, `    ${rule.note}`);
  }
  // Resource names come from Azure: each line is made safe for a terminal (see terminal-text.ts).
  return `${lines.map(terminalText).join("\n")}\n`;
}

function controlBlock(control: ComplianceControl): string[] {
  const name =
    control.version !== undefined && control.via === undefined ? `${control.id} (${control.version})` : control.id;
  // "PASS, 2 excepted" is longer than the column: at least one space always parts it from the control.
  const status = `${statusWithExcepted(control.status.toUpperCase(), control.counts).padEnd(13)} `;
  const lines = [
    `${status}${name}${control.title !== undefined ? `  ${control.title}` : ""}`,
    `  ${countsText(control.counts)}`,
  ];
  if (control.via !== undefined) lines.push(`  through MCSB ${control.via.join(", ")}`);
  lines.push(`  rules: ${control.rules.map((rule) => `${rule.ruleId} (${rule.relation})`).join(", ")}`);
  for (const f of control.failing) {
    const mark = exceptionMark(f);
    lines.push(`  FAIL ${f.severity.padEnd(8)} ${f.resourceName}  ${f.ruleId}${mark !== "" ? `  (${mark})` : ""}`);
  }
  return lines;
}

function countsText(counts: ComplianceControl["counts"]): string {
  return `passed ${counts.passed}  failed ${counts.failed}  unverified ${counts.unverified}  n/a ${counts.notApplicable}  excepted ${counts.excepted}`;
}

function statusTally(view: ComplianceView): string {
  const tally = (status: string): number => view.controls.filter((control) => control.status === status).length;
  const excepted = view.controls.filter((control) => control.counts.excepted > 0).length;
  return `(fail ${tally("fail")}, unverified ${tally("unverified")}, pass ${tally("pass")}, n/a ${tally("notApplicable")}; ${excepted} with excepted results)`;
}
