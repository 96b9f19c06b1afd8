// The gate and the run verification over named score tables: what passes, what fails, what could not be verified.
import { describe, expect, it } from "vitest";
import { assessGate, runVerification } from "../../src/engine/gate";
import { emptyStatusCounts, type RuleCounts, type StatusCounts } from "../../src/engine/scoring";
import type { CoverageGap } from "../../src/model/estate";
import type { Severity } from "../../src/rules/rule";

const rule = (ruleId: string, severity: Severity, counts: Partial<StatusCounts>): RuleCounts => ({
  ruleId,
  severity,
  counts: { ...emptyStatusCounts(), ...counts },
});
const GAP: CoverageGap = {
  types: ["microsoft.network/networksecuritygroups"],
  subscriptionIds: ["s1"],
  reason: "HTTP 403",
};

describe("assessGate", () => {
  const cases: Array<[string, RuleCounts[], CoverageGap[], Severity, boolean, "pass" | "fail" | "unverified"]> = [
    [
      "every result decided, no failure",
      [rule("a", "critical", { pass: 3, notApplicable: 1 })],
      [],
      "high",
      false,
      "pass",
    ],
    ["a failure at the threshold", [rule("a", "high", { fail: 1, pass: 2 })], [], "high", false, "fail"],
    [
      "a failure below the threshold",
      [rule("a", "medium", { fail: 1 }), rule("b", "critical", { pass: 1 })],
      [],
      "high",
      false,
      "pass",
    ],
    [
      "an unknown above the threshold",
      [rule("a", "critical", { unknown: 1, pass: 1 })],
      [],
      "high",
      false,
      "unverified",
    ],
    ["an error at the threshold", [rule("a", "high", { error: 1 })], [], "high", false, "unverified"],
    [
      "an unknown below the threshold",
      [rule("a", "low", { unknown: 4 }), rule("b", "critical", { pass: 1 })],
      [],
      "high",
      false,
      "pass",
    ],
    [
      "a coverage gap, every result decided",
      [rule("a", "critical", { pass: 1 })],
      [GAP],
      "critical",
      false,
      "unverified",
    ],
    [
      "a failure and an unknown: the failure decides",
      [rule("a", "critical", { unknown: 1 }), rule("b", "high", { fail: 1 })],
      [GAP],
      "high",
      false,
      "fail",
    ],
    ["an unknown, let through", [rule("a", "critical", { unknown: 1 })], [], "high", true, "pass"],
    ["a gap, let through", [rule("a", "critical", { pass: 1 })], [GAP], "high", true, "pass"],
    ["no result at all", [], [], "low", false, "unverified"],
    ["no result at all, with --allow-unverified", [], [], "low", true, "unverified"],
  ];
  it.each(cases)("%s", (_label, byRule, gaps, threshold, allowUnverified, outcome) => {
    expect(
      assessGate({ byRule, coverageGaps: gaps, resourcesInEstate: 1 }, threshold, { allowUnverified }).outcome,
    ).toBe(outcome);
  });

  it("names each undecided rule with its counts, most severe first, and each gap", () => {
    const gate = assessGate(
      {
        byRule: [
          rule("z.high", "high", { error: 2 }),
          rule("a.crit", "critical", { unknown: 1, error: 1 }),
          rule("m.low", "low", { unknown: 9 }),
        ],
        coverageGaps: [GAP],
        resourcesInEstate: 3,
      },
      "high",
    );
    expect(gate.unverified).toEqual({
      results: 4,
      byRule: [
        { ruleId: "a.crit", severity: "critical", unknown: 1, error: 1 },
        { ruleId: "z.high", severity: "high", unknown: 0, error: 2 },
      ],
    });
    expect(gate.lines).toEqual([
      "4 result(s) at or above high were not decided: a.crit (critical) 1 unknown, 1 error; z.high (high) 2 error",
      "the collection was partial, 1 coverage gap(s): microsoft.network/networksecuritygroups in s1 (HTTP 403)",
    ]);
  });

  it("says whether nothing was read or nothing read was auditable", () => {
    expect(assessGate({ byRule: [], coverageGaps: [], resourcesInEstate: 0 }, "high").lines).toEqual([
      expect.stringMatching(/^nothing was audited: no resource was read/),
    ]);
    expect(assessGate({ byRule: [], coverageGaps: [], resourcesInEstate: 2 }, "high").lines).toEqual([
      "nothing was audited: none of the 2 resource(s) read is of a kind any rule applies to",
    ]);
  });
});

describe("runVerification", () => {
  it("a complete run with every result decided has no note", () => {
    expect(runVerification({ byRule: [rule("a", "critical", { pass: 1, fail: 2 })], coverageGaps: 0 })).toEqual({
      complete: true,
      coverageGaps: 0,
      unverifiedBySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
      nothingAudited: false,
      note: null,
    });
  });

  it("a complete run with undecided results says so, without calling itself partial", () => {
    expect(runVerification({ byRule: [rule("a", "high", { unknown: 1, pass: 3 })], coverageGaps: 0 }).note).toBe(
      "Not verified (unknown or error): 1 high.",
    );
  });

  it("a run that produced no result says nothing was audited", () => {
    expect(runVerification({ byRule: [], coverageGaps: 0 })).toMatchObject({
      nothingAudited: true,
      note: "Nothing was audited.",
    });
  });

  it("a partial run with unverified results says both, with counts per severity", () => {
    const verification = runVerification({
      byRule: [
        rule("a", "critical", { unknown: 2, error: 1 }),
        rule("b", "low", { unknown: 1 }),
        rule("c", "critical", { unknown: 1 }),
      ],
      coverageGaps: 2,
    });
    expect(verification.complete).toBe(false);
    expect(verification.unverifiedBySeverity).toEqual({ critical: 4, high: 0, medium: 0, low: 1 });
    expect(verification.note).toBe(
      "Partial run: 2 coverage gaps, not everything was read; not verified (unknown or error): 4 critical, 1 low.",
    );
  });
});
