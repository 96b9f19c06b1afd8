// Reads from ARM what Resource Graph does not carry reliably, and adds it to the rows in place:
// - each managed instance's `azureADOnlyAuthentications/Default` child, the authoritative Entra-only setting
//   (`properties.administrators` only reflects creation time) → `row.enrichment.azureADOnlyAuthentication`;
// - a VNet's `virtualNetworkPeerings` and an ExpressRoute circuit's `peerings` when the row has no such array;
// - the `createdTime` of MIs and of the VNets beside them, from ARM's resources list (created-times.ts) → `row.createdTime`.
// Calls run with bounded concurrency and the run's retry policy. A failure never stops the run: it is noted on
// the row (`row.enrichment.errors`, which the estate builder turns into data issues), and reported to `onFailedRead`,
// from which `enrichmentGaps` makes named coverage gaps: a read that failed after its retries leaves the run
// `partial`, and the engine makes the verdicts that depend on it `unknown` (model/arm-child-types.ts).

import { NetworkManagementClient } from "@azure/arm-network";
import { SqlManagementClient } from "@azure/arm-sql";
import { armIdParts, looksLikeArmId } from "../model/arm-id";
import { ARM_CHILD_TYPES, type ArmChildType } from "../model/arm-child-types";
import type { CoverageGap } from "../model/estate";
import { isRecord } from "../model/field-reader";
import { AUDITED_TYPES, type ResourceRow } from "../model/row";
import {
  type ArmConnection,
  buildArmConnection,
  CollectionConfigError,
  restClientOptions,
  serviceClientOptions,
} from "./collection-config";
import { RetriesExhaustedError, resolveRetryPolicy, type RetryPolicy, withRetries } from "./retry-policy";
import { errorMessage } from "../errors";
import { CreatedTimes, isTimedType, type TimedType } from "./created-times";

export interface ArmEnrichmentOptions {
  connection?: ArmConnection;
  /** Requests in flight at once; default 8. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** Told of every read that failed for good (after its retries). */
  onFailedRead?: (read: FailedRead) => void;
  /**
   * The creation-time lists of the collection, shared by its pages so each subscription's list is read once; default:
   * lists of this call only.
   */
  createdTimes?: CreatedTimes;
}

/** A read that failed for good, for the run's coverage gaps. */
export interface FailedRead {
  type: ArmChildType;
  resourceId: string;
  resourceName: string;
  subscriptionId: string;
  reason: string;
}

/** A read that failed for good, noted on the row it was for. */
export interface EnrichmentError {
  /** What could not be read, as a row path or ARM child: `properties.virtualNetworkPeerings`. */
  field: string;
  reason: string;
}

/** What enrichment adds to `row.enrichment`, besides `azureADOnlyAuthentication`. */
export interface EnrichmentRecord {
  azureADOnlyAuthentication?: boolean | { error: string };
  /** Row paths filled from ARM. */
  filledFromArm?: string[];
  notes?: string[];
  errors?: EnrichmentError[];
}

export interface ArmEnrichmentStats {
  managedInstances: number;
  virtualNetworksFilled: number;
  circuitsFilled: number;
  /** ARM resources lists read for creation times (one per subscription and type), their pages, and the rows filled. */
  createdTimeLists: number;
  createdTimePages: number;
  createdTimesFilled: number;
  failures: number;
  requests: number;
  retries: number;
  durationMs: number;
}

export const DEFAULT_ENRICHMENT_CONCURRENCY = 8;

/** The child whose absence means Entra-only authentication was never turned on. */
const AAD_ONLY_CHILD = "azureADOnlyAuthentications/Default";

export async function enrichFromArm(
  rows: readonly ResourceRow[],
  options: ArmEnrichmentOptions = {},
): Promise<ArmEnrichmentStats> {
  const concurrency = options.concurrency ?? DEFAULT_ENRICHMENT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new CollectionConfigError("concurrency", `must be a whole number of at least 1 (got ${concurrency})`);
  }
  const connection = options.connection ?? buildArmConnection();
  const run = new EnrichmentRun(
    connection,
    resolveRetryPolicy(options.retry),
    options.onFailedRead,
    options.createdTimes ?? new CreatedTimes(connection),
  );
  const tasks: (() => Promise<void>)[] = [];
  for (const row of rows) {
    const target = parseResourceId(row.id);
    const type = typeof row.type === "string" ? row.type.toLowerCase() : "";
    if (isTimedType(type) && target !== undefined) {
      // Only an MI's failed read is a coverage gap (its verdict needs both times); a VNet's is noted on the VNet.
      const gapType = type === AUDITED_TYPES.managedInstance ? ARM_CHILD_TYPES.createdTime : undefined;
      tasks.push(() => run.guard(row, "createdTime", gapType, () => run.createdTime(row, type, target)));
    }
    if (type === AUDITED_TYPES.managedInstance) {
      tasks.push(() =>
        run.guard(row, AAD_ONLY_CHILD, ARM_CHILD_TYPES.entraOnlyAuthentication, () => run.azureADOnly(row, target)),
      );
    } else if (type === AUDITED_TYPES.virtualNetwork && lacksArray(row, "virtualNetworkPeerings")) {
      tasks.push(() =>
        run.guard(row, "properties.virtualNetworkPeerings", ARM_CHILD_TYPES.virtualNetworkPeerings, () =>
          run.virtualNetworkPeerings(row, target),
        ),
      );
    } else if (type === AUDITED_TYPES.expressRouteCircuit && lacksArray(row, "peerings")) {
      tasks.push(() =>
        run.guard(row, "properties.peerings", ARM_CHILD_TYPES.circuitPeerings, () => run.circuitPeerings(row, target)),
      );
    }
  }
  await runBounded(tasks, concurrency);
  return run.finish();
}

/** How many failed reads a gap names by resource; the rest are counted. */
const NAMED_PER_GAP = 5;

/**
 * Coverage gaps for reads that failed for good: one per child type and subscription, naming the resources and the
 * first reason. An MI's Entra-only setting and a circuit's peerings only decide verdicts on that MI or circuit, so
 * their gaps name the resources (`resourceIds`). VNet peerings decide more: reachability follows peerings across
 * subscriptions (an app reaches an MI in another VNet only when both sides' peerings are Connected), so a VNet whose
 * peerings could not be read leaves "can this app reach an MI" uncertain in every subscription, and its gap covers
 * them all. (The rules that judge a VNet's own peering list already make a missing list `unknown`.)
 */
export function enrichmentGaps(reads: readonly FailedRead[]): CoverageGap[] {
  const groups = new Map<string, { type: ArmChildType; subscriptionId: string | undefined; reads: FailedRead[] }>();
  for (const read of reads) {
    const subscriptionId =
      read.type === ARM_CHILD_TYPES.virtualNetworkPeerings ? undefined : read.subscriptionId.toLowerCase();
    const key = `${read.type}|${subscriptionId ?? "*"}`;
    const group = groups.get(key) ?? { type: read.type, subscriptionId, reads: [] };
    group.reads.push(read);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ type, subscriptionId, reads: failed }) => {
    const names = failed.slice(0, NAMED_PER_GAP).map((read) => read.resourceName);
    const more = failed.length > NAMED_PER_GAP ? ` and ${failed.length - NAMED_PER_GAP} more` : "";
    const reason = `ARM read of ${CHILD_LABELS[type]} failed for ${failed.length} resource(s): ${names.join(", ")}${more} (${failed[0]!.reason})`;
    return subscriptionId === undefined
      ? { types: [type], reason }
      : {
          types: [type],
          subscriptionIds: [subscriptionId],
          resourceIds: failed.map((read) => read.resourceId),
          reason,
        };
  });
}

const CHILD_LABELS: Record<ArmChildType, string> = {
  [ARM_CHILD_TYPES.entraOnlyAuthentication]: AAD_ONLY_CHILD,
  [ARM_CHILD_TYPES.virtualNetworkPeerings]: "virtualNetworkPeerings",
  [ARM_CHILD_TYPES.circuitPeerings]: "expressRouteCircuits peerings",
  [ARM_CHILD_TYPES.createdTime]: "creation times (resources list with $expand=createdTime)",
};

/** A row whose `properties` object lacks the array; rows without `properties` are left to the estate builder. */
function lacksArray(row: ResourceRow, field: string): boolean {
  return isRecord(row.properties) && !Array.isArray(row.properties[field]);
}

interface ResourceTarget {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function parseResourceId(id: unknown): ResourceTarget | undefined {
  if (typeof id !== "string" || !looksLikeArmId(id)) return undefined;
  const { subscriptionId, resourceGroup, name } = armIdParts(id.trim());
  if (subscriptionId === undefined || resourceGroup === undefined || name === undefined) return undefined;
  return { subscriptionId, resourceGroup, name };
}

class EnrichmentRun {
  private readonly started = Date.now();
  private readonly stats: ArmEnrichmentStats = {
    managedInstances: 0,
    virtualNetworksFilled: 0,
    circuitsFilled: 0,
    createdTimeLists: 0,
    createdTimePages: 0,
    createdTimesFilled: 0,
    failures: 0,
    requests: 0,
    retries: 0,
    durationMs: 0,
  };
  private readonly sqlClients = new Map<string, SqlManagementClient>();
  private readonly networkClients = new Map<string, NetworkManagementClient>();

  constructor(
    private readonly connection: ArmConnection,
    private readonly retry: RetryPolicy,
    private readonly onFailedRead: ((read: FailedRead) => void) | undefined,
    private readonly createdTimes: CreatedTimes,
  ) {}

  /**
   * Runs one read for a row; whatever goes wrong is noted on the row and reported (as a failed read of `type`, unless
   * it is undefined), never thrown.
   */
  async guard(
    row: ResourceRow,
    field: string,
    type: ArmChildType | undefined,
    read: () => Promise<void>,
  ): Promise<void> {
    try {
      await read();
    } catch (error) {
      const reason = errorMessage(error);
      this.stats.failures += 1;
      record(row).errors = [...(record(row).errors ?? []), { field, reason }];
      if (field === AAD_ONLY_CHILD) record(row).azureADOnlyAuthentication = { error: reason };
      const id = typeof row.id === "string" ? row.id : JSON.stringify(row.id);
      const subscriptionId =
        parseResourceId(row.id)?.subscriptionId ??
        (typeof row.subscriptionId === "string" ? row.subscriptionId : "unknown");
      const resourceName = typeof row.name === "string" ? row.name : (id ?? "row without an id");
      if (type !== undefined) this.onFailedRead?.({ type, resourceId: id ?? "", resourceName, subscriptionId, reason });
    }
  }

  async azureADOnly(row: ResourceRow, target: ResourceTarget | undefined): Promise<void> {
    const where = requireTarget(row, target);
    this.stats.managedInstances += 1;
    const client = this.sqlClient(where.subscriptionId);
    try {
      const child = await this.call((abortSignal) =>
        client.managedInstanceAzureADOnlyAuthentications.get(where.resourceGroup, where.name, "Default", {
          abortSignal,
        }),
      );
      if (typeof child.azureADOnlyAuthentication !== "boolean") {
        throw new Error(`${AAD_ONLY_CHILD} has no boolean azureADOnlyAuthentication`);
      }
      record(row).azureADOnlyAuthentication = child.azureADOnlyAuthentication;
    } catch (error) {
      if (!(error instanceof RetriesExhaustedError) || error.failure.statusCode !== 404) throw error;
      // No child: Entra-only authentication has never been set, which means it is off. Reading it as false can
      // only make a verdict stricter, never turn a failure into a pass.
      record(row).azureADOnlyAuthentication = false;
      record(row).notes = [
        ...(record(row).notes ?? []),
        `${AAD_ONLY_CHILD} does not exist (${error.message}); read as not enabled`,
      ];
    }
  }

  async virtualNetworkPeerings(row: ResourceRow, target: ResourceTarget | undefined): Promise<void> {
    const where = requireTarget(row, target);
    const client = this.networkClient(where.subscriptionId);
    const peerings = await this.call(async (abortSignal) => {
      const items: Record<string, unknown>[] = [];
      for await (const page of client.virtualNetworkPeerings
        .list(where.resourceGroup, where.name, { abortSignal })
        .byPage()) {
        items.push(...page.map((item) => toWireShape(item)));
      }
      return items;
    });
    fill(row, "virtualNetworkPeerings", peerings);
    this.stats.virtualNetworksFilled += 1;
  }

  async circuitPeerings(row: ResourceRow, target: ResourceTarget | undefined): Promise<void> {
    const where = requireTarget(row, target);
    const client = this.networkClient(where.subscriptionId);
    const peerings = await this.call(async (abortSignal) => {
      const items: Record<string, unknown>[] = [];
      for await (const page of client.expressRouteCircuitPeerings
        .list(where.resourceGroup, where.name, { abortSignal })
        .byPage()) {
        items.push(...page.map((item) => toWireShape(item, ["connections", "peeredConnections"])));
      }
      return items;
    });
    fill(row, "peerings", peerings);
    this.stats.circuitsFilled += 1;
  }

  /** The row's creation time from ARM's resources list of its subscription (created-times.ts). */
  async createdTime(row: ResourceRow, type: TimedType, target: ResourceTarget): Promise<void> {
    const outcome = await this.createdTimes.fill(row, type, target.subscriptionId, {
      call: (attempt) => this.call(attempt),
      onList: () => (this.stats.createdTimeLists += 1),
      onPage: () => (this.stats.createdTimePages += 1),
    });
    if (outcome === "filled") {
      this.stats.createdTimesFilled += 1;
      record(row).filledFromArm = [...(record(row).filledFromArm ?? []), "createdTime"];
    } else if (outcome === "notListed" || outcome === "noTime") {
      const why =
        outcome === "notListed"
          ? `ARM's resources list of subscription ${target.subscriptionId} does not list this resource`
          : "ARM lists this resource without a createdTime";
      record(row).notes = [...(record(row).notes ?? []), `${why}; its creation time is unknown`];
    }
  }

  finish(): ArmEnrichmentStats {
    this.stats.durationMs = Date.now() - this.started;
    return this.stats;
  }

  private call<T>(attempt: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetries(
      this.retry,
      (abortSignal) => {
        this.stats.requests += 1;
        return attempt(abortSignal);
      },
      { onRetry: () => (this.stats.retries += 1) },
    );
  }

  private sqlClient(subscriptionId: string): SqlManagementClient {
    let client = this.sqlClients.get(subscriptionId);
    if (client === undefined) {
      client = new SqlManagementClient(
        this.connection.credential,
        subscriptionId,
        serviceClientOptions(this.connection),
      );
      this.sqlClients.set(subscriptionId, client);
    }
    return client;
  }

  private networkClient(subscriptionId: string): NetworkManagementClient {
    let client = this.networkClients.get(subscriptionId);
    if (client === undefined) {
      client = new NetworkManagementClient(
        this.connection.credential,
        subscriptionId,
        restClientOptions(this.connection),
      );
      this.networkClients.set(subscriptionId, client);
    }
    return client;
  }
}

function requireTarget(row: ResourceRow, target: ResourceTarget | undefined): ResourceTarget {
  if (target === undefined) throw new Error(`the row id ${JSON.stringify(row.id)} is not an ARM resource id`);
  return target;
}

function record(row: ResourceRow): EnrichmentRecord {
  row.enrichment ??= {};
  return row.enrichment;
}

function fill(row: ResourceRow, field: string, value: unknown[]): void {
  (row.properties as Record<string, unknown>)[field] = value;
  record(row).filledFromArm = [...(record(row).filledFromArm ?? []), `properties.${field}`];
}

/**
 * The SDK flattens `properties` into the model; Resource Graph rows and snapshots nest them. Put them back, so
 * filled-in arrays look like the ones Resource Graph returns. `nested` names arrays of sub-resources to re-nest too.
 */
export function toWireShape(item: object, nested: string[] = []): Record<string, unknown> {
  const { id, name, type, etag, ...flattened } = item as Record<string, unknown>;
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flattened)) {
    if (value === undefined) continue;
    properties[key] =
      nested.includes(key) && Array.isArray(value) ? value.map((child: object) => toWireShape(child)) : value;
  }
  const wire: Record<string, unknown> = { name, id };
  if (type !== undefined) wire["type"] = type;
  if (etag !== undefined) wire["etag"] = etag;
  wire["properties"] = properties;
  return wire;
}

async function runBounded(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
