// How shards pace themselves against Resource Graph's quota, which belongs to the identity and so is shared by every
// shard: at most N shards collect at a time, each holding one of N slots (scope locks named `fanout-collection-slot:k`,
// claimed with ETags, expiring if their holder dies). A shard that finds no free slot is put back on the queue with a
// delay instead of waiting inside an invocation it pays for. The slot holder is the run and shard, so a retry of a
// shard whose worker died takes its slot back at once instead of waiting for the lease to expire.
import type { HeldLock, ScopeLocks } from "../audit/audit-store";

export const SLOT_SCOPE_PREFIX = "fanout-collection-slot:";

/** Longer than the longest invocation (Consumption's 10 minutes), so a live holder never loses its slot. */
export const DEFAULT_SLOT_TTL_MS = 15 * 60_000;

export class CollectionSlots {
  constructor(
    private readonly locks: ScopeLocks,
    private readonly count: number,
    private readonly ttlMs: number = DEFAULT_SLOT_TTL_MS,
  ) {}

  /** A free slot, trying the shard's own first so shards spread over the slots; undefined when all are taken. */
  async acquire(holder: string, preferred: number, now: Date = new Date()): Promise<HeldLock | undefined> {
    for (let i = 0; i < this.count; i += 1) {
      const slot = (preferred + i) % this.count;
      const claim = await this.locks.claimScopeLock(`${SLOT_SCOPE_PREFIX}${slot}`, holder, { ttlMs: this.ttlMs, now });
      if (claim.acquired) return claim.lock;
    }
    return undefined;
  }

  async release(lock: HeldLock): Promise<void> {
    await this.locks.releaseScopeLock(lock);
  }
}

/** Seconds before a shard that found no slot tries again: growing with each wait, up to a minute, with jitter. */
export function deferralDelaySeconds(deferrals: number): number {
  return Math.min(60, 5 + 5 * deferrals) + Math.floor(Math.random() * 5);
}
