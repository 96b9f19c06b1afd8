// Paces Resource Graph requests so the per-user quota is never exhausted. Resource Graph reports the quota on
// every response (`x-ms-user-quota-remaining`, `x-ms-user-quota-resets-after` as hh:mm:ss); until it has, the
// pacer counts against an assumed quota (15 per 5 s, the documented default). One pacer serves every request of a
// collector, because the quota belongs to the user, not to a query.

import { sleep } from "./retry-policy";

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

export class QuotaPacer {
  /** Requests still allowed before `resetAt`, this collector's own reservations already subtracted. */
  private remaining = 0;
  /** When the current window ends; no window before the first request. */
  private resetAt = Number.NEGATIVE_INFINITY;

  private readonly share: number;

  constructor(
    private readonly assumption: QuotaAssumption = DEFAULT_QUOTA,
    private readonly now: () => number = Date.now,
  ) {
    this.share = Math.max(1, Math.floor(assumption.share ?? 1));
  }

  /**
   * Waits, if needed, until one more request fits the quota, and reserves it; resolves with the time waited.
   * Callers send one request at a time: each response's headers correct the count before the next reservation.
   */
  async acquire(): Promise<number> {
    let waited = 0;
    for (;;) {
      const now = this.now();
      if (now >= this.resetAt) {
        // A new window: assume the default until the next response reports the real quota.
        this.remaining = this.share === 1 ? this.assumption.limit : Math.max(1, Math.floor(this.assumption.limit / this.share));
        this.resetAt = now + this.assumption.windowMs;
      }
      if (this.remaining > 0) {
        this.remaining -= 1;
        return waited;
      }
      const delay = Math.max(1, Math.ceil(this.resetAt - now)) + SAFETY_MARGIN_MS;
      waited += delay;
      await sleep(delay);
    }
  }

  /** Reads the quota headers of a response, a success or an error (a 429 reports 0 remaining). */
  observe(headers: { get(name: string): string | undefined | null }): void {
    const remaining = Number(headers.get("x-ms-user-quota-remaining") ?? Number.NaN);
    const resetsAfter = parseTimeSpan(headers.get("x-ms-user-quota-resets-after"));
    if (!Number.isFinite(remaining) || resetsAfter === undefined) return;
    // At one-second granularity a window that resets "in 0 s" may stay open for up to a second.
    const resetIn = resetsAfter === 0 && remaining <= 0 ? 1_000 : resetsAfter;
    this.remaining = Math.floor(Math.max(0, Math.floor(remaining)) / this.share);
    this.resetAt = this.now() + resetIn;
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
