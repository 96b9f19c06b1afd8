// What a run's exceptions did: per exception, the results it covered (a tally whose parts add up across fan-out
// shards), and the outcome people act on (expiring, expired, stale, no longer needed). Pure.
import {
  type AuditException,
  type ExceptionSource,
  type ExceptionStanding,
  exceptionKey,
  exceptionStanding,
  daysUntilExpiry,
  expiryInstant,
  inForceAt,
  EXCEPTABLE_STATUSES,
} from "./exceptions";
import type { Status } from "../rules/rule";

// ---- what the exceptions did in a run -------------------------------------------------------------------------------

/** One exception's tally in a run (or a part of one): JSON-safe, and parts add up (mergeExceptionUsage). */
export interface ExceptionUsage {
  exception: AuditException;
  /** Fail and unknown results it excepted. */
  applied: number;
  /** Pass and not-applicable results it covered while in force. */
  notNeeded: number;
  /** Fail and unknown results it covered after it expired. */
  expired: number;
  /** Whether its scope lies inside what the run audited (else "matched nothing" is no news: it was not looked at). */
  inScope: boolean;
}

/** Counts, per exception, what it covered. Every exception of the run is listed, matched or not (for `stale`). */
export class ExceptionTally {
  private readonly usage = new Map<string, ExceptionUsage>();

  constructor(exceptions: readonly AuditException[], inScope: (exception: AuditException) => boolean) {
    for (const exception of exceptions)
      this.usage.set(exceptionKey(exception), {
        exception,
        applied: 0,
        notNeeded: 0,
        expired: 0,
        inScope: inScope(exception),
      });
  }

  /** Records one result's covering exceptions (all of them count as matched, not only the one the finding shows). */
  add(status: Status, covering: readonly AuditException[], at: Date): void {
    if (covering.length === 0 || status === "error") return;
    const now = at.getTime();
    const exceptable = EXCEPTABLE_STATUSES.has(status);
    for (const exception of covering) {
      const usage = this.usage.get(exceptionKey(exception));
      if (usage === undefined) continue;
      const expired = !inForceAt(exception, now);
      if (!exceptable) {
        if (!expired) usage.notNeeded += 1;
      } else if (expired) usage.expired += 1;
      else usage.applied += 1;
    }
  }

  sums(): Record<string, ExceptionUsage> {
    return Object.fromEntries([...this.usage].map(([key, usage]) => [key, { ...usage }]));
  }
}

/** Adds up the tallies of parts of one run (fan-out shards): counts add, in scope if any part saw it in scope. */
export function mergeExceptionUsage(
  parts: ReadonlyArray<Readonly<Record<string, ExceptionUsage>> | undefined>,
): Record<string, ExceptionUsage> {
  const merged: Record<string, ExceptionUsage> = {};
  for (const part of parts) {
    if (part === undefined) continue;
    for (const [key, usage] of Object.entries(part)) {
      const into = merged[key];
      if (into === undefined) merged[key] = { ...usage };
      else {
        into.applied += usage.applied;
        into.notNeeded += usage.notNeeded;
        into.expired += usage.expired;
        into.inScope ||= usage.inScope;
      }
    }
  }
  return merged;
}

/** One exception in a run's report. */
export interface ExceptionReportEntry {
  id: string;
  source: ExceptionSource;
  ruleIds: string[];
  scope: string;
  approvedBy: string;
  justification: string;
  expiresOn?: string;
  ticket?: string;
  standing: ExceptionStanding;
  /** Whole days left (0 on its last day); absent when it never expires; negative once expired. */
  daysLeft?: number;
  applied: number;
  notNeeded: number;
  expired: number;
}

/** How many entries each list of the outcome keeps; the counts are always complete. */
export const EXCEPTION_LIST_LIMIT = 100;

/**
 * What a run's exceptions did: the counts, and the exceptions people must act on, each list sorted by expiry then id
 * and capped at EXCEPTION_LIST_LIMIT.
 * - `expiring`: in force, and ending within the warning window;
 * - `expired`: past their expiry (what they covered counts again);
 * - `stale`: in force, inside the audited scope, and matched no result at all;
 * - `notNeeded`: in force, and every result they matched passes or no longer applies;
 * - `noExpiry`: Policy exemptions without an expiry date (honoured; exceptions of this tool always have one).
 */
export interface ExceptionsOutcome {
  /** Exceptions the run considered, per source. */
  considered: Record<ExceptionSource, number>;
  /** Exceptions that excepted at least one result. */
  applied: number;
  /** Results excepted, by status (fail, unknown). */
  exceptedResults: { fail: number; unknown: number };
  counts: { expiring: number; expired: number; stale: number; notNeeded: number; noExpiry: number };
  expiring: ExceptionReportEntry[];
  expired: ExceptionReportEntry[];
  stale: ExceptionReportEntry[];
  notNeeded: ExceptionReportEntry[];
  noExpiry: ExceptionReportEntry[];
  /**
   * Why the run went without the store's exceptions (the store could not be read): every failure then counts, and
   * the run says so rather than silently dropping accepted risks.
   */
  exceptionsUnavailable?: string;
}

export function emptyExceptionsOutcome(): ExceptionsOutcome {
  return {
    considered: { file: 0, store: 0, policy: 0 },
    applied: 0,
    exceptedResults: { fail: 0, unknown: 0 },
    counts: { expiring: 0, expired: 0, stale: 0, notNeeded: 0, noExpiry: 0 },
    expiring: [],
    expired: [],
    stale: [],
    notNeeded: [],
    noExpiry: [],
  };
}

/** The outcome from the run's merged tallies, at the run's start `at`. */
export function describeExceptions(
  usage: Readonly<Record<string, ExceptionUsage>> | undefined,
  exceptedResults: { fail: number; unknown: number },
  options: { at: Date; warnDays: number },
): ExceptionsOutcome {
  const outcome = emptyExceptionsOutcome();
  outcome.exceptedResults = { ...exceptedResults };
  const lists: Record<"expiring" | "expired" | "stale" | "notNeeded" | "noExpiry", ExceptionReportEntry[]> = {
    expiring: [],
    expired: [],
    stale: [],
    notNeeded: [],
    noExpiry: [],
  };
  for (const u of Object.values(usage ?? {})) {
    const e = u.exception;
    outcome.considered[e.source] += 1;
    if (u.applied > 0) outcome.applied += 1;
    const standing = exceptionStanding(e, options.at, options.warnDays);
    const entry: ExceptionReportEntry = {
      id: e.id,
      source: e.source,
      ruleIds: [...e.ruleIds],
      scope: e.scope,
      approvedBy: e.approvedBy,
      justification: e.justification,
      standing,
      applied: u.applied,
      notNeeded: u.notNeeded,
      expired: u.expired,
    };
    if (e.expiresOn !== undefined) entry.expiresOn = e.expiresOn;
    if (e.ticket !== undefined) entry.ticket = e.ticket;
    const daysLeft = daysUntilExpiry(e, options.at);
    if (daysLeft !== undefined) entry.daysLeft = daysLeft;
    if (standing === "expired") lists.expired.push(entry);
    else {
      if (standing === "expiring") lists.expiring.push(entry);
      if (e.expiresOn === undefined) lists.noExpiry.push(entry);
      if (u.applied === 0 && u.notNeeded > 0) lists.notNeeded.push(entry);
      else if (u.applied === 0 && u.notNeeded === 0 && u.inScope) lists.stale.push(entry);
    }
  }
  for (const name of Object.keys(lists) as Array<keyof typeof lists>) {
    const list = lists[name].sort(byExpiryThenId);
    outcome.counts[name] = list.length;
    outcome[name] = list.slice(0, EXCEPTION_LIST_LIMIT);
  }
  return outcome;
}

function byExpiryThenId(a: ExceptionReportEntry, b: ExceptionReportEntry): number {
  const ea = expiryInstant(a) ?? Number.POSITIVE_INFINITY;
  const eb = expiryInstant(b) ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.source.localeCompare(b.source) || a.id.localeCompare(b.id);
}
