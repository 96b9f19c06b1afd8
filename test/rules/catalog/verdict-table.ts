// The table every rule test file runs: small named estates, and exactly which verdict the rule gives each one
// (PSRule style), run through the real engine so coverage gaps and data-quality handling are part of the verdict.
import { describe, expect, it } from "vitest";
import { findingsFor, verdict } from "../../support/evaluate";
import type { Row } from "../../support/rows";
import type { Status } from "../../../src/rules/rule";
import type { CoverageGap } from "../../../src/model/estate";
import type { BaselineId } from "../../../src/rules/baselines";

/**
 * `noFinding`: the rule says nothing about the resource. Rules that apply to every resource of their kind have no
 * notApplicable result; their out-of-scope case is a resource the rule does not evaluate (or evaluates to no result).
 */
export type Expected = Status | "noFinding";

export interface VerdictCase {
  name: string;
  rows: Row[];
  /** The resource's name, as findings report it. */
  resource: string;
  status: Expected;
  trusted?: string[];
  trustOwned?: boolean;
  gaps?: CoverageGap[];
  /** The baseline the rule is told it runs under (`current` unless a case says otherwise). */
  baseline?: BaselineId;
  /** Substrings the message must contain. */
  message?: string[];
  /** Evidence fields that must match (toMatchObject). */
  evidence?: Record<string, unknown>;
}

/** Runs each case through the engine and checks the rule's one finding for the named resource. */
export function verdictTable(ruleId: string, cases: VerdictCase[]): void {
  describe(`${ruleId} verdicts`, () => {
    it.each(cases.map((c) => [`${c.name} → ${c.status}`, c] as const))("%s", (_label, c) => {
      const findings = findingsFor(c.rows, {
        trusted: c.trusted,
        trustOwned: c.trustOwned,
        gaps: c.gaps,
        baseline: c.baseline,
      });
      if (c.status === "noFinding") {
        expect(findings.filter((f) => f.ruleId === ruleId && f.resourceName === c.resource)).toEqual([]);
        return;
      }
      const finding = verdict(findings, ruleId, c.resource);
      expect(finding.status, finding.message).toBe(c.status);
      expect(finding.message.length).toBeGreaterThan(10);
      for (const text of c.message ?? []) expect(finding.message).toContain(text);
      if (c.evidence) expect(finding.evidence).toMatchObject(c.evidence);
    });

    it("has a pass, a fail, a notApplicable (or out-of-scope) and an unknown case", () => {
      const statuses = new Set(cases.map((c) => c.status));
      for (const status of ["pass", "fail", "unknown"] as const) expect(statuses.has(status), status).toBe(true);
      expect(statuses.has("notApplicable") || statuses.has("noFinding"), "notApplicable or noFinding").toBe(true);
    });
  });
}
