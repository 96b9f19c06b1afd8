// Scores that can be computed per shard and merged: the same figures as ScoreAccumulator (engine/scoring.ts), kept as
// sums instead of averages. Every resource is scored by exactly one shard (the one owning its subscription), so
// per-subscription sums of resource scores are disjoint across shards and merge by addition; the averages are taken
// once, after the merge, exactly as the single-run accumulator takes them.
import type { Finding } from "../engine/finding";
import { emptySeverityCounts, emptyStatusCounts, ScoreAccumulator, type RuleCounts, type Scores, type SeverityCounts, type StatusCounts } from "../engine/scoring";
import { SEVERITIES, STATUSES, type Severity } from "../rules/rule";

export interface SubscriptionSums {
  /** Sum of the scores of the assessed resources, and how many there are. */
  total: number;
  count: number;
  failures: SeverityCounts;
  unassessed: number;
}

/** JSON-safe, so a shard can store it and the finaliser merge it. */
export interface PartialScores {
  /** Keyed by the subscription id as the findings spell it (as ScoreAccumulator keys it). */
  subscriptions: Record<string, SubscriptionSums>;
  byStatus: StatusCounts;
  failures: SeverityCounts;
  byRule: RuleCounts[];
  /** Status counts per severity, for the run summary. */
  bySeverity: Record<Severity, StatusCounts>;
  findings: number;
}

/** A ScoreAccumulator that also counts statuses per severity, and hands out its figures as mergeable sums. */
export class PartialScoreAccumulator {
  private readonly scores = new ScoreAccumulator();
  private readonly bySeverity = emptyBySeverity();
  private findings = 0;

  add(finding: Finding): void {
    this.findings += 1;
    this.bySeverity[finding.severity][finding.status] += 1;
    this.scores.add(finding);
  }

  partial(): PartialScores {
    const sums = this.scores.sums();
    return {
      subscriptions: Object.fromEntries(sums.subscriptions),
      byStatus: sums.byStatus,
      failures: sums.failures,
      byRule: sums.byRule,
      bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, { ...this.bySeverity[s] }])) as Record<Severity, StatusCounts>,
      findings: this.findings,
    };
  }
}

/** Merges shard partials into the run's scores. `ruleOrder` orders `byRule` as the engine evaluates the rules. */
export function mergePartialScores(parts: readonly PartialScores[], ruleOrder: readonly string[]): { scores: Scores; bySeverity: Record<Severity, StatusCounts>; findings: number } {
  const subscriptions = new Map<string, SubscriptionSums>();
  const byStatus = emptyStatusCounts();
  const failures = emptySeverityCounts();
  const rules = new Map<string, RuleCounts>();
  const bySeverity = emptyBySeverity();
  let findings = 0;
  for (const part of parts) {
    findings += part.findings;
    for (const [id, s] of Object.entries(part.subscriptions)) {
      const into = subscriptions.get(id) ?? { total: 0, count: 0, failures: emptySeverityCounts(), unassessed: 0 };
      into.total += s.total;
      into.count += s.count;
      into.unassessed += s.unassessed;
      for (const severity of SEVERITIES) into.failures[severity] += s.failures[severity];
      subscriptions.set(id, into);
    }
    for (const status of STATUSES) byStatus[status] += part.byStatus[status];
    for (const severity of SEVERITIES) {
      failures[severity] += part.failures[severity];
      for (const status of STATUSES) bySeverity[severity][status] += part.bySeverity[severity][status];
    }
    for (const rule of part.byRule) {
      const into = rules.get(rule.ruleId) ?? { ruleId: rule.ruleId, severity: rule.severity, counts: emptyStatusCounts() };
      for (const status of STATUSES) into.counts[status] += rule.counts[status];
      rules.set(rule.ruleId, into);
    }
  }
  let estateTotal = 0;
  let estateCount = 0;
  for (const s of subscriptions.values()) {
    estateTotal += s.total;
    estateCount += s.count;
  }
  const position = new Map(ruleOrder.map((id, i) => [id, i]));
  const rank = (id: string): number => position.get(id) ?? Number.MAX_SAFE_INTEGER;
  return {
    scores: {
      estateScore: estateCount === 0 ? null : round1(estateTotal / estateCount),
      resourcesAssessed: estateCount,
      bySubscription: [...subscriptions.entries()]
        .map(([subscriptionId, s]) => ({
          subscriptionId,
          score: s.count === 0 ? null : round1(s.total / s.count),
          resourcesAssessed: s.count,
          failuresBySeverity: s.failures,
          unassessed: s.unassessed,
        }))
        .sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId)),
      byStatus,
      failuresBySeverity: failures,
      byRule: [...rules.values()].sort((a, b) => rank(a.ruleId) - rank(b.ruleId) || a.ruleId.localeCompare(b.ruleId)),
      unassessed: byStatus.unknown + byStatus.error,
    },
    bySeverity,
    findings,
  };
}

function emptyBySeverity(): Record<Severity, StatusCounts> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, emptyStatusCounts()])) as Record<Severity, StatusCounts>;
}

// As scoring.ts rounds: one decimal.
function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
