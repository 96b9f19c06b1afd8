// One Resource Graph request at a time, as the collector's chains send them: paced against the user's quota (callers
// waiting by priority), retried per the policy, counted in the run's stats, and timed, so the collector can size its
// concurrency to the observed latency.
import type { AuthorizationScopeFilter, QueryRequestOptions, ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { QuotaPacer, QuotaTicket } from "./quota-pacer";
import { type RetryPolicy, withRetries } from "./retry-policy";
import type { ResourceGraphOptions, ResourceGraphStats } from "./resource-graph-types";

/** The subscriptions or management groups one request covers. */
export type RequestScope = { subscriptions: string[] } | { managementGroups: string[] };

export interface QueryPage {
  data: Record<string, unknown>[];
  skipToken?: string;
  /** Rows in the whole result, when Resource Graph says. */
  totalRecords?: number;
  /** Results cut short with no way to page on. */
  truncated: boolean;
  subscriptionLimitHit: boolean;
}

/** A request's options: rows as objects, the page, and the scope filter when the family sets one. */
function requestOptions(
  top: number,
  skipToken: string | undefined,
  skip: number | undefined,
  authorizationScopeFilter: AuthorizationScopeFilter | undefined,
): QueryRequestOptions {
  return {
    resultFormat: "objectArray",
    top,
    skipToken,
    ...(skip === undefined ? {} : { skip }),
    ...(authorizationScopeFilter === undefined ? {} : { authorizationScopeFilter }),
  };
}

/** How quickly the latency estimate follows new measurements (exponential smoothing). */
const LATENCY_SMOOTHING = 0.3;

export class PacedQueryClient {
  private inFlight = 0;
  private latency: number | undefined;

  constructor(
    private readonly client: ResourceGraphClient,
    private readonly pacer: QuotaPacer,
    private readonly retry: RetryPolicy,
    private readonly stats: ResourceGraphStats,
    /** Told of retries (the collector's progress) and of each request and wait (the run's telemetry). */
    private readonly hooks: Pick<ResourceGraphOptions, "onRetry" | "observer"> = {},
  ) {}

  /** The smoothed latency of answered requests; undefined until the first answer. */
  get latencyMs(): number | undefined {
    return this.latency;
  }

  /** One page, paced against the quota (waiting callers by `priority`) and retried per the policy. */
  async send(
    query: string,
    scope: RequestScope | undefined,
    skipToken: string | undefined,
    priority: number,
    top: number,
    skip?: number,
    authorizationScopeFilter?: AuthorizationScopeFilter,
  ): Promise<QueryPage> {
    let ticket: QuotaTicket | undefined;
    return withRetries(
      this.retry,
      async (abortSignal) => {
        const held = ticket;
        ticket = undefined;
        let settled = false;
        const settle = (headers?: { get(name: string): string | undefined | null }) => {
          if (settled || held === undefined) return;
          settled = true;
          this.pacer.settle(held, headers);
        };
        this.stats.requests += 1;
        this.inFlight += 1;
        this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
        const sent = Date.now();
        let subscriptionLimitHit = false;
        try {
          const response = await this.client.resources(
            {
              query,
              ...scope,
              options: requestOptions(top, skipToken, skip, authorizationScopeFilter),
            },
            {
              abortSignal,
              onResponse: (raw) => {
                settle(raw.headers);
                subscriptionLimitHit = raw.headers.get("x-ms-tenant-subscription-limit-hit")?.toLowerCase() === "true";
              },
            },
          );
          this.noteLatency(Date.now() - sent);
          this.hooks.observer?.request("ok");
          if (!Array.isArray(response.data)) {
            throw new Error(
              `Resource Graph returned data that is not an array of rows (resultFormat objectArray expected)`,
            );
          }
          return {
            data: response.data as Record<string, unknown>[],
            skipToken: response.skipToken === "" ? undefined : response.skipToken,
            totalRecords: typeof response.totalRecords === "number" ? response.totalRecords : undefined,
            truncated: response.resultTruncated === "true" && !response.skipToken,
            subscriptionLimitHit,
          };
        } catch (error) {
          this.hooks.observer?.request(statusOf(error) === 429 ? "throttled" : "failed");
          throw error;
        } finally {
          // No response at all (a dropped connection, a timeout): the reservation ends without a report.
          settle();
          this.inFlight -= 1;
        }
      },
      {
        beforeAttempt: async () => {
          ticket = await this.pacer.reserve(priority);
          if (ticket.waitedMs > 0) this.noteThrottleWait(ticket.waitedMs, "quota");
        },
        onRetry: ({ delayMs, failure }) => {
          this.hooks.onRetry?.({ reason: failure.description, delayMs, throttled: failure.throttled });
          this.stats.retries += 1;
          if (failure.throttled) this.noteThrottleWait(delayMs, "retryAfter");
        },
      },
    );
  }

  /** A wait for the quota: pacing before a request, or Retry-After after a 429. */
  private noteThrottleWait(ms: number, cause: "quota" | "retryAfter"): void {
    this.stats.throttleWaits += 1;
    this.stats.throttleWaitMs += ms;
    this.hooks.observer?.throttleWait(ms, cause);
  }

  private noteLatency(ms: number): void {
    this.latency = this.latency === undefined ? ms : this.latency + LATENCY_SMOOTHING * (ms - this.latency);
  }
}

/** The HTTP status of a failed request (the SDK's RestError carries it), if any. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}
