// The live resource source: runs the query families of queries.ts against Resource Graph and streams the rows,
// page by page, in the snapshot row shape. It paces itself against the user's quota, retries transient failures,
// and when a family still fails it records a coverage gap (which types, which subscriptions, why) and goes on.

import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { AuditorError } from "../errors";
import type { CoverageGap } from "../model/estate";
import type { ResourceRow } from "../model/row";
import {
  type ArmConnection,
  buildArmConnection,
  type CollectionScope,
  CollectionConfigError,
  restClientOptions,
  validateScope,
} from "./collection-config";
import { QUERY_FAMILIES, type QueryFamily, renestRow, SUBSCRIPTIONS_QUERY } from "./queries";
import { DEFAULT_QUOTA, type QuotaAssumption, QuotaPacer } from "./quota-pacer";
import { RetriesExhaustedError, resolveRetryPolicy, type RetryPolicy, withRetries } from "./retry-policy";

/** Resource Graph's limits: rows per page and subscriptions per request. */
export const MAX_PAGE_SIZE = 1000;
export const MAX_SUBSCRIPTIONS_PER_REQUEST = 1000;

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
  retry?: Partial<RetryPolicy>;
  /** Quota assumed until Resource Graph reports the real one; default 15 per 5 s. */
  quota?: QuotaAssumption;
  onProgress?: (progress: ResourceGraphProgress) => void;
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
  /** Subscriptions queried in explicit batches; undefined when queried by management group. */
  subscriptionCount?: number;
}

/** Receives the rows of one page; awaited before the next page is read. */
export type PageSink = (rows: ResourceRow[]) => void | Promise<void>;

/**
 * Streams every audited row in scope to `onRows`, one call per page. Resolves with statistics and coverage gaps;
 * rejects only for invalid options (`CollectionConfigError`) or when `onRows` itself throws.
 */
export async function collectFromResourceGraph(onRows: PageSink, options: ResourceGraphOptions = {}): Promise<ResourceGraphResult> {
  const scope = validateScope(options.scope ?? {});
  const pageSize = boundedSetting("pageSize", options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const batchSize = boundedSetting("batchSize", options.batchSize ?? MAX_SUBSCRIPTIONS_PER_REQUEST, MAX_SUBSCRIPTIONS_PER_REQUEST);
  const connection = options.connection ?? buildArmConnection();
  const run = new ResourceGraphRun(connection, onRows, { ...options, pageSize });
  return run.collect(scope, batchSize, options.families ?? QUERY_FAMILIES);
}

export interface SubscriptionListing {
  /** Lower case, without duplicates, sorted. */
  subscriptions: string[];
  /** Discovery problems (a listing Resource Graph cut short); empty when the list is complete. */
  gaps: CoverageGap[];
  requests: number;
  durationMs: number;
}

/**
 * The subscriptions of a scope: explicit subscriptions as given (no request), else those of the management groups or
 * of the tenant, listed from `resourcecontainers` like the collector does. Rejects with COLLECTION_FAILED when the
 * listing fails after retries.
 */
export async function listSubscriptionsInScope(options: Pick<ResourceGraphOptions, "connection" | "scope" | "retry" | "quota"> = {}): Promise<SubscriptionListing> {
  const scope = validateScope(options.scope ?? {});
  if (scope.subscriptions !== undefined) return { subscriptions: [...scope.subscriptions].sort(), gaps: [], requests: 0, durationMs: 0 };
  const run = new ResourceGraphRun(options.connection ?? buildArmConnection(), () => undefined, { ...options, pageSize: MAX_PAGE_SIZE });
  return run.listSubscriptions(scope);
}

function boundedSetting(setting: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CollectionConfigError(setting, `must be a whole number from 1 to ${max} (got ${value})`);
  }
  return value;
}

type RequestScope = { subscriptions: string[] } | { managementGroups: string[] };

class ResourceGraphRun {
  private readonly client: ResourceGraphClient;
  private readonly pacer: QuotaPacer;
  private readonly retry: RetryPolicy;
  private readonly started = Date.now();
  private readonly stats: ResourceGraphStats = {
    rowsByType: {},
    requests: 0,
    pages: 0,
    throttleWaits: 0,
    throttleWaitMs: 0,
    retries: 0,
    durationMs: 0,
  };
  private readonly gaps: CoverageGap[] = [];

  constructor(
    connection: ArmConnection,
    private readonly onRows: PageSink,
    private readonly options: ResourceGraphOptions & { pageSize: number },
  ) {
    this.client = new ResourceGraphClient(connection.credential, restClientOptions(connection));
    this.pacer = new QuotaPacer(options.quota ?? DEFAULT_QUOTA);
    this.retry = resolveRetryPolicy(options.retry);
  }

  async collect(scope: CollectionScope, batchSize: number, families: readonly QueryFamily[]): Promise<ResourceGraphResult> {
    const allTypes = families.flatMap((family) => family.types);
    let scopeMode: ScopeMode;
    let batches: string[][] | undefined;
    if (scope.subscriptions !== undefined) {
      scopeMode = "subscriptions";
      batches = chunk(scope.subscriptions, batchSize);
    } else if (scope.managementGroups !== undefined) {
      scopeMode = "managementGroups";
    } else {
      scopeMode = "tenantSubscriptions";
      const discovered = await this.discoverSubscriptions(undefined, allTypes, "the tenant");
      if (discovered === undefined) return this.result(scopeMode);
      batches = chunk(discovered, batchSize);
    }

    for (const [index, family] of families.entries()) {
      if (batches === undefined && scope.managementGroups !== undefined) {
        const groups = scope.managementGroups;
        const outcome = await this.runFamily(family, { managementGroups: groups });
        if (outcome !== "subscriptionLimitHit") continue;
        // Resource Graph answered for only part of the groups' subscriptions: query them in explicit batches.
        scopeMode = "managementGroupSubscriptions";
        const remainingTypes = families.slice(index).flatMap((f) => f.types);
        const discovered = await this.discoverSubscriptions({ managementGroups: groups }, remainingTypes, `management groups ${groups.join(", ")}`);
        if (discovered === undefined) return this.result(scopeMode);
        batches = chunk(discovered, batchSize);
      }
      for (const batch of batches ?? []) {
        await this.runFamily(family, { subscriptions: batch });
      }
    }
    return this.result(scopeMode, batches?.reduce((sum, batch) => sum + batch.length, 0));
  }

  async listSubscriptions(scope: CollectionScope): Promise<SubscriptionListing> {
    const what = scope.managementGroups !== undefined ? `management groups ${scope.managementGroups.join(", ")}` : "the tenant";
    const requestScope = scope.managementGroups !== undefined ? { managementGroups: scope.managementGroups } : undefined;
    const allTypes = QUERY_FAMILIES.flatMap((family) => family.types);
    const listed = await this.discoverSubscriptions(requestScope, allTypes, what);
    const { stats, gaps } = this.result("subscriptions");
    if (listed === undefined) throw new AuditorError("COLLECTION_FAILED", gaps.map((gap) => gap.reason).join("; ") || `listing the subscriptions of ${what} failed`);
    return { subscriptions: listed.sort(), gaps, requests: stats.requests, durationMs: stats.durationMs };
  }

  /**
   * Pages through one family in one scope, streaming the rows. A failure after retries becomes a coverage gap.
   * In a management group scope, a first page that reports the subscription limit is dropped unread instead.
   */
  private async runFamily(family: QueryFamily, scope: RequestScope): Promise<"done" | "subscriptionLimitHit"> {
    // A gap names the batch's subscriptions; for management groups, "every subscription in scope".
    const subscriptionIds = "subscriptions" in scope ? scope.subscriptions : undefined;
    let pages = 0;
    let rows = 0;
    let skipToken: string | undefined;
    const familyStarted = Date.now();
    do {
      let page: QueryPage;
      try {
        page = await this.send(family.query, scope, skipToken);
      } catch (error) {
        if (!(error instanceof RetriesExhaustedError)) throw error;
        const where = "managementGroups" in scope ? ` in management groups ${scope.managementGroups.join(", ")}` : "";
        const progress = pages === 0 ? "" : ` on page ${pages + 1}, after ${rows} rows had been read`;
        this.gaps.push({ types: [...family.types], subscriptionIds, reason: `${family.name}${where}: ${error.message}${progress}` });
        return "done";
      }
      if (pages === 0 && "managementGroups" in scope && page.subscriptionLimitHit) return "subscriptionLimitHit";
      const renested = page.data.map((raw) => renestRow(family, raw));
      for (const row of renested) {
        const type = typeof row.type === "string" ? row.type.toLowerCase() : "(no type)";
        this.stats.rowsByType[type] = (this.stats.rowsByType[type] ?? 0) + 1;
      }
      pages += 1;
      rows += renested.length;
      this.stats.pages += 1;
      await this.onRows(renested);
      this.options.onProgress?.({ family: family.name, pages, rows, elapsedMs: Date.now() - familyStarted });
      if (page.truncated) {
        this.gaps.push({
          types: [...family.types],
          subscriptionIds,
          reason: `${family.name}: Resource Graph truncated the results after ${rows} rows and offered no next page`,
        });
      }
      skipToken = page.skipToken;
    } while (skipToken !== undefined);
    return "done";
  }

  /** Lists subscription ids (lower case) in scope; on failure records a gap for `types` and returns undefined. */
  private async discoverSubscriptions(scope: RequestScope | undefined, types: string[], what: string): Promise<string[] | undefined> {
    const ids: string[] = [];
    let skipToken: string | undefined;
    try {
      do {
        const page = await this.send(SUBSCRIPTIONS_QUERY, scope, skipToken);
        for (const row of page.data) {
          if (typeof row["subscriptionId"] === "string") ids.push(row["subscriptionId"].toLowerCase());
        }
        if (page.subscriptionLimitHit || page.truncated) {
          this.gaps.push({ types, reason: `the subscription list of ${what} is incomplete: Resource Graph limited it` });
        }
        skipToken = page.skipToken;
      } while (skipToken !== undefined);
    } catch (error) {
      if (!(error instanceof RetriesExhaustedError)) throw error;
      this.gaps.push({ types, reason: `listing the subscriptions of ${what} failed: ${error.message}` });
      return undefined;
    }
    return [...new Set(ids)];
  }

  /** One page, paced against the quota and retried per the policy. */
  private async send(query: string, scope: RequestScope | undefined, skipToken: string | undefined): Promise<QueryPage> {
    return withRetries(
      this.retry,
      async (abortSignal) => {
        this.stats.requests += 1;
        let subscriptionLimitHit = false;
        const response = await this.client.resources(
          { query, ...scope, options: { resultFormat: "objectArray", top: this.options.pageSize, skipToken } },
          {
            abortSignal,
            onResponse: (raw) => {
              this.pacer.observe(raw.headers);
              subscriptionLimitHit = raw.headers.get("x-ms-tenant-subscription-limit-hit")?.toLowerCase() === "true";
            },
          },
        );
        if (!Array.isArray(response.data)) {
          throw new Error(`Resource Graph returned data that is not an array of rows (resultFormat objectArray expected)`);
        }
        return {
          data: response.data as Record<string, unknown>[],
          skipToken: response.skipToken === "" ? undefined : response.skipToken,
          truncated: response.resultTruncated === "true" && !response.skipToken,
          subscriptionLimitHit,
        };
      },
      {
        beforeAttempt: async () => {
          const waited = await this.pacer.acquire();
          if (waited > 0) {
            this.stats.throttleWaits += 1;
            this.stats.throttleWaitMs += waited;
          }
        },
        onRetry: ({ delayMs, failure }) => {
          this.stats.retries += 1;
          if (failure.throttled) {
            this.stats.throttleWaits += 1;
            this.stats.throttleWaitMs += delayMs;
          }
        },
      },
    );
  }

  private result(scopeMode: ScopeMode, subscriptionCount?: number): ResourceGraphResult {
    this.stats.durationMs = Date.now() - this.started;
    return { stats: this.stats, gaps: this.gaps, scopeMode, subscriptionCount };
  }
}

interface QueryPage {
  data: Record<string, unknown>[];
  skipToken?: string;
  /** Results cut short with no way to page on. */
  truncated: boolean;
  subscriptionLimitHit: boolean;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
