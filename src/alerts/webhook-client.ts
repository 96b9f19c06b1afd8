// Posts one payload to one webhook: paced (at most N requests a second per webhook), retried on 408, 429, 5xx and
// network errors with exponential backoff and jitter, honouring Retry-After, a bounded number of times. Any other 4xx
// is permanent. The URL is used for the request only; outcomes carry reasons built here, never the URL.
import { scrub } from "../store/storage-errors";
import type { DeliveryPolicy } from "./alert-settings";
import type { WebhookSecret } from "./webhook-secret";

export type PostOutcome =
  /** `reason`: the last transient failure before it went through, if any. */
  | { state: "delivered"; attempts: number; httpStatus: number; reason?: string }
  | { state: "failed"; attempts: number; httpStatus?: number; reason: string }
  /** Transient failures used up this pass's attempts (or a Retry-After asked for longer): try again on a later pass. */
  | { state: "pending"; attempts: number; httpStatus?: number; reason: string; retryAfter?: string };

export interface WebhookClientOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

type AttemptResult =
  | { kind: "delivered"; status: number }
  | { kind: "transient"; status?: number; reason: string; retryAfterMs?: number }
  | { kind: "permanent"; status?: number; reason: string };

const SNIPPET_BYTES = 2_048;
const REASON_CHARS = 300;

export class WebhookClient {
  private readonly nextSlot = new Map<string, number>();
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly policy: DeliveryPolicy,
    options: WebhookClientOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Never throws for HTTP or network trouble: every outcome is a value. `deadline` (epoch ms) bounds the waiting. */
  async post(webhook: WebhookSecret, body: string, options: { deadline?: number } = {}): Promise<PostOutcome> {
    let attempts = 0;
    let lastTransient: string | undefined;
    for (;;) {
      attempts += 1;
      const result = await this.attempt(webhook, body);
      if (result.kind === "delivered")
        return {
          state: "delivered",
          attempts,
          httpStatus: result.status,
          ...(lastTransient !== undefined ? { reason: lastTransient } : {}),
        };
      if (result.kind === "permanent")
        return {
          state: "failed",
          attempts,
          reason: result.reason,
          ...(result.status !== undefined ? { httpStatus: result.status } : {}),
        };
      const pending = (extra: { retryAfter?: string } = {}): PostOutcome => ({
        state: "pending",
        attempts,
        reason: result.reason,
        ...(result.status !== undefined ? { httpStatus: result.status } : {}),
        ...extra,
      });
      if (attempts >= this.policy.maxAttempts) return pending();
      if (result.retryAfterMs !== undefined && result.retryAfterMs > this.policy.maxRetryAfterMs) {
        return pending({ retryAfter: new Date(this.now() + result.retryAfterMs).toISOString() });
      }
      lastTransient = result.reason;
      const wait = Math.max(this.backoff(attempts), result.retryAfterMs ?? 0);
      if (options.deadline !== undefined && this.now() + wait > options.deadline) return pending();
      await this.sleep(wait);
    }
  }

  /** Exponential, capped, with "equal jitter": half fixed, half random, so retries of many senders spread out. */
  private backoff(attempt: number): number {
    const exponential = Math.min(this.policy.maxRetryDelayMs, this.policy.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(exponential / 2 + (this.random() * exponential) / 2);
  }

  /** Reserves the webhook's next send slot: requests to one webhook start at least 1/requestsPerSecond apart. */
  private async pace(webhook: WebhookSecret): Promise<void> {
    const interval = 1_000 / this.policy.requestsPerSecond;
    const now = this.now();
    const slot = Math.max(now, this.nextSlot.get(webhook.hash) ?? 0);
    this.nextSlot.set(webhook.hash, slot + interval);
    if (slot > now) await this.sleep(slot - now);
  }

  private async attempt(webhook: WebhookSecret, body: string): Promise<AttemptResult> {
    await this.pace(webhook);
    let response: Response;
    try {
      response = await this.fetch(webhook.reveal(), {
        method: "POST",
        // Without a charset some webhook front ends read the body as UTF-16 and count it twice against the size limit.
        headers: { "content-type": "application/json; charset=utf-8" },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.policy.requestTimeoutMs),
      });
    } catch (error) {
      return { kind: "transient", reason: this.networkReason(error) };
    }
    const status = response.status;
    const snippet = clean(await readSnippet(response), webhook);
    // Workflows answer 202 Accepted; classic webhooks and most relays 200; a generic receiver may say 201 or 204.
    if (status >= 200 && status < 300) return { kind: "delivered", status };
    const described = `HTTP ${status}${snippet !== "" ? `: ${snippet}` : ""}`;
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.now());
      return { kind: "transient", status, reason: described, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (status >= 300 && status < 400)
      return {
        kind: "permanent",
        status,
        reason: `HTTP ${status}: redirects are not followed (a payload must not be re-sent to another host); check the webhook URL`,
      };
    return { kind: "permanent", status, reason: described };
  }

  private networkReason(error: unknown): string {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
      return `no answer within ${this.policy.requestTimeoutMs} ms`;
    // undici puts the socket error in `cause`; its message names host and port, so only the code is kept.
    const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
    const code = typeof cause?.code === "string" ? cause.code : undefined;
    return code !== undefined ? `network error (${code})` : "network error";
  }
}

/** Seconds, or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function readSnippet(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = (await reader.read()) as
        { done: true; value?: undefined } | { done: false; value: Uint8Array };
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (error) {
    // A body cut off mid-way still leaves the status to decide on; say so rather than lose it.
    return `(body unreadable: ${error instanceof Error ? error.name : "error"})`;
  } finally {
    // Releases the connection. A stream that already failed rejects here with the error reported above.
    await reader.cancel().catch((error: unknown) => void error);
  }
  return Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString("utf8");
}

function clean(text: string, webhook: WebhookSecret): string {
  const oneLine = scrub(text.split(webhook.reveal()).join("<webhook>"))
    // Workflow URLs sign with `sig=`; a receiver may quote it outside a query string too.
    .replace(/(\bsig=)(?!<redacted>)[^&\s"'()]+/gi, "$1<redacted>")
    .replace(/\s+/g, " ")
    .trim();
  return oneLine.length > REASON_CHARS ? `${oneLine.slice(0, REASON_CHARS - 1)}…` : oneLine;
}
