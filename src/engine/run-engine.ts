// Runs every rule over the resources it applies to. Pure: no I/O. A rule that throws yields an `error` result and the
// run goes on; a verdict that depended on data collection could not read is never left as a pass.
import type { CoverageGap, Estate, Resource } from "../model/estate";
import { RULES } from "../rules/catalog";
import type { AnyRule, RuleContext, RuleResult, Status } from "../rules/rule";
import type { Finding } from "./finding";
import { armKey } from "../model/arm-id";
import { errorMessage } from "../errors";

export interface EngineOptions {
  rules?: readonly AnyRule[];
}

/** Evaluates the estate and hands each finding to `sink` as it is produced (so large runs need not hold them all). */
export function evaluateEstate(
  estate: Estate,
  context: RuleContext,
  sink: (finding: Finding) => void,
  options: EngineOptions = {},
): void {
  const rules = options.rules ?? RULES;
  const gapIndex = indexGaps(estate.coverageGaps);
  for (const rule of rules) {
    const resources = estate.byKind[rule.appliesTo] as Resource[];
    for (const resource of resources) {
      let results: RuleResult[];
      try {
        results = (rule.evaluate as (r: Resource, e: Estate, c: RuleContext) => RuleResult[])(
          resource,
          estate,
          context,
        );
      } catch (error) {
        const reason = errorMessage(error);
        results = [
          {
            resource,
            status: "error",
            message: `Rule ${rule.id} failed on ${resource.name}: ${reason}`,
            evidence: { error: reason },
          },
        ];
      }
      for (const outcome of results) sink(toFinding(rule, applyCoverage(rule, outcome, gapIndex)));
    }
  }
}

export function evaluateEstateToArray(estate: Estate, context: RuleContext, options: EngineOptions = {}): Finding[] {
  const findings: Finding[] = [];
  evaluateEstate(estate, context, (finding) => findings.push(finding), options);
  return findings;
}

function toFinding(rule: AnyRule, outcome: RuleResult): Finding {
  const r = outcome.resource;
  const finding: Finding = {
    ruleId: rule.id,
    resourceId: r.id,
    resourceName: r.name,
    resourceType: r.type,
    subscriptionId: r.subscriptionId,
    resourceGroup: r.resourceGroup,
    location: r.location,
    status: outcome.status,
    severity: rule.severity,
    title: rule.title,
    message: outcome.message,
    evidence: outcome.evidence,
  };
  // A copy: the estate's tag objects may be shared between resources, and a finding outlives the estate.
  if (Object.keys(r.tags).length > 0) finding.tags = { ...r.tags };
  return finding;
}

/**
 * type → (subscription → reason), with "*" for gaps that cover every subscription; and type → (resource key →
 * reason) for gaps that name the resources they affect (a failed child read of one resource taints only its verdicts).
 */
interface GapIndex {
  size: number;
  bySubscription: Map<string, Map<string, string>>;
  byResource: Map<string, Map<string, string>>;
}

function indexGaps(gaps: CoverageGap[]): GapIndex {
  const index: GapIndex = { size: gaps.length, bySubscription: new Map(), byResource: new Map() };
  for (const gap of gaps) {
    for (const type of gap.types) {
      const [map, keys] =
        gap.resourceIds !== undefined
          ? [index.byResource, gap.resourceIds.map(armKey)]
          : [index.bySubscription, (gap.subscriptionIds ?? ["*"]).map((s) => s.toLowerCase())];
      const entries = map.get(type.toLowerCase()) ?? new Map<string, string>();
      for (const key of keys) entries.set(key, gap.reason);
      map.set(type.toLowerCase(), entries);
    }
  }
  return index;
}

function gapFor(
  index: GapIndex,
  types: string[],
  resource: Resource,
): { type: string; reason: string; where: string } | undefined {
  for (const type of types) {
    const bySubscription = index.bySubscription.get(type);
    const reason = bySubscription?.get("*") ?? bySubscription?.get(resource.subscriptionId.toLowerCase());
    if (reason !== undefined) return { type, reason, where: `subscription ${resource.subscriptionId}` };
    const ofResource = index.byResource.get(type)?.get(resource.key);
    if (ofResource !== undefined) return { type, reason: ofResource, where: resource.name };
  }
  return undefined;
}

function applyCoverage(rule: AnyRule, outcome: RuleResult, index: GapIndex): RuleResult {
  if (index.size === 0) return outcome;
  const dependsOn: Partial<Record<Status, readonly string[]>> = {
    pass: rule.verdictDependsOn,
    notApplicable: rule.applicabilityDependsOn,
  };
  const types = dependsOn[outcome.status];
  if (types === undefined) return outcome;
  const gap = gapFor(index, [...types, outcome.resource.type], outcome.resource);
  if (gap === undefined) return outcome;
  return {
    ...outcome,
    status: "unknown",
    message: `Not assessed: ${gap.type} could not be read for ${gap.where} (${gap.reason}). Without it this would have been reported as ${outcome.status}: ${outcome.message}`,
    evidence: {
      ...outcome.evidence,
      coverageGap: { type: gap.type, reason: gap.reason },
      wouldHaveBeen: outcome.status,
    },
  };
}
