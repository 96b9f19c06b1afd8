// Exceptions as people read them in the CLI's reports: a result's status with the exception that covers it, the
// "failing" and "failing, excepted" counts and both scores, and one stderr line per exception someone must act on
// (expired, expiring, stale, no longer needed). An excepted result is never hidden: these words say it is excepted.
import { isExcepted } from "../engine/exceptions";
import { type ExceptionReportEntry, type ExceptionsOutcome } from "../engine/exception-outcome";
import type { Finding } from "../engine/finding";
import type { Scores } from "../engine/scoring";

/** Which results a report lists: every one, all but the excepted, or only the excepted. Counts never change. */
export const EXCEPTED_FILTERS = ["include", "exclude", "only"] as const;
export type ExceptedFilter = (typeof EXCEPTED_FILTERS)[number];

/** Whether a result is listed under the filter (excepted = covered by an exception in force, see isExcepted). */
export function passesExceptedFilter(finding: Pick<Finding, "exception">, filter: ExceptedFilter): boolean {
  if (filter === "include") return true;
  return isExcepted(finding) === (filter === "only");
}

/** `fail (excepted EX-0042)`, `fail (exception EX-1 expired)`, `pass (exception EX-1 not needed)`, or the status. */
export function statusLabel(finding: Pick<Finding, "status" | "exception">): string {
  const exception = finding.exception;
  if (exception === undefined) return finding.status;
  switch (exception.effect) {
    case "applied":
      return `${finding.status} (excepted ${exception.id})`;
    case "expired":
      return `${finding.status} (exception ${exception.id} expired)`;
    case "notNeeded":
      return `${finding.status} (exception ${exception.id} not needed)`;
  }
}

/** The headline score, and the other one beside it when excepted failures make them differ. */
export function scoreText(
  summary: Pick<
    Scores,
    "estateScore" | "exceptionsAffectScore" | "estateScoreAllFailures" | "estateScoreExceptedNotCounted"
  >,
): string {
  const shown = summary.estateScore === null ? "n/a" : String(summary.estateScore);
  const { estateScoreAllFailures: all, estateScoreExceptedNotCounted: without } = summary;
  if (all === without) return shown;
  return summary.exceptionsAffectScore
    ? `${shown} (every failure counted; ${without ?? "n/a"} without the excepted ones)`
    : `${shown} (excepted failures not counted; ${all ?? "n/a"} counting every failure)`;
}

/**
 * The table's exception lines: "failing" (failures not excepted) beside "failing, excepted", then what the run's
 * exceptions did. None when the run had no exception at all, so a run without them reads as before.
 */
export function exceptionSummaryLines(
  summary: Pick<Scores, "byStatus" | "excepted">,
  outcome: ExceptionsOutcome,
): string[] {
  const considered = outcome.considered.file + outcome.considered.store + outcome.considered.policy;
  const lines: string[] = [];
  if (outcome.exceptionsUnavailable !== undefined)
    lines.push(`Exceptions: not applied, the exception store could not be read (${outcome.exceptionsUnavailable})`);
  if (considered === 0) return lines;
  const excepted = summary.excepted.byStatus;
  lines.push(
    `Failing: ${summary.byStatus.fail - excepted.fail}   Failing, excepted: ${excepted.fail}   Unknown, excepted: ${excepted.unknown}`,
  );
  const sources = (["file", "store", "policy"] as const)
    .filter((source) => outcome.considered[source] > 0)
    .map((source) => `${source} ${outcome.considered[source]}`)
    .join(", ");
  const { counts } = outcome;
  lines.push(
    `Exceptions: ${considered} (${sources}), ${outcome.applied} applied; expiring ${counts.expiring}, expired ${counts.expired}, stale ${counts.stale}, no longer needed ${counts.notNeeded}`,
  );
  return lines;
}

/** One line per exception to act on, for stderr; lists beyond the outcome's cap are counted. */
export function exceptionStderrLines(outcome: ExceptionsOutcome): string[] {
  const lines: string[] = [];
  if (outcome.exceptionsUnavailable !== undefined)
    lines.push(`exceptions not applied: the exception store could not be read (${outcome.exceptionsUnavailable})`);
  const each = (
    list: ExceptionReportEntry[],
    total: number,
    what: string,
    line: (e: ExceptionReportEntry) => string,
  ) => {
    lines.push(...list.map(line));
    if (total > list.length) lines.push(`${total - list.length} more ${what} exception(s) not listed`);
  };
  const { counts } = outcome;
  each(outcome.expired, counts.expired, "expired", (e) => {
    const results = e.expired > 0 ? ` (${e.expired} result(s))` : "";
    return `exception ${name(e)} expired on ${e.expiresOn ?? "?"}: its failures count again${results}`;
  });
  each(outcome.expiring, counts.expiring, "expiring", (e) => {
    const left = e.daysLeft === 0 ? "its last day" : `${e.daysLeft ?? "?"} day(s) left`;
    return `exception ${name(e)} expires on ${e.expiresOn ?? "?"} (${left}); it excepts ${e.applied} result(s)`;
  });
  each(outcome.stale, counts.stale, "stale", (e) => {
    return `exception ${name(e)} is stale: it matched no result of ${e.ruleIds.join(", ")} under ${e.scope}`;
  });
  each(outcome.notNeeded, counts.notNeeded, "unneeded", (e) => {
    return `exception ${name(e)} is no longer needed: the ${e.notNeeded} result(s) it covers pass or do not apply`;
  });
  // Exceptions of this tool always expire; a Policy exemption may not, and that is worth a reviewer's look.
  each(outcome.noExpiry, counts.noExpiry, "never-expiring", (e) => `exception ${name(e)} has no expiry date`);
  return lines.map((line) => `mi-audit: ${line}\n`);
}

/** A file's or the store's exception by its id; a Policy exemption says so (its id is an ARM id). */
function name(entry: ExceptionReportEntry): string {
  return entry.source === "policy" ? `${entry.id} (Azure Policy exemption)` : entry.id;
}
