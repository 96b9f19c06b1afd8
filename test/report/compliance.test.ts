// Compliance views group a run's results by control. The property: for random finding sets, every control's counts
// equal a naive recount over the findings (each result counted once under each control of its rule), and every failing
// finding of a mapped rule is listed under each of its rule's controls. Exceptions follow the gate (engine/gate.ts): an
// excepted (effect applied) fail or unknown is counted as `excepted`, not failed or unverified, and a failure keeps
// its exception (applied or expired) in the list. Named cases follow the mapping table
// (shared/guidance/FRAMEWORKS.md) and the NIST ids the MCSB pages list per control.
import { describe, expect, it } from "vitest";
import type { FindingException } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { scoreFindings } from "../../src/engine/scoring";
import {
  COMPLIANCE_FRAMEWORKS,
  complianceView,
  evaluatedRuleIds,
  exceptionMark,
  statusWithExcepted,
  type ComplianceFramework,
  type ControlCounts,
} from "../../src/report/compliance";
import { complianceCsv, complianceTable, COMPLIANCE_CSV_COLUMNS } from "../../src/report/compliance-text";
import { RULES } from "../../src/rules/catalog";
import { CIS_ITEMS, MCSB_CONTROLS } from "../../src/rules/framework-controls";
import { STATUSES, type AnyRule } from "../../src/rules/rule";
import { parseCsv } from "../support/csv-parse";
import { finding, miId } from "../store/fixtures";

/** mulberry32: a small seeded generator, so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One finding per rule × resource (the engine's identity), with random rules, resources and statuses. */
function randomFindings(seed: number): Finding[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const rules = RULES.filter(() => next() < 0.7);
  const findings = new Map<string, Finding>();
  const total = Math.floor(next() * 60);
  for (let i = 0; i < total && rules.length > 0; i += 1) {
    const rule = pick(rules);
    const resourceId = miId(`mi-${Math.floor(next() * 12)}`);
    const status = pick(STATUSES);
    const f = finding({ ruleId: rule.id, resourceId, severity: rule.severity, status });
    // What the engine marks: applied or expired on fail/unknown, notNeeded on pass/notApplicable, nothing on error.
    const effects: FindingException["effect"][] =
      status === "fail" || status === "unknown" ? ["applied", "expired"] : status === "error" ? [] : ["notNeeded"];
    if (effects.length > 0 && next() < 0.4)
      f.exception = {
        id: `EX-${i}`,
        source: pick(["file", "store", "policy"] as const),
        justification: "Accepted for the property test until the fix.",
        approvedBy: "secops-lead@contoso.com",
        effect: pick(effects),
        ...(next() < 0.5 ? { expiresOn: "2027-01-31" } : {}),
      };
    findings.set(`${rule.id}|${resourceId}`, f);
  }
  return [...findings.values()];
}

/** The controls of a rule in a framework, as keys "id|version" (version only for CIS), computed from the raw tables. */
function naiveKeys(rule: AnyRule, framework: ComplianceFramework): string[] {
  const keys = new Set<string>();
  for (const ref of rule.controls) {
    if ("mcsb" in ref && framework === "MCSB") keys.add(`${ref.mcsb}|`);
    if ("mcsb" in ref && framework === "NIST") for (const nist of MCSB_CONTROLS[ref.mcsb].nist) keys.add(`${nist}|`);
    if ("cis" in ref && framework === "CIS") keys.add(`${CIS_ITEMS[ref.cis].item}|${CIS_ITEMS[ref.cis].version}`);
  }
  return [...keys];
}

function naiveCounts(findings: readonly Finding[], framework: ComplianceFramework): Map<string, ControlCounts> {
  const counts = new Map<string, ControlCounts>();
  for (const f of findings) {
    const rule = RULES.find((r) => r.id === f.ruleId)!;
    for (const key of naiveKeys(rule, framework)) {
      const c = counts.get(key) ?? { passed: 0, failed: 0, unverified: 0, notApplicable: 0, excepted: 0 };
      const excepted = f.exception?.effect === "applied";
      if (excepted) c.excepted += 1;
      if (f.status === "pass") c.passed += 1;
      if (f.status === "fail" && !excepted) c.failed += 1;
      if ((f.status === "unknown" && !excepted) || f.status === "error") c.unverified += 1;
      if (f.status === "notApplicable") c.notApplicable += 1;
      counts.set(key, c);
    }
  }
  return counts;
}

describe("complianceView: counts add up to the findings", () => {
  for (const framework of COMPLIANCE_FRAMEWORKS)
    it(`${framework}: 300 random finding sets`, () => {
      for (let seed = 1; seed <= 300; seed += 1) {
        const findings = randomFindings(seed * 7919);
        const byRule = scoreFindings(findings).byRule;
        const view = complianceView(framework, { ruleIds: evaluatedRuleIds(byRule), byRule, failures: findings });
        const key = (c: { id: string; version?: string }): string =>
          framework === "CIS" ? `${c.id}|${c.version}` : `${c.id}|`;
        const actual = new Map(view.controls.map((c) => [key(c), c.counts]));
        // Controls with no result are still listed (zero counts) when one of their rules ran: compare non-zero ones.
        const nonZero = [...actual].filter(
          ([, c]) => c.passed + c.failed + c.unverified + c.notApplicable + c.excepted > 0,
        );
        expect(new Map(nonZero), `seed ${seed}`).toEqual(naiveCounts(findings, framework));
        for (const f of findings.filter((x) => x.status === "fail")) {
          const rule = RULES.find((r) => r.id === f.ruleId)!;
          for (const k of naiveKeys(rule, framework)) {
            const control = view.controls.find((c) => key(c) === k)!;
            const e = f.exception;
            expect(control.failing, `seed ${seed} ${k}`).toContainEqual({
              resourceId: f.resourceId,
              resourceName: f.resourceName,
              ruleId: f.ruleId,
              severity: f.severity,
              ...(e !== undefined
                ? {
                    exception: {
                      id: e.id,
                      source: e.source,
                      effect: e.effect,
                      ...(e.expiresOn ? { expiresOn: e.expiresOn } : {}),
                    },
                  }
                : {}),
            });
          }
        }
        // Every failure is listed, excepted or not: the excepted ones are the listed ones whose exception applies.
        for (const control of view.controls)
          expect(
            control.failing.filter((f) => f.exception?.effect !== "applied").length,
            `seed ${seed} ${control.id}`,
          ).toBe(control.counts.failed);
        // Unmapped: exactly the run's rules with no control of the framework.
        const unmapped = byRule
          .map((r) => r.ruleId)
          .filter(
            (id) =>
              naiveKeys(
                RULES.find((r) => r.id === id)!,
                framework,
              ).length === 0,
          );
        expect(view.unmapped.map((u) => u.ruleId).sort()).toEqual(unmapped.sort());
        const expectedStatus = (c: ControlCounts): string =>
          c.failed > 0
            ? "fail"
            : c.unverified > 0
              ? "unverified"
              : c.passed > 0 || c.excepted > 0
                ? "pass"
                : "notApplicable";
        for (const control of view.controls) expect(control.status).toBe(expectedStatus(control.counts));
      }
    });
});

describe("complianceView: named cases", () => {
  const open = finding({ ruleId: "mi.public-endpoint.untrusted-source", resourceId: miId("mi-open"), status: "fail" });
  const closed = finding({
    ruleId: "mi.public-endpoint.untrusted-source",
    resourceId: miId("mi-closed"),
    status: "pass",
  });
  const tlsUnknown = finding({
    ruleId: "mi.tls.minimum-version",
    resourceId: miId("mi-open"),
    status: "unknown",
    severity: "high",
  });
  const findings = [open, closed, tlsUnknown];
  const byRule = scoreFindings(findings).byRule;
  // The run's baseline also held mi.vnet.dedicated (NS-1) and mi.peering.connected (no control), with no results.
  const ruleIds = evaluatedRuleIds(byRule, ["mi.vnet.dedicated", "mi.peering.connected", "retired.rule"]);

  it("MCSB: NS-2 fails (the public endpoint rule is its primary rule); DP-3 is unverified; NS-1 holds both rules", () => {
    const view = complianceView("MCSB", { ruleIds, byRule, failures: findings });
    expect(view.controls.map((c) => [c.id, c.status])).toEqual([
      ["NS-1", "fail"],
      ["NS-2", "fail"],
      ["DP-3", "unverified"],
    ]);
    const ns2 = view.controls.find((c) => c.id === "NS-2")!;
    expect(ns2.title).toBe("Secure cloud native services with network controls");
    expect(ns2.rules).toEqual([
      expect.objectContaining({ ruleId: "mi.public-endpoint.untrusted-source", relation: "primary" }),
    ]);
    expect(ns2.counts).toEqual({ passed: 1, failed: 1, unverified: 0, notApplicable: 0, excepted: 0 });
    expect(ns2.failing).toEqual([
      { resourceId: open.resourceId, resourceName: "mi-open", ruleId: open.ruleId, severity: "high" },
    ]);
    const ns1 = view.controls.find((c) => c.id === "NS-1")!;
    expect(ns1.rules.map((r) => [r.ruleId, r.relation])).toEqual([
      ["mi.public-endpoint.untrusted-source", "related"],
      ["mi.vnet.dedicated", "related"],
    ]);
    expect(view.unmapped.map((u) => u.ruleId)).toEqual(["mi.peering.connected", "retired.rule"]);
    expect(view.unmapped[1]!.note).toMatch(/not in this version's rule catalog/i);
    expect(view.unmapped[0]!.note).toContain(RULES.find((r) => r.id === "mi.peering.connected")!.controlsNote);
  });

  it("a control whose rules produced no result is notApplicable with zero counts", () => {
    const view = complianceView("MCSB", { ruleIds: ["mi.vnet.dedicated"], byRule: [], failures: [] });
    expect(view.controls).toEqual([expect.objectContaining({ id: "NS-1", status: "notApplicable", failing: [] })]);
  });

  it("NIST comes through MCSB: AC-4 is reached through NS-1 and NS-2, each result counted once", () => {
    const view = complianceView("NIST", { ruleIds, byRule, failures: findings });
    const ac4 = view.controls.find((c) => c.id === "AC-4")!;
    expect(ac4.via).toEqual(["NS-2", "NS-1"]);
    expect(ac4.counts).toEqual({ passed: 1, failed: 1, unverified: 0, notApplicable: 0, excepted: 0 });
    expect(ac4.rules.find((r) => r.ruleId === open.ruleId)?.relation).toBe("primary");
    expect(view.controls.find((c) => c.id === "SC-8")?.status).toBe("unverified");
    // Numeric order: AC-4 before AC-17 would need AC-17 in the run; SC-2 before SC-7 before SC-8.
    const ids = view.controls.map((c) => c.id);
    expect(ids.indexOf("SC-2")).toBeLessThan(ids.indexOf("SC-7"));
    expect(ids.indexOf("SC-7")).toBeLessThan(ids.indexOf("SC-8"));
  });

  it("CIS: items keep their benchmark version; an analogue item says so", () => {
    const view = complianceView("CIS", { ruleIds, byRule, failures: findings });
    expect(view.controls.map((c) => `${c.version} ${c.id} ${c.status}`)).toEqual([
      "2.0.0 4.1.2 fail",
      "3.0.0 5.1.2 fail",
      "3.0.0 5.1.7 fail",
    ]);
    expect(view.controls[0]!.rules[0]!.relation).toBe("analogue");
    expect(view.unmapped.map((u) => u.ruleId)).toEqual([
      "mi.tls.minimum-version",
      "mi.vnet.dedicated",
      "mi.peering.connected",
      "retired.rule",
    ]);
  });

  it("CSV: one row per control × failing resource, one per control when none fails (RFC 4180)", () => {
    const tricky = { ...open, resourceName: '=HYPERLINK("x"), "mi"' };
    const view = complianceView("MCSB", { ruleIds, byRule, failures: [tricky, closed, tlsUnknown] });
    const text = complianceCsv(view);
    expect(text.split("\r\n")[0]).toBe(COMPLIANCE_CSV_COLUMNS.join(","));
    // parseCsv checks every record and returns those after the header.
    const body = parseCsv(text).map((r) => Object.fromEntries(COMPLIANCE_CSV_COLUMNS.map((c, i) => [c, r[i]])));
    expect(body.map((r) => [r["controlId"], r["status"], r["resourceName"]])).toEqual([
      ["NS-1", "fail", `'=HYPERLINK("x"), "mi"`],
      ["NS-2", "fail", `'=HYPERLINK("x"), "mi"`],
      ["DP-3", "unverified", ""],
    ]);
    expect(body[2]!["unverified"]).toBe("1");
  });
});

describe("complianceView: exceptions", () => {
  const exception = (effect: FindingException["effect"], id = "EX-7"): FindingException => ({
    id,
    source: "store",
    justification: "Partner range accepted until the private link cut-over.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn: "2027-03-31",
    ticket: "CHG-1",
    effect,
  });
  const rule = "mi.public-endpoint.untrusted-source";
  const excepted = finding({ ruleId: rule, resourceId: miId("mi-a"), status: "fail", exception: exception("applied") });
  const passes = finding({ ruleId: rule, resourceId: miId("mi-b"), status: "pass" });
  const tlsExcepted = finding({
    ruleId: "mi.tls.minimum-version",
    resourceId: miId("mi-a"),
    status: "unknown",
    exception: exception("applied", "EX-8"),
  });

  it("an excepted failure: the control passes, with the excepted count beside it, and lists the failure with its exception", () => {
    const findings = [excepted, passes, tlsExcepted];
    const byRule = scoreFindings(findings).byRule;
    const view = complianceView("MCSB", { ruleIds: evaluatedRuleIds(byRule), byRule, failures: findings });
    const ns2 = view.controls.find((c) => c.id === "NS-2")!;
    expect(ns2.counts).toEqual({ passed: 1, failed: 0, unverified: 0, notApplicable: 0, excepted: 1 });
    expect(ns2.status).toBe("pass");
    expect(statusWithExcepted(ns2.status, ns2.counts)).toBe("pass, 1 excepted");
    expect(ns2.failing).toEqual([
      {
        resourceId: excepted.resourceId,
        resourceName: "mi-a",
        ruleId: rule,
        severity: "high",
        exception: { id: "EX-7", source: "store", effect: "applied", expiresOn: "2027-03-31" },
      },
    ]);
    expect(exceptionMark(ns2.failing[0]!)).toBe("excepted EX-7");
    // An excepted unknown does not leave DP-3 unverified; with nothing else it is a pass that is all accepted risk.
    const dp3 = view.controls.find((c) => c.id === "DP-3")!;
    expect([dp3.status, dp3.counts.unverified, dp3.counts.excepted]).toEqual(["pass", 0, 1]);
    // The CSV carries the count and the exception on the failure's row; the table marks both.
    const csv = parseCsv(complianceCsv(view)).map((r) =>
      Object.fromEntries(COMPLIANCE_CSV_COLUMNS.map((c, i) => [c, r[i]])),
    );
    expect(csv.find((r) => r["controlId"] === "NS-2")).toMatchObject({
      status: "pass",
      failed: "0",
      excepted: "1",
      exceptionId: "EX-7",
      exceptionSource: "store",
      exceptionEffect: "applied",
      exceptionExpiresOn: "2027-03-31",
    });
    const table = complianceTable(view, "run");
    expect(table).toMatch(/^PASS, 1 excepted NS-2 /m);
    expect(table).toMatch(/^ {2}FAIL high {5}mi-a {2}mi\.public-endpoint\.untrusted-source {2}\(excepted EX-7\)$/m);
  });

  it("an expired exception counts the failure again and says so; a notNeeded mark on a pass is not listed", () => {
    const expired = { ...excepted, exception: exception("expired") };
    const notNeeded = { ...passes, exception: exception("notNeeded", "EX-9") };
    const findings = [expired, notNeeded];
    const byRule = scoreFindings(findings).byRule;
    const ns2 = complianceView("MCSB", { ruleIds: evaluatedRuleIds(byRule), byRule, failures: findings }).controls.find(
      (c) => c.id === "NS-2",
    )!;
    expect(ns2.counts).toEqual({ passed: 1, failed: 1, unverified: 0, notApplicable: 0, excepted: 0 });
    expect(statusWithExcepted(ns2.status, ns2.counts)).toBe("fail");
    expect(ns2.failing.map(exceptionMark)).toEqual(["exception expired EX-7"]);
  });

  it("runs stored before exceptions (no excepted counts) read as before, with excepted 0", () => {
    const view = complianceView("MCSB", {
      ruleIds: [rule],
      byRule: [
        { ruleId: rule, severity: "high", counts: { pass: 2, fail: 1, unknown: 0, error: 1, notApplicable: 0 } },
      ],
      failures: [],
    });
    expect(view.controls[0]!.counts).toEqual({ passed: 2, failed: 1, unverified: 1, notApplicable: 0, excepted: 0 });
  });
});
