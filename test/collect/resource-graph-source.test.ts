// The live source against the emulator, through the real Resource Graph SDK client.

import { readFileSync } from "node:fs";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { describe, expect, it } from "vitest";
import { CollectionConfigError, restClientOptions } from "../../src/collect/collection-config";
import { QUERY_FAMILIES, type QueryFamily } from "../../src/collect/queries";
import { collectFromResourceGraph } from "../../src/collect/resource-graph-source";
import { SUBSCRIPTION_TYPE } from "../../src/model/management-group-ancestry";
import { AUDITED_TYPES } from "../../src/model/row";
import { managedInstanceRow, nsgEstate, subscriptionIds } from "../fixtures/collect/generate-estate";
import { emulatorPerTest, FAST_RETRY, rowCollector } from "./emulator-connection";

const SMALL_ESTATE = JSON.parse(readFileSync("test/fixtures/collect/small-estate.json", "utf8")) as {
  data: Record<string, unknown>[];
};
const S1 = "5f1d0c2a-1111-4111-8111-11111111aaaa";
const S2 = "7e2b9d4c-2222-4222-8222-22222222bbbb";
const NSG_FAMILY = QUERY_FAMILIES.find((family) => family.name === "networkSecurityGroups") as QueryFamily;

const start = emulatorPerTest();

const ids = (rows: { id?: unknown }[]) => rows.map((row) => String(row.id));

/** What the snapshot row looks like through a family's projection: base columns plus the projected paths. */
function expectedRow(family: QueryFamily, row: Record<string, unknown>): Record<string, unknown> {
  const expected: Record<string, unknown> = {};
  for (const column of [
    "id",
    "name",
    "type",
    "location",
    "subscriptionId",
    "resourceGroup",
    "tags",
    ...family.extraColumns,
  ]) {
    expected[column] = row[column] ?? null;
  }
  const properties: Record<string, unknown> = {};
  for (const path of family.propertyPaths) {
    const segments = path.split(".").slice(1);
    let value: unknown = row["properties"];
    for (const segment of segments) value = (value as Record<string, unknown> | undefined)?.[segment];
    if (value === undefined || value === null) continue;
    let node = properties;
    segments.slice(0, -1).forEach((segment) => (node = (node[segment] ??= {}) as Record<string, unknown>));
    node[segments[segments.length - 1] as string] = value;
  }
  if (Object.keys(properties).length > 0) expected["properties"] = properties;
  return expected;
}

describe("collectFromResourceGraph", () => {
  it("streams every audited row in the snapshot row shape, and nothing else", async () => {
    const { connection } = await start({ estate: SMALL_ESTATE });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, { connection });
    // Besides the audited rows, one `resourcecontainers` row per subscription: its management-group ancestry.
    const subscriptionRows = sink.rows.filter((row) => row.type === SUBSCRIPTION_TYPE);
    expect(subscriptionRows.map((row) => row.id)).toEqual([`/subscriptions/${S1}`, `/subscriptions/${S2}`]);
    sink.rows.splice(0, sink.rows.length, ...sink.rows.filter((row) => row.type !== SUBSCRIPTION_TYPE));

    const expected = QUERY_FAMILIES.flatMap((family) =>
      SMALL_ESTATE.data
        .filter((row) => family.types.includes(String(row["type"])))
        .map((row) => expectedRow(family, row)),
    );
    expect(sink.rows).toHaveLength(14);
    expect(sink.rows).toEqual(expect.arrayContaining(expected));
    expect(expected).toEqual(expect.arrayContaining(sink.rows));
    expect(ids(sink.rows)).not.toContain(expect.stringContaining("storageAccounts"));
    expect(result.gaps).toEqual([]);
    expect(result.scopeMode).toBe("tenantSubscriptions");
    expect(result.stats.rowsByType).toEqual({
      [AUDITED_TYPES.managedInstance]: 2,
      [AUDITED_TYPES.networkSecurityGroup]: 1,
      [AUDITED_TYPES.virtualNetwork]: 3,
      [AUDITED_TYPES.virtualNetworkGateway]: 1,
      [AUDITED_TYPES.connection]: 1,
      [AUDITED_TYPES.expressRouteCircuit]: 1,
      [AUDITED_TYPES.publicIpAddress]: 1,
      [AUDITED_TYPES.publicIpPrefix]: 1,
      [AUDITED_TYPES.webApp]: 1,
      [AUDITED_TYPES.appServiceEnvironment]: 1,
      [AUDITED_TYPES.networkInterface]: 1,
      [SUBSCRIPTION_TYPE]: 2,
    });
  });

  it("pages through an estate larger than several pages and hands on every row exactly once", async () => {
    const subscriptions = subscriptionIds(3);
    const estate = nsgEstate(subscriptions, 1_100);
    const { emulator, connection } = await start({ estate });
    const sink = rowCollector();
    const progress: number[] = [];
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: [NSG_FAMILY],
      onProgress: (p) => progress.push(p.rows),
    });

    expect(sink.rows).toHaveLength(3_300);
    expect(new Set(ids(sink.rows))).toEqual(new Set(ids(estate["data"] as { id: string }[])));
    expect(sink.pages).toBe(4);
    expect(progress).toEqual([1_000, 2_000, 3_000, 3_300]);
    expect(result.stats).toMatchObject({ pages: 4, requests: 4, retries: 0 });
    expect(emulator.stats.resourceGraphLog.map((entry) => entry.page)).toEqual([1, 2, 3, 4]);
  });

  it("paces against the quota so that no 429 is ever sent (quota 5 per window, 30 pages)", async () => {
    const subscriptions = subscriptionIds(1);
    const { emulator, connection } = await start({
      estate: nsgEstate(subscriptions, 300),
      quota: { limit: 5, windowMs: 1_000 },
    });
    const sink = rowCollector();
    const started = Date.now();
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: [NSG_FAMILY],
      pageSize: 10,
    });

    expect(sink.rows).toHaveLength(300);
    expect(result.stats.pages).toBe(30);
    expect(emulator.stats.throttled).toBe(0);
    // 30 requests at 5 per window need 6 windows: 5 waits at least.
    expect(result.stats.throttleWaits).toBeGreaterThanOrEqual(5);
    expect(result.stats.throttleWaitMs).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 1_000 - 100);
  });

  it("honours Retry-After when another client of the same user has spent the quota", async () => {
    const subscriptions = subscriptionIds(2);
    const { emulator, connection } = await start({
      estate: nsgEstate(subscriptions, 60),
      quota: { limit: 4, windowMs: 1_000 },
    });
    // Same credential, same token: the same user. It spends the whole window before the collector starts.
    const other = new ResourceGraphClient(connection.credential, restClientOptions(connection));
    for (let n = 0; n < 4; n += 1) await other.resources({ query: NSG_FAMILY.query, subscriptions });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: [NSG_FAMILY],
      pageSize: 20,
      retry: FAST_RETRY,
    });

    // The collector's first request meets the spent quota; from its 429 on, it follows the quota headers.
    expect(emulator.stats.throttled).toBe(1);
    expect(result.stats.retries).toBe(1);
    expect(result.stats.throttleWaits).toBeGreaterThanOrEqual(1);
    // Retry-After is whole seconds, rounded up: at least a second, though FAST_RETRY's own backoff is 50 ms at most.
    expect(result.stats.throttleWaitMs).toBeGreaterThanOrEqual(1_000);
    expect(sink.rows).toHaveLength(120);
    expect(result.gaps).toEqual([]);
  });

  it("recovers from injected 500s and dropped connections", async () => {
    const subscriptions = subscriptionIds(2);
    const estate = nsgEstate(subscriptions, 1_000);
    const { emulator, connection } = await start({
      estate,
      quota: { limit: 1_000 },
      faults: "error:rate=0.25;drop:rate=0.15",
      seed: 7,
    });
    const sink = rowCollector();
    const reasons: string[] = [];
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: [NSG_FAMILY],
      pageSize: 100,
      retry: { ...FAST_RETRY, maxRetries: 8 },
      onRetry: ({ reason }) => reasons.push(reason),
    });

    expect(reasons).toHaveLength(result.stats.retries);
    expect(reasons).toContainEqual(expect.stringMatching(/^HTTP 500/));
    expect(emulator.stats.faults.error).toBeGreaterThan(0);
    expect(emulator.stats.faults.drop).toBeGreaterThan(0);
    expect(result.gaps).toEqual([]);
    expect(sink.rows).toHaveLength(2_000);
    expect(new Set(ids(sink.rows)).size).toBe(2_000);
    expect(result.stats.retries).toBe(emulator.stats.faults.error + emulator.stats.faults.drop);
    // Every request brought a page or was retried (a split family re-reads up to a page, so pages may exceed 20).
    expect(result.stats.pages).toBeGreaterThanOrEqual(20);
    expect(result.stats.requests).toBe(result.stats.pages + result.stats.retries);
  });

  it("records a gap with the types, subscriptions and reason when a family keeps failing, and collects the rest", async () => {
    const { emulator, connection } = await start({
      estate: SMALL_ESTATE,
      faults: "error:status=503,match=networksecuritygroups",
    });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions: [S1, S2] },
      retry: FAST_RETRY,
    });

    expect(result.gaps).toHaveLength(1);
    const [gap] = result.gaps;
    expect(gap?.types).toEqual([AUDITED_TYPES.networkSecurityGroup]);
    expect(gap?.subscriptionIds).toEqual([S1, S2]);
    expect(gap?.reason).toMatch(/^networkSecurityGroups: HTTP 503 .*after 5 attempts/);
    expect(emulator.stats.faults.error).toBe(5);
    expect(sink.rows.filter((row) => row.type === AUDITED_TYPES.networkSecurityGroup)).toEqual([]);
    // 13 audited rows and the two subscriptions' ancestry rows.
    expect(sink.rows).toHaveLength(13 + 2);
  });

  it("records where paging broke off when a later page keeps failing", async () => {
    const subscriptions = subscriptionIds(1);
    const { connection } = await start({ estate: nsgEstate(subscriptions, 500), faults: "error:page=3" });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: [NSG_FAMILY],
      pageSize: 100,
      retry: FAST_RETRY,
    });

    expect(sink.rows).toHaveLength(200);
    expect(result.gaps).toEqual([
      {
        types: [AUDITED_TYPES.networkSecurityGroup],
        subscriptionIds: subscriptions,
        reason: expect.stringMatching(/HTTP 500 .* on page 3, after 200 rows had been read$/),
      },
    ]);
  });

  it("does not retry a rejected query, and reports it as a gap", async () => {
    const { emulator, connection } = await start({ estate: SMALL_ESTATE });
    const badFamily: QueryFamily = {
      ...NSG_FAMILY,
      name: "unsupported",
      query: "resources | summarize count() by type",
    };
    const result = await collectFromResourceGraph(() => {}, {
      connection,
      scope: { subscriptions: [S1] },
      families: [badFamily],
    });

    expect(result.gaps[0]?.reason).toMatch(/^unsupported: HTTP 400 .*after 1 attempt\)$/);
    expect(result.stats.retries).toBe(0);
    expect(emulator.stats.badRequests).toBe(1);
  });

  it("batches more than 1,000 discovered subscriptions and reads every row", async () => {
    const subscriptions = subscriptionIds(1_500);
    const estate = nsgEstate(subscriptions, 1);
    const { emulator, connection } = await start({ estate });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, { connection, families: [NSG_FAMILY] });

    expect(result.scopeMode).toBe("tenantSubscriptions");
    expect(result.subscriptionCount).toBe(1_500);
    expect(new Set(ids(sink.rows))).toEqual(new Set(ids(estate["data"] as { id: string }[])));
    expect(sink.rows).toHaveLength(1_500);
    // Discovery pages through 1,500 subscriptions (2 pages), then one request per batch of at most 1,000.
    const log = emulator.stats.resourceGraphLog.map((entry) => [entry.table, entry.subscriptions ?? null]);
    expect(log.slice(0, 2)).toEqual([
      ["resourcecontainers", null],
      ["resourcecontainers", null],
    ]);
    expect(log.slice(2).sort()).toEqual([
      ["resources", 1_000],
      ["resources", 500],
    ]);
    expect(result.stats.requests).toBe(4);
  });

  it("batches explicit subscriptions by the configured batch size", async () => {
    const subscriptions = subscriptionIds(25);
    const { emulator, connection } = await start({ estate: nsgEstate(subscriptions, 2) });
    const sink = rowCollector();
    await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: [NSG_FAMILY],
      batchSize: 10,
    });

    expect(emulator.stats.resourceGraphLog.map((entry) => entry.subscriptions).sort()).toEqual([10, 10, 5]);
    expect(sink.rows).toHaveLength(50);
  });

  it("queries by management group, within the group only", async () => {
    const { emulator, connection } = await start({ estate: SMALL_ESTATE });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, { connection, scope: { managementGroups: ["mg-prod"] } });

    expect(result.scopeMode).toBe("managementGroups");
    expect(new Set(sink.rows.map((row) => row.subscriptionId))).toEqual(new Set([S1]));
    // 12 audited rows and the subscription's ancestry row.
    expect(sink.rows).toHaveLength(12 + 1);
    expect(emulator.stats.resourceGraphLog.every((entry) => entry.managementGroups?.[0] === "mg-prod")).toBe(true);
  });

  it("falls back to the group's subscriptions in batches when Resource Graph reports the subscription limit", async () => {
    const subscriptions = subscriptionIds(30);
    const estate = nsgEstate(subscriptions, 2, { managementGroups: { "mg-big": subscriptions } });
    (estate["data"] as unknown[]).push(
      ...subscriptions.map((subscription, index) => managedInstanceRow(subscription, index)),
    );
    const { emulator, connection } = await start({ estate, limits: { subscriptionLimit: 10 } });
    const sink = rowCollector();
    const families = QUERY_FAMILIES.filter((family) =>
      ["managedInstances", "networkSecurityGroups"].includes(family.name),
    );
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { managementGroups: ["mg-big"] },
      families,
      batchSize: 12,
    });

    expect(result.scopeMode).toBe("managementGroupSubscriptions");
    expect(result.gaps).toEqual([]);
    expect(sink.rows).toHaveLength(90);
    expect(new Set(ids(sink.rows)).size).toBe(90);
    const log = emulator.stats.resourceGraphLog.map((entry) => [
      entry.table,
      entry.managementGroups?.join() ?? entry.subscriptions,
    ]);
    expect(log.slice(0, 2)).toEqual([
      ["resources", "mg-big"], // limit hit: the page is dropped unread
      ["resourcecontainers", "mg-big"],
    ]);
    // Then each family by batches of 12, 12 and 6: the next family goes straight to batches. Batches run side by side.
    const batchesOf = (type: string) =>
      emulator.stats.resourceGraphLog
        .slice(2)
        .filter((entry) => entry.query.includes(type))
        .map((entry) => entry.managementGroups?.join() ?? entry.subscriptions)
        .sort();
    expect(batchesOf(AUDITED_TYPES.managedInstance)).toEqual([12, 12, 6]);
    expect(batchesOf(AUDITED_TYPES.networkSecurityGroup)).toEqual([12, 12, 6]);
    expect(log).toHaveLength(8);
  });

  it("reads families and batches side by side, inside the quota, handing each row on once and one page at a time", async () => {
    const subscriptions = subscriptionIds(6);
    const estate = nsgEstate(subscriptions, 300);
    (estate["data"] as unknown[]).push(
      ...subscriptions.flatMap((subscription, s) =>
        Array.from({ length: 50 }, (_, i) => managedInstanceRow(subscription, s * 50 + i)),
      ),
    );
    const { emulator, connection } = await start({
      estate,
      quota: { limit: 10, windowMs: 1_000 },
      faults: "latency:ms=150",
    });
    const families = QUERY_FAMILIES.filter((family) =>
      ["managedInstances", "networkSecurityGroups"].includes(family.name),
    );
    const rows: string[] = [];
    let busy = 0;
    let mostBusy = 0;
    const result = await collectFromResourceGraph(
      async (page) => {
        busy += 1;
        mostBusy = Math.max(mostBusy, busy);
        await new Promise((resolve) => setTimeout(resolve, 5));
        rows.push(...ids(page));
        busy -= 1;
      },
      { connection, scope: { subscriptions }, families, pageSize: 100, batchSize: 3 },
    );

    expect(rows).toHaveLength(2_100);
    expect(new Set(rows)).toEqual(new Set(ids(estate["data"] as { id: string }[])));
    expect(mostBusy).toBe(1);
    expect(result.gaps).toEqual([]);
    expect(result.stats.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(emulator.stats.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(emulator.stats.throttled).toBe(0);
    expect(result.stats.retries).toBe(0);
    expect(result.stats.requests).toBe(result.stats.pages);
  });

  it("splits a family that would outlast the rest by subscription, and hands each row on once", async () => {
    const subscriptions = subscriptionIds(8);
    const estate = nsgEstate(subscriptions, 250);
    const { emulator, connection } = await start({ estate, quota: { limit: 1_000 }, faults: "latency:ms=50" });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: [NSG_FAMILY],
      pageSize: 100,
    });

    expect(result.stats.splits).toBe(1);
    expect(sink.rows).toHaveLength(2_000);
    expect(new Set(ids(sink.rows))).toEqual(new Set(ids(estate["data"] as { id: string }[])));
    // The first page over all 8 subscriptions, then the parts; re-reading the first page's rows costs about a page.
    const scopes = emulator.stats.resourceGraphLog.map((entry) => entry.subscriptions);
    expect(scopes[0]).toBe(8);
    expect(new Set(scopes.slice(1)).has(8)).toBe(false);
    expect(result.stats.pages).toBeLessThanOrEqual(20 + 1 + 2);
    expect(result.stats.maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it("reads one page at a time and never splits with maxConcurrency 1", async () => {
    const subscriptions = subscriptionIds(8);
    const { emulator, connection } = await start({
      estate: nsgEstate(subscriptions, 250),
      quota: { limit: 1_000 },
      faults: "latency:ms=20",
    });
    const sink = rowCollector();
    const result = await collectFromResourceGraph(sink.sink, {
      connection,
      scope: { subscriptions },
      families: QUERY_FAMILIES,
      pageSize: 100,
      maxConcurrency: 1,
    });

    // 2,000 NSGs and the 8 subscriptions' ancestry rows (one page).
    expect(sink.rows).toHaveLength(2_000 + 8);
    expect(result.stats).toMatchObject({ splits: 0, maxInFlight: 1, pages: 20 + QUERY_FAMILIES.length - 1 });
    expect(emulator.stats.maxInFlight).toBe(1);
  });

  it("rejects invalid options before sending anything", async () => {
    const { emulator, connection } = await start({ estate: SMALL_ESTATE });
    const cases: [Parameters<typeof collectFromResourceGraph>[1], string][] = [
      [{ connection, scope: { subscriptions: ["not-a-guid"] } }, "subscriptions"],
      [{ connection, scope: { subscriptions: [S1], managementGroups: ["mg-prod"] } }, "subscriptions"],
      [{ connection, pageSize: 1_001 }, "pageSize"],
      [{ connection, batchSize: 0 }, "batchSize"],
      [{ connection, maxConcurrency: 0 }, "maxConcurrency"],
      [{ connection, maxConcurrency: 33 }, "maxConcurrency"],
      [{ connection, retry: { maxRetries: -1 } }, "retry.maxRetries"],
    ];
    for (const [options, setting] of cases) {
      const error = await collectFromResourceGraph(() => {}, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CollectionConfigError);
      expect((error as CollectionConfigError).setting).toBe(setting);
    }
    expect(emulator.stats.requests).toBe(0);
  });

  it("lets an error thrown by onRows propagate instead of recording it as a gap", async () => {
    const { connection } = await start({ estate: SMALL_ESTATE });
    const failure = new Error("downstream full");
    await expect(
      collectFromResourceGraph(
        () => {
          throw failure;
        },
        { connection, scope: { subscriptions: [S1] } },
      ),
    ).rejects.toBe(failure);
  });
});
