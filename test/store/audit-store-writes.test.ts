// Writes against a real Azurite: idempotent upserts, awkward ids, transactions over 100 entities and over 4 MiB,
// evidence truncation, and summaries too large for one property.
import { randomUUID } from "node:crypto";
import { odata, TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredFinding } from "../../src/audit/audit-store";
import type { SubscriptionScore } from "../../src/engine/scoring";
import { EVIDENCE_TRUNCATED_NOTE, findingToEntity, MAX_STRING_PROPERTY_CODE_UNITS } from "../../src/store/entity-codec";
import { CHUNKS_PER_ENTITY } from "../../src/store/run-summary-codec";
import { TABLE_NAMES } from "../../src/store/table-client";
import { runRowKey } from "../../src/store/table-keys";
import { startAzurite, type Azurite } from "../support/azurite";
import { finding, freshStore, LONG_ID, manyFindings, miId, NASTY_ID, report, runIdAt } from "./fixtures";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.dispose();
});

/** Counts a run's finding entities with a raw client, independent of the store's own reads. */
async function countFindingEntities(prefix: string, runId: string): Promise<number> {
  const client = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${TABLE_NAMES.findings}`, {
    allowInsecureConnection: true,
  });
  let count = 0;
  for await (const _ of client.listEntities({
    queryOptions: { filter: odata`PartitionKey eq ${runId}`, select: ["RowKey"] },
  }))
    count += 1;
  return count;
}

async function rawRunEntity(
  prefix: string,
  runId: string,
): Promise<{ summaryChunks: number; summaryOverflowEntities: number }> {
  const client = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${TABLE_NAMES.runs}`, {
    allowInsecureConnection: true,
  });
  const entity = await client.getEntity<{ summaryChunks: number; summaryOverflowEntities: number }>(
    "run",
    runRowKey(runId),
    { queryOptions: { select: ["summaryChunks", "summaryOverflowEntities"] } },
  );
  return { summaryChunks: entity.summaryChunks, summaryOverflowEntities: entity.summaryOverflowEntities };
}

function prefixed(): { prefix: string; store: ReturnType<typeof freshStore> } {
  const prefix = `w${Math.random().toString(36).slice(2, 8)}`;
  return { prefix, store: freshStore(azurite.connectionString, { tablePrefix: prefix }) };
}

async function allFindings(store: ReturnType<typeof freshStore>, runId: string): Promise<StoredFinding[]> {
  const items: StoredFinding[] = [];
  let token: string | undefined;
  do {
    const page = await store.listFindings(runId, {
      top: 1000,
      ...(token !== undefined ? { continuationToken: token } : {}),
    });
    items.push(...page.items);
    token = page.continuationToken;
  } while (token !== undefined);
  return items;
}

describe("completeRun writes", () => {
  it("writing the same run twice replaces: same entity count, same content", async () => {
    const { prefix, store } = prefixed();
    const runId = runIdAt("2026-11-22T12:00:00Z");
    const findings = [
      ...manyFindings(120),
      finding({
        resourceId: miId("mi-00001", "00000000-0000-0000-0000-00000000000b"),
        ruleId: "mi.tls.minimum-version",
      }),
    ];
    // Two results of one rule on one resource in one run must both survive as distinct rows.
    findings.push(
      finding({ resourceId: miId("twice"), message: "first" }),
      finding({ resourceId: miId("TWICE"), message: "second" }),
    );
    const first = await store.completeRun(report(runId, findings));
    const second = await store.completeRun(report(runId, findings));
    expect(first.stats.findings).toBe(findings.length);
    expect(second.stats.findings).toBe(findings.length);
    expect(await countFindingEntities(prefix, runId)).toBe(findings.length);
    const stored = await allFindings(store, runId);
    expect(
      stored
        .filter((f) => f.resourceId.toLowerCase() === miId("twice").toLowerCase())
        .map((f) => f.message)
        .sort(),
    ).toEqual(["first", "second"]);
    expect((await store.listRuns()).items.filter((r) => r.runId === runId)).toHaveLength(1);
  });

  it("stores ids holding every forbidden key character, and a 2 KB id, and reads them back exactly", async () => {
    const { store } = prefixed();
    const runId = runIdAt("2026-11-22T12:00:00Z");
    const nasty = finding({ resourceId: NASTY_ID, resourceName: "x/\\#?", ruleId: "rule/with#odd?chars\\" });
    const long = finding({ resourceId: LONG_ID, resourceName: "long" });
    await store.completeRun(report(runId, [nasty, long]));
    const stored = await allFindings(store, runId);
    expect(stored.map((f) => f.resourceId).sort()).toEqual([NASTY_ID, LONG_ID].sort());
    expect(stored.find((f) => f.resourceName === "x/\\#?")?.ruleId).toBe("rule/with#odd?chars\\");
    const history = await store.getResourceHistory(NASTY_ID.toUpperCase());
    expect(history.states).toHaveLength(1);
    expect(history.states[0]?.resourceId).toBe(NASTY_ID);
    expect(history.runs[0]?.findings.map((f) => f.ruleId)).toEqual(["rule/with#odd?chars\\"]);
    expect((await store.getResourceHistory(LONG_ID)).runs[0]?.findings).toHaveLength(1);
  });

  it.each([
    [250, 3],
    [1_050, 11],
  ])("writes %i findings of one run in %i transactions", async (count, transactions) => {
    const { prefix, store } = prefixed();
    const runId = runIdAt("2026-11-22T12:00:00Z");
    const result = await store.completeRun(report(runId, manyFindings(count)));
    expect(result.stats).toMatchObject({ findings: count, findingTransactions: transactions });
    expect(await countFindingEntities(prefix, runId)).toBe(count);
    const run = await store.getRun(runId);
    expect(run?.findings).toBe(count);
    expect(run?.byStatus?.fail).toBe(Math.ceil(count / 5));
  });

  it("splits a batch that would exceed 4 MiB because of large evidence (and Azurite would refuse it whole)", async () => {
    const { prefix, store } = prefixed();
    const runId = runIdAt("2026-11-22T12:00:00Z");
    // 30,000 '€' (3 bytes each in UTF-8): under the 32K-character property limit, ~90 KB per entity, ~9 MB for 100.
    const heavy = manyFindings(100, { evidence: { blob: "€".repeat(30_000) } });
    const result = await store.completeRun(report(runId, heavy));
    expect(result.stats.findingTransactions).toBeGreaterThanOrEqual(3);
    expect(await countFindingEntities(prefix, runId)).toBe(100);
    const back = await store.listFindings(runId, { top: 1 });
    expect(back.items[0]?.evidence).toEqual({ blob: "€".repeat(30_000) });

    // The proof that splitting matters: the same 100 entities as one transaction are rejected.
    const raw = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${TABLE_NAMES.findings}`, {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    const otherRun = runIdAt("2026-11-22T13:00:00Z");
    await expect(
      raw.submitTransaction(heavy.map((f) => ["upsert", findingToEntity(otherRun, f, 0), "Replace"])),
    ).rejects.toMatchObject({ statusCode: 413 });
  });

  it("truncates evidence over 64 KiB with an explicit marker", async () => {
    const { store } = prefixed();
    const runId = runIdAt("2026-11-22T12:00:00Z");
    const huge = {
      rules: Array.from({ length: 5_000 }, (_, i) => ({ name: `allow-${i}`, priority: i, source: "Internet" })),
    };
    const small = { nsgRule: "deny-all" };
    await store.completeRun(
      report(runId, [
        finding({ resourceId: miId("big"), evidence: huge }),
        finding({ resourceId: miId("small"), evidence: small }),
      ]),
    );
    const stored = await allFindings(store, runId);
    const big = stored.find((f) => f.resourceId === miId("big"))!;
    expect(big.evidenceTruncated).toBe(true);
    expect(big.evidence).toMatchObject({
      evidenceTruncated: true,
      note: EVIDENCE_TRUNCATED_NOTE,
      originalLength: JSON.stringify(huge).length,
    });
    const partial = (big.evidence as { partialJson: string }).partialJson;
    expect(partial).toHaveLength(MAX_STRING_PROPERTY_CODE_UNITS);
    expect(JSON.stringify(huge).startsWith(partial)).toBe(true);
    const intact = stored.find((f) => f.resourceId === miId("small"))!;
    expect(intact).toMatchObject({ evidenceTruncated: false, evidence: small });
  });

  it("keeps a 10,000-subscription summary whole (inline chunks), and a larger one through overflow entities", async () => {
    const { prefix, store } = prefixed();
    const layouts: Array<{ summaryChunks: number; summaryOverflowEntities: number }> = [];
    for (const [subscriptions, hour] of [
      [10_000, 10],
      [60_000, 11],
    ] as const) {
      const runId = runIdAt(`2026-11-22T${hour}:00:00Z`);
      const gapSubscriptions = Array.from({ length: 500 }, () => randomUUID());
      const rep = report(runId, manyFindings(10), {
        coverageGaps: [
          {
            types: ["microsoft.network/networksecuritygroups"],
            subscriptionIds: gapSubscriptions,
            reason: "throttled",
          },
        ],
      });
      const bySubscription: SubscriptionScore[] = Array.from({ length: subscriptions }, (_, i) => ({
        subscriptionId: randomUUID(),
        score: (i * 7) % 101,
        resourcesAssessed: i % 13,
        failuresBySeverity: { critical: i % 3, high: i % 5, medium: i % 7, low: i % 2 },
        unassessed: i % 4,
      }));
      rep.summary.bySubscription = bySubscription;
      await store.completeRun(rep);
      const back = await store.getRun(runId);
      expect(back?.summary?.scores.bySubscription).toEqual(bySubscription);
      expect(back?.summary?.run.coverageGaps[0]?.subscriptionIds).toHaveLength(500);
      expect(back?.coverageGaps).toBe(1);
      const listed = (await store.listRuns({ top: 5 })).items.find((r) => r.runId === runId);
      expect(listed).toMatchObject({ runId, status: "partial", findings: 10 });
      layouts.push(await rawRunEntity(prefix, runId));
    }
    // 10k subscriptions fit on the run entity; 60k spill into overflow entities of CHUNKS_PER_ENTITY chunks each.
    expect(layouts[0]).toMatchObject({ summaryOverflowEntities: 0 });
    expect(layouts[0]!.summaryChunks).toBeLessThanOrEqual(CHUNKS_PER_ENTITY);
    expect(layouts[1]!.summaryChunks).toBeGreaterThan(CHUNKS_PER_ENTITY);
    expect(layouts[1]!.summaryOverflowEntities).toBe(Math.ceil(layouts[1]!.summaryChunks / CHUNKS_PER_ENTITY));
  });

  it("is faster in batches than one entity at a time (figures logged)", async () => {
    const { store } = prefixed();
    const findings = manyFindings(1_050);
    const runId = runIdAt("2026-11-22T12:00:00Z");
    const batched = await store.completeRun(report(runId, findings));

    const single = TableClient.fromConnectionString(
      azurite.connectionString,
      `one${Math.random().toString(36).slice(2, 8)}`,
      { allowInsecureConnection: true },
    );
    await single.createTable();
    const started = performance.now();
    for (const [i, f] of findings.entries()) await single.upsertEntity(findingToEntity(runId, f, i), "Replace");
    const oneByOne = Math.round(performance.now() - started);
    console.log(
      `1,050 findings: batched finding writes ${batched.stats.findingsMs} ms in ${batched.stats.findingTransactions} transactions (concurrency 8); ` +
        `state update ${batched.stats.stateMs} ms in ${batched.stats.stateTransactions} transactions; whole completeRun ${batched.stats.elapsedMs} ms; ` +
        `one-by-one upserts of the same findings ${oneByOne} ms`,
    );
    expect(batched.stats.findingTransactions).toBe(11);
  });
});
