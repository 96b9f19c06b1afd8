import { describe, expect, it } from "vitest";
import type { Finding } from "../../shared/engine/finding";
import type { FindingState } from "../../shared/store/audit-store";
import { defaultIsFullyRead, nextState, representativeResult, type StateStep } from "../../shared/store/finding-transitions";
import { finding, unreadFinding } from "./fixtures";

const RUN1 = { runId: "20261101T000000Z-aaaaaa", at: "2026-11-01T00:00:00.000Z" };
const RUN2 = { runId: "20261102T000000Z-aaaaaa", at: "2026-11-02T00:00:00.000Z" };
const RUN3 = { runId: "20261103T000000Z-aaaaaa", at: "2026-11-03T00:00:00.000Z" };

function stateAfter(...steps: Array<[Finding, { runId: string; at: string }]>): { state: FindingState | undefined; last: StateStep } {
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
    const { state, last } = stateAfter(...results.map((f, i): [Finding, { runId: string; at: string }] => [f, runs[i]!]));
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
    expect(state).toMatchObject({ status: "fail", lastResultStatus: "error", statusChangedByRunId: RUN1.runId, lastSeenRunId: RUN2.runId });
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
    expect(defaultIsFullyRead(finding({ status: "unknown", evidence: { dataQuality: ["subnet missing"] } }))).toBe(true);
    expect(defaultIsFullyRead(unread)).toBe(false);
  });
});
