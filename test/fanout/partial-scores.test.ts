// Shard scores merge into exactly the scores of a single run, because every resource (and so every subscription's
// sums) is scored by one shard.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { mergePartialScores, PartialScoreAccumulator } from "../../src/fanout/partial-scores";
import { scoreFindings } from "../../src/engine/scoring";
import { RULES } from "../../src/rules/catalog";
import type { Finding } from "../../src/engine/finding";
import { findingsFor } from "../support/evaluate";
import { SAMPLE } from "../support/run-cli";

const findings = findingsFor((JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: unknown[] }).data);
const RULE_ORDER = RULES.map((r) => r.id);

function partsBy(key: (f: Finding) => string): PartialScoreAccumulator[] {
  const parts = new Map<string, PartialScoreAccumulator>();
  for (const finding of findings) {
    const part = parts.get(key(finding)) ?? new PartialScoreAccumulator();
    part.add(finding);
    parts.set(key(finding), part);
  }
  return [...parts.values()];
}

describe("mergePartialScores", () => {
  it("gives a single run's scores for shards of one subscription, of two, or one shard of everything", () => {
    const expected = scoreFindings(findings);
    expect(expected.estateScore).not.toBeNull();
    for (const parts of [partsBy((f) => f.subscriptionId), partsBy((f) => (f.subscriptionId < "8" ? "a" : "b")), partsBy(() => "all")]) {
      const merged = mergePartialScores(parts.map((p) => JSON.parse(JSON.stringify(p.partial()))), RULE_ORDER);
      expect(merged.scores).toEqual(expected);
      expect(merged.findings).toBe(findings.length);
    }
  });

  it("counts statuses per severity", () => {
    const merged = mergePartialScores(partsBy((f) => f.subscriptionId).map((p) => p.partial()), RULE_ORDER);
    for (const severity of ["critical", "high", "medium", "low"] as const) {
      const ofSeverity = findings.filter((f) => f.severity === severity);
      expect(Object.values(merged.bySeverity[severity]).reduce((a, b) => a + b, 0)).toBe(ofSeverity.length);
      expect(merged.bySeverity[severity].fail).toBe(ofSeverity.filter((f) => f.status === "fail").length);
    }
  });

  it("would be wrong if one resource's results were split over shards (which the planner never does)", () => {
    // Results of one resource in two parts: each part scores the resource on its own (its penalties split), so the
    // scores change. The planner puts a resource's subscription in one shard, so this cannot happen.
    const byIndex = partsBy((f) => String(findings.indexOf(f) % 5));
    const merged = mergePartialScores(byIndex.map((p) => p.partial()), RULE_ORDER).scores;
    expect(merged.byStatus).toEqual(scoreFindings(findings).byStatus);
    expect(merged.bySubscription).not.toEqual(scoreFindings(findings).bySubscription);
  });

  it("is empty for no shards", () => {
    expect(mergePartialScores([], RULE_ORDER).scores).toEqual(scoreFindings([]));
  });
});
