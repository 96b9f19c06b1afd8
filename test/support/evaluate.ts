// Runs the real engine over rows, for rule tests: every rule of the catalog (a rule test tests a rule, whichever
// baselines have it), with the baseline the rule is told it runs under (`current` unless a test says otherwise).
import { buildEstate } from "../../src/model/build-estate";
import { evaluateEstateToArray } from "../../src/engine/run-engine";
import { buildTrustPolicy } from "../../src/net/trust";
import { RULES } from "../../src/rules/catalog";
import type { BaselineId } from "../../src/rules/baselines";
import type { Finding } from "../../src/engine/finding";
import type { CoverageGap } from "../../src/model/estate";
import { EstateBuilder } from "../../src/model/build-estate";

export function findingsFor(
  rows: unknown[],
  options: { trusted?: string[]; trustOwned?: boolean; gaps?: CoverageGap[]; baseline?: BaselineId } = {},
): Finding[] {
  const builder = new EstateBuilder();
  rows.forEach((row, i) => builder.add(row, `row ${i}`));
  for (const gap of options.gaps ?? []) builder.addCoverageGap(gap);
  const estate = builder.build();
  const trust = buildTrustPolicy({
    configuredPrefixes: options.trusted ?? [],
    ownedPublicPrefixes: (options.trustOwned ?? true) ? estate.ownedPublicPrefixes : [],
  });
  return evaluateEstateToArray(estate, { trust, baseline: options.baseline ?? "current" }, { rules: RULES });
}

/** The single finding of a rule for a resource name; fails loudly when there is not exactly one. */
export function verdict(findings: Finding[], ruleId: string, resourceName: string): Finding {
  const matches = findings.filter((f) => f.ruleId === ruleId && f.resourceName === resourceName);
  if (matches.length !== 1)
    throw new Error(
      `expected one ${ruleId} finding for ${resourceName}, found ${matches.length}: ${JSON.stringify(findings.filter((f) => f.ruleId === ruleId).map((f) => [f.resourceName, f.status]))}`,
    );
  return matches[0]!;
}

export { buildEstate };
