// How one run's result moves a rule × resource's state: new, resolved, regressed or still failing. Pure; the store
// loads the previous state, calls this, and writes what it returns. A pass the state already holds, unchanged, is
// not written again: nightly writes follow failures plus changes, not the size of the estate.
import { createHash } from "node:crypto";
import { FINDING_IDENTITY_FIELDS, pickIdentity, type Finding } from "../engine/finding";
import type { Status } from "../rules/rule";
import type { FindingState, Transition } from "../audit/audit-store";

/** The engine marks a verdict it could not reach for lack of data with `evidence.coverageGap`. */
export function defaultIsFullyRead(finding: Finding): boolean {
  return !(
    finding.status === "unknown" &&
    finding.evidence !== null &&
    typeof finding.evidence === "object" &&
    finding.evidence.coverageGap !== undefined
  );
}

// A rule may return several results for one resource; the state follows the worst of them.
const STATUS_WEIGHT: Record<Status, number> = { fail: 4, error: 3, unknown: 2, pass: 1, notApplicable: 0 };

/**
 * The result that speaks for a rule × resource in this run, or `undefined` when its data was not fully read. A fail
 * that was read is decisive even if another result of the same pair was not; a pass is not, because the unread part
 * could have failed.
 */
export function representativeResult(
  results: readonly Finding[],
  isFullyRead: (finding: Finding) => boolean,
): Finding | undefined {
  const read = results.filter(isFullyRead);
  const worst = read.reduce<Finding | undefined>(
    (best, f) => (best === undefined || STATUS_WEIGHT[f.status] > STATUS_WEIGHT[best.status] ? f : best),
    undefined,
  );
  if (worst === undefined) return undefined;
  if (worst.status !== "fail" && read.length < results.length) return undefined;
  return worst;
}

export interface RunStamp {
  runId: string;
  /** When the run started (ISO): the time the state records as seen / changed. */
  at: string;
}

/**
 * A digest of every result of one rule × resource pair in report order (status, message, evidence, exception, all
 * of it). The state keeps it, so "unchanged" means the stored results are identical, not merely the same verdict:
 * a later run may then point at them instead of storing them again (posture-record.ts).
 */
export function pairResultsDigest(results: readonly Finding[]): string {
  const hash = createHash("sha256");
  for (const result of results) hash.update(JSON.stringify(result)).update("\u0000");
  return hash.digest("base64url").slice(0, 22);
}

export type StateStep =
  | { kind: "update"; state: FindingState; transition?: Transition }
  /**
   * A pass or not-applicable verdict the state already records exactly (status, message, display fields and the digest
   * of all the pair's results): nothing to write. So `lastSeenAt` / `lastSeenRunId` name the last run that wrote the
   * state, not the last run that saw it, and that run's findings partition holds these very results (posture-record.ts).
   * `state` is what writing it anyway would store: the writer does so to refresh an old source (table-run-results.ts).
   */
  | { kind: "unchanged"; state: FindingState }
  /** The run already updated this state (a retried completeRun): nothing to write, report what it did then. */
  | { kind: "replay"; transition?: Transition; before?: FindingState }
  /** A newer run already set (or confirmed) this state: an older run completing late must not roll it back. */
  | { kind: "stale" };

function isVerdict(status: Status): boolean {
  return status === "pass" || status === "fail" || status === "notApplicable";
}

// The message is for the alert card, not the archive: the full text stays on the finding.
const MESSAGE_LIMIT = 2_000;

/**
 * `superseded`: a newer run that covers this pair has already finished. A newer run leaves no mark on a pass it found
 * unchanged, so `lastSeenRunId` alone cannot tell that it saw the pair; the store asks the runs table instead.
 */
export function nextState(
  previous: FindingState | undefined,
  finding: Finding,
  run: RunStamp,
  superseded = false,
  resultsDigest?: string,
): StateStep {
  if (previous !== undefined && previous.lastSeenRunId === run.runId) {
    return { kind: "replay", transition: previous.lastTransition, before: reconstructBefore(previous, run.runId) };
  }
  if (previous !== undefined && (previous.lastSeenRunId > run.runId || superseded)) return { kind: "stale" };

  const status = finding.status;
  const display = pickIdentity(finding, FINDING_IDENTITY_FIELDS);
  const seen = {
    lastResultStatus: status,
    lastMessage: finding.message.slice(0, MESSAGE_LIMIT),
    lastSeenAt: run.at,
    lastSeenRunId: run.runId,
    ...(resultsDigest === undefined ? {} : { resultsDigest }),
  };

  if (previous === undefined) {
    const failed = status === "fail";
    return {
      kind: "update",
      transition: failed ? "new" : undefined,
      state: {
        ...display,
        ...seen,
        status,
        statusChangedAt: run.at,
        statusChangedByRunId: run.runId,
        firstSeenAt: run.at,
        firstSeenRunId: run.runId,
        everFailed: failed,
        ...(failed ? { firstFailedAt: run.at, lastTransition: "new" as const } : {}),
      },
    };
  }

  // unknown / error: no verdict. Keep the last verdict (a fail stays a fail until a read says otherwise); only a state
  // that never had a verdict takes the new raw status.
  let nextStatus: Status = previous.status;
  let transition: Transition | undefined;
  if (isVerdict(status)) {
    nextStatus = status;
    if (status === "fail")
      transition = previous.status === "fail" ? "stillFailing" : previous.everFailed ? "regressed" : "new";
    else if (previous.status === "fail") transition = "resolved";
  } else if (!isVerdict(previous.status)) {
    nextStatus = status;
  }
  const changed = nextStatus !== previous.status;
  const failedNow = nextStatus === "fail";
  const {
    lastTransition: _dropped,
    resultsDigest: _replaced,
    previousStatus: keptPrevious,
    firstFailedAt,
    ...rest
  } = previous;
  void _dropped;
  void _replaced;
  const state: FindingState = {
    ...rest,
    ...display,
    ...seen,
    status: nextStatus,
    everFailed: previous.everFailed || failedNow,
    statusChangedAt: changed ? run.at : previous.statusChangedAt,
    statusChangedByRunId: changed ? run.runId : previous.statusChangedByRunId,
  };
  const previousStatus = changed ? previous.status : keptPrevious;
  if (previousStatus !== undefined) state.previousStatus = previousStatus;
  const failedAt = firstFailedAt ?? (failedNow ? run.at : undefined);
  if (failedAt !== undefined) state.firstFailedAt = failedAt;
  if (transition !== undefined) state.lastTransition = transition;
  if ((status === "pass" || status === "notApplicable") && recordsSame(previous, state))
    return { kind: "unchanged", state };
  return { kind: "update", state, transition };
}

/** Written each time anyway, so never a reason to write: when the run wrote it, and what that run made of it. */
const WRITE_STAMP = new Set<string>(["lastSeenAt", "lastSeenRunId", "lastTransition"]);

/** True when the two states differ only in their write stamp. Every other property counts, present or absent. */
function recordsSame(a: FindingState, b: FindingState): boolean {
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
    if (!WRITE_STAMP.has(key) && left[key] !== right[key]) return false;
  }
  return true;
}

/** Best reconstruction of the state before `runId` changed it, from what the state keeps; used on replays. */
function reconstructBefore(state: FindingState, runId: string): FindingState | undefined {
  if (state.firstSeenRunId === runId) return undefined;
  if (state.statusChangedByRunId !== runId || state.previousStatus === undefined) return state;
  return { ...state, status: state.previousStatus };
}
