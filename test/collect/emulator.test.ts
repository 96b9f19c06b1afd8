// The emulator's contract, checked with raw HTTPS and with the real SDK client: what it refuses matters as much as
// what it serves, since the collector tests trust it.

import { request } from "node:https";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClientOptions } from "../../src/collect/collection-config";
import { SUBSCRIPTIONS_QUERY } from "../../src/collect/queries";
import { parseFaultSpec } from "../../dev/emulator/faults";
import { nsgEstate, nsgRow, subscriptionIds } from "../fixtures/collect/generate-estate";
import { type EmulatorFixture, startConnected } from "./emulator-connection";

const SUBSCRIPTIONS = subscriptionIds(3);
const ESTATE = nsgEstate(SUBSCRIPTIONS, 5, { managementGroups: { "mg-a": [SUBSCRIPTIONS[0]] } });
const QUERY =
  "resources | where type =~ 'microsoft.network/networksecuritygroups' | project id, name | order by id asc";

let fixture: EmulatorFixture;
let client: ResourceGraphClient;
beforeAll(async () => {
  fixture = await startConnected({ estate: ESTATE, quota: { limit: 1_000 } });
  client = new ResourceGraphClient(fixture.connection.credential, restClientOptions(fixture.connection));
});
afterAll(() => fixture.emulator.close());

/** A raw POST to the Resource Graph endpoint, so headers and bodies can be anything. */
function rawPost(
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const url = new URL("/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", fixture.emulator.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", ca: fixture.emulator.caPem, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

async function restError(promise: Promise<unknown>): Promise<{ statusCode?: number; details?: any }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return error as { statusCode?: number; details?: any };
}

describe("emulator", () => {
  it("answers 401 without a bearer token, and serves with one", async () => {
    const body = { query: QUERY };
    const missing = await rawPost(body, {});
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("AuthenticationFailed");
    expect((await rawPost(body, { authorization: "Basic dXNlcjpwYXNz" })).status).toBe(401);
    const served = await rawPost(body, { authorization: "Bearer any-token" });
    expect(served.status).toBe(200);
    expect(served.body).toMatchObject({ totalRecords: 15, count: 15, resultTruncated: "false", facets: [] });
    expect(served.headers["x-ms-user-quota-remaining"]).toMatch(/^\d+$/);
    expect(served.headers["x-ms-user-quota-resets-after"]).toMatch(/^\d\d:\d\d:\d\d(\.\d+)?$/);
  });

  it.each([
    ["a table it does not serve", "securityresources | project id"],
    ["an operator outside the subset", "resources | summarize count() by type"],
    ["a comparison outside the subset", "resources | where type contains 'network' | project id"],
    ["a missing table", "where type =~ 'microsoft.network/networksecuritygroups'"],
  ])("rejects %s with Resource Graph's 400 InvalidQuery", async (_what, query) => {
    const error = await restError(client.resources({ query, subscriptions: SUBSCRIPTIONS }));
    expect(error.statusCode).toBe(400);
    expect(error.details.error.code).toBe("BadRequest");
    expect(error.details.error.details[0].code).toBe("InvalidQuery");
    expect(error.details.error.details[1].code).toBe("ParserFailure");
  });

  it("pages with $top and a $skipToken bound to the query and scope", async () => {
    const first = await client.resources({ query: QUERY, options: { top: 6, resultFormat: "objectArray" } });
    expect(first).toMatchObject({ totalRecords: 15, count: 6, resultTruncated: "false" });
    expect(first.skipToken).toBeTruthy();
    const second = await client.resources({ query: QUERY, options: { top: 6, skipToken: first.skipToken } });
    expect(second.count).toBe(6);
    const firstIds = (first.data as { id: string }[]).map((row) => row.id);
    const secondIds = (second.data as { id: string }[]).map((row) => row.id);
    expect(secondIds.every((id) => id > String(firstIds[5]))).toBe(true);
    const otherScope = await restError(
      client.resources({ query: QUERY, subscriptions: [SUBSCRIPTIONS[0]!], options: { skipToken: first.skipToken } }),
    );
    expect(otherScope.statusCode).toBe(400);
    expect((await restError(client.resources({ query: QUERY, options: { top: 1_001 } }))).statusCode).toBe(400);
  });

  it("runs a paged query once and slices later pages from the kept result, with the same rows when it was evicted", async () => {
    const pageThrough = async (target: ResourceGraphClient) => {
      const ids: string[] = [];
      let skipToken: string | undefined;
      do {
        const page = await target.resources({
          query: QUERY,
          options: { top: 4, skipToken, resultFormat: "objectArray" },
        });
        ids.push(...(page.data as { id: string }[]).map((row) => row.id));
        skipToken = page.skipToken;
      } while (skipToken !== undefined);
      return ids;
    };
    const before = { ...fixture.emulator.stats.resultCache };
    const kept = await pageThrough(client);
    // 15 rows in pages of 4: the first page runs the query, the other three slice it.
    expect(fixture.emulator.stats.resultCache.hits - before.hits).toBe(3);
    expect(fixture.emulator.stats.resultCache.misses - before.misses).toBe(0);

    const forgetful = await startConnected({ estate: ESTATE, quota: { limit: 1_000 }, resultCache: { maxEntries: 0 } });
    try {
      const again = await pageThrough(
        new ResourceGraphClient(forgetful.connection.credential, restClientOptions(forgetful.connection)),
      );
      expect(again).toEqual(kept);
      expect(forgetful.emulator.stats.resultCache).toMatchObject({ hits: 0, misses: 3 });
    } finally {
      await forgetful.emulator.close();
    }
    expect(new Set(kept).size).toBe(15);
  });

  it("truncates instead of paging when the projection drops id", async () => {
    const page = await client.resources({ query: "resources | project name", options: { top: 4 } });
    expect(page).toMatchObject({ count: 4, totalRecords: 15, resultTruncated: "true" });
    expect(page.skipToken).toBeUndefined();
  });

  it("refuses more than 1,000 subscriptions in one request", async () => {
    const error = await restError(client.resources({ query: QUERY, subscriptions: subscriptionIds(1_001) }));
    expect(error.statusCode).toBe(400);
    expect(error.details.error.details[0].code).toBe("TooManySubscriptions");
  });

  it("lists subscriptions from resourcecontainers, scoped to a management group", async () => {
    const all = await client.resources({ query: SUBSCRIPTIONS_QUERY });
    expect((all.data as { subscriptionId: string }[]).map((row) => row.subscriptionId)).toEqual(
      [...SUBSCRIPTIONS].sort(),
    );
    const group = await client.resources({ query: SUBSCRIPTIONS_QUERY, managementGroups: ["mg-a"] });
    expect(group.data).toEqual([
      { id: `/subscriptions/${SUBSCRIPTIONS[0]}`, name: expect.any(String), subscriptionId: SUBSCRIPTIONS[0] },
    ]);
    expect((await restError(client.resources({ query: QUERY, managementGroups: ["mg-unknown"] }))).statusCode).toBe(
      400,
    );
  });

  it("serves every snapshot shape", async () => {
    const rows = [nsgRow(SUBSCRIPTIONS[0]!, 1), nsgRow(SUBSCRIPTIONS[1]!, 2)];
    const shapes = [
      rows,
      { count: 2, data: rows, skip_token: null, total_records: 2 },
      { totalRecords: 2, count: 2, data: rows },
    ];
    for (const estate of shapes) {
      const other = await startConnected({ estate });
      try {
        const otherClient = new ResourceGraphClient(other.connection.credential, restClientOptions(other.connection));
        const page = await otherClient.resources({ query: QUERY });
        expect((page.data as { id: string }[]).map((row) => row.id)).toEqual(rows.map((row) => row["id"]));
      } finally {
        await other.emulator.close();
      }
    }
  });

  it("parses fault specs and refuses unknown ones", () => {
    expect(
      parseFaultSpec(
        "error:status=503,match=networksecuritygroups; drop:rate=0.1;latency:ms=20;error:page=3,after=5,times=2",
      ),
    ).toEqual([
      { effect: "error", status: 503, match: "networksecuritygroups" },
      { effect: "drop", rate: 0.1 },
      { effect: "latency", latencyMs: 20 },
      { effect: "error", page: 3, afterSuccesses: 5, times: 2 },
    ]);
    expect(() => parseFaultSpec("explode")).toThrow(/unknown fault/);
    expect(() => parseFaultSpec("error:rate=lots")).toThrow(/rate must be a number/);
  });
});
