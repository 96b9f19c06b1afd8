// Scoring as the README documents it (### Scoring): weights critical 40, high 20, medium 10, low 5; a resource scores
// 100 minus the weights of its failures, floored at 0; subscription and estate scores are means over the resources
// with at least one pass or fail (the estate's over all such resources, not a mean of subscription means), to one
// decimal, null when there is none; unknown and error never lower a score and are counted as unassessed. The
// expected figures below are worked out by hand from those sentences. Then: sums of parts disjoint by resource merge
// into exactly the scores of the whole (what fan-out relies on).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  finaliseScores,
  mergeScoreSums,
  ScoreAccumulator,
  scoreFindings,
  SEVERITY_WEIGHTS,
  type ScoreSums,
} from "../../src/engine/scoring";
import type { Finding } from "../../src/engine/finding";
import { RULES } from "../../src/rules/catalog";
import { SEVERITIES } from "../../src/rules/rule";
import { findingsFor } from "../support/evaluate";
import { SAMPLE } from "../support/run-cli";
import { findingFromSpec } from "./finding-spec";

/** A spec finding (finding-spec.ts); `ruleId` names its rule (default `rule.<severity>`). */
const finding = (spec: string, ruleId?: string): Finding =>
  findingFromSpec(spec, ruleId === undefined ? undefined : () => ruleId);

const NO_STATUS = { fail: 0, unknown: 0, error: 0, pass: 0, notApplicable: 0 };

const score = (...specs: string[]) => scoreFindings(specs.map((spec) => finding(spec)));

describe("severity weights", () => {
  it.each([
    ["critical", 40],
    ["high", 20],
    ["medium", 10],
    ["low", 5],
  ] as const)("%s weighs %i", (severity, weight) => {
    expect(SEVERITY_WEIGHTS[severity]).toBe(weight);
    expect(score(`r1/${severity}/fail`, "r1/low/pass").estateScore).toBe(100 - weight);
  });

  it("has a weight for every severity a rule can have, and every rule has one of them", () => {
    expect(Object.keys(SEVERITY_WEIGHTS).sort()).toEqual([...SEVERITIES].sort());
    for (const rule of RULES) expect(SEVERITY_WEIGHTS[rule.severity]).toBeGreaterThan(0);
  });
});

describe("a resource's score", () => {
  const cases: Array<[string, string[], number | null]> = [
    ["passes only", ["r1/critical/pass", "r1/high/pass"], 100],
    ["one critical failure", ["r1/critical/fail"], 60],
    ["a critical and a high failure add up", ["r1/critical/fail", "r1/high/fail"], 40],
    ["one failure of each severity", ["r1/critical/fail", "r1/high/fail", "r1/medium/fail", "r1/low/fail"], 25],
    ["exactly 100 of weights is 0", ["r1/critical/fail", "r1/critical/fail", "r1/high/fail"], 0],
    ["more than 100 of weights is floored at 0", ["r1/critical/fail", "r1/critical/fail", "r1/critical/fail"], 0],
    ["an unknown never lowers it", ["r1/high/fail", "r1/critical/unknown"], 80],
    ["an error never lowers it", ["r1/critical/pass", "r1/critical/error"], 100],
    ["notApplicable neither counts nor lowers", ["r1/medium/fail", "r1/critical/notApplicable"], 90],
    ["unknown and error only: not assessed", ["r1/critical/unknown", "r1/high/error"], null],
    ["notApplicable only: not assessed", ["r1/critical/notApplicable"], null],
    ["a failure with nothing else is assessed", ["r1/low/fail"], 95],
  ];
  it.each(cases)("%s", (_label, specs, expected) => {
    const scores = score(...specs);
    expect(scores.estateScore).toBe(expected);
    expect(scores.bySubscription).toEqual([
      expect.objectContaining({ subscriptionId: "s1", score: expected, resourcesAssessed: expected === null ? 0 : 1 }),
    ]);
  });

  it("is one resource whatever the case of its ARM id", () => {
    const upper = { ...finding("r1/critical/fail"), resourceId: finding("r1/critical/fail").resourceId.toUpperCase() };
    const scores = scoreFindings([finding("r1/critical/fail"), upper]);
    expect(scores).toMatchObject({ estateScore: 20, resourcesAssessed: 1 });
  });
});

describe("means", () => {
  const cases: Array<[string, string[], number | null, Record<string, number | null>]> = [
    [
      "per subscription and over the estate",
      ["a:r1/low/pass", "a:r2/critical/fail", "b:r3/high/fail"],
      80,
      { a: 80, b: 80 },
    ],
    // a: 100; b: 60, 60, 60. The estate is (100 + 180) / 4 = 70, not the mean of 100 and 60.
    [
      "the estate weighs every resource, not every subscription",
      ["a:r1/low/pass", "b:r2/critical/fail", "b:r3/critical/fail", "b:r4/critical/fail"],
      70,
      { a: 100, b: 60 },
    ],
    [
      "only assessed resources count",
      ["a:r1/critical/fail", "a:r2/critical/unknown", "a:r3/high/notApplicable", "b:r4/low/error"],
      60,
      { a: 60, b: null },
    ],
    ["rounded to one decimal: 98.33 is 98.3", ["r1/low/pass", "r2/low/pass", "r3/low/fail"], 98.3, { s1: 98.3 }],
    ["rounded to one decimal: 96.67 is 96.7", ["r1/low/pass", "r2/low/fail", "r3/low/fail"], 96.7, { s1: 96.7 }],
    [
      "rounded to one decimal: 98.75 is 98.8",
      ["r1/low/pass", "r2/low/pass", "r3/low/pass", "r4/low/fail"],
      98.8,
      { s1: 98.8 },
    ],
    [
      "rounded to one decimal: 33.33 is 33.3",
      [
        "r1/critical/fail",
        "r1/critical/fail",
        "r1/critical/fail",
        "r2/critical/pass",
        "r3/critical/fail",
        "r3/critical/fail",
        "r3/critical/fail",
      ],
      33.3,
      { s1: 33.3 },
    ],
    ["no finding at all", [], null, {}],
  ];
  it.each(cases)("%s", (_label, specs, estate, bySubscription) => {
    const scores = score(...specs);
    expect(scores.estateScore).toBe(estate);
    expect(Object.fromEntries(scores.bySubscription.map((s) => [s.subscriptionId, s.score]))).toEqual(bySubscription);
  });

  it("lists subscriptions in id order", () => {
    expect(
      score("c:r1/low/pass", "a:r2/low/pass", "b:r3/low/pass").bySubscription.map((s) => s.subscriptionId),
    ).toEqual(["a", "b", "c"]);
  });
});

describe("counts", () => {
  it("counts statuses, failures by severity and unassessed results, overall and per subscription", () => {
    const scores = score(
      "a:r1/critical/fail",
      "a:r1/high/fail",
      "a:r1/low/unknown",
      "a:r2/medium/error",
      "b:r3/critical/pass",
      "b:r3/low/notApplicable",
      "b:r4/high/unknown",
    );
    expect(scores.byStatus).toEqual({ fail: 2, unknown: 2, error: 1, pass: 1, notApplicable: 1 });
    expect(scores.failuresBySeverity).toEqual({ critical: 1, high: 1, medium: 0, low: 0 });
    expect(scores.unassessed).toBe(3);
    expect(scores.resourcesAssessed).toBe(2);
    expect(scores.bySubscription).toEqual([
      {
        subscriptionId: "a",
        score: 40,
        resourcesAssessed: 1,
        failuresBySeverity: { critical: 1, high: 1, medium: 0, low: 0 },
        unassessed: 2,
      },
      {
        subscriptionId: "b",
        score: 100,
        resourcesAssessed: 1,
        failuresBySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
        unassessed: 1,
      },
    ]);
  });

  it("counts statuses per rule, with the rule's severity", () => {
    const findings = [
      finding("r1/critical/fail", "x.one"),
      finding("r2/critical/pass", "x.one"),
      finding("r1/low/unknown", "x.two"),
    ];
    expect(scoreFindings(findings).byRule).toEqual([
      {
        ruleId: "x.one",
        severity: "critical",
        counts: { fail: 1, unknown: 0, error: 0, pass: 1, notApplicable: 0 },
        excepted: NO_STATUS,
      },
      {
        ruleId: "x.two",
        severity: "low",
        counts: { fail: 0, unknown: 1, error: 0, pass: 0, notApplicable: 0 },
        excepted: NO_STATUS,
      },
    ]);
  });

  it("is all zeros and no score for no finding", () => {
    expect(scoreFindings([])).toEqual({
      estateScore: null,
      exceptionsAffectScore: false,
      estateScoreAllFailures: null,
      estateScoreExceptedNotCounted: null,
      excepted: { byStatus: NO_STATUS, failuresBySeverity: { critical: 0, high: 0, medium: 0, low: 0 } },
      resourcesAssessed: 0,
      bySubscription: [],
      byStatus: { fail: 0, unknown: 0, error: 0, pass: 0, notApplicable: 0 },
      failuresBySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
      byRule: [],
      unassessed: 0,
    });
  });

  it("keeps status counts per severity and the number of findings in its sums", () => {
    const accumulator = new ScoreAccumulator();
    for (const spec of ["r1/critical/fail", "r1/critical/pass", "r2/low/error"]) accumulator.add(finding(spec));
    const sums = accumulator.sums();
    expect(sums.findings).toBe(3);
    expect(sums.bySeverity.critical).toEqual({ fail: 1, unknown: 0, error: 0, pass: 1, notApplicable: 0 });
    expect(sums.bySeverity.low.error).toBe(1);
    expect(sums.subscriptions).toEqual({
      s1: {
        total: 60,
        totalExceptedNotCounted: 60,
        count: 1,
        failures: { critical: 1, high: 0, medium: 0, low: 0 },
        unassessed: 1,
      },
    });
  });
});

describe("sums of parts", () => {
  function sumsBy(findings: readonly Finding[], key: (f: Finding) => string): ScoreSums[] {
    const parts = new Map<string, ScoreAccumulator>();
    for (const f of findings) {
      const part = parts.get(key(f)) ?? new ScoreAccumulator();
      part.add(f);
      parts.set(key(f), part);
    }
    // Through JSON, as a shard stores them.
    return [...parts.values()].map((part) => JSON.parse(JSON.stringify(part.sums())) as ScoreSums);
  }
  const sample = findingsFor((JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: unknown[] }).data);

  it("a single run is one part, finalised", () => {
    const accumulator = new ScoreAccumulator();
    for (const f of sample) accumulator.add(f);
    expect(finaliseScores(accumulator.sums())).toEqual(scoreFindings(sample));
    expect(finaliseScores(mergeScoreSums([accumulator.sums()]))).toEqual(scoreFindings(sample));
  });

  it("merge into the whole's scores when cut by subscription, in twos, or not at all (the sample estate)", () => {
    const expected = scoreFindings(sample);
    expect(expected.estateScore).not.toBeNull();
    for (const parts of [
      sumsBy(sample, (f) => f.subscriptionId),
      sumsBy(sample, (f) => (f.subscriptionId < "8" ? "a" : "b")),
      sumsBy(sample, () => "all"),
    ]) {
      const merged = mergeScoreSums(parts);
      // Byte for byte, key order and list order included.
      expect(JSON.stringify(finaliseScores(merged))).toBe(JSON.stringify(expected));
      expect(merged.findings).toBe(sample.length);
      for (const severity of SEVERITIES) {
        const ofSeverity = sample.filter((f) => f.severity === severity);
        expect(Object.values(merged.bySeverity[severity]).reduce((a, b) => a + b, 0)).toBe(ofSeverity.length);
        expect(merged.bySeverity[severity].fail).toBe(ofSeverity.filter((f) => f.status === "fail").length);
      }
    }
  });

  it("list rules in the engine's order even when the first part lacks one", () => {
    const [first, second, third] = RULES.map((rule) => rule.id) as [string, string, string];
    const parts = [
      [finding("a:r1/low/fail", third)],
      [finding("b:r2/low/pass", first), finding("b:r2/low/pass", second), finding("b:r2/low/pass", third)],
    ].map((findings) => {
      const accumulator = new ScoreAccumulator();
      for (const f of findings) accumulator.add(f);
      return accumulator.sums();
    });
    expect(finaliseScores(mergeScoreSums(parts)).byRule.map((r) => r.ruleId)).toEqual([first, second, third]);
  });

  it("would be wrong if one resource's findings were split over parts (the fan-out planner never does that)", () => {
    // Each part floors the resource on its own: 3 critical failures are 0 together, but 60 + 20 in two parts.
    const findings = ["r1/critical/fail", "r1/critical/fail", "r1/critical/fail"].map((spec) => finding(spec));
    const split = mergeScoreSums(sumsBy(findings, (f) => String(findings.indexOf(f) % 2)));
    expect(finaliseScores(split).byStatus).toEqual(scoreFindings(findings).byStatus);
    expect(finaliseScores(split).estateScore).not.toBe(scoreFindings(findings).estateScore);
  });

  it("are empty for no part", () => {
    expect(finaliseScores(mergeScoreSums([]))).toEqual(scoreFindings([]));
  });
});
