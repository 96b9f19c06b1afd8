// Runs the real engine over rows, for rule tests.
import { buildEstate } from "../../src/model/build-estate";
import { evaluate } from "../../src/audit/run-audit";
import type { Finding } from "../../src/engine/finding";
import type { CoverageGap } from "../../src/model/estate";
import { EstateBuilder } from "../../src/model/build-estate";

export function findingsFor(
  rows: unknown[],
  options: { trusted?: string[]; trustOwned?: boolean; gaps?: CoverageGap[] } = {},
): Finding[] {
  const builder = new EstateBuilder();
  rows.forEach((row, i) => builder.add(row, `row ${i}`));
  for (const gap of options.gaps ?? []) builder.addCoverageGap(gap);
  return evaluate(builder.build(), {
    trustedPrefixes: options.trusted ?? [],
    trustOwnedPublicIps: options.trustOwned ?? true,
  }).findings;
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
