// The run's results as rows of the Log Analytics table (findings-table.ts): which results a run sends (LOG_ANALYTICS_SEND),
// what each row says, and how a row stays within the Logs Ingestion API's limits (64 KB a field, 1 MB a call): every
// text column is cut at 16 KB and the evidence at 32 KB of JSON, each with a marker that says so, so no row comes near
// either limit and none is refused or silently cut by the service.
import type { AuditReport } from "../audit/run-audit";
import type { StateTransitions, Transition } from "../audit/audit-store";
import { isExcepted } from "../engine/exceptions";
import type { Finding } from "../engine/finding";
import { armKey } from "../model/arm-id";
import { FingerprintSequence } from "../report/fingerprint";
import type { FindingRow } from "./findings-table";

export const SEND_MODES = ["changes", "all"] as const;
export type SendMode = (typeof SEND_MODES)[number];

export type RowTransition = Transition | "unchanged";

/** UTF-8 bytes of a text column (the service truncates a field over 64 KB; we cut well before, and say so). */
export const TEXT_FIELD_BYTES = 16 * 1024;
/** UTF-8 bytes of the Evidence and Tags JSON. */
export const EVIDENCE_FIELD_BYTES = 32 * 1024;

export const EVIDENCE_TRUNCATED_NOTE =
  "Evidence truncated: its JSON exceeded 32 KB, under the Logs Ingestion API's 64 KB field limit. 'partialJson' holds the first part; the full evidence is in the run's findings (GET /api/findings).";

export const TAGS_TRUNCATED_NOTE =
  "Tags truncated: their JSON exceeded 16 KB. 'partialJson' holds the first part; the resource's tags are in Azure.";

/** How a cut dynamic column says so: its flag property and its note. */
export const EVIDENCE_CUT = { flag: "evidenceTruncated", note: EVIDENCE_TRUNCATED_NOTE } as const;
const TAGS_CUT = { flag: "tagsTruncated", note: TAGS_TRUNCATED_NOTE } as const;

const TRANSITION_KINDS = ["new", "regressed", "resolved", "stillFailing"] as const satisfies readonly Transition[];

/** The rule × resource pairs that moved this run, and how. */
export function transitionIndex(transitions: StateTransitions): Map<string, Transition> {
  const index = new Map<string, Transition>();
  for (const kind of TRANSITION_KINDS) for (const change of transitions[kind]) index.set(pairKey(change.finding), kind);
  return index;
}

/** `changes` sends every fail, unknown and error result and every result whose pair moved; `all` sends everything. */
export function isSent(finding: Pick<Finding, "status">, transition: Transition | undefined, mode: SendMode): boolean {
  if (mode === "all" || transition !== undefined) return true;
  return finding.status === "fail" || finding.status === "unknown" || finding.status === "error";
}

/**
 * The rows of the results the mode selects, in report order. The fingerprint sequence sees every result (the
 * selection comes after), so a row's fingerprint is the one the other formats give the same result.
 */
export function* findingRows(
  report: AuditReport,
  transitions: StateTransitions,
  mode: SendMode,
): Generator<FindingRow> {
  const moved = transitionIndex(transitions);
  const fingerprints = new FingerprintSequence();
  for (const finding of report.findings) {
    const fingerprint = fingerprints.next(finding);
    const transition = moved.get(pairKey(finding));
    if (!isSent(finding, transition, mode)) continue;
    yield findingRow(finding, { report, fingerprint, transition: transition ?? "unchanged" });
  }
}

export function findingRow(
  finding: Finding,
  context: { report: AuditReport; fingerprint: string; transition: RowTransition },
): FindingRow {
  const evidence = boundedJson(finding.evidence ?? {}, EVIDENCE_FIELD_BYTES, EVIDENCE_CUT);
  const exception = finding.exception;
  return {
    TimeGenerated: context.report.run.startedAt,
    RunId: context.report.run.runId,
    Fingerprint: context.fingerprint,
    RuleId: text(finding.ruleId),
    RuleTitle: text(finding.title),
    Severity: finding.severity,
    Status: finding.status,
    ResourceId: text(finding.resourceId),
    ResourceName: text(finding.resourceName),
    ResourceType: text(finding.resourceType),
    SubscriptionId: text(finding.subscriptionId),
    ResourceGroup: text(finding.resourceGroup),
    Location: text(finding.location),
    Message: text(finding.message),
    Evidence: evidence.value,
    EvidenceTruncated: evidence.truncated,
    Baseline: context.report.run.baseline,
    Excepted: isExcepted(finding),
    ExceptionId: exception === undefined ? null : text(exception.id),
    ExceptionEffect: exception?.effect ?? null,
    ExceptionExpiresOn: exception?.expiresOn ?? null,
    Transition: context.transition,
    Tags: boundedJson(finding.tags ?? {}, TEXT_FIELD_BYTES, TAGS_CUT).value,
  };
}

function pairKey(finding: Pick<Finding, "ruleId" | "resourceId">): string {
  return `${finding.ruleId}\u0000${armKey(finding.resourceId)}`;
}

/** A text column within TEXT_FIELD_BYTES, cut with a marker that gives the original length. */
export function text(value: string, limit: number = TEXT_FIELD_BYTES): string {
  if (value.length * 3 <= limit || Buffer.byteLength(value, "utf8") <= limit) return value;
  const marker = ` …[truncated: ${value.length} characters in all]`;
  return prefixWithin(value, limit - Buffer.byteLength(marker, "utf8"), (prefix) => prefix) + marker;
}

/**
 * A dynamic column within `limit` bytes of JSON: the value itself, or the shape the report API uses for stored
 * evidence that was cut (`{ evidenceTruncated: true, note, ... }`; `partialJson` the longest prefix that fits).
 */
export function boundedJson(
  value: unknown,
  limit: number,
  marker: { flag: string; note: string },
): { value: unknown; truncated: boolean } {
  const json = JSON.stringify(value) ?? "null";
  if (json.length * 3 <= limit || Buffer.byteLength(json, "utf8") <= limit) return { value, truncated: false };
  const originalBytes = Buffer.byteLength(json, "utf8");
  const shape = (partialJson: string) => ({ [marker.flag]: true, note: marker.note, originalBytes, partialJson });
  const partialJson = prefixWithin(json, limit, (prefix) => JSON.stringify(shape(prefix)));
  return { value: shape(partialJson), truncated: true };
}

/** The longest prefix of `value` whose rendering is at most `limit` UTF-8 bytes; never ends inside a surrogate pair. */
function prefixWithin(value: string, limit: number, render: (prefix: string) => string): string {
  const fits = (length: number) => Buffer.byteLength(render(cut(value, length)), "utf8") <= limit;
  let low = 0;
  let high = value.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return cut(value, low);
}

function cut(value: string, length: number): string {
  const last = value.charCodeAt(length - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}
