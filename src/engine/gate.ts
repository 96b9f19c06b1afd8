// The gate: may a run be read as clean at a severity threshold? Only when the collection was complete, something was
// audited, and every result of a rule at or above the threshold was decided. A gate that passes what the auditor could
// not see is the one failure a security team cannot forgive, so "could not verify" is an outcome of its own. Pure: the
// CLI maps the outcome to an exit code, the report API and the alerts word it for people.
import type { CoverageGap } from "../model/estate";
import { SEVERITIES, type Severity } from "../rules/rule";
import { emptySeverityCounts, type RuleCounts, type SeverityCounts } from "./scoring";

/**
 * `fail`: a failure at or above the threshold. `unverified`: none, but a result at or above it is unknown or error,
 * or the collection was partial, or nothing at all was audited. `pass`: none of that.
 */
export type GateOutcome = "pass" | "fail" | "unverified";

export interface UnverifiedRule {
  ruleId: string;
  severity: Severity;
  unknown: number;
  error: number;
}

export interface GateVerdict {
  outcome: GateOutcome;
  threshold: Severity;
  /** True when unknown/error results and coverage gaps were let through (`--allow-unverified`). */
  allowUnverified: boolean;
  /** Failures at or above the threshold, excepted ones left out. */
  failures: number;
  /**
   * Results at or above the threshold that exceptions cover: they neither fail nor leave the gate unverified (an
   * accepted risk was decided by people, with a reason and an expiry), and every report says how many there are.
   */
  excepted: { failures: number; unknown: number };
  /** Unknown and error results at or above the threshold, per rule (rules with none are left out). */
  unverified: { results: number; byRule: UnverifiedRule[] };
  coverageGaps: CoverageGap[];
  /** No rule produced a result: an empty file, only null rows, or no resource of a type any rule audits. */
  nothingAudited: boolean;
  /** One line per thing not verified, for people (also when --allow-unverified let it through). Empty on a clean pass. */
  lines: string[];
}

export interface GateInput {
  byRule: readonly RuleCounts[];
  coverageGaps: CoverageGap[];
  resourcesInEstate: number;
}

export interface GateOptions {
  /**
   * Lets unknown/error results and a partial collection through (the lenient gate some teams want). A run that
   * audited nothing still does not pass: the flag is about results that could not be decided, and a gate pointed at
   * the wrong file or an empty scope would otherwise pass forever.
   */
  allowUnverified?: boolean;
}

export function assessGate(input: GateInput, threshold: Severity, options: GateOptions = {}): GateVerdict {
  const allowUnverified = options.allowUnverified === true;
  const atOrAbove = (severity: Severity): boolean => SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
  let failures = 0;
  const excepted = { failures: 0, unknown: 0 };
  const byRule: UnverifiedRule[] = [];
  for (const rule of input.byRule) {
    if (!atOrAbove(rule.severity)) continue;
    const exceptedFail = rule.excepted?.fail ?? 0;
    const exceptedUnknown = rule.excepted?.unknown ?? 0;
    excepted.failures += exceptedFail;
    excepted.unknown += exceptedUnknown;
    failures += rule.counts.fail - exceptedFail;
    const unknown = rule.counts.unknown - exceptedUnknown;
    if (unknown + rule.counts.error > 0)
      byRule.push({ ruleId: rule.ruleId, severity: rule.severity, unknown, error: rule.counts.error });
  }
  byRule.sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.ruleId.localeCompare(b.ruleId),
  );
  const unverifiedResults = byRule.reduce((sum, rule) => sum + rule.unknown + rule.error, 0);
  const nothingAudited = countResults(input.byRule) === 0;
  const gaps = input.coverageGaps;

  const lines: string[] = [];
  if (nothingAudited) {
    lines.push(
      input.resourcesInEstate === 0
        ? "nothing was audited: no resource was read (an empty input, only null or unusable rows, or no row of a type the rules audit)"
        : `nothing was audited: none of the ${input.resourcesInEstate} resource(s) read is of a kind any rule applies to`,
    );
  }
  if (unverifiedResults > 0) {
    const perRule = byRule.map(
      (r) =>
        `${r.ruleId} (${r.severity}) ${[r.unknown > 0 ? `${r.unknown} unknown` : "", r.error > 0 ? `${r.error} error` : ""].filter(Boolean).join(", ")}`,
    );
    lines.push(`${unverifiedResults} result(s) at or above ${threshold} were not decided: ${perRule.join("; ")}`);
  }
  if (gaps.length > 0) {
    lines.push(`the collection was partial, ${gaps.length} coverage gap(s): ${gaps.map(describeGap).join("; ")}`);
  }

  let outcome: GateOutcome;
  if (failures > 0) outcome = "fail";
  else if (nothingAudited) outcome = "unverified";
  else if (!allowUnverified && (unverifiedResults > 0 || gaps.length > 0)) outcome = "unverified";
  else outcome = "pass";
  return {
    outcome,
    threshold,
    allowUnverified,
    failures,
    excepted,
    unverified: { results: unverifiedResults, byRule },
    coverageGaps: gaps,
    nothingAudited,
    lines,
  };
}

export function describeGap(gap: CoverageGap): string {
  return `${gap.types.join(", ")} ${gap.subscriptionIds !== undefined ? `in ${gap.subscriptionIds.join(", ")}` : "in every subscription"} (${gap.reason})`;
}

/**
 * What a stored run could not verify, for the run summary, the dashboard and the alerts: whether every resource was
 * read, and how many results per severity are unknown or error. Derived from the summary, never stored twice.
 */
export interface RunVerification {
  /** False when the run was partial (coverage gaps). */
  complete: boolean;
  coverageGaps: number;
  /** Unknown + error results per severity. */
  unverifiedBySeverity: SeverityCounts;
  nothingAudited: boolean;
  /** One line for people; null when the run was complete and every result was decided. */
  note: string | null;
}

export function runVerification(input: { byRule: readonly RuleCounts[]; coverageGaps: number }): RunVerification {
  const unverifiedBySeverity = emptySeverityCounts();
  // An excepted unknown was accepted by people: like an excepted failure, it is reported, not counted against the run.
  for (const rule of input.byRule)
    unverifiedBySeverity[rule.severity] += rule.counts.unknown - (rule.excepted?.unknown ?? 0) + rule.counts.error;
  const nothingAudited = countResults(input.byRule) === 0;
  return {
    complete: input.coverageGaps === 0,
    coverageGaps: input.coverageGaps,
    unverifiedBySeverity,
    nothingAudited,
    note: verificationNote(input.coverageGaps, unverifiedBySeverity, nothingAudited),
  };
}

function countResults(byRule: readonly RuleCounts[]): number {
  return byRule.reduce((sum, rule) => sum + Object.values(rule.counts).reduce((n, c) => n + c, 0), 0);
}

function verificationNote(gaps: number, unverified: SeverityCounts, nothingAudited: boolean): string | null {
  const parts: string[] = [];
  if (nothingAudited) parts.push("Nothing was audited");
  if (gaps > 0) parts.push(`Partial run: ${gaps} coverage gap${gaps === 1 ? "" : "s"}, not everything was read`);
  const counts = SEVERITIES.filter((s) => unverified[s] > 0).map((s) => `${unverified[s]} ${s}`);
  if (counts.length > 0) parts.push(`not verified (unknown or error): ${counts.join(", ")}`);
  if (parts.length === 0) return null;
  const text = `${parts.join("; ")}.`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
