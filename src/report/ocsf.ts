// `scan --format ocsf`: every result as an OCSF 1.3.0 Detection Finding (class 2004), one JSON object per line, for
// Microsoft Sentinel, Amazon Security Lake and other SIEMs. The mapping follows the schema's sources
// (events/findings/detection_finding.json, finding.json, base_event.json, dictionary.json and the objects they use);
// test/report/ocsf.test.ts checks every event against those files. Passes are written too: a SIEM that holds the
// posture needs the evidence of passing controls, and a finding that flips from pass to fail keeps its uid.
import type { AuditReport, RunInfo } from "../audit/run-audit";
import { isExcepted } from "../engine/exceptions";
import type { Finding } from "../engine/finding";
import { findRule } from "../rules/catalog";
import type { Severity } from "../rules/rule";
import { FingerprintSequence, type FingerprintedFinding } from "./fingerprint";
import { FINDINGS_PER_CHUNK } from "./report-chunks";
import { TOOL, type ReportFormatter } from "./report-format";

export const OCSF_SCHEMA_VERSION = "1.3.0";

/** The class and its place in the schema: category Findings (2), class Detection Finding (2 * 1000 + 4). */
export const OCSF_DETECTION_FINDING = {
  categoryUid: 2,
  categoryName: "Findings",
  classUid: 2004,
  className: "Detection Finding",
} as const;

/**
 * Activity 1, Create ("A finding was created"): each scan creates its findings afresh. The CLI keeps no history, so it
 * cannot say Update (2) or Close (3) truthfully; the SIEM correlates runs through `finding_info.uid`.
 */
const ACTIVITY = { id: 1, name: "Create" } as const;

/** severity_id: the rule's severity. A pass keeps it, so a finding's uid never changes severity between runs. */
const SEVERITY: Record<Severity, { id: number; name: string }> = {
  critical: { id: 5, name: "Critical" },
  high: { id: 4, name: "High" },
  medium: { id: 3, name: "Medium" },
  low: { id: 2, name: "Low" },
};

/** OCSF `string_t` holds at most 65,535 characters (dictionary.json, types). */
const OCSF_MAX_STRING = 65_535;

/** The finding status (status_id and its caption, finding.json's enum) of one result. */
export function ocsfStatus(finding: Pick<Finding, "status" | "exception">): { id: number; name: string } {
  // Suppressed: "reviewed, determined to be benign or a false positive": an accepted risk, by its exception.
  if (isExcepted(finding)) return { id: 3, name: "Suppressed" };
  switch (finding.status) {
    case "fail":
    case "unknown":
    case "error":
      // New: "yet to be reviewed". unknown and error are open too: the control could not be verified.
      return { id: 1, name: "New" };
    case "pass":
      // Resolved: nothing is open for this rule on this resource; status_code "pass" says the check held.
      return { id: 4, name: "Resolved" };
    case "notApplicable":
      // Other (99), whose caption the source defines: neither open nor resolved, the rule does not apply.
      return { id: 99, name: "Not Applicable" };
  }
}

/** One result as a Detection Finding event (a plain object, serialised as one line). */
export function ocsfDetectionFinding(finding: FingerprintedFinding, run: RunInfo): Record<string, unknown> {
  const time = Date.parse(run.startedAt);
  const severity = SEVERITY[finding.severity];
  const status = ocsfStatus(finding);
  const rule = findRule(finding.ruleId);
  return {
    activity_id: ACTIVITY.id,
    activity_name: ACTIVITY.name,
    category_uid: OCSF_DETECTION_FINDING.categoryUid,
    category_name: OCSF_DETECTION_FINDING.categoryName,
    class_uid: OCSF_DETECTION_FINDING.classUid,
    class_name: OCSF_DETECTION_FINDING.className,
    type_uid: OCSF_DETECTION_FINDING.classUid * 100 + ACTIVITY.id,
    type_name: `${OCSF_DETECTION_FINDING.className}: ${ACTIVITY.name}`,
    time,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    status_code: finding.status,
    ...exceptionFields(finding),
    message: text(finding.message),
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      profiles: ["cloud"],
      product: { name: TOOL.name, vendor_name: TOOL.vendor, version: TOOL.version, url_string: TOOL.informationUri },
      uid: `${run.runId}/${finding.fingerprint}`,
      correlation_uid: run.runId,
    },
    finding_info: {
      uid: finding.fingerprint,
      title: text(finding.title),
      ...(rule === undefined ? {} : { desc: rule.synopsis }),
      analytic: { uid: finding.ruleId, name: text(finding.title), type_id: 1, type: "Rule" },
      created_time: time,
    },
    cloud: {
      provider: "Azure",
      ...(finding.location === "" ? {} : { region: text(finding.location) }),
      account: { uid: text(finding.subscriptionId), type_id: 99, type: "Azure Subscription" },
    },
    resources: [ocsfResource(finding)],
    ...(rule === undefined ? {} : { remediation: { desc: rule.remediation, references: [...rule.references] } }),
    evidences: [{ data: finding.evidence }],
  };
}

/** The judged resource as OCSF's resource_details; its ARM tags become `name=value` labels. */
function ocsfResource(finding: Finding): Record<string, unknown> {
  const labels = Object.entries(finding.tags ?? {}).map(([name, value]) => text(`${name}=${value}`));
  return {
    uid: text(finding.resourceId),
    name: text(finding.resourceName),
    type: text(finding.resourceType),
    ...(finding.location === "" ? {} : { region: text(finding.location) }),
    ...(finding.resourceGroup === "" ? {} : { group: { name: text(finding.resourceGroup) } }),
    ...(labels.length === 0 ? {} : { labels }),
  };
}

/**
 * The exception that covers a result: its justification as the finding's comment, a one-line account in
 * status_detail, and the whole record under `unmapped` (OCSF has no object for an accepted risk).
 */
function exceptionFields(finding: Finding): Record<string, unknown> {
  const exception = finding.exception;
  if (exception === undefined) return {};
  const expiry = exception.expiresOn === undefined ? "no expiry" : `expires ${exception.expiresOn}`;
  const detail =
    exception.effect === "applied"
      ? `excepted by ${exception.id} (${exception.source}), approved by ${exception.approvedBy}, ${expiry}`
      : exception.effect === "expired"
        ? `exception ${exception.id} (${exception.source}) expired ${exception.expiresOn ?? ""}`.trimEnd()
        : `exception ${exception.id} (${exception.source}) is no longer needed`;
  return {
    status_detail: text(detail),
    ...(exception.effect === "applied" ? { comment: text(exception.justification) } : {}),
    unmapped: { exception },
  };
}

/** A string_t value: cut to the schema's maximum length without splitting a surrogate pair. */
function text(value: string): string {
  if (value.length <= OCSF_MAX_STRING) return value;
  const cut = value.slice(0, OCSF_MAX_STRING);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** JSON Lines: one Detection Finding per result and line, a few hundred lines per chunk. */
export const ocsfReportChunks: ReportFormatter = function* (report: AuditReport) {
  const fingerprints = new FingerprintSequence();
  let chunk = "";
  let lines = 0;
  for (const finding of report.findings) {
    const event = ocsfDetectionFinding({ ...finding, fingerprint: fingerprints.next(finding) }, report.run);
    chunk += `${JSON.stringify(event)}\n`;
    lines += 1;
    if (lines % FINDINGS_PER_CHUNK === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
};
