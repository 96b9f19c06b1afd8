// What the Exceptions page shows, in two parallel reads: every stored exception (revoked ones included: the page is
// where people review them) and the latest run, whose summary says what its exceptions did. One exception's view reads
// it with its history.
import type { RunQueries } from "../../audit/audit-store";
import type { ExceptionHistoryEntry, ExceptionStore, StoredException } from "../../audit/exception-store";
import { daysUntilExpiry } from "../../engine/exceptions";
import { type ExceptionsOutcome } from "../../engine/exception-outcome";
import { viewStanding } from "../exception-requests";
import { EXCEPTION_STANDINGS, type ExceptionViewStanding } from "../exception-schemas";

export interface ExceptionRow {
  exception: StoredException;
  standing: ExceptionViewStanding;
  /** Whole days left (0 on its last day), negative once expired; absent when it never expires. */
  daysLeft?: number;
}

export interface ExceptionsPageData {
  /** When the standings were computed (ISO). */
  at: string;
  warnDays: number;
  /** Sorted by id; only the chosen standing when one is. */
  rows: ExceptionRow[];
  /** Every stored exception, by standing (whatever the filter). */
  counts: Record<ExceptionViewStanding, number>;
  standing?: ExceptionViewStanding;
  latest?: { runId: string; status: string; startedAt?: string; outcome?: ExceptionsOutcome };
}

/** The standing GET /api/exceptions gives it (revoked, else what its expiry makes of it), and the days left. */
export function exceptionRow(exception: StoredException, at: Date, warnDays: number): ExceptionRow {
  const daysLeft = daysUntilExpiry(exception, at);
  return {
    exception,
    standing: viewStanding(exception, at, warnDays),
    ...(daysLeft !== undefined ? { daysLeft } : {}),
  };
}

export async function loadExceptionsPage(
  exceptions: ExceptionStore,
  runs: RunQueries,
  options: { at: Date; warnDays: number; standing?: ExceptionViewStanding | "all" },
): Promise<ExceptionsPageData> {
  const [stored, latest] = await Promise.all([
    exceptions.listExceptions({ includeRevoked: true }),
    runs.getRun("latest"),
  ]);
  const all = stored.map((e) => exceptionRow(e, options.at, options.warnDays));
  const counts = Object.fromEntries(
    EXCEPTION_STANDINGS.map((s) => [s, all.filter((row) => row.standing === s).length]),
  ) as Record<ExceptionViewStanding, number>;
  const standing = options.standing === "all" ? undefined : options.standing;
  return {
    at: options.at.toISOString(),
    warnDays: options.warnDays,
    rows: standing === undefined ? all : all.filter((row) => row.standing === standing),
    counts,
    ...(standing !== undefined ? { standing } : {}),
    ...(latest !== undefined
      ? {
          latest: {
            runId: latest.runId,
            status: latest.status,
            ...(latest.startedAt !== undefined ? { startedAt: latest.startedAt } : {}),
            ...(latest.summary?.exceptions !== undefined ? { outcome: latest.summary.exceptions } : {}),
          },
        }
      : {}),
  };
}

export interface ExceptionDetailData {
  at: string;
  row: ExceptionRow;
  /** Oldest first. */
  history: ExceptionHistoryEntry[];
}

/** `undefined` when the store has no exception with this id. */
export async function loadExceptionDetail(
  exceptions: ExceptionStore,
  id: string,
  options: { at: Date; warnDays: number },
): Promise<ExceptionDetailData | undefined> {
  const found = await exceptions.getException(id);
  if (found === undefined) return undefined;
  return {
    at: options.at.toISOString(),
    row: exceptionRow(found.exception, options.at, options.warnDays),
    history: found.history,
  };
}
