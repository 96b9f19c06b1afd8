// Paces Resource Graph requests so the per-user quota is never exhausted. Resource Graph reports the quota on
// every response (`x-ms-user-quota-remaining`, `x-ms-user-quota-resets-after` as hh:mm:ss); until it has, the
// pacer counts against an assumed quota (15 per 5 s, the documented default). One pacer serves every request of a
// collector, because the quota belongs to the user, not to a query.
//
// Several requests may be in flight at once. A response's report was taken when the service counted that request,
// so the requests still in flight are subtracted from what it says remains, and a report older than the newest one
// applied (responses overtake each other) is ignored. Waiting callers are served by priority, so the longest chain of
// pages is never the one left waiting at a window's start.

export interface QuotaAssumption {
  /** Requests per window assumed before the service has reported its quota. */
  limit: number;
  windowMs: number;
  /**
   * Collectors spending the same identity's quota at the same time (the shards of a fanned-out run); default 1. Each
   * spends only its share of what the service reports remaining, so together they stay inside the quota instead of
   * each spending all of it and meeting 429s.
   */
  share?: number;
}

export const DEFAULT_QUOTA: QuotaAssumption = { limit: 15, windowMs: 5_000 };

/** One reserved request: hand it back to `settle` with the response's headers, or without when none came. */
export interface QuotaTicket {
  readonly sequence: number;
  readonly reservedAt: number;
  /** Time spent waiting for the quota before the reservation. */
  readonly waitedMs: number;
}

type HeaderSource = { get(name: string): string | undefined | null };

interface Waiter {
  priority: number;
  sequence: number;
  since: number;
  grant: (ticket: QuotaTicket) => void;
}

export class QuotaPacer {
  /** Requests still allowed before `resetAt`, this collector's own reservations already subtracted. */
  private remaining = 0;
  /** When the current window ends; no window before the first request. */
  private resetAt = Number.NEGATIVE_INFINITY;
  /** Whether `resetAt` comes from a report (a bound on the service's reset) or from the assumption (a guess). */
  private resetReported = false;
  /** The remaining count of the newest report applied, and the longest `resets-after` seen (about a window). */
  private lastReported = Number.POSITIVE_INFINITY;
  private windowSeenMs = 0;
  /** When this pacer last opened a window by itself; a report from a request reserved before it is stale. */
  private windowOpenedAt = Number.NEGATIVE_INFINITY;
  /** Sequence of the newest request whose report has been applied. */
  private appliedSequence = 0;
  private sequence = 0;
  /** Sequence → reservation time of the requests reserved and not yet settled. */
  private readonly inFlight = new Map<number, number>();
  private readonly waiting: Waiter[] = [];
  private timer: { handle: ReturnType<typeof setTimeout>; due: number } | undefined;

  private readonly share: number;

  constructor(
    private readonly assumption: QuotaAssumption = DEFAULT_QUOTA,
    private readonly now: () => number = Date.now,
  ) {
    this.share = Math.max(1, Math.floor(assumption.share ?? 1));
  }

  /** Requests per second this collector may spend by the assumed quota (its share of it). */
  get ratePerSecond(): number {
    return (this.windowLimit() / this.assumption.windowMs) * 1000;
  }

  /**
   * Waits, if needed, until one more request fits the quota, and reserves it. Among callers waiting at the same time
   * the highest `priority` goes first (ties: first come). Every ticket must be settled.
   */
  reserve(priority = 0): Promise<QuotaTicket> {
    return new Promise((grant) => {
      this.sequence += 1;
      const since = this.now();
      this.waiting.push({ priority, sequence: this.sequence, since, grant });
      // The same clock reading: a reservation granted at once has waited 0 ms, even across a millisecond tick.
      this.pump(since);
    });
  }

  /**
   * The reserved request has ended: with the headers of its response (a success or an error; a 429 reports 0
   * remaining), or without any when it never got one (a dropped connection, a timeout).
   */
  settle(ticket: QuotaTicket, headers?: HeaderSource): void {
    this.inFlight.delete(ticket.sequence);
    // A report from before the newest applied one, or from before this pacer opened its current window, describes a
    // quota that has since moved on.
    const current = ticket.sequence > this.appliedSequence && ticket.reservedAt >= this.windowOpenedAt;
    if (headers !== undefined && current && this.apply(headers)) this.appliedSequence = ticket.sequence;
    this.pump();
  }

  /**
   * For callers that send one request at a time: waits and reserves like `reserve`, resolving with the time waited.
   * The reservation is not tracked as in flight; report the response with `observe`.
   */
  async acquire(): Promise<number> {
    const ticket = await this.reserve();
    this.inFlight.delete(ticket.sequence);
    return ticket.waitedMs;
  }

  /** Reads the quota headers of a response to an `acquire`d request (a success or an error). */
  observe(headers: HeaderSource): void {
    this.apply(headers);
    this.pump();
  }

  /** Applies a report; false when the headers carry none. */
  private apply(headers: HeaderSource): boolean {
    const remaining = Number(headers.get("x-ms-user-quota-remaining") ?? Number.NaN);
    const resetsAfter = parseTimeSpan(headers.get("x-ms-user-quota-resets-after"));
    if (!Number.isFinite(remaining) || resetsAfter === undefined) return false;
    // At one-second granularity a window that resets "in 0 s" may stay open for up to a second.
    const resetIn = resetsAfter === 0 && remaining <= 0 ? 1_000 : resetsAfter;
    // Requests still in flight were sent after this one was counted (or are counted twice, which only errs on the
    // safe side).
    this.remaining = Math.max(0, Math.floor(Math.max(0, Math.floor(remaining)) / this.share) - this.inFlight.size);
    // The service measured `resetsAfter` when it counted the request; counting from now errs late (by the latency and
    // the page's transfer), never early. Every report of one window bounds the same reset, so the earliest bound is
    // the tightest; a report of the next window ends about a window later, and has not used fewer requests.
    const reportedReset = this.now() + resetIn;
    const sameWindow =
      this.resetReported &&
      this.now() < this.resetAt &&
      remaining <= this.lastReported &&
      Math.abs(reportedReset - this.resetAt) < this.windowSeenMs / 2;
    this.resetAt = sameWindow ? Math.min(this.resetAt, reportedReset) : reportedReset;
    this.resetReported = true;
    this.lastReported = remaining;
    this.windowSeenMs = Math.max(this.windowSeenMs, resetIn);
    return true;
  }

  /** Grants what the quota allows, highest priority first, and sets a timer for the window's end if callers wait. */
  private pump(at?: number): void {
    while (this.waiting.length > 0) {
      const now = at ?? this.now();
      if (now >= this.resetAt + SAFETY_MARGIN_MS) {
        // A window this pacer opened by itself ends when it guessed; the service's began when the first request
        // arrived, which may have been much later (a stalled server). Until one of them answers, its end is unknown:
        // wait for the answer (settle pumps again) rather than guess another window.
        if (!this.resetReported && this.reservedSince(this.windowOpenedAt)) return;
        // A new window: assume the default until the next response reports the real quota. Requests still in flight
        // may land in it.
        this.remaining = Math.max(0, this.windowLimit() - this.inFlight.size);
        this.resetAt = now + this.assumption.windowMs;
        this.resetReported = false;
        this.lastReported = Number.POSITIVE_INFINITY;
        this.windowOpenedAt = now;
      }
      if (this.remaining <= 0) break;
      this.remaining -= 1;
      const next = this.takeNext();
      this.inFlight.set(next.sequence, now);
      next.grant({ sequence: next.sequence, reservedAt: now, waitedMs: now - next.since });
    }
    if (this.waiting.length === 0) return;
    // Wake at the window's end; a report that moved the end earlier replaces a later timer.
    const due = Math.max(this.now() + 1, Math.ceil(this.resetAt)) + SAFETY_MARGIN_MS;
    if (this.timer !== undefined && this.timer.due <= due) return;
    if (this.timer !== undefined) clearTimeout(this.timer.handle);
    const handle = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, due - this.now());
    this.timer = { handle, due };
  }

  /** Whether a request reserved at or after `time` is still in flight. */
  private reservedSince(time: number): boolean {
    for (const reservedAt of this.inFlight.values()) if (reservedAt >= time) return true;
    return false;
  }

  private takeNext(): Waiter {
    let best = 0;
    for (let index = 1; index < this.waiting.length; index += 1) {
      const candidate = this.waiting[index] as Waiter;
      const current = this.waiting[best] as Waiter;
      if (candidate.priority > current.priority) best = index;
    }
    return this.waiting.splice(best, 1)[0] as Waiter;
  }

  private windowLimit(): number {
    return this.share === 1 ? this.assumption.limit : Math.max(1, Math.floor(this.assumption.limit / this.share));
  }
}

/** Clock skew and timer granularity between us and the service. */
const SAFETY_MARGIN_MS = 10;

/** `hh:mm:ss`, optionally `d.hh:mm:ss` and fractional seconds (`00:00:04.5230000`), to milliseconds. */
export function parseTimeSpan(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim());
  if (match === null) return undefined;
  const [, days, hours, minutes, seconds] = match;
  const total = Number(days ?? 0) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds);
  return Math.round(total * 1000);
}
