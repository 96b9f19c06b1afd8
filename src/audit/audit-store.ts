// The finding store port: what the audit, the alerting step and the HTTP API need from storage, and nothing about how.
// The use case owns it; src/store/table-audit-store.ts implements it on Azure Table Storage. Callers depend on the
// narrow interface they use.
import type { AuditReport, RunInfo, RunStatus } from "./run-audit";
import type { Finding, FindingIdentity } from "../engine/finding";
import type { ExceptionsOutcome } from "../engine/exception-outcome";
import type { Scores, SeverityCounts, StatusCounts } from "../engine/scoring";
import type { Severity, Status } from "../rules/rule";
import type { BaselineId } from "../rules/baselines";

// ---- shapes -----------------------------------------------------------------------------------------------------

export interface Page<T> {
  items: T[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  continuationToken?: string;
}

export interface PageRequest {
  /** Page size, 1–1000. Default 50. */
  top?: number;
  continuationToken?: string;
}

export interface RunRequest {
  /** `YYYYMMDDTHHMMSSZ-suffix`, as `newRunId` makes it. */
  runId: string;
  /** What is audited, in the caller's canonical words (also the lock key), e.g. `subscriptions:a,b`. */
  scope: string;
  /** Who or what asked: `timer`, `http:<principal>`. */
  requestedBy?: string;
  requestedAt?: Date;
  /** The baseline the run will evaluate (fixed when it is requested). */
  baseline: BaselineId;
}

/** The compact view of a run: what lists show. Stored as plain properties of the run entity. */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  /** The run's baseline; a run stored before baselines existed evaluated the seed rules and reads as `seed-2019`. */
  baseline: BaselineId;
  scope?: string;
  requestedBy?: string;
  requestedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** Why a run failed. */
  error?: string;
  /** Every result of the run: what the counts and the summary are made of. */
  findings?: number;
  /**
   * Rows the run stored in `findings`: its fail, unknown and error results, and every result of a rule × resource
   * whose state it wrote (new or changed); unchanged passes are counted in `byStatus` but not stored (see
   * FINDINGS_ARCHIVE). Absent on runs stored before this was recorded, which stored every result.
   */
  findingsStored?: number;
  estateScore?: number | null;
  resourcesAssessed?: number;
  coverageGaps?: number;
  byStatus?: StatusCounts;
  failuresBySeverity?: SeverityCounts;
  delta?: DeltaCounts;
  /**
   * Results an exception covers (counted in byStatus too: "failing" = byStatus.fail − excepted.fail). Absent on runs
   * stored before exceptions existed, which excepted nothing.
   */
  excepted?: ExceptedResultCounts;
  /** Set once retention deleted the run's findings; the run and its summary stay. */
  findingsDeletedAt?: string;
}

/** Excepted results by the two statuses an exception can except. */
export interface ExceptedResultCounts {
  fail: number;
  unknown: number;
}

export interface DeltaCounts {
  newFailures: number;
  regressed: number;
  resolved: number;
  stillFailing: number;
  /** Rule × resource pairs whose data was not fully read (partial run): their state was kept as it was. */
  notReassessed: number;
}

/** The identity fields a delta sample carries, in its JSON order. */
export const DELTA_SAMPLE_FIELDS = ["ruleId", "resourceId", "resourceName", "severity", "title"] as const;

export type DeltaSample = Pick<FindingIdentity, (typeof DELTA_SAMPLE_FIELDS)[number]>;

export interface RunDelta extends DeltaCounts {
  /** The latest completed or partial run before this one, if any: the state this run was compared against. */
  previousRunId?: string;
  /** false for failed runs: nothing was compared and state was not touched. */
  stateUpdated: boolean;
  samples: {
    newFailures: DeltaSample[];
    regressed: DeltaSample[];
    resolved: DeltaSample[];
    stillFailing: DeltaSample[];
  };
}

/** The precomputed summary `GET /api/runs/{id}` returns, whatever the estate's size. */
export interface RunSummary {
  version: 1;
  run: RunInfo;
  scores: Scores;
  /** Status counts per severity. */
  bySeverity: Record<Severity, StatusCounts>;
  delta: RunDelta;
  /** What the run's exceptions did. Absent on runs stored before exceptions existed (nothing was excepted). */
  exceptions?: ExceptionsOutcome;
}

export interface RunDetail extends RunRecord {
  /** Present once the run completed (or failed after a report was written). */
  summary?: RunSummary;
}

export interface StoredFinding extends Finding {
  runId: string;
  /** The result's stable fingerprint (report/fingerprint.ts), the same in every format. */
  fingerprint: string;
  /** True when the evidence JSON was over the property limit; `evidence` then holds the marker and the prefix. */
  evidenceTruncated: boolean;
}

/** A page of a run's results. */
export interface FindingPage extends Page<StoredFinding> {
  /**
   * true: the listing holds every result of the run (its own rows, then the unchanged pairs its posture record points
   * at). false: the run was stored before posture records existed, so its unchanged passes are not listed (they are in
   * its counts). Absent where the store does not say.
   */
  complete?: boolean;
}

export interface FindingFilter {
  status?: Status | Status[];
  severity?: Severity | Severity[];
  ruleId?: string | string[];
  /** Compared case-insensitively, like every ARM name. */
  subscriptionId?: string | string[];
  resourceGroup?: string | string[];
  resourceType?: string | string[];
  /**
   * Excepted results (an exception in force covers them: `exception.effect` "applied"): `include` (default) lists
   * them with the rest, `exclude` leaves them out, `only` lists nothing else.
   */
  excepted?: ExceptedFilter;
}

export const EXCEPTED_FILTERS = ["include", "exclude", "only"] as const;
export type ExceptedFilter = (typeof EXCEPTED_FILTERS)[number];

export interface FindingQuery extends PageRequest {
  filter?: FindingFilter;
  /**
   * Case-insensitive substring of the resource name. Table Storage has no substring operator, so this is applied by
   * the store to rows the server-side filter returns, a bounded number of rows per call: a page can come back short,
   * or even empty, with a continuation token. Follow tokens until there is none. (Its tokens are the store's own.)
   */
  nameContains?: string;
}

export type Transition = "new" | "resolved" | "regressed" | "stillFailing";

/** One rule × resource, across runs. */
export interface FindingState extends FindingIdentity {
  /** The last assessed verdict (pass, fail, notApplicable); unknown or error only while never assessed. */
  status: Status;
  /** The status before the last change, if any. */
  previousStatus?: Status;
  /** The raw status of the latest fully read result (may be unknown or error while `status` keeps the verdict). */
  lastResultStatus: Status;
  lastMessage: string;
  statusChangedAt: string;
  statusChangedByRunId: string;
  firstSeenAt: string;
  firstSeenRunId: string;
  /**
   * The last run that wrote this state (its start). Every run writes failing, unknown and error pairs and any change;
   * a pass or not-applicable verdict it finds unchanged is not written again, so for those this is when the verdict
   * was last recorded, not when it was last checked (that is the latest run whose scope covers the resource).
   */
  lastSeenAt: string;
  lastSeenRunId: string;
  everFailed: boolean;
  firstFailedAt?: string;
  /** What the run that last wrote it made of it; lets a retried run report the same diff. */
  lastTransition?: Transition;
  /**
   * A digest of every result of the pair as `lastSeenRunId` stored them: a run whose results have the same digest
   * need not store them again (the posture record points at that run). Absent on states written before it existed.
   */
  resultsDigest?: string;
}

export interface StateChange {
  finding: Finding;
  /** The state before this run; absent the first time the rule × resource is seen. */
  previous?: FindingState;
}

/** Exactly what the alerting step needs. */
export interface StateTransitions {
  new: StateChange[];
  resolved: StateChange[];
  regressed: StateChange[];
  stillFailing: StateChange[];
  /** Rule × resource pairs left alone because their data was not fully read. */
  notFullyRead: number;
  /**
   * Pairs whose state a newer run already set, or that a newer completed or partial run covering them had finished
   * before this one wrote (this run completed out of order): left alone. New pairs are still added.
   */
  stale: number;
}

export interface CompleteRunOptions {
  /**
   * Decides, for a `partial` run, which results may update `findingstate`. Default: everything except `unknown`
   * results whose evidence carries a `coverageGap` (the engine's mark for "the data for this was not read").
   * Completed runs update state for every result; failed runs for none.
   */
  isFullyRead?: (finding: Finding) => boolean;
}

/** Entities written: `findings` rows (failures, unknowns, errors and the results of changed pairs) and states. */
export interface WriteStats {
  findings: number;
  findingTransactions: number;
  stateEntities: number;
  stateTransactions: number;
  /**
   * The posture record (table-posture.ts): pairs evaluated but not stored (their results are in a source run's
   * partition), its deflated bytes and transactions. Absent where no record was written.
   */
  posturePairs?: number;
  postureBytes?: number;
  postureTransactions?: number;
  /** Time spent encoding and writing the posture record (part of `findingsMs`). */
  postureMs?: number;
  /** Time spent writing findings, updating state (reads included), and in the whole call. */
  findingsMs: number;
  stateMs: number;
  elapsedMs: number;
}

/** How one part of a run's results is written (`writeRunPart`): a whole run's, or one shard's of a fanned-out run. */
export interface RunPartOptions {
  /** When the run started (ISO): what `findingstate` records as seen and changed. */
  startedAt: string;
  /** completed: every result updates state; partial: only the fully read ones; failed: none. */
  status: "completed" | "partial" | "failed";
  /** For partial parts; default `defaultIsFullyRead` (see CompleteRunOptions). */
  isFullyRead?: (finding: Finding) => boolean;
  /**
   * Names this part's posture record (key-safe, no `|`): `run` (default) for a whole run, `shard-<n>` for a shard.
   * Writing the same part again replaces its record.
   */
  part?: string;
}

export interface RunPart {
  transitions: StateTransitions;
  stats: WriteStats;
}

/** What `finishRun` stores once every part is written: the run's record and precomputed summary. */
export interface RunFinish {
  run: RunInfo;
  scores: Scores;
  bySeverity: Record<Severity, StatusCounts>;
  /** Results of the run, over all parts (stored or not). */
  findings: number;
  /** Rows stored in the run's `findings` partition; counted from the table when absent (a run written in parts). */
  findingsStored?: number;
  /** Every part's transitions together: the run's delta. */
  transitions: StateTransitions;
  /** What the run's exceptions did (AuditReport.exceptions); stored in the summary. */
  exceptions?: ExceptionsOutcome;
}

export interface CompletedRun {
  run: RunRecord;
  transitions: StateTransitions;
  stats: WriteStats;
}

export interface ResourceHistory {
  resourceId: string;
  /** One per rule that ever judged the resource. */
  states: FindingState[];
  /** Newest first; a run whose findings were deleted by retention shows an empty list. */
  runs: Array<{ runId: string; status: RunStatus; startedAt?: string; findings: StoredFinding[] }>;
}

export interface HeldLock {
  scope: string;
  holder: string;
  acquiredAt: string;
  expiresAt: string;
  /** The last renewal, absent before the first. */
  renewedAt?: string;
  /** The lock entity's ETag: release and renewal only succeed while nobody else took it over. */
  etag: string;
}

export type LockClaim =
  { acquired: true; lock: HeldLock } | { acquired: false; scope: string; heldBy: string; expiresAt: string };

export interface RetentionResult {
  cutoff: string;
  /** Runs past the cut-off for the first time: their findings now answer 410. */
  runsPurged: string[];
  findingsDeleted: number;
  /**
   * Runs past the cut-off whose findings partition stays because a retained run's posture record points at it
   * (deleted by a later retention once none does).
   */
  sourcesKept?: string[];
}

// ---- ports ------------------------------------------------------------------------------------------------------

export interface RunLifecycle {
  /** Records a queued run. Creating an existing run again changes nothing and returns it as stored. */
  createRun(request: RunRequest): Promise<RunRecord>;
  markRunning(runId: string, at?: Date): Promise<void>;
  /**
   * Updates `findingstate` as the run's status allows, stores the run's findings (every fail, unknown and error
   * result, and the results of pairs whose state changed; every result with FINDINGS_ARCHIVE=all), the precomputed
   * summary and the final status. Upserts throughout: a retry replaces, never duplicates, and reports the same
   * transitions. Returns the state transitions.
   */
  completeRun(report: AuditReport, options?: CompleteRunOptions): Promise<CompletedRun>;
  /**
   * The first half of `completeRun`, for a run written in parts (fan-out): updates these results' `findingstate` and
   * stores those results `completeRun` would. Parts must not share a rule × resource pair. Writing a part again replaces it and replays the same
   * transitions.
   */
  writeRunPart(runId: string, findings: readonly Finding[], options: RunPartOptions): Promise<RunPart>;
  /** The second half of `completeRun`: the delta against the previous run, the summary and the final status. */
  finishRun(finish: RunFinish): Promise<RunRecord>;
  /** Deletes the run's results of these subscriptions (a failed shard's leftovers); returns how many. */
  deleteRunFindings(runId: string, subscriptionIds: readonly string[]): Promise<number>;
  /** Marks the run failed. Never touches findings or state. */
  failRun(runId: string, reason: string, at?: Date): Promise<void>;
  /** Records that the run was not started (another run of its scope was in progress). Never touches findings or state. */
  skipRun(runId: string, reason: string, at?: Date): Promise<void>;
}

export interface RunQueries {
  /** `runId` or `latest` (the newest completed or partial run). `undefined` when there is no such run. */
  getRun(runId: string): Promise<RunDetail | undefined>;
  /** The run's record without its summary: one small entity read (or one query for `latest`). */
  getRunRecord(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(options?: PageRequest & { status?: RunStatus | RunStatus[] }): Promise<Page<RunRecord>>;
  /** Every result of the run (see FindingPage.complete), filtered, a page at a time. */
  listFindings(runId: string, options?: FindingQuery): Promise<FindingPage>;
  getResourceHistory(resourceId: string, options?: { runs?: number }): Promise<ResourceHistory>;
}

export interface ScopeLocks {
  /** Claims the scope for `holder` (a run id) until the lock expires; contention is a result, not an error. */
  claimScopeLock(scope: string, holder: string, options?: { ttlMs?: number; now?: Date }): Promise<LockClaim>;
  /** Releases it if it is still ours; false when it expired and someone else took it, or it is gone. */
  releaseScopeLock(lock: HeldLock): Promise<boolean>;
  /**
   * Extends a held lock to `now + ttlMs` (If-Match on its ETag); the renewed lock carries the new ETag. `undefined` when
   * it is no longer ours (taken over after it expired, or released).
   */
  renewScopeLock(lock: HeldLock, options?: { ttlMs?: number; now?: Date }): Promise<HeldLock | undefined>;
}

export interface FindingRetention {
  /** Deletes the findings of runs started more than `olderThanDays` (default 90) ago; runs and summaries stay. */
  deleteExpiredFindings(options?: { olderThanDays?: number; now?: Date }): Promise<RetentionResult>;
}

export interface AuditStore extends RunLifecycle, RunQueries, ScopeLocks, FindingRetention {}
