// Reads the API needs, scope locks and retention, against a real Azurite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditStore, StoredFinding } from "../../src/audit/audit-store";
import { AuditorError } from "../../src/errors";
import { startAzurite, type Azurite } from "../support/azurite";
import { finding, freshStore, manyFindings, miId, report, runIdAt, SUB_A, SUB_B } from "./fixtures";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.dispose();
});

async function everyPage(
  fetch: (token: string | undefined) => Promise<{ items: StoredFinding[]; continuationToken?: string }>,
): Promise<{ items: StoredFinding[]; pages: number }> {
  const items: StoredFinding[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.continuationToken;
    pages += 1;
  } while (token !== undefined && pages < 100);
  return { items, pages };
}

describe("runs", () => {
  it("lists runs newest first, page by page, and finds `latest`", async () => {
    const store = freshStore(azurite.connectionString);
    // Created out of order on purpose: the order comes from the keys, not from insertion.
    const days = [3, 1, 5, 2, 4, 7, 6];
    const ids = new Map(days.map((d) => [d, runIdAt(`2026-11-0${d}T02:00:00Z`)]));
    for (const day of days)
      await store.createRun({
        baseline: "current",
        runId: ids.get(day)!,
        scope: "subscriptions:all",
        requestedBy: "timer",
      });
    await store.completeRun(report(ids.get(4)!, manyFindings(3)));
    await store.completeRun(report(ids.get(2)!, manyFindings(3), { coverageGaps: [{ types: ["x"], reason: "r" }] }));
    await store.failRun(ids.get(6)!, "boom");

    const first = await store.listRuns({ top: 3 });
    expect(first.items.map((r) => r.runId)).toEqual([7, 6, 5].map((d) => ids.get(d)));
    expect(first.continuationToken).toBeDefined();
    const second = await store.listRuns({ top: 3, continuationToken: first.continuationToken! });
    expect(second.items.map((r) => r.runId)).toEqual([4, 3, 2].map((d) => ids.get(d)));
    const third = await store.listRuns({ top: 3, continuationToken: second.continuationToken! });
    expect(third.items.map((r) => r.runId)).toEqual([ids.get(1)]);
    expect(third.continuationToken).toBeUndefined();

    expect(first.items[0]).toMatchObject({ status: "queued", scope: "subscriptions:all", requestedBy: "timer" });
    expect(first.items[1]).toMatchObject({ status: "failed", error: "boom" });
    expect(second.items[0]).toMatchObject({
      status: "completed",
      findings: 3,
      byStatus: { fail: 1, pass: 1, notApplicable: 1, unknown: 0, error: 0 },
      scope: "subscriptions:all",
    });
    expect((await store.listRuns({ status: ["completed", "partial"] })).items.map((r) => r.runId)).toEqual([
      ids.get(4),
      ids.get(2),
    ]);

    const latest = await store.getRun("latest");
    expect(latest?.runId).toBe(ids.get(4));
    expect(latest?.summary?.scores.byStatus.fail).toBe(1);
    expect(await store.getRun(runIdAt("2030-01-01T00:00:00Z"))).toBeUndefined();
    expect(await store.getRun("not-a-run-id")).toBeUndefined();
  });

  it("createRun twice keeps the first record; markRunning on an unknown run is NOT_FOUND", async () => {
    const store = freshStore(azurite.connectionString);
    const runId = runIdAt("2026-11-22T02:00:00Z");
    await store.createRun({ baseline: "current", runId, scope: "a" });
    await store.markRunning(runId, new Date("2026-11-22T02:00:01Z"));
    expect(await store.createRun({ baseline: "current", runId, scope: "b" })).toMatchObject({
      status: "running",
      scope: "a",
      startedAt: "2026-11-22T02:00:01.000Z",
    });
    await expect(store.markRunning(runIdAt("2026-11-22T03:00:00Z"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(store.createRun({ baseline: "current", runId: "bad/id", scope: "a" })).rejects.toBeInstanceOf(
      AuditorError,
    );
  });
});

describe("findings queries", () => {
  const runId = runIdAt("2026-11-22T02:00:00Z");
  let store: AuditStore;

  beforeAll(async () => {
    store = freshStore(azurite.connectionString);
    const findings = [
      ...manyFindings(60),
      finding({
        resourceId: miId("tls", SUB_B, "RG-Other"),
        ruleId: "mi.tls.minimum-version",
        severity: "medium",
        status: "fail",
      }),
      finding({
        resourceId: `/subscriptions/${SUB_A}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-1`,
        resourceType: "microsoft.network/networksecuritygroups",
        ruleId: "nsg.sql-inbound.internet",
        severity: "critical",
        status: "fail",
      }),
    ];
    await store.completeRun(report(runId, findings));
  });

  it.each([
    ["status", { status: "fail" as const }, 14],
    ["several statuses", { status: ["fail" as const, "error" as const] }, 26],
    ["severity", { severity: "critical" as const }, 1],
    ["ruleId", { ruleId: "mi.tls.minimum-version" }, 1],
    ["subscription, whatever its case", { subscriptionId: SUB_B.toUpperCase() }, 31],
    ["resource group, whatever its case", { resourceGroup: "rg-other" }, 1],
    ["resource type, whatever its case", { resourceType: "Microsoft.Network/networkSecurityGroups" }, 1],
    ["several fields together", { status: "fail" as const, subscriptionId: SUB_A, severity: "high" as const }, 6],
    ["nothing", {}, 62],
  ])("filters by %s on the server", async (_label, filter, expected) => {
    const { items } = await everyPage((token) =>
      store.listFindings(runId, { filter, top: 1000, ...(token ? { continuationToken: token } : {}) }),
    );
    expect(items).toHaveLength(expected);
  });

  it.each([
    ["ruleId", { ruleId: "x' or '1' eq '1" }],
    ["status", { status: "fail' or status ne 'x" as never }],
    ["subscriptionId", { subscriptionId: `${SUB_A}' or PartitionKey ne '` }],
    ["resourceGroup", { resourceGroup: "x') or (1 eq 1" }],
  ])("an injection attempt in %s matches nothing rather than everything", async (_label, filter) => {
    const page = await store.listFindings(runId, { filter, top: 1000 });
    expect(page.items).toEqual([]);
  });

  it("pages with continuation tokens and loses nothing, also under a filter", async () => {
    const all = await everyPage((token) =>
      store.listFindings(runId, { top: 7, ...(token ? { continuationToken: token } : {}) }),
    );
    expect(all.items).toHaveLength(62);
    expect(all.pages).toBe(9);
    expect(new Set(all.items.map((f) => `${f.resourceId}|${f.ruleId}`)).size).toBe(62);
    const failed = await everyPage((token) =>
      store.listFindings(runId, { filter: { status: "fail" }, top: 5, ...(token ? { continuationToken: token } : {}) }),
    );
    expect(failed.items).toHaveLength(14);
    expect(failed.items.every((f) => f.status === "fail")).toBe(true);
  });

  it("refuses a filter with more comparisons than Table Storage allows, as a usage error", async () => {
    const many = Array.from({ length: 15 }, (_, i) => `rule-${i}`);
    await expect(store.listFindings(runId, { filter: { ruleId: many } })).rejects.toMatchObject({
      code: "INPUT_UNKNOWN_SHAPE",
    });
  });

  it("rejects a continuation token that is not one of ours as a usage error", async () => {
    await expect(store.listFindings(runId, { continuationToken: "not-a-token" })).rejects.toMatchObject({
      code: "INPUT_UNKNOWN_SHAPE",
    });
    await expect(store.listRuns({ continuationToken: "%%%" })).rejects.toMatchObject({ code: "INPUT_UNKNOWN_SHAPE" });
  });

  it("returns nothing for an unknown or malformed run id", async () => {
    expect((await store.listFindings(runIdAt("2030-01-01T00:00:00Z"))).items).toEqual([]);
    expect((await store.listFindings("20261122T020000Z-x' or '1' eq '1")).items).toEqual([]);
  });
});

describe("resource history", () => {
  it("returns the resource's state per rule and its findings in the last N runs, newest first", async () => {
    const store = freshStore(azurite.connectionString);
    const target = miId("history");
    const other = miId("history-neighbour");
    const runs = [1, 2, 3, 4].map((d) => runIdAt(`2026-11-0${d}T02:00:00Z`));
    for (const [i, runId] of runs.entries()) {
      await store.completeRun(
        report(runId, [
          finding({ resourceId: target, status: i % 2 === 0 ? "fail" : "pass" }),
          finding({ resourceId: target, ruleId: "mi.tls.minimum-version", status: "pass" }),
          finding({ resourceId: other, status: "fail" }),
        ]),
      );
    }
    const history = await store.getResourceHistory(target.toUpperCase(), { runs: 3 });
    expect(history.states.map((s) => s.ruleId).sort()).toEqual([
      "mi.public-endpoint.untrusted-source",
      "mi.tls.minimum-version",
    ]);
    expect(history.runs.map((r) => r.runId)).toEqual([runs[3], runs[2], runs[1]]);
    // Each of these runs changed the public-endpoint verdict (stored); the TLS rule passed unchanged (not stored again).
    for (const run of history.runs) {
      expect(run.findings.map((f) => f.ruleId)).toEqual(["mi.public-endpoint.untrusted-source"]);
      expect(run.findings.every((f) => f.resourceId === target)).toBe(true);
    }
    expect(history.runs[0]?.findings.find((f) => f.ruleId === "mi.public-endpoint.untrusted-source")?.status).toBe(
      "pass",
    );
    // The unchanged pass is in the state, recorded by the run that first saw it.
    expect(history.states.find((s) => s.ruleId === "mi.tls.minimum-version")).toMatchObject({
      status: "pass",
      lastSeenRunId: runs[0],
      firstSeenRunId: runs[0],
    });
  });
});

describe("scope locks", () => {
  it("of two concurrent claims exactly one wins; the loser learns who holds it", async () => {
    const store = freshStore(azurite.connectionString);
    for (let round = 0; round < 5; round += 1) {
      const scope = `subscriptions:${SUB_A}:${round}`;
      const claims = await Promise.all([store.claimScopeLock(scope, "run-1"), store.claimScopeLock(scope, "run-2")]);
      const winners = claims.filter((c) => c.acquired);
      expect(winners).toHaveLength(1);
      const loser = claims.find((c) => !c.acquired);
      const winner = winners[0]!;
      expect(loser).toMatchObject({ acquired: false, heldBy: winner.acquired ? winner.lock.holder : "" });
    }
  });

  it("is case-insensitive in the scope, released only by its holder's ETag, and taken over once expired", async () => {
    const store = freshStore(azurite.connectionString);
    const t0 = new Date("2026-11-22T02:00:00Z");
    const first = await store.claimScopeLock("Subscriptions:ALL", "run-1", { ttlMs: 60_000, now: t0 });
    expect(first.acquired).toBe(true);
    expect(
      await store.claimScopeLock("subscriptions:all", "run-2", { now: new Date(t0.getTime() + 30_000) }),
    ).toMatchObject({ acquired: false, heldBy: "run-1" });

    // Expired: two claimants race for the takeover, exactly one gets it.
    const later = new Date(t0.getTime() + 120_000);
    const takeovers = await Promise.all([
      store.claimScopeLock("subscriptions:all", "run-2", { now: later }),
      store.claimScopeLock("subscriptions:all", "run-3", { now: later }),
    ]);
    expect(takeovers.filter((c) => c.acquired)).toHaveLength(1);

    // run-1's lock was taken over, so its release must not remove the new holder's lock.
    if (!first.acquired) throw new Error("unreachable");
    expect(await store.releaseScopeLock(first.lock)).toBe(false);
    const current = takeovers.find((c) => c.acquired)!;
    if (!current.acquired) throw new Error("unreachable");
    expect(await store.releaseScopeLock(current.lock)).toBe(true);
    expect((await store.claimScopeLock("subscriptions:all", "run-4")).acquired).toBe(true);
  });
});

describe("retention", () => {
  it("deletes the findings of runs older than N days and keeps every run and its summary", async () => {
    const store = freshStore(azurite.connectionString);
    const now = new Date("2026-11-22T00:00:00Z");
    const old1 = runIdAt("2026-08-01T02:00:00Z");
    const old2 = runIdAt("2026-08-23T23:59:59Z"); // 90 days and 1 second before `now`
    const recent = runIdAt("2026-08-24T00:00:00Z"); // exactly 90 days: kept
    await store.completeRun(report(old1, manyFindings(130)));
    // The same resources again: only their fail, unknown and error results are stored (12 of 20, 6 of 10); the
    // unchanged passes are in old1's partition, which each later run's posture record points at.
    await store.completeRun(report(old2, manyFindings(20)));
    await store.completeRun(report(recent, manyFindings(10)));
    expect((await store.getRun(old2))?.findingsStored).toBe(12);

    const result = await store.deleteExpiredFindings({ olderThanDays: 90, now });
    expect(result.runsPurged.sort()).toEqual([old1, old2].sort());
    // old1's partition serves the retained run's 4 unchanged passes: it stays, answered as past retention.
    expect(result.sourcesKept).toEqual([old1]);
    expect(result.findingsDeleted).toBe(12);
    expect((await store.listFindings(old2)).items).toEqual([]);
    const page = await store.listFindings(recent, { top: 100 });
    expect(page.complete).toBe(true);
    expect(page.items).toHaveLength(10);
    expect(new Set(page.items.map((f) => f.runId))).toEqual(new Set([recent]));

    const kept = await store.getRun(old1);
    expect(kept).toMatchObject({ runId: old1, status: "completed", findings: 130 });
    expect(kept?.findingsDeletedAt).toBeDefined();
    expect(kept?.summary?.scores.byStatus.fail).toBe(26);
    expect((await store.listRuns()).items).toHaveLength(3);

    // Nothing changed: a second pass keeps old1 for the same reason and deletes nothing.
    expect(await store.deleteExpiredFindings({ now })).toMatchObject({
      runsPurged: [],
      findingsDeleted: 0,
      sourcesKept: [old1],
    });
    // Once `recent` is past retention too, nobody points at old1: all three partitions are gone.
    const later = await store.deleteExpiredFindings({ now: new Date("2026-11-23T00:00:00Z") });
    expect(later).toMatchObject({ runsPurged: [recent], findingsDeleted: 130 + 6, sourcesKept: [] });
    expect((await store.listFindings(old1)).items).toEqual([]);
    expect((await store.getRun(old1))?.findingsDeletedAt).toBe(kept?.findingsDeletedAt);
  });
});
