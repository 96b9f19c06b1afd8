// Resource Graph's response size limit, against the emulator: the real service refuses any response over 16 MiB with
// HTTP 400 whose details carry `ResponsePayloadTooLarge` ("Response payload size is N, and has exceeded the limit of
// 16777216. Please consider querying less data at a time and make paginated call if needed."). The emulator enforces
// the same limit, made small here so that test estates reach it.

import { readFileSync } from "node:fs";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { describe, expect, it } from "vitest";
import { runAudit } from "../../src/audit/run-audit";
import { restClientOptions } from "../../src/collect/collection-config";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { QUERY_FAMILIES, type QueryFamily } from "../../src/collect/queries";
import { collectFromResourceGraph } from "../../src/collect/resource-graph-source";
import {
  classifyFailure,
  RetriesExhaustedError,
  resolveRetryPolicy,
  withRetries,
} from "../../src/collect/retry-policy";
import type { ResourceRow } from "../../src/model/row";
import { AUDITED_TYPES } from "../../src/model/row";
import type { RunningEmulator } from "../../dev/emulator/emulator";
import { DEFAULT_LIMITS } from "../../dev/emulator/resource-graph-endpoint";
import { nsgEstate, nsgRow, type Row, subscriptionIds } from "../fixtures/collect/generate-estate";
import { SAMPLE } from "../support/run-cli";
import { emulatorPerTest, FAST_RETRY, rowCollector } from "./emulator-connection";

const NSG_FAMILY = QUERY_FAMILIES.find((family) => family.name === "networkSecurityGroups") as QueryFamily;
const [SUBSCRIPTION] = subscriptionIds(1) as [string];
const start = emulatorPerTest();

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const byId = (rows: ResourceRow[]) => [...rows].sort((a, b) => String(a.id).localeCompare(String(b.id)));

/** An NSG row whose rule list alone is about `kilobytes` KB: too large for any page under that limit. */
function hugeNsgRow(index: number, kilobytes: number): Row {
  const row = nsgRow(SUBSCRIPTION, index);
  const rule = (row["properties"] as { securityRules: Row[] }).securityRules[0] as Row;
  const rules = Array.from({ length: kilobytes }, (_, n) => ({
    ...rule,
    name: `rule-${n}`,
    properties: { ...(rule["properties"] as Row), priority: 100 + n, description: "x".repeat(900) },
  }));
  (row["properties"] as { securityRules: Row[] }).securityRules = rules;
  return row;
}

async function collectNsgs(estate: Row, maxResponseBytes?: number) {
  // A generous quota: these tests are about sizes, and the emulator reports the quota the collector then follows.
  const { emulator, connection } = await start({ estate, limits: { maxResponseBytes }, quota: { limit: 1_000 } });
  const sink = rowCollector();
  const result = await collectFromResourceGraph(sink.sink, {
    connection,
    quota: { limit: 1_000, windowMs: 5_000 },
    scope: { subscriptions: [SUBSCRIPTION] },
    families: [NSG_FAMILY],
    maxConcurrency: 1,
    retry: FAST_RETRY,
  });
  return { emulator, sink, result };
}

/** The Resource Graph requests of the emulator's log that it refused as too large. */
const refused = (emulator: RunningEmulator) => emulator.stats.resourceGraphLog.filter((entry) => entry.status === 400);

describe("the emulator enforces Resource Graph's response size limit", () => {
  it("refuses a page over the limit with the real service's status, envelope and quota headers", async () => {
    const { emulator, connection } = await start({
      estate: nsgEstate([SUBSCRIPTION], 300),
      limits: { maxResponseBytes: 50_000 },
    });
    const client = new ResourceGraphClient(connection.credential, restClientOptions(connection));
    const query = NSG_FAMILY.query;
    const error = (await client.resources({ query, subscriptions: [SUBSCRIPTION], options: { top: 300 } }).then(
      () => undefined,
      (e: unknown) => e,
    )) as {
      statusCode?: number;
      code?: string;
      details?: any;
      response?: { headers: { get(name: string): string | undefined } };
    };
    expect(error?.statusCode).toBe(400);
    expect(error.code).toBe("BadRequest");
    expect(error.details.error.message).toMatch(
      /^Please provide below info when asking for support: timestamp = .*, correlationId = [0-9a-f-]{36}\.$/,
    );
    expect(error.details.error.details).toHaveLength(1);
    expect(error.details.error.details[0].code).toBe("ResponsePayloadTooLarge");
    const size = Number(
      /^Response payload size is (\d+), and has exceeded the limit of 50000\. Please consider querying less data at a time and make paginated call if needed\.$/.exec(
        error.details.error.details[0].message,
      )?.[1],
    );
    expect(size).toBeGreaterThan(50_000);
    expect(error.response?.headers.get("x-ms-user-quota-remaining")).toMatch(/^\d+$/);

    // A page under the limit from the same place is served, and the bytes of what it sends stay under it.
    const page = await client.resources({
      query,
      subscriptions: [SUBSCRIPTION],
      options: { top: 20, resultFormat: "objectArray" },
    });
    expect(page.count).toBe(20);
    expect(Buffer.byteLength(JSON.stringify({ ...page }))).toBeLessThan(50_000);
    expect(emulator.stats.badRequests).toBe(1);
  });

  it("defaults to the service's 16 MiB", async () => {
    const { emulator } = await collectNsgs(nsgEstate([SUBSCRIPTION], 50));
    expect(refused(emulator)).toEqual([]);
    expect(DEFAULT_LIMITS.maxResponseBytes).toBe(16_777_216);
  });
});

describe("collecting under the response size limit", () => {
  it("collects a family whose 1,000-row page is over the limit completely, by halving $top from the same place", async () => {
    const estate = nsgEstate([SUBSCRIPTION], 2_300);
    const unlimited = await collectNsgs(estate);
    const limited = await collectNsgs(estate, 200_000);

    expect(limited.result.gaps).toEqual([]);
    expect(limited.sink.rows).toHaveLength(2_300);
    expect(byId(limited.sink.rows)).toEqual(byId(unlimited.sink.rows));
    expect(refused(unlimited.emulator)).toEqual([]);

    const log = limited.emulator.stats.resourceGraphLog;
    expect(refused(limited.emulator).length).toBeGreaterThan(0);
    expect(limited.result.stats).toMatchObject({
      retries: 0,
      oversizedRows: 0,
      payloadTooLarge: refused(limited.emulator).length,
    });
    expect(limited.result.stats.pageHalvings).toBe(limited.result.stats.payloadTooLarge);
    // One chain, one request at a time: every refusal is followed by a request for the same page with half the rows,
    // never by the same request again.
    log.forEach((entry, index) => {
      if (entry.status !== 400) return;
      const next = log[index + 1];
      expect(next).toMatchObject({ page: entry.page, top: Math.floor((entry.top ?? 1000) / 2) });
    });
    expect(log[0]).toMatchObject({ status: 400, top: 1000 });
    // The pages that were served fit: a smaller page size than the first, never back to a refused size at once.
    const served = log.filter((entry) => entry.status === 200).map((entry) => entry.top ?? 1000);
    expect(Math.max(...served)).toBeLessThan(1000);
  });

  // Positions in the query's order (`order by id asc`, ordinal), which is what a skip token walks.
  it.each([
    ["the first row", [0]],
    ["the first two rows", [0, 1]],
    ["a row in the middle", [137]],
    ["two rows in a row", [137, 138]],
    ["the last row", [299]],
  ])("skips %s too large for any page as a named coverage gap, and reads every other row", async (_what, huge) => {
    const estate = nsgEstate([SUBSCRIPTION], 300);
    const data = estate["data"] as Row[];
    const ordered = data.map((row) => String(row["id"])).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const position of huge) {
      const index = data.findIndex((row) => row["id"] === ordered[position]);
      data[index] = hugeNsgRow(index, 60);
    }
    const { sink, result, emulator } = await collectNsgs(estate, 50_000);

    const hugeIds = huge.map((position) => ordered[position] as string);
    const expectedIds = ordered.filter((id) => !hugeIds.includes(id)).sort();
    expect(sink.rows.map((row) => String(row.id)).sort()).toEqual(expectedIds);
    expect(result.stats.oversizedRows).toBe(huge.length);
    expect(result.stats.retries).toBe(0);
    expect(result.gaps).toHaveLength(huge.length);
    huge.forEach((position, n) => {
      // Placed by the last row that could be read before it.
      let before = position - 1;
      while (huge.includes(before)) before -= 1;
      const places = position - before;
      const after =
        before < 0
          ? position === 0
            ? "the first row"
            : "a row before any that could be read"
          : places === 1
            ? `the row after ${ordered[before]}`
            : `the row ${places} places after ${ordered[before]}`;
      expect(result.gaps[n]).toEqual({
        types: [AUDITED_TYPES.networkSecurityGroup],
        subscriptionIds: [SUBSCRIPTION],
        reason: expect.stringMatching(
          new RegExp(
            `^networkSecurityGroups in a batch of 1 subscription: ${escape(after)} \\(row ${position + 1}( of 300)? in id order\\) is larger`,
          ),
        ),
      });
      expect(result.gaps[n]?.reason).toMatch(
        /HTTP 400 ResponsePayloadTooLarge: Response payload size is \d+, and has exceeded the limit of 50000/,
      );
    });
    // A single row is refused once at $top 1, then stepped over with $skip; nothing is asked twice the same way.
    const atOne = emulator.stats.resourceGraphLog.filter((entry) => entry.status === 400 && entry.top === 1);
    expect(atOne).toHaveLength(huge.length);
  });

  it("ends a chain whose rows keep being refused one by one, with a gap for the rest, rather than walk on forever", async () => {
    const estate = nsgEstate([SUBSCRIPTION], 300);
    const data = estate["data"] as Row[];
    const ordered = data.map((row) => String(row["id"])).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // Rows 101 to 210 (1-based, id order) are each too large on their own: more than the 100 in a row allowed.
    for (let position = 100; position < 210; position += 1) {
      const index = data.findIndex((row) => row["id"] === ordered[position]);
      data[index] = hugeNsgRow(index, 60);
    }
    const { sink, result } = await collectNsgs(estate, 50_000);

    expect(sink.rows.map((row) => String(row.id)).sort()).toEqual(ordered.slice(0, 100));
    expect(result.gaps).toHaveLength(101);
    expect(result.gaps[99]?.reason).toContain("(row 200 of 300 in id order) is larger on its own");
    expect(result.gaps[100]).toEqual({
      types: [AUDITED_TYPES.networkSecurityGroup],
      subscriptionIds: [SUBSCRIPTION],
      reason: expect.stringMatching(
        /^networkSecurityGroups in a batch of 1 subscription: 100 rows in a row up to row 200 of 300 in id order were each larger .* the rest of the result from row 201 on was not read$/,
      ),
    });
  });

  it("makes the run partial, with the rest of the estate read and no verdict that needed the row passing", async () => {
    const sample = JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: Row[] };
    const target = sample.data.find((row) => row["name"] === "nsg-sqlmi-prod-01") as Row;
    const properties = target["properties"] as { securityRules: Row[] };
    // Same rules as before plus a long tail of inert ones (Deny of nothing): big, and no change of meaning.
    properties.securityRules = [
      ...properties.securityRules,
      ...Array.from({ length: 80 }, (_, n) => ({
        name: `padding-${n}`,
        properties: {
          priority: 4000 + n,
          direction: "Inbound",
          access: "Deny",
          protocol: "Tcp",
          sourcePortRange: "*",
          destinationPortRange: "1",
          sourceAddressPrefix: "192.0.2.1/32",
          destinationAddressPrefix: "192.0.2.2/32",
          description: "x".repeat(1_000),
        },
      })),
    ];
    const { connection } = await start({
      estate: sample,
      limits: { maxResponseBytes: 60_000 },
      quota: { limit: 1_000 },
    });
    const settings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
    const live = await runAudit(
      new ResourceGraphSource({ connection, retry: FAST_RETRY, quota: { limit: 1_000, windowMs: 5_000 } }),
      settings,
    );

    expect(live.run.status).toBe("partial");
    expect(live.run.coverageGaps).toEqual([
      expect.objectContaining({
        types: [AUDITED_TYPES.networkSecurityGroup],
        reason: expect.stringMatching(
          /^networkSecurityGroups in a batch of 3 subscriptions: the (first row|row after \S+) \(row \d+( of \d+)? in id order\) is larger on its own than Resource Graph's response size limit/,
        ),
      }),
    ]);
    expect(live.run.collection).toMatchObject({ oversizedRows: 1, retries: 0 });
    // Everything but that one NSG was read.
    const whole = await runAudit(new SnapshotSource([SAMPLE]), settings);
    expect(live.run.resourcesInEstate).toBe(whole.run.resourcesInEstate - 1);
    const dependent = live.findings.filter(
      (f) => f.ruleId === "mi.public-endpoint.untrusted-source" || f.ruleId === "nsg.app-subnet.sql-outbound",
    );
    expect(dependent.length).toBeGreaterThan(0);
    expect(dependent.filter((f) => f.status === "pass")).toEqual([]);
  });
});

describe("the retry policy and ResponsePayloadTooLarge", () => {
  const restError = (details: unknown) =>
    Object.assign(new Error("Please provide below info when asking for support: …"), {
      name: "RestError",
      statusCode: 400,
      code: "BadRequest",
      details,
      response: { headers: { get: () => undefined } },
    });
  const envelope = {
    error: {
      code: "BadRequest",
      message: "Please provide below info when asking for support: …",
      details: [
        {
          code: "ResponsePayloadTooLarge",
          message:
            "Response payload size is 29972004, and has exceeded the limit of 16777216. Please consider querying less data at a time and make paginated call if needed.",
        },
      ],
    },
  };

  it("classifies it as not retriable, says what it was, and marks it for a smaller page", () => {
    expect(classifyFailure(restError(envelope))).toEqual({
      retriable: false,
      throttled: false,
      payloadTooLarge: true,
      statusCode: 400,
      description:
        "HTTP 400 ResponsePayloadTooLarge: Response payload size is 29972004, and has exceeded the limit of 16777216. Please consider querying less data at a time and make paginated call if needed.",
    });
    // Another 400 is not mistaken for it.
    const invalid = classifyFailure(
      restError({
        error: { code: "BadRequest", message: "…", details: [{ code: "InvalidQuery", message: "Query is invalid." }] },
      }),
    );
    expect(invalid).toMatchObject({ retriable: false, description: "HTTP 400 InvalidQuery: Query is invalid." });
    expect(invalid.payloadTooLarge).toBeUndefined();
  });

  it("does not send the same request again", async () => {
    let attempts = 0;
    const failed = await withRetries(resolveRetryPolicy(FAST_RETRY), () => {
      attempts += 1;
      return Promise.reject(restError(envelope));
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(attempts).toBe(1);
    expect(failed).toBeInstanceOf(RetriesExhaustedError);
    expect((failed as RetriesExhaustedError).failure.payloadTooLarge).toBe(true);
  });
});
