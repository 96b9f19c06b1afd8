import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/engine/finding";
import type { FindingState } from "../../src/audit/audit-store";
import {
  defaultIsFullyRead,
  nextState,
  representativeResult,
  type StateStep,
} from "../../src/store/finding-transitions";
import { finding, unreadFinding } from "./fixtures";

const RUN1 = { runId: "20261101T000000Z-aaaaaa", at: "2026-11-01T00:00:00.000Z" };
const RUN2 = { runId: "20261102T000000Z-aaaaaa", at: "2026-11-02T00:00:00.000Z" };
const RUN3 = { runId: "20261103T000000Z-aaaaaa", at: "2026-11-03T00:00:00.000Z" };

function stateAfter(...steps: Array<[Finding, { runId: string; at: string }]>): {
  state: FindingState | undefined;
  last: StateStep;
} {
  let state: FindingState | undefined;
  let last: StateStep = { kind: "stale" };
  for (const [f, run] of steps) {
    last = nextState(state, f, run);
    if (last.kind === "update") state = last.state;
  }
  return { state, last };
}

const fail = finding({ status: "fail" });
const pass = finding({ status: "pass" });
const na = finding({ status: "notApplicable" });
const error = finding({ status: "error", message: "rule threw" });

describe("nextState", () => {
  it.each<[string, Array<Finding>, string | undefined, string]>([
    ["first sight failing", [fail], "new", "fail"],
    ["first sight passing", [pass], undefined, "pass"],
    ["fail then fail", [fail, fail], "stillFailing", "fail"],
    ["fail then pass", [fail, pass], "resolved", "pass"],
    ["fail then notApplicable", [fail, na], "resolved", "pass→notApplicable"],
    ["pass then fail (never failed before)", [pass, fail], "new", "fail"],
    ["fail, pass, fail", [fail, pass, fail], "regressed", "fail"],
    ["fail then error keeps the fail", [fail, error], undefined, "fail"],
    ["error first, then fail", [error, fail], "new", "fail"],
  ])("%s → %s", (_label, results, transition, expectedStatus) => {
    const runs = [RUN1, RUN2, RUN3];
    const { state, last } = stateAfter(
      ...results.map((f, i): [Finding, { runId: string; at: string }] => [f, runs[i]!]),
    );
    expect(last.kind).toBe("update");
    expect(last.kind === "update" ? last.transition : "x").toBe(transition);
    expect(state?.status).toBe(expectedStatus.split("→").pop());
  });

  it("records first seen, last seen, previous status and who changed it", () => {
    const { state } = stateAfter([fail, RUN1], [fail, RUN2], [pass, RUN3]);
    expect(state).toMatchObject({
      firstSeenRunId: RUN1.runId,
      lastSeenRunId: RUN3.runId,
      status: "pass",
      previousStatus: "fail",
      statusChangedAt: RUN3.at,
      statusChangedByRunId: RUN3.runId,
      everFailed: true,
      firstFailedAt: RUN1.at,
      lastTransition: "resolved",
    });
  });

  it("keeps the verdict but records the raw result when a read result is error", () => {
    const { state } = stateAfter([fail, RUN1], [error, RUN2]);
    expect(state).toMatchObject({
      status: "fail",
      lastResultStatus: "error",
      statusChangedByRunId: RUN1.runId,
      lastSeenRunId: RUN2.runId,
    });
  });

  it("replays a run that already updated the state (a retried completeRun)", () => {
    const { state } = stateAfter([pass, RUN1], [fail, RUN2]);
    const replay = nextState(state, fail, RUN2);
    expect(replay).toMatchObject({ kind: "replay", transition: "new", before: { status: "pass" } });
  });

  it("refuses to let an older run roll back a newer state", () => {
    const { state } = stateAfter([fail, RUN2]);
    expect(nextState(state, pass, RUN1).kind).toBe("stale");
  });

  it("is stale for a run a newer finished run superseded, unless the pair is new or the run is replayed", () => {
    const { state } = stateAfter([pass, RUN1]);
    expect(nextState(state, fail, RUN2, true).kind).toBe("stale");
    expect(nextState(undefined, fail, RUN2, true)).toMatchObject({ kind: "update", transition: "new" });
    const { state: written } = stateAfter([pass, RUN1], [fail, RUN2]);
    expect(nextState(written, fail, RUN2, true).kind).toBe("replay");
  });

  it.each<[string, Finding, Finding]>([
    ["pass again", pass, pass],
    ["notApplicable again", na, na],
  ])("writes nothing for a verdict the state already holds: %s", (_label, first, again) => {
    const { state } = stateAfter([first, RUN1]);
    // What writing it anyway (a refresh) would store: the same state, stamped by this run.
    expect(nextState(state, again, RUN2)).toEqual({
      kind: "unchanged",
      state: { ...state, lastSeenAt: RUN2.at, lastSeenRunId: RUN2.runId },
    });
  });

  it("writes nothing for a pass that stays a pass after it resolved a failure (the last transition is only a stamp)", () => {
    const { state } = stateAfter([fail, RUN1], [pass, RUN2]);
    expect(state?.lastTransition).toBe("resolved");
    expect(nextState(state, pass, RUN3).kind).toBe("unchanged");
  });

  it.each<[string, Finding]>([
    ["a new message", finding({ status: "pass", message: "Now restricted to 10.0.0.0/8." })],
    ["a new severity", finding({ status: "pass", severity: "critical" })],
    ["a new title", finding({ status: "pass", title: "Renamed rule" })],
    ["a new resource name", finding({ status: "pass", resourceName: "renamed" })],
    ["a new resource group spelling", finding({ status: "pass", resourceGroup: "RG-DATA" })],
    ["a new type spelling", finding({ status: "pass", resourceType: "Microsoft.Sql/managedInstances" })],
  ])("writes a pass whose record changed: %s", (_label, changed) => {
    const { state } = stateAfter([pass, RUN1]);
    const step = nextState(state, changed, RUN2);
    expect(step).toMatchObject({
      kind: "update",
      state: { status: "pass", lastSeenRunId: RUN2.runId, statusChangedByRunId: RUN1.runId },
    });
  });

  it.each<[string, Finding]>([
    ["fail", fail],
    ["error", error],
    ["unknown", finding({ status: "unknown", message: "NSG missing" })],
  ])("rewrites a %s result every run, changed or not", (_label, result) => {
    const { state } = stateAfter([result, RUN1], [result, RUN2]);
    expect(nextState(state, result, RUN3)).toMatchObject({ kind: "update", state: { lastSeenRunId: RUN3.runId } });
  });

  it("writes a pass after an error, which changes the raw result the state records", () => {
    const { state } = stateAfter([pass, RUN1], [error, RUN2]);
    expect(state).toMatchObject({ status: "pass", lastResultStatus: "error" });
    expect(nextState(state, pass, RUN3)).toMatchObject({
      kind: "update",
      state: { status: "pass", lastResultStatus: "pass" },
    });
  });
});

describe("representativeResult", () => {
  const unread = unreadFinding(pass);

  it.each<[string, Finding[], string | undefined]>([
    ["one read pass", [pass], "pass"],
    ["the worst of several", [pass, fail, error], "fail"],
    ["a read fail next to an unread result", [fail, unread], "fail"],
    ["a pass next to an unread result: undecided", [pass, unread], undefined],
    ["only unread", [unread], undefined],
  ])("%s → %s", (_label, results, expected) => {
    expect(representativeResult(results, defaultIsFullyRead)?.status).toBe(expected);
  });

  it("treats unknown without a coverage gap as read (bad data, not missing data)", () => {
    expect(defaultIsFullyRead(finding({ status: "unknown", evidence: { dataQuality: ["subnet missing"] } }))).toBe(
      true,
    );
    expect(defaultIsFullyRead(unread)).toBe(false);
  });
});
