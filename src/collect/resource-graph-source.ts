// The live resource source: runs the query families of queries.ts against Resource Graph and streams the rows,
// page by page, in the snapshot row shape. It paces itself against the user's quota, retries transient failures,
// and when a family still fails it records a coverage gap (which types, which subscriptions, why) and goes on.
//
// Throughput: a query's pages form a chain (each needs the previous page's skip token), so the collector runs chains
// side by side (every family × subscription batch) with as many requests in flight as the quota can use at the
// observed latency: ceil(quota rate × latency) + 1, at most `maxConcurrency`. A family whose first page shows it
// would outlast the rest of the collection is split by subscription into several chains. The quota pacer, not the
// concurrency, keeps the request rate inside the quota.
//
// Response size: Resource Graph refuses any single response over 16 MiB (HTTP 400 ResponsePayloadTooLarge), and
// 1,000 NSG or VNet rows of a real estate can weigh more. The refused request is not retried as is: its chain asks
// for half as many rows from the same place (same skip token) until a page fits, then doubles back towards the full
// page after each page read, except to a size refused within the chain's last GROW_BACK_AFTER_PAGES pages. Only a
// single row that is too large on its own becomes a coverage gap (family, subscriptions, where in the result, why);
// the chain steps over it with `$skip` and reads on, so a family never turns into a gap while a smaller page would do.

import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { AuditorError } from "../errors";
import type { CoverageGap } from "../model/estate";
import type { ResourceRow } from "../model/row";
import { ChainScheduler } from "./chain-scheduler";
import {
  type ArmConnection,
  buildArmConnection,
  type CollectionScope,
  CollectionConfigError,
  restClientOptions,
  validateScope,
} from "./collection-config";
import { QUERY_FAMILIES, type QueryFamily, renestRow } from "./queries";
import { chunk, partition } from "./subscription-batches";
import { failedChainGap, oversizedRowGap, oversizedRunGap, truncatedChainGap } from "./coverage-gaps";
import { listSubscriptionIds } from "./subscription-listing";
import { type Chain, FIRST_PAGE, growBack, MAX_OVERSIZED_IN_A_ROW, MIN_SPLIT_PAGES } from "./query-chain";
import type {
  PageSink,
  ResourceGraphOptions,
  ResourceGraphResult,
  ResourceGraphStats,
  ScopeMode,
  SubscriptionListing,
} from "./resource-graph-types";
import { PacedQueryClient, type QueryPage, type RequestScope } from "./paced-query-client";
import { DEFAULT_QUOTA, QuotaPacer } from "./quota-pacer";
import { RepeatedRowFilter } from "./repeated-row-filter";
import { RetriesExhaustedError, resolveRetryPolicy } from "./retry-policy";

export type {
  PageSink,
  ResourceGraphOptions,
  ResourceGraphProgress,
  ResourceGraphResult,
  ResourceGraphStats,
  ScopeMode,
  SubscriptionListing,
} from "./resource-graph-types";

/** Resource Graph's limits: rows per page and subscriptions per request. */
export const MAX_PAGE_SIZE = 1000;
export const MAX_SUBSCRIPTIONS_PER_REQUEST = 1000;
/** Requests in flight at most, whatever the latency; `maxConcurrency` changes it. */
export const DEFAULT_MAX_CONCURRENCY = 6;
const CONCURRENCY_LIMIT = 32;

/**
 * Streams every audited row in scope to `onRows`, one call per page. Resolves with statistics and coverage gaps;
 * rejects only for invalid options (`CollectionConfigError`) or when `onRows` itself throws.
 */
export async function collectFromResourceGraph(
  onRows: PageSink,
  options: ResourceGraphOptions = {},
): Promise<ResourceGraphResult> {
  const scope = validateScope(options.scope ?? {});
  const pageSize = boundedSetting("pageSize", options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const batchSize = boundedSetting(
    "batchSize",
    options.batchSize ?? MAX_SUBSCRIPTIONS_PER_REQUEST,
    MAX_SUBSCRIPTIONS_PER_REQUEST,
  );
  const maxConcurrency = boundedSetting(
    "maxConcurrency",
    options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    CONCURRENCY_LIMIT,
  );
  const connection = options.connection ?? buildArmConnection();
  const run = new ResourceGraphRun(connection, onRows, { ...options, pageSize, maxConcurrency });
  return run.collect(scope, batchSize, options.families ?? QUERY_FAMILIES);
}

/**
 * The subscriptions of a scope: explicit subscriptions as given (no request), else those of the management groups or
 * of the tenant, listed from `resourcecontainers` like the collector does. Rejects with COLLECTION_FAILED when the
 * listing fails after retries.
 */
export async function listSubscriptionsInScope(
  options: Pick<ResourceGraphOptions, "connection" | "scope" | "retry" | "quota" | "observer"> = {},
): Promise<SubscriptionListing> {
  const scope = validateScope(options.scope ?? {});
  if (scope.subscriptions !== undefined)
    return { subscriptions: [...scope.subscriptions].sort(), gaps: [], requests: 0, durationMs: 0 };
  const run = new ResourceGraphRun(options.connection ?? buildArmConnection(), () => undefined, {
    ...options,
    pageSize: MAX_PAGE_SIZE,
    maxConcurrency: 1,
  });
  return run.listSubscriptions(scope);
}

function boundedSetting(setting: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CollectionConfigError(setting, `must be a whole number from 1 to ${max} (got ${value})`);
  }
  return value;
}

class ResourceGraphRun {
  private readonly pacer: QuotaPacer;
  private readonly requests: PacedQueryClient;
  private readonly started = Date.now();
  private readonly stats: ResourceGraphStats = {
    rowsByType: {},
    requests: 0,
    pages: 0,
    throttleWaits: 0,
    throttleWaitMs: 0,
    retries: 0,
    maxInFlight: 0,
    splits: 0,
    payloadTooLarge: 0,
    pageHalvings: 0,
    oversizedRows: 0,
    durationMs: 0,
  };
  private readonly gaps: CoverageGap[] = [];
  private readonly scheduler = new ChainScheduler<Chain>(
    (chain) => this.readPage(chain),
    () => this.concurrency(),
  );
  /** Chains queued or being read: their pages still to read decide whether a big family splits. */
  private readonly activeChains = new Set<Chain>();
  private readonly repeated = new RepeatedRowFilter();
  /** Chains that have read their first page and wait for the other first pages before deciding whether to split. */
  private readonly undecided: Chain[] = [];
  private readonly familyProgress = new Map<string, { pages: number; rows: number; started: number }>();
  private sinkTail: Promise<void> = Promise.resolve();
  /** Management-group scope: the groups, and the families held back until the first answer shows how to query them. */
  private groups: string[] | undefined;
  private heldFamilies: QueryFamily[] = [];
  /** The groups' subscriptions in batches, listed once when Resource Graph reports its subscription limit. */
  private groupBatches: Promise<string[][] | undefined> | undefined;
  /** Every type the run collects: what a failed fallback from groups to subscriptions leaves out. */
  private allTypes: string[] = [];
  private scopeMode: ScopeMode = "subscriptions";
  private subscriptionCount: number | undefined;
  /** The subscriptions in scope, once given or listed (the estate counts them as audited even when empty). */
  private scopeSubscriptions: string[] | undefined;

  constructor(
    connection: ArmConnection,
    private readonly onRows: PageSink,
    private readonly options: ResourceGraphOptions & { pageSize: number; maxConcurrency: number },
  ) {
    this.pacer = new QuotaPacer(options.quota ?? DEFAULT_QUOTA);
    this.requests = new PacedQueryClient(
      new ResourceGraphClient(connection.credential, restClientOptions(connection)),
      this.pacer,
      resolveRetryPolicy(options.retry),
      this.stats,
      options,
    );
  }

  async collect(
    scope: CollectionScope,
    batchSize: number,
    families: readonly QueryFamily[],
  ): Promise<ResourceGraphResult> {
    this.allTypes = families.flatMap((family) => family.types);
    let batches: string[][] | undefined;
    if (scope.subscriptions !== undefined) {
      this.scopeMode = "subscriptions";
      batches = chunk(scope.subscriptions, batchSize);
    } else if (scope.managementGroups !== undefined) {
      this.scopeMode = "managementGroups";
    } else {
      this.scopeMode = "tenantSubscriptions";
      const discovered = await this.discoverSubscriptions(undefined, this.allTypes, "the tenant");
      if (discovered === undefined) return this.result();
      batches = chunk(discovered, batchSize);
    }

    if (batches !== undefined) {
      this.subscriptionCount = batches.reduce((sum, batch) => sum + batch.length, 0);
      this.scopeSubscriptions = batches.flat();
      for (const family of families) for (const batch of batches) this.addChain(family, { subscriptions: batch });
    } else if (scope.managementGroups !== undefined && families.length > 0) {
      // The first answer tells whether Resource Graph cuts the groups at its subscription limit, which decides how
      // every family is queried; the other families wait for it.
      const [first, ...rest] = families as [QueryFamily, ...QueryFamily[]];
      this.groups = scope.managementGroups;
      this.heldFamilies = rest;
      this.addChain(first, { managementGroups: scope.managementGroups });
    }
    await this.scheduler.run();
    return this.result();
  }

  async listSubscriptions(scope: CollectionScope): Promise<SubscriptionListing> {
    const what =
      scope.managementGroups !== undefined ? `management groups ${scope.managementGroups.join(", ")}` : "the tenant";
    const requestScope =
      scope.managementGroups !== undefined ? { managementGroups: scope.managementGroups } : undefined;
    const allTypes = QUERY_FAMILIES.flatMap((family) => family.types);
    const listed = await this.discoverSubscriptions(requestScope, allTypes, what);
    const { stats, gaps } = this.result();
    if (listed === undefined)
      throw new AuditorError(
        "COLLECTION_FAILED",
        gaps.map((gap) => gap.reason).join("; ") || `listing the subscriptions of ${what} failed`,
      );
    return { subscriptions: listed.sort(), gaps, requests: stats.requests, durationMs: stats.durationMs };
  }

  /** Requests allowed in flight: enough to use the quota at the observed latency, one until the first answer. */
  private concurrency(): number {
    const latencyMs = this.requests.latencyMs;
    if (latencyMs === undefined) return 1;
    const wanted = Math.ceil((this.pacer.ratePerSecond * latencyMs) / 1000) + 1;
    return Math.min(this.options.maxConcurrency, Math.max(1, wanted));
  }

  private addChain(family: QueryFamily, scope: RequestScope, handedOn?: ReadonlySet<string>): void {
    const chain: Chain = {
      family,
      scope,
      pages: 0,
      rows: 0,
      received: 0,
      skipped: 0,
      top: this.options.pageSize,
      pagesSinceRefusal: 0,
      oversizedInARow: 0,
      lastIdAt: -1,
      handedOn,
      splittable: handedOn === undefined && "subscriptions" in scope,
    };
    this.activeChains.add(chain);
    this.scheduler.add(chain, FIRST_PAGE);
  }

  /**
   * Reads a chain's next page and hands its rows on, then queues the chain's next page, or splits the chain. A
   * failure after retries becomes a coverage gap. In a management group scope, a first page that reports the
   * subscription limit is dropped unread and the family is queried by the groups' subscriptions instead.
   */
  private async readPage(chain: Chain): Promise<void> {
    const { family, scope } = chain;
    const { query, authorizationScopeFilter: filter } = family;
    const progress = this.progressOf(family);
    let page: QueryPage;
    try {
      const priority = chain.pages === 0 ? FIRST_PAGE : this.pagesLeft(chain);
      page = await this.requests.send(query, scope, chain.skipToken, priority, chain.top, chain.skip, filter);
    } catch (error) {
      this.pageFailed(chain, error);
      return;
    }

    if (chain.pages === 0 && "managementGroups" in scope) {
      if (page.subscriptionLimitHit) return this.requeryBySubscriptions(chain, scope.managementGroups);
      this.releaseHeldFamilies(undefined);
    }

    const fresh = this.repeated.keepNew(family, page.data);
    const raw = chain.handedOn === undefined ? fresh : fresh.filter((row) => !chain.handedOn?.has(String(row["id"])));
    const renested = raw.map((row) => renestRow(family, row));
    for (const row of renested) {
      const type = typeof row.type === "string" ? row.type.toLowerCase() : "(no type)";
      this.stats.rowsByType[type] = (this.stats.rowsByType[type] ?? 0) + 1;
    }
    const first = chain.pages === 0;
    chain.pages += 1;
    chain.rows += renested.length;
    chain.received += page.data.length;
    chain.skip = undefined;
    chain.oversizedInARow = 0;
    if (page.data.length > 0) {
      chain.lastId = String(page.data[page.data.length - 1]?.["id"]);
      chain.lastIdAt = chain.received + chain.skipped - 1;
    }
    growBack(chain, this.options.pageSize);
    chain.totalRecords ??= page.totalRecords;
    this.stats.pages += 1;
    progress.pages += 1;
    progress.rows += renested.length;
    if (renested.length > 0) await this.deliver(renested);
    this.options.onProgress?.({
      family: family.name,
      pages: progress.pages,
      rows: progress.rows,
      elapsedMs: Date.now() - progress.started,
    });
    if (page.truncated) this.gaps.push(truncatedChainGap(chain));
    if (page.skipToken === undefined || this.scheduler.stopped) {
      this.activeChains.delete(chain);
      if (first) this.decideSplits();
      return;
    }
    chain.skipToken = page.skipToken;
    if (first && chain.splittable) {
      chain.firstPageIds = new Set(page.data.map((row) => String(row["id"])));
      this.undecided.push(chain);
      this.decideSplits();
      return;
    }
    this.scheduler.add(chain, this.pagesLeft(chain));
  }

  /** A page that could not be read: read less when it was too large, else the chain ends in a coverage gap. */
  private pageFailed(chain: Chain, error: unknown): void {
    if (error instanceof RetriesExhaustedError && error.failure.payloadTooLarge === true && !this.scheduler.stopped) {
      this.readLess(chain, error);
      return;
    }
    this.activeChains.delete(chain);
    if (!(error instanceof RetriesExhaustedError)) throw error;
    this.gaps.push(failedChainGap(chain, error));
    if (chain.pages === 0) {
      this.releaseHeldFamilies(undefined);
      this.decideSplits();
    }
  }

  /**
   * The groups hit Resource Graph's subscription limit: the first page is dropped unread, and the family is queried
   * by the groups' subscriptions instead.
   */
  private async requeryBySubscriptions(chain: Chain, groups: string[]): Promise<void> {
    this.activeChains.delete(chain);
    const batches = await this.subscriptionBatchesOfGroups(groups);
    // Listing failed: the gap covers every family, and the run ends with what it has.
    if (batches === undefined) return;
    for (const batch of batches) this.addChain(chain.family, { subscriptions: batch });
    this.releaseHeldFamilies(batches);
  }

  /**
   * Once every batch-wide chain has read its first page, splits those that need it and queues the others. Deciding
   * earlier would judge a family against the few sizes known so far, and split families that are not big at all.
   */
  private decideSplits(): void {
    for (const chain of this.activeChains) if (chain.splittable && chain.pages === 0) return;
    const waiting = this.undecided.splice(0).sort((a, b) => this.pagesLeft(b) - this.pagesLeft(a));
    for (const chain of waiting) {
      const handedOn = chain.firstPageIds ?? new Set<string>();
      chain.firstPageIds = undefined;
      chain.splittable = false;
      if (!this.split(chain, handedOn)) this.scheduler.add(chain, this.pagesLeft(chain));
    }
  }

  /**
   * Splits a chain over a batch of subscriptions into chains over parts of it when its pages left are more than its
   * share of all the pages left: the chains then end together instead of this one running on alone. The parts re-read
   * the rows of the first page (skipped by id), which costs about one page, plus a partial last page each.
   */
  private split(chain: Chain, handedOn: ReadonlySet<string>): boolean {
    const subscriptions = "subscriptions" in chain.scope ? chain.scope.subscriptions : [];
    const left = this.pagesLeft(chain);
    if (subscriptions.length < 2 || left < MIN_SPLIT_PAGES) return false;
    let allLeft = 0;
    for (const active of this.activeChains) allLeft += this.pagesLeft(active);
    const parts = Math.min(
      subscriptions.length,
      this.options.maxConcurrency,
      Math.ceil((left * this.concurrency()) / allLeft),
    );
    if (parts < 2) return false;
    this.activeChains.delete(chain);
    this.stats.splits += 1;
    for (const part of partition(subscriptions, parts)) this.addChain(chain.family, { subscriptions: part }, handedOn);
    return true;
  }

  /** Pages a chain has still to read; 1 for a chain that has not read its first page. */
  private pagesLeft(chain: Chain): number {
    if (chain.totalRecords === undefined) return 1;
    return Math.max(1, Math.ceil((chain.totalRecords - chain.received - chain.skipped) / this.options.pageSize));
  }

  /**
   * A page refused as over the response size limit: ask for half as many rows from the same place. A single row that
   * is still too large is named in a coverage gap and stepped over with `$skip` (which overrides the skip token's
   * offset), and the chain reads on from the next row.
   */
  private readLess(chain: Chain, error: RetriesExhaustedError): void {
    this.stats.payloadTooLarge += 1;
    const priority = chain.pages === 0 ? FIRST_PAGE : this.pagesLeft(chain);
    if (chain.top > 1) {
      this.stats.pageHalvings += 1;
      chain.refusedTop = chain.top;
      chain.pagesSinceRefusal = 0;
      chain.top = Math.max(1, Math.floor(chain.top / 2));
      this.scheduler.add(chain, priority);
      return;
    }
    const position = chain.received + chain.skipped;
    this.stats.oversizedRows += 1;
    chain.oversizedInARow += 1;
    if (chain.oversizedInARow > MAX_OVERSIZED_IN_A_ROW) {
      // Termination, whatever the service does with $skip: the rest of the chain is a gap, not an endless walk.
      this.activeChains.delete(chain);
      this.gaps.push(oversizedRunGap(chain, error));
      if (chain.pages === 0) {
        this.releaseHeldFamilies(undefined);
        this.decideSplits();
      }
      return;
    }
    this.gaps.push(oversizedRowGap(chain, error));
    chain.skipped += 1;
    chain.skip = position + 1;
    // The neighbours of a huge row may be big too: start again from one row and grow back page by page.
    chain.refusedTop = undefined;
    this.scheduler.add(chain, priority);
  }

  /** The other families of a management-group scope, once the first answer shows how to query them. */
  private releaseHeldFamilies(batches: string[][] | undefined): void {
    const held = this.heldFamilies;
    this.heldFamilies = [];
    for (const family of held) {
      if (batches !== undefined) for (const batch of batches) this.addChain(family, { subscriptions: batch });
      else if (this.groups !== undefined) this.addChain(family, { managementGroups: this.groups });
    }
  }

  /** The groups' subscriptions in batches, listed once; undefined (and a gap for every type) when listing fails. */
  private subscriptionBatchesOfGroups(groups: string[]): Promise<string[][] | undefined> {
    this.groupBatches ??= (async () => {
      this.scopeMode = "managementGroupSubscriptions";
      const discovered = await this.discoverSubscriptions(
        { managementGroups: groups },
        this.allTypes,
        `management groups ${groups.join(", ")}`,
      );
      if (discovered === undefined) {
        this.heldFamilies = [];
        return undefined;
      }
      this.subscriptionCount = discovered.length;
      this.scopeSubscriptions = discovered;
      return chunk(discovered, this.options.batchSize ?? MAX_SUBSCRIPTIONS_PER_REQUEST);
    })();
    return this.groupBatches;
  }

  private progressOf(family: QueryFamily): { pages: number; rows: number; started: number } {
    let progress = this.familyProgress.get(family.name);
    if (progress === undefined) {
      progress = { pages: 0, rows: 0, started: Date.now() };
      this.familyProgress.set(family.name, progress);
    }
    return progress;
  }

  /** Hands rows to the sink one page at a time, in the order pages arrive; nothing once the run has stopped. */
  private deliver(rows: ResourceRow[]): Promise<void> {
    const delivered = this.sinkTail.then(() => (this.scheduler.stopped ? undefined : this.onRows(rows)));
    // The next page waits for this one, whether it succeeded or not; a failure reaches the run through `delivered`.
    this.sinkTail = delivered.then(
      () => undefined,
      () => undefined,
    );
    return delivered;
  }

  /** Lists subscription ids (lower case) in scope; on failure records a gap for `types` and returns undefined. */
  private discoverSubscriptions(
    scope: RequestScope | undefined,
    types: string[],
    what: string,
  ): Promise<string[] | undefined> {
    return listSubscriptionIds(this.requests, scope, { types, what, pageSize: this.options.pageSize, gaps: this.gaps });
  }

  private result(): ResourceGraphResult {
    this.stats.durationMs = Date.now() - this.started;
    return {
      stats: this.stats,
      gaps: this.gaps,
      scopeMode: this.scopeMode,
      subscriptionCount: this.subscriptionCount,
      ...(this.scopeSubscriptions === undefined
        ? {}
        : { scopeSubscriptions: this.scopeSubscriptions.map((id) => id.toLowerCase()) }),
    };
  }
}
