// The shape every rule file exports: metadata as data, plus one pure evaluate function (prowler/PSRule style).
import type { Estate, Resource, ResourceKind, ResourceOfKind } from "../model/estate";
import type { TrustPolicy } from "../net/trust";
import type { ControlRef } from "./framework-controls";
import type { BaselineId } from "./baselines";

export type Severity = "critical" | "high" | "medium" | "low";
export type Status = "pass" | "fail" | "notApplicable" | "unknown" | "error";

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];
export const STATUSES: readonly Status[] = ["fail", "unknown", "error", "pass", "notApplicable"];

/** The evidence that decided a verdict. Keys are stable; values are plain JSON. */
export type Evidence = Record<string, unknown>;

export interface RuleResult {
  resource: Resource;
  status: Status;
  /** A sentence a security engineer can act on. */
  message: string;
  evidence: Evidence;
}

export interface SeedPassage {
  /** The seed article's file name under shared/seeds (kept for provenance; the quote is copied here). */
  seed: string;
  /** The article's title. */
  article: string;
  quote: string;
}

/** A Microsoft page as it is today: declared once in guidance-pages.ts and referenced by rules. */
export interface GuidancePage {
  title: string;
  /** A learn.microsoft.com URL without a locale segment. */
  url: string;
}

/** What one of today's pages says that the rule enforces: our paraphrase (never a quote), linked and dated. */
export interface GuidanceSource {
  page: GuidancePage;
  /** One or two sentences in our words; says so where today's page revises the seed. */
  summary: string;
  /** The ISO date (YYYY-MM-DD) the page was read. */
  checked: string;
}

export interface RuleContext {
  trust: TrustPolicy;
  /** The run's baseline: a rule in both may word its message for today's guidance, never change a seed-2019 verdict. */
  baseline: BaselineId;
}

export interface Rule<K extends ResourceKind = ResourceKind> {
  /** Stable dotted slug; never reused. */
  id: string;
  title: string;
  severity: Severity;
  appliesTo: K;
  /** One line: what the rule checks. */
  synopsis: string;
  /** Why it matters, in our words, followed by the guidance it enforces. */
  rationale: string;
  /** The seed passage the rule enforces, quoted verbatim; only rules that enforce a seed passage have one. */
  source?: SeedPassage;
  /** Today's pages behind the rule (at least one), paraphrased and linked, with the date they were checked. */
  guidance: readonly GuidanceSource[];
  remediation: string;
  references: string[];
  /** The framework controls the rule maps to (catalog references; NIST is derived through MCSB). */
  controls: readonly ControlRef[];
  /**
   * One line. Required when `controls` is empty (why no control applies, so "none" is stated, not forgotten); otherwise
   * a remark on the mapping, such as why a framework has no item.
   */
  controlsNote?: string;
  /**
   * Resource Graph types a `pass` depends on. When collection could not read one of them for the resource's
   * subscription, a pass becomes `unknown`: a failed read never turns into a pass.
   */
  verdictDependsOn: string[];
  /** Types whose absence could hide that the rule applies at all; a `notApplicable` becomes `unknown` without them. */
  applicabilityDependsOn: readonly string[];
  evaluate(resource: ResourceOfKind<K>, estate: Estate, context: RuleContext): RuleResult[];
}

/** Erases the kind parameter so rules of different kinds can share one catalog array. */
export type AnyRule = { [K in ResourceKind]: Rule<K> }[ResourceKind];

export function result(resource: Resource, status: Status, message: string, evidence: Evidence = {}): RuleResult {
  return { resource, status, message, evidence };
}
