// The gate with exceptions (issue 14): an excepted failure "does not trip --fail-on"; an excepted unknown was decided
// by people and does not leave the gate unverified; an unexcepted one, an error, or a coverage gap still does; an
// expired exception excepts nothing. The verdict says how many results at or above the threshold were excepted.
// The rule counts come from scoring real findings, as a run hands them to the gate.
import { describe, expect, it } from "vitest";
import { assessGate, runVerification } from "../../src/engine/gate";
import { scoreFindings } from "../../src/engine/scoring";
import type { Finding } from "../../src/engine/finding";
import type { CoverageGap } from "../../src/model/estate";
import type { Severity } from "../../src/rules/rule";
import { catalogRuleOf, findingFromSpec } from "./finding-spec";

/** A spec finding (finding-spec.ts) of the catalog's first rule of its severity. */
const finding = (spec: string): Finding => findingFromSpec(spec, catalogRuleOf);

const GAP: CoverageGap = { types: ["microsoft.network/networksecuritygroups"], subscriptionIds: ["s1"], reason: "403" };

function gate(specs: string[], threshold: Severity, gaps: CoverageGap[] = [], allowUnverified = false) {
  const byRule = scoreFindings(specs.map(finding)).byRule;
  return assessGate({ byRule, coverageGaps: gaps, resourcesInEstate: specs.length }, threshold, { allowUnverified });
}

describe("the gate with exceptions", () => {
  it.each<[string, string[], Severity, "pass" | "fail" | "unverified", number, { failures: number; unknown: number }]>([
    [
      "an excepted failure at the threshold",
      ["r1/high/fail/applied", "r2/high/pass"],
      "high",
      "pass",
      0,
      { failures: 1, unknown: 0 },
    ],
    ["an excepted failure above it", ["r1/critical/fail/applied"], "high", "pass", 0, { failures: 1, unknown: 0 }],
    [
      "an excepted failure beside an unexcepted one",
      ["r1/high/fail/applied", "r2/high/fail"],
      "high",
      "fail",
      1,
      { failures: 1, unknown: 0 },
    ],
    ["a failure whose exception expired", ["r1/high/fail/expired"], "high", "fail", 1, { failures: 0, unknown: 0 }],
    [
      "an excepted unknown at the threshold",
      ["r1/high/unknown/applied", "r2/high/pass"],
      "high",
      "pass",
      0,
      { failures: 0, unknown: 1 },
    ],
    [
      "an unknown whose exception expired",
      ["r1/high/unknown/expired"],
      "high",
      "unverified",
      0,
      { failures: 0, unknown: 0 },
    ],
    [
      "an excepted unknown beside an unexcepted one",
      ["r1/high/unknown/applied", "r2/high/unknown"],
      "high",
      "unverified",
      0,
      { failures: 0, unknown: 1 },
    ],
    [
      "an error beside an excepted failure",
      ["r1/high/fail/applied", "r2/high/error"],
      "high",
      "unverified",
      0,
      { failures: 1, unknown: 0 },
    ],
    [
      "excepted results below the threshold are not counted as excepted at it",
      ["r1/medium/fail/applied", "r2/medium/unknown/applied", "r3/high/pass"],
      "high",
      "pass",
      0,
      { failures: 0, unknown: 0 },
    ],
    [
      "a pass whose exception is no longer needed",
      ["r1/high/pass/notNeeded"],
      "high",
      "pass",
      0,
      { failures: 0, unknown: 0 },
    ],
  ])("%s", (_label, specs, threshold, outcome, failures, excepted) => {
    const verdict = gate(specs, threshold);
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.failures).toBe(failures);
    expect(verdict.excepted).toEqual(excepted);
  });

  it("the unverified lines count only the unknowns not excepted", () => {
    const verdict = gate(["r1/high/unknown/applied", "r2/high/unknown", "r3/high/unknown"], "high");
    expect(verdict.unverified.results).toBe(2);
    expect(verdict.unverified.byRule).toEqual([
      expect.objectContaining({ severity: "high", unknown: 2, error: 0 }) as unknown,
    ]);
    expect(verdict.lines).toEqual([
      expect.stringMatching(/^2 result\(s\) at or above high were not decided: .* 2 unknown$/),
    ]);
    expect(gate(["r1/high/unknown/applied", "r2/high/pass"], "high").lines).toEqual([]);
  });

  it("a coverage gap still leaves the gate unverified when every failure is excepted", () => {
    const verdict = gate(["r1/critical/fail/applied", "r2/high/unknown/applied"], "high", [GAP]);
    expect(verdict.outcome).toBe("unverified");
    expect(verdict.excepted).toEqual({ failures: 1, unknown: 1 });
    expect(verdict.lines).toEqual([expect.stringContaining("the collection was partial, 1 coverage gap(s)")]);
    expect(gate(["r1/critical/fail/applied"], "high", [GAP], true).outcome).toBe("pass");
  });

  it("a run whose only results are excepted still audited something", () => {
    const verdict = gate(["r1/critical/fail/applied"], "critical");
    expect(verdict.nothingAudited).toBe(false);
    expect(verdict.outcome).toBe("pass");
  });
});

describe("the run's verification with exceptions", () => {
  it("counts unknowns not excepted, and errors, per severity", () => {
    const byRule = scoreFindings(
      ["r1/high/unknown/applied", "r2/high/unknown", "r3/critical/unknown/applied", "r4/low/error"].map(finding),
    ).byRule;
    const verification = runVerification({ byRule, coverageGaps: 0 });
    expect(verification.unverifiedBySeverity).toEqual({ critical: 0, high: 1, medium: 0, low: 1 });
    expect(verification.note).toBe("Not verified (unknown or error): 1 high, 1 low.");
    expect(
      runVerification({ byRule: scoreFindings([finding("r1/high/unknown/applied")]).byRule, coverageGaps: 0 }).note,
    ).toBeNull();
  });
});
