// The options, statistics and results of a Resource Graph collection (resource-graph-source.ts), apart from the
// collector so its callers and the paced client can name them without the collector's machinery.
import type { CoverageGap } from "../model/estate";
import type { ResourceGraphObserver } from "../audit/run-telemetry";
import type { ResourceRow } from "../model/row";
import type { ArmConnection, CollectionScope } from "./collection-config";
import type { QueryFamily } from "./queries";
import type { QuotaAssumption } from "./quota-pacer";
import type { RetryPolicy } from "./retry-policy";

export interface ResourceGraphProgress {
  family: string;
  pages: number;
  rows: number;
  elapsedMs: number;
}

export interface ResourceGraphOptions {
  /** Endpoint, credential and trust; default: the public cloud with `DefaultAzureCredential`. */
  connection?: ArmConnection;
  /** Neither given: every subscription the credential can see, discovered from `resourcecontainers`. */
  scope?: CollectionScope;
  /** Default: all of `QUERY_FAMILIES`. */
  families?: readonly QueryFamily[];
  /** `$top` per page, at most 1000 (the default). */
  pageSize?: number;
  /** Subscriptions per request, at most 1000 (the default). */
  batchSize?: number;
  /**
   * Resource Graph requests in flight at most, 1–32; default 6. The collector runs ceil(quota rate × observed
   * latency) + 1 of them, up to this; 1 reads one page at a time.
   */
  maxConcurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** Quota assumed until Resource Graph reports the real one; default 15 per 5 s. */
  quota?: QuotaAssumption;
  onProgress?: (progress: ResourceGraphProgress) => void;
  /** Called before each retry with why the attempt failed (`HTTP 503 …`, `network error ECONNRESET: …`). */
  onRetry?: (retry: { reason: string; delayMs: number; throttled: boolean }) => void;
  /** Told of each request's outcome and each wait for the quota (the run's telemetry). */
  observer?: ResourceGraphObserver;
}

export interface ResourceGraphStats {
  /** Rows handed to `onRows`, by lower-case type. */
  rowsByType: Record<string, number>;
  /** HTTP requests sent, retries and subscription discovery included. */
  requests: number;
  /** Pages received and handed on. */
  pages: number;
  /** Waits for the quota: pacing before a request, and Retry-After after a 429. */
  throttleWaits: number;
  throttleWaitMs: number;
  retries: number;
  /** Most Resource Graph requests in flight at one time. */
  maxInFlight: number;
  /** Families whose subscriptions were split into several page chains after their first page. */
  splits: number;
  /** Pages refused as over Resource Graph's response size limit (HTTP 400 ResponsePayloadTooLarge). */
  payloadTooLarge: number;
  /** Of those, the ones answered by asking for half as many rows from the same place. */
  pageHalvings: number;
  /** Rows too large for a response on their own: skipped, each a coverage gap. */
  oversizedRows: number;
  durationMs: number;
}

export type ScopeMode = "subscriptions" | "managementGroups" | "managementGroupSubscriptions" | "tenantSubscriptions";

export interface ResourceGraphResult {
  stats: ResourceGraphStats;
  gaps: CoverageGap[];
  /**
   * How the scope was queried: explicit subscriptions, management groups, the subscriptions of the management
   * groups (after Resource Graph reported its subscription limit hit), or the tenant's discovered subscriptions.
   */
  scopeMode: ScopeMode;
  /** Every subscription the scope was found to hold (lower case), when they were listed or given; else undefined. */
  scopeSubscriptions?: string[];
  /** Subscriptions queried in explicit batches; undefined when queried by management group. */
  subscriptionCount?: number;
}

/**
 * Receives the rows of one page. Calls never overlap: the next page is handed on once the previous call has
 * settled. Pages of different queries arrive interleaved, in no particular order.
 */
export type PageSink = (rows: ResourceRow[]) => void | Promise<void>;

export interface SubscriptionListing {
  /** Lower case, without duplicates, sorted. */
  subscriptions: string[];
  /** Discovery problems (a listing Resource Graph cut short); empty when the list is complete. */
  gaps: CoverageGap[];
  requests: number;
  durationMs: number;
}
