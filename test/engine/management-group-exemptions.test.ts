// Policy exemptions scoped to a management group, at verdict level. From Azure Policy's scope docs: an exemption (like
// an assignment) at a management group applies to everything beneath it, child groups included. From the management
// groups' Resource Graph samples: a subscription's `resourcecontainers` row carries
// `properties.managementGroupAncestorsChain`, `{ name, displayName }` from the direct parent (`[0]`) up to the tenant
// root group; scopes name a group by `name`, and ARM compares ids case-insensitively. A subscription whose chain was not
// read is never guessed to sit under a group: the exemption is not applied there, and the run warns.
import { describe, expect, it } from "vitest";
import { evaluateAudit } from "../../src/audit/run-audit";
import type { AuditSettings } from "../../src/config/audit-settings";
import { ExceptionIndex, type AuditException } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { buildEstate } from "../../src/model/build-estate";
import { SUB1, SUB2, ids, miRow } from "../support/rows";
import { PUBLIC_ENDPOINT_POLICY, exemptionRow, type Row } from "../fixtures/policy-exemptions";

const AT = new Date("2026-12-04T12:00:00Z");
const SETTINGS: AuditSettings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" };
const PUBLIC = "mi.public-endpoint.enabled";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUB3 = "33333333-3333-3333-3333-333333333333";
const group = (name: string) => `/providers/Microsoft.Management/managementGroups/${name}`;
const ASSIGNMENT = `${group("Corp")}/providers/Microsoft.Authorization/policyAssignments/mi-public-endpoint`;

/** A `resourcecontainers` subscription row; `chain` undefined leaves the property out. */
function subscriptionRow(sub: string, chain: unknown): Row {
  const properties: Row = { state: "Enabled" };
  if (chain !== undefined) properties["managementGroupAncestorsChain"] = chain;
  return {
    id: `/subscriptions/${sub}`,
    name: `Subscription ${sub.slice(0, 4)}`,
    type: "microsoft.resources/subscriptions",
    location: "",
    subscriptionId: sub,
    resourceGroup: "",
    tags: {},
    properties,
  };
}

const chainOf = (...names: string[]) => [
  ...names.map((name) => ({ name, displayName: `${name} (display)` })),
  { name: TENANT, displayName: "Tenant Root Group" },
];

/**
 * Tenant root ← Corp ← Corp-Prod ← SUB1 (nested); Corp ← SUB3 (directly); Sandbox ← SUB2 (outside Corp). One MI failing
 * the public-endpoint rule in each; the assignment of policy 9dfea752 at Corp.
 */
const ANCESTRY: Row[] = [
  subscriptionRow(SUB1, chainOf("Corp-Prod", "Corp")),
  subscriptionRow(SUB2, chainOf("Sandbox")),
  subscriptionRow(SUB3, chainOf("Corp")),
];

function estateRows(): Row[] {
  const failing = { publicDataEndpointEnabled: true, minimalTlsVersion: "1.2" };
  return [
    miRow("sqlmi-one", undefined, failing),
    miRow("sqlmi-two", undefined, failing, { id: ids.mi("sqlmi-two", SUB2), subscriptionId: SUB2 }),
    miRow("sqlmi-three", undefined, failing, { id: ids.mi("sqlmi-three", SUB3), subscriptionId: SUB3 }),
    {
      id: ASSIGNMENT,
      name: "mi-public-endpoint",
      type: "microsoft.authorization/policyassignments",
      location: "",
      subscriptionId: "",
      resourceGroup: "",
      tags: null,
      properties: { displayName: "MI public endpoint", policyDefinitionId: PUBLIC_ENDPOINT_POLICY },
    },
  ];
}

const exemptionAt = (scope: string, spec: { expiresOn?: string; name?: string } = {}) =>
  exemptionRow({ scope, name: spec.name ?? "ex-corp", assignment: ASSIGNMENT, expiresOn: spec.expiresOn });

function audit(rows: Row[]): { findings: Finding[]; warnings: string[] } {
  const warnings: string[] = [];
  const estate = buildEstate([...estateRows(), ...rows], { onWarning: (w) => warnings.push(w) });
  const { findings } = evaluateAudit(estate, SETTINGS, { at: AT });
  return { findings, warnings };
}

/** MI name → the effect its public-endpoint result carries ("-" for none). */
function effects(findings: Finding[]): Record<string, string> {
  return Object.fromEntries(
    findings.filter((f) => f.ruleId === PUBLIC).map((f) => [f.resourceName, f.exception?.effect ?? "-"]),
  );
}

describe("a Policy exemption scoped to a management group", () => {
  it("excepts every subscription beneath the group, nested groups included, and none outside it", () => {
    const { findings, warnings } = audit([...ANCESTRY, exemptionAt(group("Corp"))]);
    expect(effects(findings)).toEqual({ "sqlmi-one": "applied", "sqlmi-two": "-", "sqlmi-three": "applied" });
    const shown = findings.find((f) => f.resourceName === "sqlmi-one" && f.ruleId === PUBLIC)!;
    expect(shown.status).toBe("fail");
    expect(shown.exception).toMatchObject({
      id: `${group("Corp")}/providers/Microsoft.Authorization/policyExemptions/ex-corp`,
      source: "policy",
      approvedBy: "secops-lead@contoso.com",
    });
    expect(warnings.filter((w) => /management group/i.test(w))).toEqual([]);
  });

  it("a child group's exemption covers only that child's subscriptions, not its parent's", () => {
    const { findings } = audit([...ANCESTRY, exemptionAt(group("Corp-Prod"))]);
    expect(effects(findings)).toEqual({ "sqlmi-one": "applied", "sqlmi-two": "-", "sqlmi-three": "-" });
  });

  it("the tenant root group's exemption covers every subscription", () => {
    const { findings } = audit([...ANCESTRY, exemptionAt(group(TENANT))]);
    expect(effects(findings)).toEqual({ "sqlmi-one": "applied", "sqlmi-two": "applied", "sqlmi-three": "applied" });
  });

  it("compares group names case-insensitively, and never by display name", () => {
    expect(effects(audit([...ANCESTRY, exemptionAt(group("CORP-prod"))]).findings)["sqlmi-one"]).toBe("applied");
    const byDisplayName = audit([...ANCESTRY, exemptionAt(group("Corp-Prod (display)"))]);
    expect(Object.values(effects(byDisplayName.findings))).toEqual(["-", "-", "-"]);
  });

  it("past its expiresOn, the results it covered count again and say so", () => {
    const { findings } = audit([...ANCESTRY, exemptionAt(group("Corp"), { expiresOn: "2026-11-30T00:00:00Z" })]);
    expect(effects(findings)).toEqual({ "sqlmi-one": "expired", "sqlmi-two": "-", "sqlmi-three": "expired" });
  });

  it("a subscription whose ancestry was not read is not excepted, and the warning names it", () => {
    const { findings, warnings } = audit([ANCESTRY[0]!, ANCESTRY[1]!, exemptionAt(group("Corp"))]);
    expect(effects(findings)).toEqual({ "sqlmi-one": "applied", "sqlmi-two": "-", "sqlmi-three": "-" });
    const warned = warnings.filter((w) => /management group Corp/.test(w));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(`is not applied to subscription ${SUB3}:`);
  });

  it("without any ancestry (an older snapshot) nothing is excepted, and every audited subscription is named", () => {
    const { findings, warnings } = audit([exemptionAt(group("Corp"))]);
    expect(Object.values(effects(findings))).toEqual(["-", "-", "-"]);
    expect(warnings).toContainEqual(
      expect.stringContaining(`is not applied to subscriptions ${[SUB1, SUB2, SUB3].sort().join(", ")}:`),
    );
  });

  it.each([
    ["missing", undefined, /managementGroupAncestorsChain is missing/],
    ["not a list", { name: "Corp" }, /managementGroupAncestorsChain: expected a list/],
    ["an entry without a name", [{ displayName: "Corp" }], /managementGroupAncestorsChain\[0\] has no name/],
  ])("a chain that is %s leaves the subscription unknown: warned, never excepted", (_what, chain, problem) => {
    const { findings, warnings } = audit([subscriptionRow(SUB1, chain), ANCESTRY[2]!, exemptionAt(group("Corp"))]);
    expect(effects(findings)["sqlmi-one"]).toBe("-");
    expect(effects(findings)["sqlmi-three"]).toBe("applied");
    expect(warnings).toContainEqual(expect.stringMatching(problem));
    expect(warnings).toContainEqual(expect.stringContaining(`subscriptions ${SUB1}, ${SUB2}:`));
  });

  it("ancestry rows alone change nothing, and warn of nothing when no exemption needs them", () => {
    const { findings, warnings } = audit(ANCESTRY);
    expect(Object.values(effects(findings))).toEqual(["-", "-", "-"]);
    expect(warnings).toEqual([]);
  });
});

describe("ExceptionIndex with management-group scopes", () => {
  const exception: AuditException = {
    id: "mg-exemption",
    source: "policy",
    ruleIds: [PUBLIC],
    scope: group("Corp"),
    justification: "Accepted for the whole Corp group (Waiver)",
    approvedBy: "secops-lead@contoso.com",
  };
  const finding = { ruleId: PUBLIC, resourceId: ids.mi("sqlmi-one"), tags: {} };

  it("covers a finding whose subscription has the group among its ancestors, at any depth", () => {
    const groups = new Map([[SUB1, ["corp-prod", "corp", TENANT]]]);
    const index = new ExceptionIndex([exception], { subscriptionGroups: (id) => groups.get(id) });
    expect(index.covering(finding)).toEqual([exception]);
    expect(index.covering({ ...finding, ruleId: "mi.tls.minimum-version" })).toEqual([]);
    expect(index.covering({ ...finding, resourceId: ids.mi("sqlmi-two", SUB2) })).toEqual([]);
  });

  it("covers nothing without the lookup, or for a subscription the lookup does not know", () => {
    expect(new ExceptionIndex([exception]).covering(finding)).toEqual([]);
    expect(new ExceptionIndex([exception], { subscriptionGroups: () => undefined }).covering(finding)).toEqual([]);
  });

  it("lists an exception once even when a chain names its group twice", () => {
    const index = new ExceptionIndex([exception], { subscriptionGroups: () => ["corp", "corp"] });
    expect(index.covering(finding)).toEqual([exception]);
  });
});
