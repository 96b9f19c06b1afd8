// Framework compliance views: a run's results grouped by the framework controls its rules map to (MCSB, CIS, and NIST
// SP 800-53 through MCSB). Pure: the counts come from the run's per-rule status counts and the failing resources from
// its failing findings, so the API can build the same view from a stored run as the CLI from a fresh one.
import type { FindingException } from "../engine/exceptions";
import type { Finding } from "../engine/finding";
import type { RuleCounts } from "../engine/scoring";
import { RULES } from "../rules/catalog";
import {
  CIS_ITEMS,
  MCSB_CONTROLS,
  MCSB_NIST_COLUMN,
  type CisItemKey,
  type ControlRelation,
  type McsbControlId,
} from "../rules/framework-controls";
import type { AnyRule, Severity } from "../rules/rule";

export const COMPLIANCE_FRAMEWORKS = ["MCSB", "CIS", "NIST"] as const;
export type ComplianceFramework = (typeof COMPLIANCE_FRAMEWORKS)[number];

export const FRAMEWORK_TITLES: Record<ComplianceFramework, string> = {
  MCSB: "Microsoft cloud security benchmark v1",
  CIS: "CIS Microsoft Azure Foundations Benchmark",
  NIST: `${MCSB_NIST_COLUMN} (through the MCSB controls)`,
};

/**
 * The gate's semantics (engine/gate.ts), as Defender for Cloud treats exempted resources and PSRule suppressions: fail
 * if a result fails and no exception covers it; else unverified if one is unknown (not excepted) or error; else pass if
 * one passes or is excepted; else notApplicable. Every view shows `excepted` next to the status, so an accepted risk is
 * never presented as plain compliance.
 */
export type ControlStatus = "fail" | "unverified" | "pass" | "notApplicable";

/** Results (rule × resource), not resources: a resource two rules judge counts once per rule. */
export interface ControlCounts {
  passed: number;
  /** Failures no exception in force covers (fail − excepted fail). */
  failed: number;
  /** unknown − excepted unknown + error (an error result is never excepted). */
  unverified: number;
  notApplicable: number;
  /** Fail and unknown results an exception in force covers: accepted risks, not compliance. */
  excepted: number;
}

export interface ControlRule {
  ruleId: string;
  title: string;
  severity: Severity;
  /** For NIST, the strongest relation among the MCSB controls it is reached through. */
  relation: ControlRelation;
}

export interface FailingResource {
  resourceId: string;
  resourceName: string;
  ruleId: string;
  severity: Severity;
  /** The exception covering this failure: `applied` (excepted, not counted in `failed`) or `expired` (counted again). */
  exception?: FailingException;
}

export type FailingException = Pick<FindingException, "id" | "source" | "effect" | "expiresOn">;

export interface ComplianceControl {
  /** MCSB `NS-2`, CIS `4.1.2` (with `version`), NIST `AC-4`. */
  id: string;
  title?: string;
  url?: string;
  /** CIS: the benchmark version of the item; NIST: the revision the MCSB pages list. */
  version?: string;
  /** NIST only: the MCSB controls the NIST id is reached through. */
  via?: string[];
  rules: ControlRule[];
  counts: ControlCounts;
  status: ControlStatus;
  failing: FailingResource[];
}

export interface UnmappedRule {
  ruleId: string;
  title?: string;
  counts: ControlCounts;
  /** The rule's controlsNote, or why it has no control of this framework. */
  note: string;
}

export interface ComplianceView {
  framework: ComplianceFramework;
  frameworkTitle: string;
  controls: ComplianceControl[];
  unmapped: UnmappedRule[];
}

export interface ComplianceInput {
  /** The rules the run evaluated; evaluatedRuleIds builds it from the results and the run's baseline. */
  ruleIds: Iterable<string>;
  /** The run's status counts per rule (summary.byRule). */
  byRule: readonly RuleCounts[];
  /** The run's findings; only those that fail are read (others may be passed and are ignored). */
  failures: Iterable<Pick<Finding, "ruleId" | "resourceId" | "resourceName" | "severity" | "status" | "exception">>;
  /** Where rules are looked up; the catalog by default. */
  catalog?: readonly AnyRule[];
}

const RELATION_STRENGTH: Record<ControlRelation, number> = { primary: 3, related: 2, weak: 1, analogue: 0 };

/** The rules a run evaluated: those with results, then the rest of its baseline (which may have had nothing to judge). */
export function evaluatedRuleIds(byRule: readonly RuleCounts[], baselineRuleIds: readonly string[] = []): string[] {
  return [...new Set([...byRule.map((rule) => rule.ruleId), ...baselineRuleIds])];
}

/** Is `value` a framework name (exact, upper case as the docs write it)? */
export function isComplianceFramework(value: string): value is ComplianceFramework {
  return (COMPLIANCE_FRAMEWORKS as readonly string[]).includes(value);
}

interface Slot {
  control: Omit<ComplianceControl, "counts" | "status" | "failing">;
  rank: string;
}

export function complianceView(framework: ComplianceFramework, input: ComplianceInput): ComplianceView {
  const catalog = new Map((input.catalog ?? RULES).map((rule) => [rule.id, rule]));
  const countsByRule = new Map(input.byRule.map((rule) => [rule.ruleId, rule]));
  const slots = new Map<string, Slot>();
  const unmapped: UnmappedRule[] = [];
  for (const ruleId of new Set(input.ruleIds)) {
    const rule = catalog.get(ruleId);
    const counts = controlCounts(countsByRule.get(ruleId));
    const placed = rule === undefined ? 0 : placeRule(framework, rule, slots);
    if (placed === 0)
      unmapped.push({
        ruleId,
        ...(rule !== undefined ? { title: rule.title } : {}),
        counts,
        note: unmappedNote(framework, rule),
      });
  }
  const failuresByRule = new Map<string, FailingResource[]>();
  for (const f of input.failures) {
    if (f.status !== "fail") continue;
    const list = failuresByRule.get(f.ruleId) ?? [];
    list.push(failingResource(f));
    failuresByRule.set(f.ruleId, list);
  }
  const controls = [...slots.values()]
    .sort((a, b) => a.rank.localeCompare(b.rank))
    .map(({ control }) => {
      const counts = sumCounts(control.rules.map((rule) => controlCounts(countsByRule.get(rule.ruleId))));
      const failing = control.rules.flatMap((rule) => failuresByRule.get(rule.ruleId) ?? []);
      return { ...control, counts, status: controlStatus(counts), failing };
    });
  return { framework, frameworkTitle: FRAMEWORK_TITLES[framework], controls, unmapped };
}

function failingResource(
  f: Pick<Finding, "ruleId" | "resourceId" | "resourceName" | "severity" | "exception">,
): FailingResource {
  const failing: FailingResource = {
    resourceId: f.resourceId,
    resourceName: f.resourceName,
    ruleId: f.ruleId,
    severity: f.severity,
  };
  // A `notNeeded` mark belongs to passes only; a failure shows an exception that covers it or covered it (expired).
  const e = f.exception;
  if (e !== undefined && (e.effect === "applied" || e.effect === "expired"))
    failing.exception = {
      id: e.id,
      source: e.source,
      effect: e.effect,
      ...(e.expiresOn !== undefined ? { expiresOn: e.expiresOn } : {}),
    };
  return failing;
}

/** Adds the rule to each control of the framework it maps to; returns how many. */
function placeRule(framework: ComplianceFramework, rule: AnyRule, slots: Map<string, Slot>): number {
  let placed = 0;
  const add = (key: string, make: () => Slot, relation: ControlRelation, via?: string): void => {
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = make();
      slots.set(key, slot);
    }
    const existing = slot.control.rules.find((r) => r.ruleId === rule.id);
    if (existing === undefined) {
      slot.control.rules.push({ ruleId: rule.id, title: rule.title, severity: rule.severity, relation });
      placed += 1;
    } else if (RELATION_STRENGTH[relation] > RELATION_STRENGTH[existing.relation]) existing.relation = relation;
    if (via !== undefined && slot.control.via !== undefined && !slot.control.via.includes(via))
      slot.control.via.push(via);
  };
  for (const ref of rule.controls) {
    if ("mcsb" in ref && framework === "MCSB") add(ref.mcsb, () => mcsbSlot(ref.mcsb), ref.relation);
    if ("mcsb" in ref && framework === "NIST")
      for (const nist of MCSB_CONTROLS[ref.mcsb].nist) add(nist, () => nistSlot(nist), ref.relation, ref.mcsb);
    if ("cis" in ref && framework === "CIS") add(ref.cis, () => cisSlot(ref.cis), ref.relation);
  }
  return placed;
}

const MCSB_ORDER = Object.keys(MCSB_CONTROLS);

function mcsbSlot(id: McsbControlId): Slot {
  const control = MCSB_CONTROLS[id];
  return {
    control: { id, title: control.title, url: control.url, version: "v1", rules: [] },
    rank: String(MCSB_ORDER.indexOf(id)).padStart(4, "0"),
  };
}

function cisSlot(key: CisItemKey): Slot {
  const item: { version: string; item: string; title?: string } = CIS_ITEMS[key];
  return {
    control: {
      id: item.item,
      ...(item.title !== undefined ? { title: item.title } : {}),
      version: item.version,
      rules: [],
    },
    rank: `${sortableNumbers(item.version)} ${sortableNumbers(item.item)}`,
  };
}

function nistSlot(id: string): Slot {
  return { control: { id, version: MCSB_NIST_COLUMN, via: [], rules: [] }, rank: sortableNumbers(id) };
}

/** `AC-17` after `AC-4`, `5.1.12` after `5.1.2`: numbers padded so text order is numeric order. */
function sortableNumbers(text: string): string {
  return text.replace(/\d+/g, (digits) => digits.padStart(6, "0"));
}

function unmappedNote(framework: ComplianceFramework, rule: AnyRule | undefined): string {
  if (rule === undefined) return "Not in this version's rule catalog.";
  const none = framework === "NIST" ? "No MCSB control, so no NIST control." : `No ${framework} control.`;
  return rule.controlsNote !== undefined ? `${none} ${rule.controlsNote}` : none;
}

/** A rule's counts; `excepted` is absent on runs stored before exceptions existed (nothing was excepted). */
export function controlCounts(rule: Pick<RuleCounts, "counts" | "excepted"> | undefined): ControlCounts {
  if (rule === undefined) return { passed: 0, failed: 0, unverified: 0, notApplicable: 0, excepted: 0 };
  const { counts } = rule;
  const exceptedFail = rule.excepted?.fail ?? 0;
  const exceptedUnknown = rule.excepted?.unknown ?? 0;
  return {
    passed: counts.pass,
    failed: counts.fail - exceptedFail,
    unverified: counts.unknown - exceptedUnknown + counts.error,
    notApplicable: counts.notApplicable,
    excepted: exceptedFail + exceptedUnknown,
  };
}

function sumCounts(all: readonly ControlCounts[]): ControlCounts {
  const total = controlCounts(undefined);
  for (const counts of all) {
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.unverified += counts.unverified;
    total.notApplicable += counts.notApplicable;
    total.excepted += counts.excepted;
  }
  return total;
}

export function controlStatus(counts: ControlCounts): ControlStatus {
  if (counts.failed > 0) return "fail";
  if (counts.unverified > 0) return "unverified";
  if (counts.passed > 0 || counts.excepted > 0) return "pass";
  return "notApplicable";
}

/** How a failing resource's exception is shown: "excepted EX-1", "exception expired EX-1", or "" when none. */
export function exceptionMark(failing: Pick<FailingResource, "exception">): string {
  const e = failing.exception;
  if (e === undefined) return "";
  return e.effect === "applied" ? `excepted ${e.id}` : `exception expired ${e.id}`;
}

/** The status as people read it: "pass, 2 excepted" when exceptions cover results of the control. */
export function statusWithExcepted(status: string, counts: Pick<ControlCounts, "excepted">): string {
  return counts.excepted > 0 ? `${status}, ${counts.excepted} excepted` : status;
}
