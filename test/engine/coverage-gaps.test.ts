// The engine's coverage rule: a pass (or notApplicable) that needed data a gap names becomes unknown; a gap that names
// resources taints only verdicts on those resources, one that names subscriptions every resource in them.
import { describe, expect, it } from "vitest";
import { ARM_CHILD_TYPES } from "../../src/model/arm-child-types";
import type { CoverageGap } from "../../src/model/estate";
import { findingsFor, verdict } from "../support/evaluate";
import { ids, miRow, SUB1, SUB2 } from "../support/rows";

// Two MIs with Entra-only on, in SUB1, and one in SUB2: mi.auth.entra-only passes for all three without a gap.
const rows = [
  miRow("mi-a", undefined),
  miRow("mi-b", undefined),
  { ...miRow("mi-c", undefined), id: ids.mi("mi-c", SUB2), subscriptionId: SUB2 },
];
const entra = (gaps: CoverageGap[]) => {
  const findings = findingsFor(rows, { gaps });
  return ["mi-a", "mi-b", "mi-c"].map((name) => verdict(findings, "mi.auth.entra-only", name));
};

describe("coverage gaps in the engine", () => {
  it("without a gap every Entra-only verdict passes", () => {
    expect(entra([]).map((f) => f.status)).toEqual(["pass", "pass", "pass"]);
  });

  it("a gap naming one resource makes only that resource's pass unknown, saying what was not read", () => {
    // The id's case differs from the row's: ARM ids are case-insensitive.
    const [a, b, c] = entra([
      {
        types: [ARM_CHILD_TYPES.entraOnlyAuthentication],
        subscriptionIds: [SUB1],
        resourceIds: [ids.mi("mi-a").toUpperCase()],
        reason: "HTTP 500 (after 7 attempts)",
      },
    ]);
    expect([a!.status, b!.status, c!.status]).toEqual(["unknown", "pass", "pass"]);
    expect(a!.message).toMatch(
      /^Not assessed: microsoft\.sql\/managedinstances\/azureadonlyauthentications could not be read for mi-a \(HTTP 500 \(after 7 attempts\)\)\. Without it this would have been reported as pass/,
    );
    expect(a!.evidence).toMatchObject({
      coverageGap: { type: ARM_CHILD_TYPES.entraOnlyAuthentication, reason: "HTTP 500 (after 7 attempts)" },
      wouldHaveBeen: "pass",
    });
  });

  it("a gap naming a subscription taints every resource in it, and none elsewhere", () => {
    expect(
      entra([{ types: [ARM_CHILD_TYPES.entraOnlyAuthentication], subscriptionIds: [SUB1], reason: "throttled" }]).map(
        (f) => f.status,
      ),
    ).toEqual(["unknown", "unknown", "pass"]);
  });

  it("a gap of a type the rule does not depend on changes nothing", () => {
    expect(entra([{ types: [ARM_CHILD_TYPES.circuitPeerings], reason: "HTTP 500" }]).map((f) => f.status)).toEqual([
      "pass",
      "pass",
      "pass",
    ]);
  });
});
