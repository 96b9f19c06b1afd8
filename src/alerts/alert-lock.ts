// The alert lock: one alert pass at a time across every worker and instance, so no two post the same outbox entry.
// It is held as a lease (audit/lock-lease.ts): a short lifetime renewed while the pass runs, so a host killed mid-pass
// holds up the next pass for one lifetime at most (it used to be 10 minutes, and each run waited 60 s meanwhile).
import { randomBytes } from "node:crypto";
import type { AuditStore, HeldLock } from "../audit/audit-store";
import type { Logger } from "../audit/audit-service";
import type { LockLease } from "../audit/lock-lease";

export const ALERT_LOCK_SCOPE = "alert-delivery";

export interface AlertLockOptions {
  /** The lock's lifetime past each renewal. Default 60 s. */
  ttlMs?: number;
  /** How often the holder renews it. Default a third of the lifetime. */
  renewMs?: number;
  /** How long a pass waits for it. Default one lifetime and 5 s: a crashed holder's lock has expired by then. */
  waitMs?: number;
  pollMs?: number;
}

export type AlertLockTiming = Required<AlertLockOptions>;

export function alertLockTiming(options: AlertLockOptions = {}): AlertLockTiming {
  const { ttlMs = 60_000, renewMs = Math.round(ttlMs / 3), pollMs = 1_000 } = options;
  return { ttlMs, renewMs, pollMs, waitMs: options.waitMs ?? ttlMs + 5_000 };
}

/** Claims the lock, waiting up to `waitMs`; undefined when another pass held it all that time. */
export async function claimAlertLock(
  locks: Pick<AuditStore, "claimScopeLock">,
  runId: string,
  timing: AlertLockTiming,
  log: Logger,
): Promise<HeldLock | undefined> {
  const { ttlMs, waitMs, pollMs } = timing;
  // A random holder: a retried run must not walk into a lock its own crashed attempt still holds as if it were its own.
  const holder = `${runId}#${randomBytes(4).toString("hex")}`;
  const until = Date.now() + waitMs;
  let waitedFor: { heldBy: string; expiresAt: string } | undefined;
  for (;;) {
    const claim = await locks.claimScopeLock(ALERT_LOCK_SCOPE, holder, { ttlMs, now: new Date() });
    if (claim.acquired) {
      if (waitedFor !== undefined)
        log.info(
          `alerts: took the alert lock at ${claim.lock.acquiredAt}; ${waitedFor.heldBy} held it until ${waitedFor.expiresAt}`,
        );
      return claim.lock;
    }
    waitedFor = { heldBy: claim.heldBy, expiresAt: claim.expiresAt };
    if (Date.now() + pollMs > until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The alert lock was lost mid-pass: another pass may be sending now, so this one sends nothing more. */
export class LockLostError extends Error {
  override name = "LockLostError";
}

export function stopIfLockLost(lease: LockLease): void {
  const lost = lease.lost;
  if (lost !== undefined) throw new LockLostError(`the alert lock was lost (${lost}); this pass sends nothing more`);
}
