// Resource Graph's per-user quota as the emulator enforces it: a fixed window per user (bearer token) that opens
// with the user's first request. Throttled requests do not count against the window.

export interface QuotaSettings {
  /** Requests per window; default 15. */
  limit: number;
  /** Window length; default 5 s. Tests shorten it to keep pacing tests fast. */
  windowMs: number;
}

export const DEFAULT_QUOTA_SETTINGS: QuotaSettings = { limit: 15, windowMs: 5_000 };

export interface QuotaDecision {
  allowed: boolean;
  remaining: number;
  resetsAfterMs: number;
}

export class UserQuota {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly settings: QuotaSettings,
    private readonly now: () => number = Date.now,
  ) {}

  take(user: string): QuotaDecision {
    const now = this.now();
    let window = this.windows.get(user);
    if (window === undefined || now >= window.start + this.settings.windowMs) {
      window = { start: now, used: 0 };
      this.windows.set(user, window);
    }
    const resetsAfterMs = window.start + this.settings.windowMs - now;
    if (window.used >= this.settings.limit) return { allowed: false, remaining: 0, resetsAfterMs };
    window.used += 1;
    return { allowed: true, remaining: this.settings.limit - window.used, resetsAfterMs };
  }
}

/** Milliseconds as .NET prints a TimeSpan: `00:00:05`, or `00:00:00.4560000` when there are fractions. */
export function formatTimeSpan(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const fraction = total % 1000;
  const pad = (value: number) => String(value).padStart(2, "0");
  const base = `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  return fraction === 0 ? base : `${base}.${String(fraction).padStart(3, "0")}0000`;
}
