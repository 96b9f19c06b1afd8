// The alert planner on small named cases: what a channel hears given this run's verdict, findingstate's transition and
// what the channel already knows (its ledger).
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/engine/finding";
import type { FindingState, Transition } from "../../src/audit/audit-store";
import type { AlertRunInfo } from "../../src/alerts/alert-message";
import {
  deferredResolvedCandidates,
  pairKey,
  planChannel,
  type LedgerEntry,
  type RunVerdicts,
} from "../../src/alerts/alert-plan";
import { finding as baseFinding } from "../store/fixtures";

const AT = "2026-11-20T02:00:00.000Z";
const DAY = 86_400_000;

function run(status: "completed" | "partial" = "completed"): AlertRunInfo {
  return {
    runId: "20261120T020000Z-aaaaaa",
    status,
    scope: "tenant",
    startedAt: AT,
    finishedAt: AT,
    estateScore: 80,
    previousEstateScore: 82,
    notFullyRead: 0,
  };
}

function previous(status: FindingState["status"], changedAt = "2026-11-01T02:00:00.000Z"): FindingState {
  const f = baseFinding();
  return {
    ruleId: f.ruleId,
    resourceId: f.resourceId,
    resourceName: f.resourceName,
    resourceType: f.resourceType,
    subscriptionId: f.subscriptionId,
    resourceGroup: f.resourceGroup,
    severity: f.severity,
    title: f.title,
    status,
    lastResultStatus: status,
    lastMessage: "",
    statusChangedAt: changedAt,
    statusChangedByRunId: "r0",
    firstSeenAt: changedAt,
    firstSeenRunId: "r0",
    lastSeenAt: changedAt,
    lastSeenRunId: "r0",
    everFailed: true,
  };
}

type Ledger = "none" | "open" | "openLongAgo" | "closed";

function setup(
  f: Finding,
  transition: Transition | undefined,
  ledger: Ledger,
  options: { stale?: number; previousStatus?: FindingState["status"] } = {},
) {
  const key = pairKey(f.resourceId, f.ruleId);
  const verdicts: RunVerdicts = {
    verdicts: new Map([[key, f]]),
    transitions: new Map(),
    staleCount: options.stale ?? 0,
    notFullyRead: 0,
  };
  if (transition !== undefined) {
    const prior =
      options.previousStatus ?? (transition === "new" ? undefined : transition === "regressed" ? "pass" : "fail");
    verdicts.transitions.set(key, {
      transition,
      change: { finding: f, ...(prior !== undefined ? { previous: previous(prior) } : {}) },
    });
  }
  const entries = new Map<string, LedgerEntry>();
  if (ledger !== "none") {
    const announcedAt =
      ledger === "openLongAgo"
        ? new Date(Date.parse(AT) - 8 * DAY).toISOString()
        : new Date(Date.parse(AT) - DAY).toISOString();
    entries.set(key, {
      key,
      resourceId: f.resourceId,
      ruleId: f.ruleId,
      open: ledger !== "closed",
      announcedAt,
      firstAnnouncedAt: announcedAt,
    });
  }
  return { key, verdicts, ledger: entries };
}

const fail = baseFinding({ status: "fail", severity: "critical" });
const pass = baseFinding({ status: "pass", severity: "critical" });

describe("planChannel", () => {
  it.each([
    // name, finding, transition, ledger, run status, confirmed, expected [section, reason, ledger action] or null
    ["new failure, channel never heard", fail, "new", "none", "completed", false, ["new", undefined, "open"]],
    [
      "new failure in a partial run is still announced (a read fail is decisive)",
      fail,
      "new",
      "none",
      "partial",
      false,
      ["new", undefined, "open"],
    ],
    [
      "regressed after an announced fix",
      fail,
      "regressed",
      "closed",
      "completed",
      false,
      ["regressed", undefined, "open"],
    ],
    [
      "regressed, but the channel never heard the fix (a partial run saw it): no news",
      fail,
      "regressed",
      "open",
      "completed",
      false,
      null,
    ],
    ["still failing, announced yesterday", fail, "stillFailing", "open", "completed", false, null],
    [
      "still failing, announced 8 days ago: reminder",
      fail,
      "stillFailing",
      "openLongAgo",
      "completed",
      false,
      ["stillFailing", "reminder", "remind"],
    ],
    [
      "still failing, never announced to this channel: first notice",
      fail,
      "stillFailing",
      "none",
      "completed",
      false,
      ["stillFailing", "firstNotice", "open"],
    ],
    ["a fail findingstate did not take (stale run)", fail, undefined, "none", "completed", false, null],
    ["resolved, channel knew it open", pass, "resolved", "open", "completed", false, ["resolved", undefined, "close"]],
    ["resolved in a partial run: never", pass, "resolved", "open", "partial", false, null],
    ["resolved, channel never heard of the failure", pass, "resolved", "none", "completed", false, null],
    [
      "passing without a transition, open in the ledger, confirmed: the deferred fix",
      pass,
      undefined,
      "open",
      "completed",
      true,
      ["resolved", undefined, "close"],
    ],
    [
      "passing without a transition, open in the ledger, not confirmed",
      pass,
      undefined,
      "open",
      "completed",
      false,
      null,
    ],
    ["passing, ledger closed", pass, undefined, "closed", "completed", true, null],
  ] as const)("%s", (_name, f, transition, ledger, status, confirmed, expected) => {
    const { key, verdicts, ledger: entries } = setup(f, transition, ledger);
    const plan = planChannel({
      channel: "default",
      minSeverity: "high",
      accepts: () => true,
      run: run(status),
      verdicts,
      ledger: entries,
      confirmedResolved: new Set(confirmed ? [key] : []),
      remindDays: 7,
      digest: false,
    });
    if (expected === null) {
      expect(plan.kind).toBe("none");
      expect(plan.ledger).toEqual([]);
      return;
    }
    const [section, reason, action] = expected;
    expect(plan.kind).toBe("alert");
    expect(plan.message.sections[section]).toHaveLength(1);
    expect(plan.message.sections[section][0]!.reason).toBe(reason);
    expect(plan.ledger).toEqual([
      { key, resourceId: f.resourceId, ruleId: f.ruleId, resourceName: f.resourceName, action },
    ]);
  });

  describe("across runs of different baselines", () => {
    const plan = (f: Finding, transition: Transition, baselines: [previous: string, now: string], ledger: Ledger) => {
      const { verdicts, ledger: entries } = setup(f, transition, ledger);
      return planChannel({
        channel: "default",
        minSeverity: "high",
        accepts: () => true,
        run: {
          ...run(),
          previousBaseline: baselines[0] as "seed-2019" | "current",
          baseline: baselines[1] as "seed-2019" | "current",
        },
        verdicts,
        ledger: entries,
        confirmedResolved: new Set(),
        remindDays: 7,
        digest: false,
      });
    };
    // A rule only `current` has, first failing in the first `current` run after `seed-2019` runs.
    const currentOnly = baseFinding({ ruleId: "mi.peering.global-legacy-subnet", status: "fail" });

    it("a first failure of a rule the previous run's baseline lacked is a first notice, not new", () => {
      const changed = plan(currentOnly, "new", ["seed-2019", "current"], "none");
      expect(changed.message.counts).toMatchObject({ new: 0, stillFailing: 1 });
      expect(changed.message.sections.stillFailing[0]!.reason).toBe("firstNotice");
      expect(changed.ledger.map((change) => change.action)).toEqual(["open"]);
    });

    it("is new as before when the baseline did not change, or the rule is in both baselines", () => {
      expect(plan(currentOnly, "new", ["current", "current"], "none").message.counts.new).toBe(1);
      const kept = baseFinding({ ruleId: "mi.tls.minimum-version", status: "fail" });
      expect(plan(kept, "new", ["seed-2019", "current"], "none").message.counts.new).toBe(1);
    });

    it("a rule absent from this run's baseline gives no verdict, so an open failure of it is not resolved", () => {
      // The channel knows expressroute.microsoft-peering (seed-2019 only) as open; the current run decided another pair.
      const other = baseFinding({ ruleId: "mi.tls.minimum-version", status: "pass" });
      const { verdicts } = setup(other, undefined, "none");
      const seedOnly = baseFinding({ ruleId: "expressroute.microsoft-peering" });
      const key = pairKey(seedOnly.resourceId, seedOnly.ruleId);
      const ledger = new Map<string, LedgerEntry>([
        [key, { key, resourceId: seedOnly.resourceId, ruleId: seedOnly.ruleId, open: true, announcedAt: AT }],
      ]);
      const now = { ...run(), previousBaseline: "seed-2019" as const, baseline: "current" as const };
      expect(deferredResolvedCandidates(now, verdicts, ledger)).toEqual([]);
      const result = planChannel({
        channel: "default",
        minSeverity: "high",
        accepts: () => true,
        run: now,
        verdicts,
        ledger,
        confirmedResolved: new Set([key]),
        remindDays: 7,
        digest: false,
      });
      expect(result.message.counts.resolved).toBe(0);
      expect(result.ledger).toEqual([]);
    });
  });

  it("below the channel's threshold, or not routed to it, nothing is announced", () => {
    const low = baseFinding({ status: "fail", severity: "medium" });
    const a = setup(low, "new", "none");
    expect(
      planChannel({
        channel: "default",
        minSeverity: "high",
        accepts: () => true,
        run: run(),
        verdicts: a.verdicts,
        ledger: a.ledger,
        confirmedResolved: new Set(),
        remindDays: 7,
        digest: false,
      }).kind,
    ).toBe("none");
    const b = setup(fail, "new", "none");
    expect(
      planChannel({
        channel: "default",
        minSeverity: "high",
        accepts: () => false,
        run: run(),
        verdicts: b.verdicts,
        ledger: b.ledger,
        confirmedResolved: new Set(),
        remindDays: 7,
        digest: false,
      }).kind,
    ).toBe("none");
  });

  it("reminders off (0) never re-announce; a digest lists open failures and changes no ledger entry", () => {
    const { verdicts, ledger } = setup(fail, "stillFailing", "openLongAgo");
    const input = {
      channel: "default",
      minSeverity: "high" as const,
      accepts: () => true,
      run: run(),
      verdicts,
      ledger,
      confirmedResolved: new Set<string>(),
      remindDays: 0,
      digest: false,
    };
    expect(planChannel(input).kind).toBe("none");
    const digest = planChannel({ ...input, digest: true });
    expect(digest.kind).toBe("digest");
    expect(digest.message.sections.stillFailing.map((i) => i.reason)).toEqual(["digest"]);
    expect(digest.message.counts.stillFailing).toBe(1);
    expect(digest.ledger).toEqual([]);
  });
});

describe("deferredResolvedCandidates", () => {
  it("are open ledger pairs that pass without a transition, in complete runs only", () => {
    const { key, verdicts, ledger } = setup(pass, undefined, "open");
    expect(deferredResolvedCandidates(run(), verdicts, ledger)).toEqual([key]);
    expect(deferredResolvedCandidates(run("partial"), verdicts, ledger)).toEqual([]);
    const withTransition = setup(pass, "resolved", "open");
    expect(deferredResolvedCandidates(run(), withTransition.verdicts, withTransition.ledger)).toEqual([]);
  });
});
