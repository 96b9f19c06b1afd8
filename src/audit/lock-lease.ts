// A scope lock held as a lease: a short lifetime, renewed periodically while its holder lives (If-Match on the ETag it
// holds), released when the work ends or the process is asked to stop. A holder that crashes leaves a lock that expires
// within one short lifetime, so whoever waits for it waits that long at most. A renewal that finds the lock taken over
// (or that cannot reach storage before the lock expires) marks the lease lost: the holder must stop doing what the lock
// guards, because someone else may be doing it now.
import { errorText } from "../errors";
import type { HeldLock, ScopeLocks } from "./audit-store";
import type { Logger } from "./audit-service";

export interface LeaseTiming {
  /** How long the lock lives past each renewal. */
  ttlMs: number;
  /** How often it is renewed; a third of the lifetime leaves two tries before it expires. */
  renewMs: number;
}

/** Every lease this process holds: what a stop releases. */
const held = new Set<LockLease>();
const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;
/** How long a stop waits for the releases before the signal takes its course. */
const RELEASE_ON_STOP_MS = 3_000;

export class LockLease {
  #lock: HeldLock;
  #lost: string | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The renewal or release in flight: they never overlap, so each uses the ETag the previous one got. */
  #busy: Promise<unknown> = Promise.resolve();

  constructor(
    lock: HeldLock,
    private readonly locks: Pick<ScopeLocks, "renewScopeLock" | "releaseScopeLock">,
    private readonly timing: LeaseTiming,
    private readonly log: Logger,
  ) {
    this.#lock = lock;
  }

  /** Starts renewing; the timer never keeps the process alive on its own. */
  start(): this {
    this.#timer = setInterval(() => void this.#serial(() => this.renew()), this.timing.renewMs);
    this.#timer.unref();
    held.add(this);
    watchStopSignals();
    return this;
  }

  get lock(): HeldLock {
    return this.#lock;
  }

  /** Why the lease was lost; undefined while it is held. */
  get lost(): string | undefined {
    return this.#lost;
  }

  /** Renews now (the timer calls this); a lease already lost stays lost. */
  async renew(now: Date = new Date()): Promise<void> {
    if (this.#lost !== undefined) return;
    try {
      const renewed = await this.locks.renewScopeLock(this.#lock, { ttlMs: this.timing.ttlMs, now });
      if (renewed !== undefined) this.#lock = renewed;
      else this.#lose("another holder took it over (or it was released)");
    } catch (error) {
      // Storage trouble: the lock is still ours until it expires; past that, someone else may hold it.
      if (Date.now() >= Date.parse(this.#lock.expiresAt))
        this.#lose(`it could not be renewed before it expired: ${errorText(error)}`);
      else this.log.warn(`lock ${this.#lock.scope}: renewal failed, retried in ${this.timing.renewMs} ms`);
    }
  }

  /** Stops renewing and deletes the lock if it is still ours. Never throws; safe to call twice. */
  async release(reason = "done"): Promise<void> {
    this.#stop();
    await this.#serial(async () => {
      if (this.#lost !== undefined) return;
      this.#lost = `released (${reason})`;
      try {
        await this.locks.releaseScopeLock(this.#lock);
      } catch (error) {
        this.log.warn(`lock ${this.#lock.scope}: could not be released (${errorText(error)}); it expires by itself`);
      }
    });
  }

  #lose(reason: string): void {
    this.#lost = reason;
    this.#stop();
    this.log.warn(`lock ${this.#lock.scope} lost: ${reason}`);
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    held.delete(this);
    if (held.size === 0) unwatchStopSignals();
  }

  #serial(step: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(step, step);
    this.#busy = next.catch((error: unknown) => void error);
    return next;
  }
}

/** Releases every lease this process holds (the app is stopping); returns how many there were. */
export async function releaseHeldLeases(reason: string): Promise<number> {
  const leases = [...held];
  await Promise.all(leases.map((lease) => lease.release(reason)));
  return leases.length;
}

function onStopSignal(signal: NodeJS.Signals): void {
  unwatchStopSignals();
  const released = releaseHeldLeases(`${signal}: the process is stopping`);
  const bounded = new Promise((resolve) => setTimeout(resolve, RELEASE_ON_STOP_MS).unref());
  void Promise.race([released, bounded]).finally(() => {
    // With nobody else listening, the signal's default (ending the process) was held off by this listener: re-raise
    // it. A host with its own handler (the local host drains and stops) goes on as it would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** Listens only while a lease is held, so an idle process keeps the default meaning of its signals. */
function watchStopSignals(): void {
  for (const signal of STOP_SIGNALS)
    if (!process.listeners(signal).includes(onStopSignal)) process.on(signal, onStopSignal);
}

function unwatchStopSignals(): void {
  for (const signal of STOP_SIGNALS) process.removeListener(signal, onStopSignal);
}
