// Scores: a resource starts at 100 and loses its failures' weights; subscriptions and the estate average the resources
// that have at least one pass or fail. unknown and error never lower a score; they are counted as unassessed.
// Excepted failures (engine/exceptions.ts) keep their status and their place in every count; the sums carry two
// scores, with and without them, and the headline is the one EXCEPTIONS_AFFECT_SCORE picks (by default, without).
//
// The arithmetic comes in two halves so that a run cut into parts (fan-out shards) scores exactly as one run: an
// accumulator hands out sums (counts, and per subscription the sum and number of its resource scores), the sums of
// parts add up (mergeScoreSums), and finaliseScores takes the means and rounds them, once. A single run is one part,
// finalised. Parts must be disjoint by resource: a resource's score is not the sum of its findings' (it is floored),
// which is why fan-out gives each subscription, and so each resource, to one shard.
import type { Finding } from "./finding";
import { isExcepted } from "./exceptions";
import { mergeExceptionUsage, type ExceptionUsage } from "./exception-outcome";
import { RULES } from "../rules/catalog";
import { SEVERITIES, STATUSES, type Severity, type Status } from "../rules/rule";

export const SEVERITY_WEIGHTS: Record<Severity, number> = { critical: 40, high: 20, medium: 10, low: 5 };

export type SeverityCounts = Record<Severity, number>;
export type StatusCounts = Record<Status, number>;

export interface SubscriptionScore {
  subscriptionId: string;
  /** The headline score (see Scores.exceptionsAffectScore); null when no resource in it was assessed. */
  score: number | null;
  resourcesAssessed: number;
  failuresBySeverity: SeverityCounts;
  unassessed: number;
}

export interface RuleCounts {
  ruleId: string;
  severity: Severity;
  /** Every result, by status: an excepted failure is still a `fail` here. */
  counts: StatusCounts;
  /** The results of `counts` an exception covers (fail and unknown only). Absent in figures stored before exceptions. */
  excepted?: StatusCounts;
}

/** The excepted part of a set of results. */
export interface ExceptedCounts {
  /** Excepted results by status (fail and unknown; the others are always 0). */
  byStatus: StatusCounts;
  /** Excepted failures by severity. */
  failuresBySeverity: SeverityCounts;
}

export interface Scores {
  /** The headline score: excepted failures left out, unless `exceptionsAffectScore`. */
  estateScore: number | null;
  /** Whether excepted failures lower the headline score (EXCEPTIONS_AFFECT_SCORE). */
  exceptionsAffectScore: boolean;
  /** The estate's score counting every failure, excepted or not. */
  estateScoreAllFailures: number | null;
  /** The estate's score leaving excepted failures out. Equal to the other when nothing is excepted. */
  estateScoreExceptedNotCounted: number | null;
  resourcesAssessed: number;
  bySubscription: SubscriptionScore[];
  byStatus: StatusCounts;
  failuresBySeverity: SeverityCounts;
  byRule: RuleCounts[];
  /** unknown + error results. */
  unassessed: number;
  /** What exceptions cover, counted inside byStatus and failuresBySeverity too ("failing" = fail − excepted fail). */
  excepted: ExceptedCounts;
}

export interface SubscriptionSums {
  /** Sum of the scores of the subscription's assessed resources (every failure counted), and how many there are. */
  total: number;
  /** The same sum with excepted failures left out; absent in sums stored before exceptions (then equal to total). */
  totalExceptedNotCounted?: number;
  count: number;
  failures: SeverityCounts;
  unassessed: number;
}

/**
 * The figures of a set of findings as sums, never means: sums over disjoint sets of resources add up. JSON-safe, so a
 * fan-out shard stores its sums (this shape is stored in Table Storage: keep it readable by the previous version).
 */
export interface ScoreSums {
  /** Keyed by the subscription id as the findings spell it. */
  subscriptions: Record<string, SubscriptionSums>;
  byStatus: StatusCounts;
  failures: SeverityCounts;
  /** In the order the engine runs the rules. */
  byRule: RuleCounts[];
  /** Status counts per severity, for the run summary. */
  bySeverity: Record<Severity, StatusCounts>;
  findings: number;
  /** Absent in sums stored before exceptions (nothing was excepted). */
  excepted?: ExceptedCounts;
  /** Per exception of the run (by exceptionKey), what it covered: added by the audit, merged with the sums. */
  exceptions?: Record<string, ExceptionUsage>;
}

export function emptySeverityCounts(): SeverityCounts {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
}

export function emptyStatusCounts(): StatusCounts {
  return Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
}

export function emptyStatusCountsBySeverity(): Record<Severity, StatusCounts> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, emptyStatusCounts()])) as Record<Severity, StatusCounts>;
}

export function emptyExceptedCounts(): ExceptedCounts {
  return { byStatus: emptyStatusCounts(), failuresBySeverity: emptySeverityCounts() };
}

interface ResourceTally {
  subscriptionId: string;
  assessed: boolean;
  /** Weights of every failure, and of the excepted ones among them. */
  penalty: number;
  exceptedPenalty: number;
}

/** Scores findings in one pass; memory is proportional to the number of resources, not findings. */
export class ScoreAccumulator {
  private readonly resources = new Map<string, ResourceTally>();
  private readonly subscriptions = new Map<string, { failures: SeverityCounts; unassessed: number }>();
  private readonly byStatus = emptyStatusCounts();
  private readonly failures = emptySeverityCounts();
  private readonly bySeverity = emptyStatusCountsBySeverity();
  private readonly rules = new Map<string, RuleCounts>();
  private readonly excepted = emptyExceptedCounts();
  private findings = 0;

  add(finding: Finding): void {
    const key = finding.resourceId.toLowerCase();
    let tally = this.resources.get(key);
    if (tally === undefined) {
      tally = { subscriptionId: finding.subscriptionId, assessed: false, penalty: 0, exceptedPenalty: 0 };
      this.resources.set(key, tally);
    }
    let subscription = this.subscriptions.get(finding.subscriptionId);
    if (subscription === undefined) {
      subscription = { failures: emptySeverityCounts(), unassessed: 0 };
      this.subscriptions.set(finding.subscriptionId, subscription);
    }
    let rule = this.rules.get(finding.ruleId);
    if (rule === undefined) {
      rule = {
        ruleId: finding.ruleId,
        severity: finding.severity,
        counts: emptyStatusCounts(),
        excepted: emptyStatusCounts(),
      };
      this.rules.set(finding.ruleId, rule);
    }
    this.findings += 1;
    if (isExcepted(finding)) {
      this.excepted.byStatus[finding.status] += 1;
      rule.excepted![finding.status] += 1;
      if (finding.status === "fail") {
        this.excepted.failuresBySeverity[finding.severity] += 1;
        tally.exceptedPenalty += SEVERITY_WEIGHTS[finding.severity];
      }
    }
    this.byStatus[finding.status] += 1;
    this.bySeverity[finding.severity][finding.status] += 1;
    rule.counts[finding.status] += 1;
    if (finding.status === "pass" || finding.status === "fail") tally.assessed = true;
    if (finding.status === "fail") {
      tally.penalty += SEVERITY_WEIGHTS[finding.severity];
      this.failures[finding.severity] += 1;
      subscription.failures[finding.severity] += 1;
    }
    if (finding.status === "unknown" || finding.status === "error") subscription.unassessed += 1;
  }

  /** The figures so far as sums. Copies: the accumulator can go on adding. */
  sums(): ScoreSums {
    const subscriptions: Record<string, SubscriptionSums> = {};
    for (const [id, s] of this.subscriptions)
      subscriptions[id] = {
        total: 0,
        totalExceptedNotCounted: 0,
        count: 0,
        failures: { ...s.failures },
        unassessed: s.unassessed,
      };
    for (const tally of this.resources.values()) {
      if (!tally.assessed) continue;
      const sum = subscriptions[tally.subscriptionId]!;
      sum.total += resourceScore(tally.penalty);
      sum.totalExceptedNotCounted! += resourceScore(tally.penalty - tally.exceptedPenalty);
      sum.count += 1;
    }
    return {
      subscriptions,
      byStatus: { ...this.byStatus },
      failures: { ...this.failures },
      byRule: [...this.rules.values()].map(copyRuleCounts),
      bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, { ...this.bySeverity[s] }])) as Record<
        Severity,
        StatusCounts
      >,
      findings: this.findings,
      excepted: copyExcepted(this.excepted),
    };
  }

  result(options: FinaliseOptions = {}): Scores {
    return finaliseScores(this.sums(), options);
  }
}

export function scoreFindings(findings: Iterable<Finding>, options: FinaliseOptions = {}): Scores {
  const accumulator = new ScoreAccumulator();
  for (const finding of findings) accumulator.add(finding);
  return accumulator.result(options);
}

function copyRuleCounts(rule: RuleCounts): RuleCounts {
  return { ...rule, counts: { ...rule.counts }, excepted: { ...(rule.excepted ?? emptyStatusCounts()) } };
}

function copyExcepted(excepted: ExceptedCounts | undefined): ExceptedCounts {
  if (excepted === undefined) return emptyExceptedCounts();
  return { byStatus: { ...excepted.byStatus }, failuresBySeverity: { ...excepted.failuresBySeverity } };
}

/** A resource's score: 100 minus the weights of its failures, floored at 0. An integer, so sums of scores are exact. */
export function resourceScore(penalty: number): number {
  return Math.max(0, 100 - penalty);
}

/** Adds up the sums of parts that are disjoint by resource (fan-out shards, each owning whole subscriptions). */
export function mergeScoreSums(parts: readonly ScoreSums[]): ScoreSums {
  const merged: ScoreSums = {
    subscriptions: {},
    byStatus: emptyStatusCounts(),
    failures: emptySeverityCounts(),
    byRule: [],
    bySeverity: emptyStatusCountsBySeverity(),
    findings: 0,
    excepted: emptyExceptedCounts(),
  };
  const rules = new Map<string, RuleCounts>();
  const usage: Array<ScoreSums["exceptions"]> = [];
  for (const part of parts) {
    merged.findings += part.findings;
    usage.push(part.exceptions);
    if (part.excepted !== undefined) {
      addCounts(merged.excepted!.byStatus, part.excepted.byStatus);
      addCounts(merged.excepted!.failuresBySeverity, part.excepted.failuresBySeverity);
    }
    for (const [id, s] of Object.entries(part.subscriptions)) {
      const into = (merged.subscriptions[id] ??= {
        total: 0,
        totalExceptedNotCounted: 0,
        count: 0,
        failures: emptySeverityCounts(),
        unassessed: 0,
      });
      into.total += s.total;
      into.totalExceptedNotCounted! += s.totalExceptedNotCounted ?? s.total;
      into.count += s.count;
      into.unassessed += s.unassessed;
      addCounts(into.failures, s.failures);
    }
    addCounts(merged.byStatus, part.byStatus);
    addCounts(merged.failures, part.failures);
    for (const severity of SEVERITIES) addCounts(merged.bySeverity[severity], part.bySeverity[severity]);
    for (const rule of part.byRule) {
      let into = rules.get(rule.ruleId);
      if (into === undefined) {
        into = {
          ruleId: rule.ruleId,
          severity: rule.severity,
          counts: emptyStatusCounts(),
          excepted: emptyStatusCounts(),
        };
        rules.set(rule.ruleId, into);
      }
      addCounts(into.counts, rule.counts);
      if (rule.excepted !== undefined) addCounts(into.excepted!, rule.excepted);
    }
  }
  // Each part lists its rules in engine order, but a rule may be missing from the first parts: the order is restored.
  merged.byRule = inEngineOrder([...rules.values()]);
  merged.exceptions = mergeExceptionUsage(usage);
  return merged;
}

export interface FinaliseOptions {
  /** EXCEPTIONS_AFFECT_SCORE: excepted failures lower the headline score. Default false. */
  exceptionsAffectScore?: boolean;
}

/** The scores from sums: the means, rounded to one decimal, taken once. */
export function finaliseScores(sums: ScoreSums, options: FinaliseOptions = {}): Scores {
  const affect = options.exceptionsAffectScore === true;
  let estateTotal = 0;
  let estateTotalExceptedNotCounted = 0;
  let estateCount = 0;
  const bySubscription: SubscriptionScore[] = [];
  for (const [subscriptionId, s] of Object.entries(sums.subscriptions)) {
    const exceptedNotCounted = s.totalExceptedNotCounted ?? s.total;
    estateTotal += s.total;
    estateTotalExceptedNotCounted += exceptedNotCounted;
    estateCount += s.count;
    bySubscription.push({
      subscriptionId,
      score: mean(affect ? s.total : exceptedNotCounted, s.count),
      resourcesAssessed: s.count,
      failuresBySeverity: { ...s.failures },
      unassessed: s.unassessed,
    });
  }
  const allFailures = mean(estateTotal, estateCount);
  const exceptedNotCounted = mean(estateTotalExceptedNotCounted, estateCount);
  return {
    estateScore: affect ? allFailures : exceptedNotCounted,
    exceptionsAffectScore: affect,
    estateScoreAllFailures: allFailures,
    estateScoreExceptedNotCounted: exceptedNotCounted,
    resourcesAssessed: estateCount,
    bySubscription: bySubscription.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId)),
    byStatus: { ...sums.byStatus },
    failuresBySeverity: { ...sums.failures },
    byRule: sums.byRule.map(copyRuleCounts),
    unassessed: sums.byStatus.unknown + sums.byStatus.error,
    excepted: copyExcepted(sums.excepted),
  };
}

const ENGINE_RULE_ORDER = new Map(RULES.map((rule, index) => [rule.id, index]));

/** The engine runs the catalog's rules in catalog order; rules outside it (a test's) keep their order, after them. */
function inEngineOrder(rules: readonly RuleCounts[]): RuleCounts[] {
  const rank = (id: string): number => ENGINE_RULE_ORDER.get(id) ?? RULES.length;
  return [...rules].sort((a, b) => rank(a.ruleId) - rank(b.ruleId));
}

function mean(total: number, count: number): number | null {
  return count === 0 ? null : Math.round((total / count) * 10) / 10;
}

function addCounts<K extends string>(into: Record<K, number>, from: Readonly<Record<K, number>>): void {
  for (const key of Object.keys(into) as K[]) into[key] += from[key];
}
