// findingstate against a real Azurite: transitions over three runs, honesty for partial and failed runs, retries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/engine/finding";
import type { AuditStore, FindingState, StateTransitions } from "../../src/audit/audit-store";
import { startAzurite, type Azurite } from "../support/azurite";
import { finding, freshStore, miId, report, runIdAt, SUB_A, SUB_B, unreadFinding } from "./fixtures";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.dispose();
});

const RULE = "mi.public-endpoint.untrusted-source";
const A = miId("mi-a");
const B = miId("mi-b");
const C = miId("mi-c");
const D = miId("mi-d");
const E = miId("mi-e");

function at(resourceId: string, status: Finding["status"]): Finding {
  return finding({ resourceId, status });
}

/** The transitions as `name: [resource names]`, sorted, for readable assertions. */
function names(transitions: StateTransitions): Record<string, string[]> {
  const list = (changes: StateTransitions["new"]): string[] => changes.map((c) => c.finding.resourceName).sort();
  return {
    new: list(transitions.new),
    resolved: list(transitions.resolved),
    regressed: list(transitions.regressed),
    stillFailing: list(transitions.stillFailing),
  };
}

async function stateOf(store: AuditStore, resourceId: string, ruleId = RULE): Promise<FindingState | undefined> {
  return (await store.getResourceHistory(resourceId, { runs: 1 })).states.find((s) => s.ruleId === ruleId);
}

describe("findingstate transitions", () => {
  it("reports new, resolved, regressed and still failing across three runs", async () => {
    const store = freshStore(azurite.connectionString);
    const run1 = runIdAt("2026-11-20T02:00:00Z");
    const run2 = runIdAt("2026-11-21T02:00:00Z");
    const run3 = runIdAt("2026-11-22T02:00:00Z");

    const first = await store.completeRun(report(run1, [at(A, "fail"), at(B, "fail"), at(C, "pass"), at(D, "fail")]));
    expect(names(first.transitions)).toEqual({
      new: ["mi-a", "mi-b", "mi-d"],
      resolved: [],
      regressed: [],
      stillFailing: [],
    });

    const second = await store.completeRun(
      report(run2, [at(A, "fail"), at(B, "pass"), at(C, "fail"), at(D, "notApplicable")]),
    );
    expect(names(second.transitions)).toEqual({
      new: ["mi-c"],
      resolved: ["mi-b", "mi-d"],
      regressed: [],
      stillFailing: ["mi-a"],
    });
    expect(second.transitions.resolved.find((c) => c.finding.resourceId === B)?.previous).toMatchObject({
      status: "fail",
      firstSeenRunId: run1,
    });
    expect(second.transitions.new[0]?.previous).toMatchObject({ status: "pass", everFailed: false });

    const third = await store.completeRun(
      report(run3, [at(A, "pass"), at(B, "fail"), at(C, "fail"), at(D, "fail"), at(E, "fail")]),
    );
    expect(names(third.transitions)).toEqual({
      new: ["mi-e"],
      resolved: ["mi-a"],
      regressed: ["mi-b", "mi-d"],
      stillFailing: ["mi-c"],
    });
    expect(third.transitions.new[0]?.previous).toBeUndefined();
    expect(third.transitions.regressed.find((c) => c.finding.resourceId === B)?.previous).toMatchObject({
      status: "pass",
      previousStatus: "fail",
    });

    expect(await stateOf(store, B)).toMatchObject({
      status: "fail",
      previousStatus: "pass",
      firstSeenRunId: run1,
      lastSeenRunId: run3,
      statusChangedByRunId: run3,
      everFailed: true,
      lastTransition: "regressed",
      resourceName: "mi-b",
      subscriptionId: SUB_A,
      resourceGroup: "rg-data",
      severity: "high",
    });

    // The same diff is on the run summary, against the previous finished run.
    const summary = (await store.getRun(run3))?.summary;
    expect(summary?.delta).toMatchObject({
      previousRunId: run2,
      stateUpdated: true,
      newFailures: 1,
      resolved: 1,
      regressed: 2,
      stillFailing: 1,
      notReassessed: 0,
    });
    expect(summary?.delta.samples.regressed.map((s) => s.resourceName).sort()).toEqual(["mi-b", "mi-d"]);
    expect((await store.getRun(run1))?.summary?.delta.previousRunId).toBeUndefined();
  });

  it("a retried completeRun reports the same transitions and leaves state as the first attempt did", async () => {
    const store = freshStore(azurite.connectionString);
    const run1 = runIdAt("2026-11-20T02:00:00Z");
    const run2 = runIdAt("2026-11-21T02:00:00Z");
    await store.completeRun(report(run1, [at(A, "fail"), at(B, "pass")]));
    const rep = report(run2, [at(A, "pass"), at(B, "fail")]);
    const once = await store.completeRun(rep);
    const stateOnce = await stateOf(store, A);
    const twice = await store.completeRun(rep);
    expect(names(twice.transitions)).toEqual(names(once.transitions));
    expect(twice.transitions.resolved[0]?.previous?.status).toBe("fail");
    expect(await stateOf(store, A)).toEqual(stateOnce);
  });

  it("an older run completing late does not roll state back", async () => {
    const store = freshStore(azurite.connectionString);
    await store.completeRun(report(runIdAt("2026-11-22T02:00:00Z"), [at(A, "fail")]));
    const late = await store.completeRun(report(runIdAt("2026-11-21T02:00:00Z"), [at(A, "pass")]));
    expect(late.transitions.stale).toBe(1);
    expect(late.transitions.resolved).toEqual([]);
    expect((await stateOf(store, A))?.status).toBe("fail");
  });
});

describe("honest state for partial and failed runs", () => {
  it("a partial run updates what it read and leaves unread scopes exactly as they were", async () => {
    const store = freshStore(azurite.connectionString);
    const run1 = runIdAt("2026-11-20T02:00:00Z");
    const run2 = runIdAt("2026-11-21T02:00:00Z");
    const inB = miId("mi-b", SUB_B);
    const absent = miId("mi-absent", SUB_B);
    await store.completeRun(report(run1, [at(A, "fail"), at(inB, "fail"), at(absent, "fail")]));
    const before = { inB: await stateOf(store, inB), absent: await stateOf(store, absent) };

    // NSGs of SUB_B could not be read: mi-b's verdict is unknown with the engine's coverageGap mark; mi-absent was not
    // collected at all. mi-a in SUB_A was read and now passes.
    const gap = { types: ["microsoft.network/networksecuritygroups"], subscriptionIds: [SUB_B], reason: "throttled" };
    const partial = await store.completeRun(
      report(run2, [at(A, "pass"), unreadFinding(at(inB, "pass"))], { coverageGaps: [gap] }),
    );

    expect(partial.run.status).toBe("partial");
    expect(names(partial.transitions)).toEqual({ new: [], resolved: ["mi-a"], regressed: [], stillFailing: [] });
    expect(partial.transitions.notFullyRead).toBe(1);
    expect(await stateOf(store, inB)).toEqual(before.inB);
    expect(await stateOf(store, absent)).toEqual(before.absent);
    expect(await stateOf(store, A)).toMatchObject({ status: "pass", lastSeenRunId: run2 });
    expect((await store.getRun(run2))?.summary?.delta).toMatchObject({ notReassessed: 1, resolved: 1 });
  });

  it("a partial run honours a caller's isFullyRead predicate", async () => {
    const store = freshStore(azurite.connectionString);
    const run1 = runIdAt("2026-11-20T02:00:00Z");
    const run2 = runIdAt("2026-11-21T02:00:00Z");
    await store.completeRun(report(run1, [at(A, "fail"), at(B, "fail")]));
    const before = await stateOf(store, B);
    const gap = { types: ["microsoft.sql/managedinstances"], reason: "query failed" };
    const result = await store.completeRun(report(run2, [at(A, "pass"), at(B, "pass")], { coverageGaps: [gap] }), {
      isFullyRead: (f) => f.resourceId !== B,
    });
    expect(names(result.transitions).resolved).toEqual(["mi-a"]);
    expect(await stateOf(store, B)).toEqual(before);
  });

  it("a failed run never touches state, whether it stored a report or only failed", async () => {
    const store = freshStore(azurite.connectionString);
    const run1 = runIdAt("2026-11-20T02:00:00Z");
    await store.completeRun(report(run1, [at(A, "fail")]));
    const before = await stateOf(store, A);

    const failedWithReport = runIdAt("2026-11-21T02:00:00Z");
    const result = await store.completeRun(
      report(failedWithReport, [at(A, "pass"), at(B, "fail")], { status: "failed" }),
    );
    expect(names(result.transitions)).toEqual({ new: [], resolved: [], regressed: [], stillFailing: [] });
    expect(result.stats.stateEntities).toBe(0);

    const failedOutright = runIdAt("2026-11-22T02:00:00Z");
    await store.createRun({ baseline: "current", runId: failedOutright, scope: "subscriptions:all" });
    await store.markRunning(failedOutright);
    await store.failRun(failedOutright, "Resource Graph returned 403 for every subscription");

    expect(await stateOf(store, A)).toEqual(before);
    expect(await stateOf(store, B)).toBeUndefined();
    expect((await store.getRun(failedWithReport))?.summary?.delta).toMatchObject({
      stateUpdated: false,
      previousRunId: run1,
    });
    expect(await store.getRun(failedOutright)).toMatchObject({
      status: "failed",
      error: "Resource Graph returned 403 for every subscription",
      scope: "subscriptions:all",
    });
    // `latest` skips failed runs.
    expect((await store.getRun("latest"))?.runId).toBe(run1);
  });
});
