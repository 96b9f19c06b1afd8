// Scores: a resource starts at 100 and loses its failures' weights; subscriptions and the estate average the resources
// that have at least one pass or fail. unknown and error never lower a score; they are counted as unassessed.
import type { Finding } from "./finding";
import { SEVERITIES, STATUSES, type Severity, type Status } from "../rules/rule";

export const SEVERITY_WEIGHTS: Record<Severity, number> = { critical: 40, high: 20, medium: 10, low: 5 };

export type SeverityCounts = Record<Severity, number>;
export type StatusCounts = Record<Status, number>;

export interface SubscriptionScore {
  subscriptionId: string;
  /** null when no resource in it was assessed. */
  score: number | null;
  resourcesAssessed: number;
  failuresBySeverity: SeverityCounts;
  unassessed: number;
}

export interface RuleCounts {
  ruleId: string;
  severity: Severity;
  counts: StatusCounts;
}

export interface Scores {
  estateScore: number | null;
  resourcesAssessed: number;
  bySubscription: SubscriptionScore[];
  byStatus: StatusCounts;
  failuresBySeverity: SeverityCounts;
  byRule: RuleCounts[];
  /** unknown + error results. */
  unassessed: number;
}

export function emptySeverityCounts(): SeverityCounts {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
}

export function emptyStatusCounts(): StatusCounts {
  return Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
}

interface ResourceTally {
  subscriptionId: string;
  assessed: boolean;
  penalty: number;
}

/** Scores findings in one pass; memory is proportional to the number of resources, not findings. */
export class ScoreAccumulator {
  private readonly resources = new Map<string, ResourceTally>();
  private readonly subscriptions = new Map<string, { failures: SeverityCounts; unassessed: number }>();
  private readonly byStatus = emptyStatusCounts();
  private readonly failures = emptySeverityCounts();
  private readonly rules = new Map<string, RuleCounts>();

  add(finding: Finding): void {
    const key = finding.resourceId.toLowerCase();
    let tally = this.resources.get(key);
    if (tally === undefined) {
      tally = { subscriptionId: finding.subscriptionId, assessed: false, penalty: 0 };
      this.resources.set(key, tally);
    }
    let subscription = this.subscriptions.get(finding.subscriptionId);
    if (subscription === undefined) {
      subscription = { failures: emptySeverityCounts(), unassessed: 0 };
      this.subscriptions.set(finding.subscriptionId, subscription);
    }
    let rule = this.rules.get(finding.ruleId);
    if (rule === undefined) {
      rule = { ruleId: finding.ruleId, severity: finding.severity, counts: emptyStatusCounts() };
      this.rules.set(finding.ruleId, rule);
    }
    this.byStatus[finding.status] += 1;
    rule.counts[finding.status] += 1;
    if (finding.status === "pass" || finding.status === "fail") tally.assessed = true;
    if (finding.status === "fail") {
      tally.penalty += SEVERITY_WEIGHTS[finding.severity];
      this.failures[finding.severity] += 1;
      subscription.failures[finding.severity] += 1;
    }
    if (finding.status === "unknown" || finding.status === "error") subscription.unassessed += 1;
  }

  /**
   * The figures as sums rather than averages, so accumulators over disjoint subscriptions (fan-out shards) can be
   * merged by addition. Copies: the accumulator can go on adding.
   */
  sums(): {
    subscriptions: Map<string, { total: number; count: number; failures: SeverityCounts; unassessed: number }>;
    byStatus: StatusCounts;
    failures: SeverityCounts;
    byRule: RuleCounts[];
  } {
    const subscriptions = new Map<string, { total: number; count: number; failures: SeverityCounts; unassessed: number }>();
    for (const [id, s] of this.subscriptions) subscriptions.set(id, { total: 0, count: 0, failures: { ...s.failures }, unassessed: s.unassessed });
    for (const tally of this.resources.values()) {
      if (!tally.assessed) continue;
      const sum = subscriptions.get(tally.subscriptionId)!;
      sum.total += Math.max(0, 100 - tally.penalty);
      sum.count += 1;
    }
    return {
      subscriptions,
      byStatus: { ...this.byStatus },
      failures: { ...this.failures },
      byRule: [...this.rules.values()].map((rule) => ({ ...rule, counts: { ...rule.counts } })),
    };
  }

  result(): Scores {
    const sums = new Map<string, { total: number; count: number }>();
    let estateTotal = 0;
    let estateCount = 0;
    for (const tally of this.resources.values()) {
      if (!tally.assessed) continue;
      const score = Math.max(0, 100 - tally.penalty);
      estateTotal += score;
      estateCount += 1;
      const sum = sums.get(tally.subscriptionId) ?? { total: 0, count: 0 };
      sum.total += score;
      sum.count += 1;
      sums.set(tally.subscriptionId, sum);
    }
    const bySubscription = [...this.subscriptions.entries()]
      .map(([subscriptionId, s]) => {
        const sum = sums.get(subscriptionId);
        return {
          subscriptionId,
          score: sum === undefined ? null : round1(sum.total / sum.count),
          resourcesAssessed: sum?.count ?? 0,
          failuresBySeverity: s.failures,
          unassessed: s.unassessed,
        };
      })
      .sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId));
    return {
      estateScore: estateCount === 0 ? null : round1(estateTotal / estateCount),
      resourcesAssessed: estateCount,
      bySubscription,
      byStatus: { ...this.byStatus },
      failuresBySeverity: { ...this.failures },
      byRule: [...this.rules.values()],
      unassessed: this.byStatus.unknown + this.byStatus.error,
    };
  }
}

export function scoreFindings(findings: Iterable<Finding>): Scores {
  const accumulator = new ScoreAccumulator();
  for (const finding of findings) accumulator.add(finding);
  return accumulator.result();
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
