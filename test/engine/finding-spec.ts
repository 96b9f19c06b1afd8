// Findings written as short specs for the scoring and gate tests: `sub:resource/severity/status[/effect]`, e.g.
// `s2:r1/critical/fail/applied` (the subscription defaults to s1; an effect attaches an exception with that effect).
import type { ExceptionEffect } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { RULES } from "../../src/rules/catalog";
import type { Severity, Status } from "../../src/rules/rule";

/** The catalog's first rule of a severity: merged parts list rules in engine (catalog) order. */
export function catalogRuleOf(severity: Severity): string {
  return RULES.find((rule) => rule.severity === severity)!.id;
}

/** The finding a spec describes; its rule is `ruleOf(severity)` (default `rule.<severity>`, a rule outside the catalog). */
export function findingFromSpec(spec: string, ruleOf: (severity: Severity) => string = (s) => `rule.${s}`): Finding {
  const [where, severity, status, effect] = spec.split("/") as [string, Severity, Status, ExceptionEffect?];
  const [subscriptionId, resource] = where.includes(":") ? (where.split(":") as [string, string]) : ["s1", where];
  const ruleId = ruleOf(severity);
  const finding: Finding = {
    ruleId,
    resourceId: `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/x/${resource}`,
    resourceName: resource,
    resourceType: "x",
    subscriptionId,
    resourceGroup: "rg",
    location: "westeurope",
    status,
    severity,
    title: ruleId,
    message: "",
    evidence: {},
  };
  if (effect !== undefined)
    finding.exception = {
      id: "EX-1",
      source: "file",
      justification: "j",
      approvedBy: "a",
      expiresOn: "2027-01-31",
      effect,
    };
  return finding;
}
