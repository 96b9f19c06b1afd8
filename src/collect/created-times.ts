// Creation times of managed instances and VNets, which only ARM has: Resource Graph rows carry no `createdTime`, and
// ARM's resources list gives it with `$expand=createdTime`. `mi.peering.global-legacy-subnet` needs both (an MI created
// before global peering was supported, a VNet created after it).
//
// One list per subscription and type (`$filter=resourceType eq '<type>'`), shared by every page of the collection,
// following `nextLink`; each page is its own call under the run's retry policy, so a failure on page 3 retries page 3.
// A VNet's creation time only matters beside an MI, so VNets are listed where the subscription holds one: an MI row
// asks for both lists, a VNet row first for the (cached) MI list. Rows arrive page by page in no fixed order, and the
// estate builder reads a row when it is handed on, so a VNet row cannot wait for the MI rows to show up.

import { ResourceManagementClient } from "@azure/arm-resources";
import { AUDITED_TYPES, type ResourceRow } from "../model/row";
import { type ArmConnection, restClientOptions } from "./collection-config";

/** The api-version of the resources list the reader asks for (Microsoft.Resources, azure-rest-api-specs). */
export const RESOURCES_LIST_API_VERSION = "2021-04-01";

/** The audited types whose creation time is read, with their ARM spelling for `$filter`. */
export const CREATED_TIME_TYPES = {
  [AUDITED_TYPES.managedInstance]: "Microsoft.Sql/managedInstances",
  [AUDITED_TYPES.virtualNetwork]: "Microsoft.Network/virtualNetworks",
} as const;

export type TimedType = keyof typeof CREATED_TIME_TYPES;

export function isTimedType(type: string): type is TimedType {
  return type in CREATED_TIME_TYPES;
}

/** How the reader runs its calls: each attempt under the run's retry policy, and who counts what. */
export interface CreatedTimeHooks {
  /** Runs one call (an attempt gets an abort signal) with the run's retries; rejects once they are spent. */
  call<T>(attempt: (abortSignal: AbortSignal) => Promise<T>): Promise<T>;
  /** A list was started (one subscription and type). */
  onList(): void;
  /** A page of a list arrived. */
  onPage(): void;
}

/**
 * `filled`: the row has ARM's time; `noTime`: ARM lists the resource without one; `notListed`: ARM does not list it;
 * `notNeeded`: its subscription holds no MI.
 */
export type CreatedTimeOutcome = "filled" | "noTime" | "notListed" | "notNeeded";

/** Lower-case id → ARM's creation time, or undefined for a resource listed without one. */
type Times = ReadonlyMap<string, string | undefined>;

/** The creation times of one collection: lists are read once per subscription and type, whichever page asks first. */
export class CreatedTimes {
  private readonly lists = new Map<string, Promise<Times>>();
  private readonly clients = new Map<string, ResourceManagementClient>();
  /** Subscriptions where Resource Graph showed an MI row: their VNets are listed whatever ARM's MI list says. */
  private readonly withInstanceRows = new Set<string>();

  constructor(private readonly connection: ArmConnection) {}

  /** Sets `row.createdTime` from ARM; rejects when a list the row needs failed for good. */
  async fill(
    row: ResourceRow,
    type: TimedType,
    subscriptionId: string,
    hooks: CreatedTimeHooks,
  ): Promise<CreatedTimeOutcome> {
    const subscription = subscriptionId.toLowerCase();
    let times: Times;
    if (type === AUDITED_TYPES.managedInstance) {
      this.withInstanceRows.add(subscription);
      // The MI's verdict reads its VNet's creation time too, so the VNet list failing leaves the MI undecided. One
      // list after the other: a task never has more than one request in flight, so the enrichment's bound holds.
      times = await this.list(subscription, type, hooks);
      await this.list(subscription, AUDITED_TYPES.virtualNetwork, hooks);
    } else {
      if (!this.withInstanceRows.has(subscription)) {
        const instances = await this.list(subscription, AUDITED_TYPES.managedInstance, hooks);
        if (instances.size === 0 && !this.withInstanceRows.has(subscription)) return "notNeeded";
      }
      times = await this.list(subscription, type, hooks);
    }
    const id = String(row.id).toLowerCase();
    if (!times.has(id)) return "notListed";
    const createdTime = times.get(id);
    if (createdTime === undefined) return "noTime";
    row.createdTime = createdTime;
    return "filled";
  }

  private list(subscription: string, type: TimedType, hooks: CreatedTimeHooks): Promise<Times> {
    const key = `${subscription}|${type}`;
    let list = this.lists.get(key);
    if (list === undefined) {
      hooks.onList();
      list = this.readList(subscription, type, hooks);
      this.lists.set(key, list);
    }
    return list;
  }

  private async readList(subscription: string, type: TimedType, hooks: CreatedTimeHooks): Promise<Times> {
    const client = this.client(subscription);
    const options = { filter: `resourceType eq '${CREATED_TIME_TYPES[type]}'`, expand: "createdTime" };
    const times = new Map<string, string | undefined>();
    let nextLink: string | undefined;
    do {
      const link = nextLink;
      const page = await hooks.call(async (abortSignal) => {
        const pages = client.resources
          .list({ ...options, abortSignal })
          .byPage(link === undefined ? undefined : { continuationToken: link });
        // The SDK sends a nextLink request without the signal: stop waiting for it when the attempt times out.
        const next = await untilAborted(abortSignal, pages.next());
        return next.done === true ? undefined : next.value;
      });
      hooks.onPage();
      for (const item of page ?? []) {
        // The SDK reads ARM's timestamp into a Date; it goes back out as ISO 8601 UTC (milliseconds kept).
        const created = item.createdTime;
        if (typeof item.id !== "string") continue;
        const valid = created instanceof Date && !Number.isNaN(created.getTime());
        times.set(item.id.toLowerCase(), valid ? created.toISOString() : undefined);
      }
      nextLink = page?.continuationToken;
    } while (nextLink !== undefined);
    return times;
  }

  private client(subscriptionId: string): ResourceManagementClient {
    let client = this.clients.get(subscriptionId);
    if (client === undefined) {
      client = new ResourceManagementClient(this.connection.credential, subscriptionId, {
        ...restClientOptions(this.connection),
        apiVersion: RESOURCES_LIST_API_VERSION,
      });
      this.clients.set(subscriptionId, client);
    }
    return client;
  }
}

/** `work`, or an AbortError (which the retry policy reads as a timed-out attempt) once `signal` aborts. */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(Object.assign(new Error("the request timed out"), { name: "AbortError" }));
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
    // Whichever settles first wins; a late failure of `work` is handled here rather than left unhandled.
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
