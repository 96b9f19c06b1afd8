// One retry policy for every ARM call of a run: exponential backoff with jitter, Retry-After honoured, bounded in
// count and in total time. The SDK clients are built with `retryOptions: { maxRetries: 0 }` so that their own
// retry policy never multiplies ours.

import { CollectionConfigError } from "./collection-config";

/** The part of `@azure/core-rest-pipeline`'s RestError we read; every SDK client of the run throws it. */
interface RestErrorLike {
  name: "RestError";
  message: string;
  code?: string;
  statusCode?: number;
  /** The deserialised ARM error envelope `{ error: { code, message, details } }` (the Resource Graph client sets it). */
  details?: unknown;
  response?: { headers: { get(name: string): string | undefined }; parsedBody?: unknown; bodyAsText?: string | null };
}

/**
 * Resource Graph's code for a page over its 16 MiB response limit, inside a generic 400 BadRequest's `details`. The
 * same request fails the same way however often it is sent: only a smaller `$top` (or skipping the row) helps.
 */
export const RESPONSE_PAYLOAD_TOO_LARGE = "ResponsePayloadTooLarge";

function isRestError(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === "RestError";
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Total time one operation may spend, attempts and waits included; no retry starts past it. */
  maxRetryTimeMs: number;
  /** First backoff; doubles per retry. */
  baseDelayMs: number;
  /** Cap of one backoff (a longer Retry-After is still honoured while it fits `maxRetryTimeMs`). */
  maxDelayMs: number;
  /** Abort an attempt that has not answered after this long; the attempt counts as a transient failure. */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 6,
  maxRetryTimeMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  requestTimeoutMs: 60_000,
};

/** The default policy with the given fields replaced; fields given as undefined keep their default. */
export function resolveRetryPolicy(given: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY };
  for (const key of Object.keys(policy) as (keyof RetryPolicy)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0)
      throw new CollectionConfigError(`retry.${key}`, `must be a number ≥ 0 (got ${value})`);
    policy[key] = value;
  }
  return policy;
}

/** Why an attempt failed, as far as retrying is concerned. */
export interface FailureClass {
  retriable: boolean;
  throttled: boolean;
  /** Server-requested wait (Retry-After), when it gave one. */
  retryAfterMs?: number;
  /** Short text for coverage gaps and notes: `HTTP 503 ServiceUnavailable: ...`, `network error ECONNRESET: ...`. */
  description: string;
  statusCode?: number;
  /** HTTP 400 ResponsePayloadTooLarge: never retriable as is; the caller may ask for fewer rows. */
  payloadTooLarge?: boolean;
}

export function classifyFailure(error: unknown): FailureClass {
  if (isRestError(error)) {
    const status = error.statusCode;
    const detail = restErrorDetail(error);
    if (status === undefined) {
      // No response at all: reset, refused, TLS failure, DNS. Transient from our point of view.
      const code = error.code === undefined ? "" : ` ${error.code}`;
      return { retriable: true, throttled: false, description: `network error${code}: ${error.message}` };
    }
    const retryAfterMs =
      parseRetryAfter(
        error.response?.headers.get("retry-after-ms") ?? error.response?.headers.get("x-ms-retry-after-ms"),
        true,
      ) ?? parseRetryAfter(error.response?.headers.get("retry-after"), false);
    const throttled = status === 429;
    const retriable = throttled || status === 408 || status >= 500;
    // ARM wraps the specific code in `details` of a generic one (BadRequest); the specific one says what went wrong.
    const specific = serviceErrorDetails(error).find((entry) => entry.code !== undefined && entry.code !== error.code);
    const tooLarge = [error.code, specific?.code].some(
      (code) => code?.toLowerCase() === RESPONSE_PAYLOAD_TOO_LARGE.toLowerCase(),
    );
    if (status === 400 && tooLarge) {
      const description = `HTTP 400 ${RESPONSE_PAYLOAD_TOO_LARGE}: ${shorten(specific?.message ?? error.message)}`;
      return { retriable: false, throttled: false, payloadTooLarge: true, statusCode: status, description };
    }
    const description =
      specific === undefined
        ? `HTTP ${status}${detail}`
        : `HTTP ${status} ${specific.code}: ${shorten(specific.message ?? error.message)}`;
    return { retriable, throttled, retryAfterMs, statusCode: status, description };
  }
  if (error instanceof Error && error.name === "AbortError") {
    return { retriable: true, throttled: false, description: "request timed out" };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { retriable: false, throttled: false, description: message };
}

function restErrorDetail(error: RestErrorLike): string {
  const code = error.code !== undefined ? ` ${error.code}` : "";
  return `${code}: ${shorten(error.message)}`;
}

function shorten(message: string): string {
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/**
 * The `details` of an ARM error envelope, wherever the client put it: `error.details` (clients generated from
 * TypeSpec, such as Resource Graph's), the deserialised body (older clients), or the body text.
 */
function serviceErrorDetails(error: RestErrorLike): { code?: string; message?: string }[] {
  const detailsOf = (envelope: unknown): unknown[] | undefined => {
    const inner = isObject(envelope) ? envelope["error"] : undefined;
    return isObject(inner) && Array.isArray(inner["details"]) ? inner["details"] : undefined;
  };
  let details = detailsOf(error.details) ?? detailsOf(error.response?.parsedBody);
  const text = error.response?.bodyAsText;
  if (details === undefined && typeof text === "string" && text.trimStart().startsWith("{")) {
    try {
      details = detailsOf(JSON.parse(text));
    } catch (parseError) {
      // A body that is not JSON has no details to read; anything but a parse failure is a bug to surface.
      if (!(parseError instanceof SyntaxError)) throw parseError;
    }
  }
  return (details ?? []).filter(isObject).map((entry) => ({
    code: typeof entry["code"] === "string" ? entry["code"] : undefined,
    message: typeof entry["message"] === "string" ? entry["message"] : undefined,
  }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `Retry-After` is either seconds or an HTTP date; `retry-after-ms` is milliseconds. */
export function parseRetryAfter(value: string | undefined | null, milliseconds: boolean): number | undefined {
  if (value === undefined || value === null || value.trim() === "") return undefined;
  const number = Number(value);
  if (Number.isFinite(number) && number >= 0) return milliseconds ? number : number * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of parallel callers spread out. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return ceiling / 2 + random() * (ceiling / 2);
}

export interface RetryHooks {
  /** Called before each wait; `throttled` when the wait answers a 429. */
  onRetry?: (info: { retry: number; delayMs: number; failure: FailureClass }) => void;
  /** Called before each attempt, e.g. to pace against a quota. */
  beforeAttempt?: () => Promise<void>;
}

export class RetriesExhaustedError extends Error {
  readonly code = "RetriesExhausted";
  constructor(
    readonly failure: FailureClass,
    readonly attempts: number,
  ) {
    super(`${failure.description} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`);
    this.name = "RetriesExhaustedError";
  }
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retriable error, or the policy's count or time budget runs
 * out. Always rejects with `RetriesExhaustedError`, whose message says what failed and how often.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (abortSignal: AbortSignal) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const started = Date.now();
  for (let retry = 0; ; retry++) {
    await hooks.beforeAttempt?.();
    let failure: FailureClass;
    try {
      return await attempt(AbortSignal.timeout(policy.requestTimeoutMs));
    } catch (error) {
      failure = classifyFailure(error);
    }
    const attempts = retry + 1;
    if (!failure.retriable || retry >= policy.maxRetries) throw new RetriesExhaustedError(failure, attempts);
    const delayMs = failure.retryAfterMs ?? backoffDelay(policy, retry);
    if (Date.now() - started + delayMs > policy.maxRetryTimeMs) throw new RetriesExhaustedError(failure, attempts);
    hooks.onRetry?.({ retry: attempts, delayMs, failure });
    await sleep(delayMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
