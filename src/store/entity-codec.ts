// Maps findings, finding states and runs to Table entities and back. Table properties are flat and limited: a string
// property holds at most 64 KiB of UTF-16 (32,768 code units), so large evidence is cut here, with a marker.
import type { RunStatus } from "../audit/run-audit";
import {
  FINDING_IDENTITY_FIELDS,
  type Finding,
  type FindingIdentity,
  type FindingIdentityField,
} from "../engine/finding";
import {
  EXCEPTION_SOURCES,
  isExcepted,
  type ExceptionEffect,
  type ExceptionSource,
  type FindingException,
} from "../engine/exceptions";
import { emptySeverityCounts, emptyStatusCounts, type SeverityCounts, type StatusCounts } from "../engine/scoring";
import { errorText } from "../errors";
import { SEVERITIES, STATUSES, type Evidence, type Status } from "../rules/rule";
import { isBaselineId, type BaselineId } from "../rules/baselines";
import type {
  DeltaCounts,
  ExceptedResultCounts,
  FindingState,
  RunRecord,
  StoredFinding,
  Transition,
} from "../audit/audit-store";
import { findingRowKey, resourceHash, RUN_PARTITION, runRowKey, stateKeys } from "./table-keys";
import { findingFingerprint } from "../report/fingerprint";

/** 64 KiB of UTF-16. */
export const MAX_STRING_PROPERTY_CODE_UNITS = 32 * 1024;

export const EVIDENCE_TRUNCATED_NOTE =
  "Evidence truncated: its JSON exceeded the 64 KiB (32,768 UTF-16 code units) Table Storage property limit. " +
  "'partialJson' holds the first part; the complete evidence was not stored.";

export type Entity = { partitionKey: string; rowKey: string } & Record<string, unknown>;

/** Cuts a string to the property limit without splitting a surrogate pair. */
export function clampText(text: string, limit: number = MAX_STRING_PROPERTY_CODE_UNITS): string {
  if (text.length <= limit) return text;
  let end = limit;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

// ---- the finding's identity: the same properties on findings and finding states -------------------------------

/** Clamped to the property limit; the severity is one of four short words, so clamping leaves it as it is. */
function identityToProperties(identity: FindingIdentity): Record<FindingIdentityField, string> {
  const props = {} as Record<FindingIdentityField, string>;
  for (const field of FINDING_IDENTITY_FIELDS) props[field] = clampText(identity[field]);
  return props;
}

function identityFromEntity(entity: Record<string, unknown>): FindingIdentity {
  const identity = {} as Record<FindingIdentityField, string>;
  for (const field of FINDING_IDENTITY_FIELDS) identity[field] = str(entity[field]);
  return identity as FindingIdentity;
}

// ---- findings ---------------------------------------------------------------------------------------------------

/** `ordinal` numbers several results of one rule on one resource in a run (0 for the first). */
export function findingToEntity(runId: string, finding: Finding, ordinal: number): Entity {
  const evidenceJson = JSON.stringify(finding.evidence ?? {});
  const truncated = evidenceJson.length > MAX_STRING_PROPERTY_CODE_UNITS;
  const entity: Entity = {
    partitionKey: runId,
    rowKey: findingRowKey(finding.resourceId, finding.ruleId, ordinal),
    runId,
    ...identityToProperties(finding),
    resourceHash: resourceHash(finding.resourceId),
    location: clampText(finding.location),
    status: finding.status,
    message: clampText(finding.message),
    evidence: clampText(evidenceJson),
    evidenceTruncated: truncated,
    // Lower-case copies so the API's filters match ARM's case-insensitive names with a server-side `eq`.
    subscriptionKey: clampText(finding.subscriptionId.toLowerCase()),
    resourceGroupKey: clampText(finding.resourceGroup.toLowerCase()),
    resourceTypeKey: clampText(finding.resourceType.toLowerCase()),
    // Every row says whether it is excepted, so the API's `excepted` filter is a server-side `eq` (see
    // table-run-queries.ts for rows written before this column existed).
    excepted: isExcepted(finding),
    ...exceptionToProperties(finding.exception),
  };
  if (truncated) {
    entity.evidenceNote = EVIDENCE_TRUNCATED_NOTE;
    entity.evidenceOriginalLength = evidenceJson.length;
  }
  return entity;
}

export function findingFromEntity(entity: Record<string, unknown>): StoredFinding {
  const truncated = entity.evidenceTruncated === true;
  const raw = str(entity.evidence);
  let evidence: Evidence;
  if (truncated) {
    evidence = {
      evidenceTruncated: true,
      note: str(entity.evidenceNote) || EVIDENCE_TRUNCATED_NOTE,
      originalLength: num(entity.evidenceOriginalLength),
      partialJson: raw,
    };
  } else {
    evidence = parseEvidence(raw);
  }
  const identity = identityFromEntity(entity);
  return {
    runId: str(entity.runId) || str(entity.partitionKey),
    ...identity,
    // The RowKey ends with the result's ordinal within its rule × resource pair: the fingerprint's occurrence.
    fingerprint: findingFingerprint(identity, ordinalOf(str(entity.rowKey))),
    location: str(entity.location),
    status: str(entity.status) as Status,
    message: str(entity.message),
    evidence,
    evidenceTruncated: truncated,
    ...exceptionFromEntity(entity),
  };
}

/** The ordinal a findings RowKey ends with (`<resourceHash>|<ruleKey>|<nnnn>`); 0 when it has none. */
function ordinalOf(rowKey: string): number {
  const ordinal = Number(rowKey.slice(rowKey.lastIndexOf("|") + 1));
  return Number.isInteger(ordinal) && ordinal >= 0 ? ordinal : 0;
}

// ---- the exception a finding carries: flat columns, absent on rows without one (and on rows written before) -------

/** The FindingException's fields and the columns that hold them, in the order CSV exports show them. */
const EXCEPTION_COLUMNS = {
  id: "exceptionId",
  source: "exceptionSource",
  effect: "exceptionEffect",
  expiresOn: "exceptionExpiresOn",
  approvedBy: "exceptionApprovedBy",
  justification: "exceptionJustification",
  ticket: "exceptionTicket",
} as const satisfies Record<keyof FindingException, string>;

const EXCEPTION_EFFECTS: readonly string[] = ["applied", "expired", "notNeeded"] satisfies ExceptionEffect[];

function exceptionToProperties(exception: FindingException | undefined): Record<string, string> {
  if (exception === undefined) return {};
  const props: Record<string, string> = {};
  for (const [field, column] of Object.entries(EXCEPTION_COLUMNS)) {
    const value = exception[field as keyof FindingException];
    if (value !== undefined) props[column] = clampText(value);
  }
  return props;
}

/** `{ exception }` when the row carries a well-formed one; rows written before exceptions existed carry none. */
function exceptionFromEntity(entity: Record<string, unknown>): { exception?: FindingException } {
  const id = entity[EXCEPTION_COLUMNS.id];
  const source = entity[EXCEPTION_COLUMNS.source];
  const effect = entity[EXCEPTION_COLUMNS.effect];
  if (typeof id !== "string" || id === "") return {};
  if (!(EXCEPTION_SOURCES as readonly unknown[]).includes(source) || !EXCEPTION_EFFECTS.includes(str(effect)))
    return {};
  const exception: FindingException = {
    id,
    source: source as ExceptionSource,
    justification: str(entity[EXCEPTION_COLUMNS.justification]),
    approvedBy: str(entity[EXCEPTION_COLUMNS.approvedBy]),
    effect: effect as ExceptionEffect,
  };
  const expiresOn = entity[EXCEPTION_COLUMNS.expiresOn];
  const ticket = entity[EXCEPTION_COLUMNS.ticket];
  if (typeof expiresOn === "string" && expiresOn !== "") exception.expiresOn = expiresOn;
  if (typeof ticket === "string" && ticket !== "") exception.ticket = ticket;
  return { exception };
}

function parseEvidence(json: string): Evidence {
  if (json === "") return {};
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Evidence) : { value };
  } catch (error) {
    // Stored by an older writer or edited by hand: show it rather than fail the whole page.
    return { unparsedEvidence: json, parseError: errorText(error) };
  }
}

// ---- finding state ----------------------------------------------------------------------------------------------

export function stateToEntity(state: FindingState): Entity {
  const { partitionKey, rowKey } = stateKeys(state.resourceId, state.ruleId);
  const entity: Entity = {
    partitionKey,
    rowKey,
    resourceHash: resourceHash(state.resourceId),
    ...identityToProperties(state),
    status: state.status,
    lastResultStatus: state.lastResultStatus,
    lastMessage: clampText(state.lastMessage),
    statusChangedAt: state.statusChangedAt,
    statusChangedByRunId: state.statusChangedByRunId,
    firstSeenAt: state.firstSeenAt,
    firstSeenRunId: state.firstSeenRunId,
    lastSeenAt: state.lastSeenAt,
    lastSeenRunId: state.lastSeenRunId,
    everFailed: state.everFailed,
  };
  if (state.previousStatus !== undefined) entity.previousStatus = state.previousStatus;
  if (state.firstFailedAt !== undefined) entity.firstFailedAt = state.firstFailedAt;
  if (state.lastTransition !== undefined) entity.lastTransition = state.lastTransition;
  if (state.resultsDigest !== undefined) entity.resultsDigest = state.resultsDigest;
  return entity;
}

export function stateFromEntity(entity: Record<string, unknown>): FindingState {
  const state: FindingState = {
    ...identityFromEntity(entity),
    status: str(entity.status) as Status,
    lastResultStatus: str(entity.lastResultStatus) as Status,
    lastMessage: str(entity.lastMessage),
    statusChangedAt: str(entity.statusChangedAt),
    statusChangedByRunId: str(entity.statusChangedByRunId),
    firstSeenAt: str(entity.firstSeenAt),
    firstSeenRunId: str(entity.firstSeenRunId),
    lastSeenAt: str(entity.lastSeenAt),
    lastSeenRunId: str(entity.lastSeenRunId),
    everFailed: entity.everFailed === true,
  };
  if (typeof entity.previousStatus === "string") state.previousStatus = entity.previousStatus as Status;
  if (typeof entity.firstFailedAt === "string") state.firstFailedAt = entity.firstFailedAt;
  if (typeof entity.lastTransition === "string") state.lastTransition = entity.lastTransition as Transition;
  if (typeof entity.resultsDigest === "string") state.resultsDigest = entity.resultsDigest;
  return state;
}

// ---- runs -------------------------------------------------------------------------------------------------------

const DELTA_KEYS = ["newFailures", "regressed", "resolved", "stillFailing", "notReassessed"] as const;
const EXCEPTED_KEYS = ["fail", "unknown"] as const satisfies ReadonlyArray<keyof ExceptedResultCounts>;

/** Run record fields stored as they are: texts (clamped) and whole numbers. */
const RUN_TEXT_FIELDS = [
  "scope",
  "requestedBy",
  "requestedAt",
  "startedAt",
  "finishedAt",
  "error",
  "findingsDeletedAt",
] as const;
const RUN_NUMBER_FIELDS = ["durationMs", "findings", "findingsStored", "resourcesAssessed", "coverageGaps"] as const;
const RUN_PLAIN_FIELDS = ["runId", "status", "baseline", ...RUN_TEXT_FIELDS, ...RUN_NUMBER_FIELDS] as const;

/** Properties of the run entity that make a `RunRecord`: lists select only these, never the summary chunks. */
export const RUN_RECORD_PROPERTIES: string[] = [
  ...RUN_PLAIN_FIELDS,
  "estateScore",
  "estateScoreKnown",
  ...STATUSES.map((s) => `status_${s}`),
  ...SEVERITIES.map((s) => `fail_${s}`),
  ...DELTA_KEYS.map((k) => `delta_${k}`),
  ...EXCEPTED_KEYS.map((k) => `excepted_${k}`),
];

export function runKeys(runId: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: RUN_PARTITION, rowKey: runRowKey(runId) };
}

/** The run record as run-entity properties (for a Merge: undefined fields are left out, so they keep their value). */
export function runRecordToProperties(record: Partial<RunRecord>): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const key of RUN_PLAIN_FIELDS) {
    const value = record[key];
    if (value !== undefined) props[key] = typeof value === "string" ? clampText(value) : value;
  }
  if (record.estateScore !== undefined) {
    // A double property must stay a double: a whole score would otherwise be stored as Int32. null is "not assessed".
    props.estateScoreKnown = record.estateScore !== null;
    props.estateScore = { value: record.estateScore ?? 0, type: "Double" };
  }
  if (record.byStatus !== undefined) for (const s of STATUSES) props[`status_${s}`] = record.byStatus[s];
  if (record.failuresBySeverity !== undefined)
    for (const s of SEVERITIES) props[`fail_${s}`] = record.failuresBySeverity[s];
  if (record.delta !== undefined) for (const k of DELTA_KEYS) props[`delta_${k}`] = record.delta[k];
  if (record.excepted !== undefined) for (const k of EXCEPTED_KEYS) props[`excepted_${k}`] = record.excepted[k];
  return props;
}

export function runRecordFromEntity(entity: Record<string, unknown>): RunRecord {
  const record: RunRecord = {
    runId: str(entity.runId),
    status: str(entity.status) as RunStatus,
    baseline: storedBaseline(entity.baseline),
  };
  for (const key of RUN_TEXT_FIELDS) {
    if (typeof entity[key] === "string" && entity[key] !== "") record[key] = entity[key];
  }
  for (const key of RUN_NUMBER_FIELDS) {
    if (typeof entity[key] === "number") record[key] = entity[key];
  }
  if (typeof entity.estateScoreKnown === "boolean")
    record.estateScore = entity.estateScoreKnown ? num(entity.estateScore) : null;
  if (typeof entity.status_fail === "number") {
    const byStatus: StatusCounts = emptyStatusCounts();
    for (const s of STATUSES) byStatus[s] = num(entity[`status_${s}`]);
    record.byStatus = byStatus;
  }
  if (typeof entity.fail_critical === "number") {
    const failures: SeverityCounts = emptySeverityCounts();
    for (const s of SEVERITIES) failures[s] = num(entity[`fail_${s}`]);
    record.failuresBySeverity = failures;
  }
  if (typeof entity.delta_newFailures === "number") {
    const delta = {} as DeltaCounts;
    for (const k of DELTA_KEYS) delta[k] = num(entity[`delta_${k}`]);
    record.delta = delta;
  }
  // Runs stored before exceptions have no such properties: they excepted nothing, and the record says nothing.
  if (typeof entity.excepted_fail === "number")
    record.excepted = { fail: num(entity.excepted_fail), unknown: num(entity.excepted_unknown) };
  return record;
}

/** A run entity without a baseline was written before baselines existed: it evaluated the seed rules. */
export function storedBaseline(value: unknown): BaselineId {
  return typeof value === "string" && isBaselineId(value) ? value : "seed-2019";
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown): number {
  return typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : 0;
}
