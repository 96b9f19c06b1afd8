// What a run writes against Azurite once the state already holds the estate: its failures, unknowns, errors and
// changes, not a row per resource. Each case checks the WriteStats and reads the tables back with a raw client.
import { odata, TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/engine/finding";
import type { AuditStore, FindingState } from "../../src/audit/audit-store";
import { stateFromEntity } from "../../src/store/entity-codec";
import { TABLE_NAMES, type AuditStoreOptions } from "../../src/store/table-client";
import { startAzurite, type Azurite } from "../support/azurite";
import { finding, freshStore, manyFindings, miId, report, runIdAt, SUB_A, SUB_B, unreadFinding } from "./fixtures";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.dispose();
});

const DAY1 = "2026-11-20T02:00:00Z";
const DAY2 = "2026-11-21T02:00:00Z";
const DAY3 = "2026-11-22T02:00:00Z";

interface Tables {
  store: AuditStore;
  /** The run's rows in `findings`, read with a raw client: `resourceName:status`, sorted. */
  stored(runId: string): Promise<string[]>;
  /** The run's rows in `findings` as `RowKey suffix (ordinal):message`. */
  ordinals(runId: string): Promise<string[]>;
  /** Every findingstate entity, by resource name. */
  states(): Promise<Map<string, FindingState>>;
}

function tables(options: AuditStoreOptions = {}): Tables {
  const prefix = `n${Math.random().toString(36).slice(2, 8)}`;
  const client = (role: keyof typeof TABLE_NAMES) =>
    TableClient.fromConnectionString(azurite.connectionString, `${prefix}${TABLE_NAMES[role]}`, {
      allowInsecureConnection: true,
    });
  return {
    store: freshStore(azurite.connectionString, { tablePrefix: prefix, ...options }),
    async stored(runId) {
      const rows: string[] = [];
      for await (const row of client("findings").listEntities<{ resourceName: string; status: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${runId}` },
      })) {
        rows.push(`${row.resourceName}:${row.status}`);
      }
      return rows.sort();
    },
    async ordinals(runId) {
      const rows: string[] = [];
      for await (const row of client("findings").listEntities<{ message: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${runId}` },
      })) {
        rows.push(`${String(row.rowKey).split("|").pop()}:${row.message}`);
      }
      return rows.sort();
    },
    async states() {
      const states = new Map<string, FindingState>();
      for await (const row of client("state").listEntities<Record<string, unknown>>()) {
        const state = stateFromEntity(row);
        states.set(state.resourceName, state);
      }
      return states;
    },
  };
}

function at(name: string, status: Finding["status"], subscriptionId = SUB_A): Finding {
  return finding({ resourceId: miId(name, subscriptionId), status });
}

const labels = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.resourceName}:${f.status}`).sort();
const problems = (findings: readonly Finding[]): Finding[] =>
  findings.filter((f) => f.status === "fail" || f.status === "unknown" || f.status === "error");

describe("nightly writes follow failures plus changes", () => {
  it("an unchanged second run stores only its fail, unknown and error results and rewrites only their states", async () => {
    const t = tables();
    const results = manyFindings(100); // 20 each of fail, pass, notApplicable, unknown, error
    const run1 = runIdAt(DAY1);
    const run2 = runIdAt(DAY2);
    const first = await t.store.completeRun(report(run1, results));
    expect(first.stats).toMatchObject({ findings: 100, stateEntities: 100 });

    const second = await t.store.completeRun(report(run2, results));
    expect(second.stats).toMatchObject({ findings: 60, stateEntities: 60 });
    expect(await t.stored(run2)).toEqual(labels(problems(results)));
    expect(await t.stored(run1)).toHaveLength(100);

    // The 40 passes and not-applicables keep the run that recorded them; the 60 others were rewritten by run 2.
    const states = await t.states();
    expect(states.size).toBe(100);
    const byWriter = new Map<string, string[]>();
    for (const state of states.values())
      byWriter.set(state.lastSeenRunId, [...(byWriter.get(state.lastSeenRunId) ?? []), state.lastResultStatus]);
    expect(new Set(byWriter.get(run1))).toEqual(new Set(["pass", "notApplicable"]));
    expect(byWriter.get(run1)).toHaveLength(40);
    expect(new Set(byWriter.get(run2))).toEqual(new Set(["fail", "unknown", "error"]));
    expect(byWriter.get(run2)).toHaveLength(60);

    expect(second.transitions.stillFailing).toHaveLength(20);
    expect(await t.store.getRunRecord(run2)).toMatchObject({
      findings: 100,
      findingsStored: 60,
      byStatus: { fail: 20, pass: 20, notApplicable: 20, unknown: 20, error: 20 },
    });
  });

  it("stores a pass→fail and a fail→pass change, and writes just those states", async () => {
    const t = tables();
    const run1 = runIdAt(DAY1);
    const run2 = runIdAt(DAY2);
    await t.store.completeRun(
      report(run1, [
        at("flips-to-pass", "fail"),
        at("flips-to-fail", "pass"),
        at("steady", "pass"),
        at("renamed", "pass"),
      ]),
    );
    const renamed = { ...at("renamed", "pass"), severity: "critical" as const };
    const second = await t.store.completeRun(
      report(run2, [at("flips-to-pass", "pass"), at("flips-to-fail", "fail"), at("steady", "pass"), renamed]),
    );

    expect(second.stats).toMatchObject({ findings: 3, stateEntities: 3 });
    expect(await t.stored(run2)).toEqual(["flips-to-fail:fail", "flips-to-pass:pass", "renamed:pass"]);
    expect(second.transitions.resolved.map((c) => c.finding.resourceName)).toEqual(["flips-to-pass"]);
    expect(second.transitions.new.map((c) => c.finding.resourceName)).toEqual(["flips-to-fail"]);
    const states = await t.states();
    expect(states.get("flips-to-pass")).toMatchObject({
      status: "pass",
      previousStatus: "fail",
      statusChangedByRunId: run2,
      lastSeenRunId: run2,
      lastTransition: "resolved",
    });
    expect(states.get("flips-to-fail")).toMatchObject({
      status: "fail",
      statusChangedByRunId: run2,
      lastSeenRunId: run2,
    });
    // A display field changed (severity): written, though the verdict did not move.
    expect(states.get("renamed")).toMatchObject({
      status: "pass",
      severity: "critical",
      statusChangedByRunId: run1,
      lastSeenRunId: run2,
    });
    expect(states.get("steady")).toMatchObject({ status: "pass", lastSeenRunId: run1 });
  });

  it("a retried run writes the same rows, reports the same transitions and leaves the tables as the first attempt did", async () => {
    const t = tables();
    const run1 = runIdAt(DAY1);
    const run2 = runIdAt(DAY2);
    await t.store.completeRun(report(run1, [at("a", "fail"), at("b", "pass"), at("c", "pass")]));
    const rep = report(run2, [at("a", "pass"), at("b", "pass"), at("c", "fail"), at("d", "pass")]);
    const once = await t.store.completeRun(rep);
    const storedOnce = await t.stored(run2);
    const statesOnce = await t.states();
    const twice = await t.store.completeRun(rep);

    expect(storedOnce).toEqual(["a:pass", "c:fail", "d:pass"]);
    expect(twice.stats.findings).toBe(once.stats.findings);
    // The retry finds its own writes in the state (replays): nothing to write there again.
    expect(once.stats.stateEntities).toBe(3);
    expect(twice.stats.stateEntities).toBe(0);
    const names = (r: typeof once) => ({
      new: r.transitions.new.map((c) => c.finding.resourceName),
      resolved: r.transitions.resolved.map((c) => c.finding.resourceName),
    });
    expect(names(twice)).toEqual(names(once));
    expect(names(once)).toEqual({ new: ["c"], resolved: ["a"] });
    expect(await t.stored(run2)).toEqual(storedOnce);
    expect(await t.states()).toEqual(statesOnce);
    expect((await t.store.getRunRecord(run2))?.findingsStored).toBe(3);
  });

  it("FINDINGS_ARCHIVE=all keeps every result of every run; the state is still written only for failures and changes", async () => {
    const t = tables({ findingsArchive: "all" });
    const results = manyFindings(50);
    const run1 = runIdAt(DAY1);
    const run2 = runIdAt(DAY2);
    await t.store.completeRun(report(run1, results));
    const second = await t.store.completeRun(report(run2, results));
    expect(second.stats).toMatchObject({ findings: 50, stateEntities: 30 });
    expect(await t.stored(run2)).toEqual(labels(results));
    expect((await t.store.getRunRecord(run2))?.findingsStored).toBe(50);
  });

  it("keeps ordinals over all results of a pair, so a stored result keeps its key when its siblings are not stored", async () => {
    const t = tables();
    const run1 = runIdAt(DAY1);
    const run2 = runIdAt(DAY2);
    const first = finding({ resourceId: miId("pair"), status: "pass", message: "first" });
    await t.store.completeRun(report(run1, [first, { ...first, message: "second" }]));
    // A partial run reads the first result but not the second: the pair keeps its state (not written), and no earlier
    // run holds these results, so both are stored, each at its ordinal, where the full archive puts them too.
    const gap = { types: ["microsoft.network/networksecuritygroups"], subscriptionIds: [SUB_A], reason: "throttled" };
    const partial = report(run2, [first, unreadFinding({ ...first, message: "second" })], { coverageGaps: [gap] });
    const second = await t.store.completeRun(partial);
    expect(second.transitions.notFullyRead).toBe(1);
    expect(second.stats).toMatchObject({ findings: 2, stateEntities: 0, posturePairs: 0 });
    const unread = partial.findings[1]!.message;
    expect(await t.ordinals(run2)).toEqual(["0000:first", `0001:${unread}`]);
    const everything = tables({ findingsArchive: "all" });
    await everything.store.completeRun(partial);
    expect(await everything.ordinals(run2)).toEqual(["0000:first", `0001:${unread}`]);
  });
});

describe("a run completing after a newer one", () => {
  it("does not change states a newer finished run covered, even passes it left unwritten; new pairs are added", async () => {
    const t = tables();
    const run1 = runIdAt(DAY1);
    const older = runIdAt(DAY2);
    const newer = runIdAt(DAY3);
    await t.store.completeRun(report(run1, [at("quiet-pass", "pass"), at("failing", "fail")]));
    // The newer run confirms the pass without writing it.
    const confirmed = await t.store.completeRun(report(newer, [at("quiet-pass", "pass"), at("failing", "fail")]));
    expect(confirmed.stats.stateEntities).toBe(1);
    const before = await t.states();

    const late = await t.store.completeRun(
      report(older, [at("quiet-pass", "fail"), at("failing", "pass"), at("brand-new", "fail")]),
    );
    expect(late.transitions.stale).toBe(2);
    expect(late.transitions.new.map((c) => c.finding.resourceName)).toEqual(["brand-new"]);
    expect(late.transitions.resolved).toEqual([]);
    expect(late.stats.stateEntities).toBe(1);
    const after = await t.states();
    expect(after.get("quiet-pass")).toEqual(before.get("quiet-pass"));
    expect(after.get("failing")).toEqual(before.get("failing"));
    expect(after.get("brand-new")).toMatchObject({ status: "fail", firstSeenRunId: older });
    // Its own results are still its record: a newer run wrote the stale pairs' states, so it stores all it saw.
    expect(await t.stored(older)).toEqual(["brand-new:fail", "failing:pass", "quiet-pass:fail"]);
  });

  it("only the subscriptions a newer run's scope names are protected from it", async () => {
    const t = tables();
    await t.store.completeRun(report(runIdAt(DAY1), [at("in-a", "pass", SUB_A), at("in-b", "pass", SUB_B)]));
    const newer = runIdAt(DAY3);
    await t.store.createRun({ baseline: "current", runId: newer, scope: `subscriptions:${SUB_B.toUpperCase()}` });
    await t.store.completeRun(report(newer, [at("in-b", "pass", SUB_B)]));

    const late = await t.store.completeRun(
      report(runIdAt(DAY2), [at("in-a", "fail", SUB_A), at("in-b", "fail", SUB_B)]),
    );
    expect(late.transitions.new.map((c) => c.finding.resourceName)).toEqual(["in-a"]);
    expect(late.transitions.stale).toBe(1);
    const states = await t.states();
    expect(states.get("in-a")?.status).toBe("fail");
    expect(states.get("in-b")?.status).toBe("pass");
  });

  it("a failed newer run does not count, and in one second the greater run id is the newer", async () => {
    const t = tables();
    await t.store.completeRun(report(runIdAt(DAY1), [at("x", "pass"), at("y", "pass")]));
    const failedNewer = runIdAt(DAY3);
    await t.store.createRun({ baseline: "current", runId: failedNewer, scope: "tenant" });
    await t.store.failRun(failedNewer, "collection failed");
    const sameSecondNewer = runIdAt(DAY2, "zzzzzz");
    await t.store.completeRun(report(sameSecondNewer, [at("y", "pass")]));

    // Stamped in the same second with a smaller id: older than sameSecondNewer, newer than nothing else that finished.
    const sameSecondOlder = runIdAt(DAY2, "aaaaaa");
    const late = await t.store.completeRun(report(sameSecondOlder, [at("x", "fail"), at("y", "fail")]));
    expect(late.transitions.stale).toBe(2);
    expect(late.transitions.new).toEqual([]);

    // Stamped in the same second with a greater id than sameSecondNewer: newer than every finished run.
    const newest = runIdAt(DAY2, "zzzzzzz");
    const onTime = await t.store.completeRun(report(newest, [at("x", "fail")]));
    expect(onTime.transitions.stale).toBe(0);
    expect(onTime.transitions.new.map((c) => c.finding.resourceName)).toEqual(["x"]);
  });

  it("the parts of one run never count as newer than each other, even after the run record is finished", async () => {
    const t = tables();
    await t.store.completeRun(report(runIdAt(DAY1), [at("p1", "fail"), at("p2", "fail")]));
    const runId = runIdAt(DAY2);
    const rep = report(runId, [at("p1", "pass"), at("p2", "pass")]);
    const part1 = await t.store.writeRunPart(runId, [at("p1", "pass")], {
      startedAt: rep.run.startedAt,
      status: "completed",
    });
    await t.store.finishRun({
      run: rep.run,
      scores: rep.summary,
      bySeverity: { critical: emptyCounts(), high: emptyCounts(), medium: emptyCounts(), low: emptyCounts() },
      findings: 2,
      transitions: part1.transitions,
    });
    const part2 = await t.store.writeRunPart(runId, [at("p2", "pass")], {
      startedAt: rep.run.startedAt,
      status: "completed",
    });
    expect(part2.transitions.stale).toBe(0);
    expect(part2.transitions.resolved.map((c) => c.finding.resourceName)).toEqual(["p2"]);
    // Finishing again (a finaliser repeating itself) counts what the parts stored, from the table.
    await t.store.finishRun({
      run: rep.run,
      scores: rep.summary,
      bySeverity: { critical: emptyCounts(), high: emptyCounts(), medium: emptyCounts(), low: emptyCounts() },
      findings: 2,
      transitions: part1.transitions,
    });
    expect(await t.store.getRunRecord(runId)).toMatchObject({ findings: 2, findingsStored: 2 });
  });
});

function emptyCounts() {
  return { fail: 0, unknown: 0, error: 0, pass: 0, notApplicable: 0 };
}
