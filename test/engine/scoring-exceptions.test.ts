// Scores with exceptions (issue 14): an excepted failure keeps its status and its place in every count; the summary
// carries two scores, one counting every failure and one leaving excepted failures out, and the headline is the
// second unless EXCEPTIONS_AFFECT_SCORE. Worked out by hand from the README's scoring (weights critical 40, high 20,
// medium 10, low 5; a resource is 100 minus its failures' weights, floored at 0; means over assessed resources, one
// decimal). Then: a run cut into parts merges to exactly the whole, and sums stored before exceptions merge as before.
import { describe, expect, it } from "vitest";
import {
  finaliseScores,
  mergeScoreSums,
  ScoreAccumulator,
  scoreFindings,
  type ScoreSums,
} from "../../src/engine/scoring";
import type { ExceptionEffect } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { RULES } from "../../src/rules/catalog";
import { SEVERITIES, STATUSES } from "../../src/rules/rule";
import { SeededRandom } from "../../dev/generate/seeded-random";
import { catalogRuleOf, findingFromSpec } from "./finding-spec";

/** A spec finding (finding-spec.ts) of the catalog's first rule of its severity. */
const finding = (spec: string): Finding => findingFromSpec(spec, catalogRuleOf);

const findings = (...specs: string[]) => specs.map(finding);

describe("the two scores", () => {
  const run = findings(
    "s1:r1/critical/fail/applied",
    "s1:r1/high/fail",
    "s1:r2/low/pass",
    "s2:r3/critical/fail/applied",
    "s2:r3/critical/fail/applied",
    "s2:r3/critical/fail",
    "s2:r4/medium/unknown/applied",
    "s2:r4/medium/pass",
  );
  // r1: 100-60=40, without the excepted critical 80. r2: 100. r3: 100-120→0, without two excepted criticals 60.
  // r4: 100 (an unknown never lowers a score). s1: (40+100)/2=70 | (80+100)/2=90; s2: (0+100)/2=50 | (60+100)/2=80.
  // Estate: (40+100+0+100)/4=60 | (80+100+60+100)/4=85.

  it("by default the headline leaves excepted failures out; both are always there", () => {
    const scores = scoreFindings(run);
    expect(scores).toMatchObject({
      estateScore: 85,
      exceptionsAffectScore: false,
      estateScoreAllFailures: 60,
      estateScoreExceptedNotCounted: 85,
      resourcesAssessed: 4,
    });
    expect(scores.bySubscription.map((s) => [s.subscriptionId, s.score])).toEqual([
      ["s1", 90],
      ["s2", 80],
    ]);
  });

  it("EXCEPTIONS_AFFECT_SCORE makes the headline count every failure", () => {
    const scores = scoreFindings(run, { exceptionsAffectScore: true });
    expect(scores).toMatchObject({
      estateScore: 60,
      exceptionsAffectScore: true,
      estateScoreAllFailures: 60,
      estateScoreExceptedNotCounted: 85,
    });
    expect(scores.bySubscription.map((s) => s.score)).toEqual([70, 50]);
  });

  it("every count still counts excepted results; `excepted` says how many of them are", () => {
    const scores = scoreFindings(run);
    expect(scores.byStatus).toEqual({ pass: 2, fail: 5, notApplicable: 0, unknown: 1, error: 0 });
    expect(scores.failuresBySeverity).toEqual({ critical: 4, high: 1, medium: 0, low: 0 });
    expect(scores.excepted).toEqual({
      byStatus: { pass: 0, fail: 3, notApplicable: 0, unknown: 1, error: 0 },
      failuresBySeverity: { critical: 3, high: 0, medium: 0, low: 0 },
    });
    const critical = scores.byRule.find((r) => r.severity === "critical")!;
    expect(critical.counts.fail).toBe(4);
    expect(critical.excepted).toMatchObject({ fail: 3, unknown: 0 });
    expect(scores.byRule.find((r) => r.severity === "medium")!.excepted).toMatchObject({ unknown: 1, pass: 0 });
    expect(scores.bySubscription.find((s) => s.subscriptionId === "s2")!.failuresBySeverity.critical).toBe(3);
    expect(scores.unassessed).toBe(1);
  });

  it("an expired exception or one no longer needed excepts nothing", () => {
    const scores = scoreFindings(findings("r1/critical/fail/expired", "r2/high/pass/notNeeded"));
    expect(scores).toMatchObject({ estateScore: 80, estateScoreAllFailures: 80, estateScoreExceptedNotCounted: 80 });
    expect(scores.excepted.byStatus.fail).toBe(0);
  });

  it("with nothing excepted the two scores are one", () => {
    const scores = scoreFindings(findings("r1/critical/fail", "r2/low/pass", "r3/medium/fail"));
    expect(scores.estateScoreAllFailures).toBe(scores.estateScoreExceptedNotCounted);
    expect(scores.estateScore).toBe(Math.round(((60 + 100 + 90) / 3) * 10) / 10);
  });

  it("a resource whose only decided result is an excepted failure is assessed, and scores 100 without it", () => {
    const scores = scoreFindings(findings("r1/critical/fail/applied"));
    expect(scores).toMatchObject({
      resourcesAssessed: 1,
      estateScoreAllFailures: 60,
      estateScoreExceptedNotCounted: 100,
    });
  });
});

describe("a run cut into parts scores as the whole, with exceptions (seeded, 200 runs)", () => {
  const effects: Array<ExceptionEffect | undefined> = [undefined, "applied", "applied", "expired"];

  function randomRun(seed: number): Finding[] {
    const random = SeededRandom.derive(14, "scoring-exceptions", seed);
    const out: Finding[] = [];
    for (let i = 0; i < random.int(0, 60); i += 1) {
      const status = random.pick(STATUSES);
      // Only what exceptionFor gives: applied or expired on fail/unknown, notNeeded on pass/n-a, nothing on error.
      const decided = status === "fail" || status === "unknown";
      const effect =
        status === "error" ? undefined : random.pick(decided ? effects : [undefined, "notNeeded" as const]);
      const spec = `s${random.int(1, 4)}:r${random.int(1, 12)}/${random.pick(SEVERITIES)}/${status}`;
      out.push(finding(effect === undefined ? spec : `${spec}/${effect}`));
    }
    // A run meets its rules in engine (catalog) order, which is the order byRule keeps.
    const rank = (f: Finding) => RULES.findIndex((rule) => rule.id === f.ruleId);
    return out.sort((a, b) => rank(a) - rank(b));
  }

  it.each([false, true])("EXCEPTIONS_AFFECT_SCORE=%s", (affect) => {
    let excepted = 0;
    for (let seed = 1; seed <= 200; seed += 1) {
      const run = randomRun(seed);
      const whole = scoreFindings(run, { exceptionsAffectScore: affect });
      // Parts own whole subscriptions (and so whole resources), as fan-out shards do.
      const parts = ["s1", "s2", "s3", "s4"].map((s) => {
        const accumulator = new ScoreAccumulator();
        for (const f of run.filter((x) => x.subscriptionId === s)) accumulator.add(f);
        return accumulator.sums();
      });
      const merged = finaliseScores(mergeScoreSums(parts.reverse()), { exceptionsAffectScore: affect });
      expect(JSON.stringify(merged), `seed ${seed}`).toBe(JSON.stringify(whole));
      excepted += whole.excepted.byStatus.fail;
    }
    expect(excepted).toBeGreaterThan(50);
  });
});

describe("sums stored before exceptions", () => {
  /** The sums the previous version stored: no excepted counts, no second total, no per-rule excepted, no tallies. */
  function stored(sums: ScoreSums): ScoreSums {
    const old = JSON.parse(JSON.stringify(sums)) as ScoreSums;
    delete old.excepted;
    delete old.exceptions;
    for (const s of Object.values(old.subscriptions)) delete s.totalExceptedNotCounted;
    for (const r of old.byRule) delete r.excepted;
    return old;
  }
  const sumsOf = (...specs: string[]) => {
    const accumulator = new ScoreAccumulator();
    for (const f of findings(...specs)) accumulator.add(f);
    return accumulator.sums();
  };

  it("merge and score as before: one score, nothing excepted", () => {
    const a = stored(sumsOf("s1:r1/critical/fail", "s1:r2/low/pass"));
    const b = stored(sumsOf("s2:r3/high/fail", "s2:r3/medium/unknown"));
    const scores = finaliseScores(mergeScoreSums([a, b]));
    // r1 60, r2 100, r3 80: 80.
    expect(scores).toMatchObject({ estateScore: 80, estateScoreAllFailures: 80, estateScoreExceptedNotCounted: 80 });
    expect(scores.bySubscription.map((s) => s.score)).toEqual([80, 80]);
    expect(scores.excepted.byStatus).toEqual({ pass: 0, fail: 0, notApplicable: 0, unknown: 0, error: 0 });
    expect(scores.byRule.every((r) => r.excepted !== undefined && r.excepted.fail === 0)).toBe(true);
    expect(scores.byStatus).toMatchObject({ fail: 2, pass: 1, unknown: 1 });
  });

  it("merge with new sums: the old part counts every failure in both scores", () => {
    const old = stored(sumsOf("s1:r1/critical/fail"));
    const fresh = sumsOf("s2:r2/critical/fail/applied");
    // r1 60 either way; r2 60 | 100.
    expect(finaliseScores(mergeScoreSums([old, fresh]))).toMatchObject({
      estateScoreAllFailures: 60,
      estateScoreExceptedNotCounted: 80,
      excepted: { byStatus: { fail: 1 } },
    });
    expect(finaliseScores(stored(sumsOf("r1/high/fail")))).toMatchObject({
      estateScore: 80,
      estateScoreExceptedNotCounted: 80,
    });
  });
});
