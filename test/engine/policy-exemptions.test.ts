// Azure Policy exemptions as exceptions, at verdict level. From exemption-structure.md: an exemption names one
// assignment (policyAssignmentId), and for an initiative assignment optionally the definitions it exempts from
// (policyDefinitionReferenceIds matched against the initiative's policyDefinitionReferenceId); its category is Waiver or
// Mitigated; past expiresOn it is kept "for record-keeping, but the exemption is no longer honored"; its metadata
// conventions are requestedBy, approvedBy, ticketRef. From assignment-structure.md: a resource selector applies when all
// of its selectors hold, and a resource is in scope when it satisfies any one selector. ARM ids are case-insensitive.
import { describe, expect, it } from "vitest";
import { evaluateAudit } from "../../src/audit/run-audit";
import type { AuditSettings } from "../../src/config/audit-settings";
import type { Finding } from "../../src/engine/finding";
import { APPROVER_NOT_RECORDED, policyExemptionExceptions } from "../../src/engine/policy-exemptions";
import { buildEstate } from "../../src/model/build-estate";
import { POLICY_DEFINITION_RULES } from "../../src/rules/policy-definitions";
import { RULES } from "../../src/rules/catalog";
import { SUB1, ids, miRow } from "../support/rows";
import {
  PUBLIC_ENDPOINT_POLICY,
  TLS_POLICY,
  UNMAPPED_POLICY,
  assignmentId,
  assignmentRow,
  exemptionRow,
  setDefinitionRow,
  type ExemptionSpec,
  type Row,
} from "../fixtures/policy-exemptions";

const AT = new Date("2026-12-04T12:00:00Z");
const SETTINGS: AuditSettings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" };
const RG_DATA = `/subscriptions/${SUB1}/resourceGroups/rg-data`;
const PUBLIC = "mi.public-endpoint.enabled";
const TLS = "mi.tls.minimum-version";
const INITIATIVE = `/subscriptions/${SUB1}/providers/Microsoft.Authorization/policySetDefinitions/mi-baseline`;

/** Two MIs failing both the public-endpoint and TLS rules; the sample's assignments of both policies. */
function estateRows(): Row[] {
  const failing = { publicDataEndpointEnabled: true, minimalTlsVersion: "1.0" };
  return [
    miRow("sqlmi-prod-02", undefined, failing),
    miRow("sqlmi-other", undefined, failing),
    assignmentRow(SUB1, "mi-public-endpoint", PUBLIC_ENDPOINT_POLICY),
    assignmentRow(SUB1, "allowed-locations", UNMAPPED_POLICY),
    setDefinitionRow(SUB1, "mi-baseline", { publicRef: PUBLIC_ENDPOINT_POLICY, tlsRef: TLS_POLICY }),
    assignmentRow(SUB1, "mi-baseline", INITIATIVE),
  ];
}

const onProd = (spec: Partial<ExemptionSpec> = {}): Row =>
  exemptionRow({
    scope: ids.mi("sqlmi-prod-02"),
    name: "ex-public",
    assignment: assignmentId(SUB1, "mi-public-endpoint"),
    expiresOn: "2027-03-31T23:59:00.0000000Z",
    ...spec,
  });

function audit(extra: Row[]): { findings: Finding[]; warnings: string[] } {
  const warnings: string[] = [];
  const estate = buildEstate([...estateRows(), ...extra], { onWarning: (w) => warnings.push(w) });
  return { findings: evaluateAudit(estate, SETTINGS, { at: AT }).findings, warnings };
}

const find = (findings: Finding[], ruleId: string, name: string) =>
  findings.find((f) => f.ruleId === ruleId && f.resourceName === name)!;

describe("a Policy exemption as an exception", () => {
  it("excepts the mapped rule's fail on the exempted resource: status kept, the exemption's own fields shown", () => {
    const { findings } = audit([onProd()]);
    const finding = find(findings, PUBLIC, "sqlmi-prod-02");
    expect(finding.status).toBe("fail");
    expect(finding.exception).toEqual({
      id: `${ids.mi("sqlmi-prod-02")}/providers/Microsoft.Authorization/policyExemptions/ex-public`,
      source: "policy",
      justification: "Partner ETL reads over the public endpoint until the private link cut-over. (Waiver)",
      approvedBy: "secops-lead@contoso.com",
      expiresOn: "2027-03-31T23:59:00.0000000Z",
      ticket: "CHG-1182",
      effect: "applied",
    });
    // Only the mapped rule, only the exempted resource.
    expect(find(findings, TLS, "sqlmi-prod-02").exception).toBeUndefined();
    expect(find(findings, PUBLIC, "sqlmi-other").exception).toBeUndefined();
  });

  it("an exemption past its expiresOn no longer excepts: the fail shows it as expired", () => {
    const { findings } = audit([onProd({ expiresOn: "2026-12-04T11:59:59Z" })]);
    const finding = find(findings, PUBLIC, "sqlmi-prod-02");
    expect(finding.status).toBe("fail");
    expect(finding.exception?.effect).toBe("expired");
  });

  it("an exemption without expiresOn applies, with no expiry", () => {
    const finding = find(audit([onProd({ expiresOn: undefined })]).findings, PUBLIC, "sqlmi-prod-02");
    expect(finding.exception?.effect).toBe("applied");
    expect(finding.exception).not.toHaveProperty("expiresOn");
  });

  it("Mitigated counts too; the approver falls back to requestedBy, then says it is not recorded", () => {
    const requested = audit([onProd({ category: "Mitigated", metadata: { requestedBy: "Storage team" } })]);
    const exception = find(requested.findings, PUBLIC, "sqlmi-prod-02").exception;
    expect(exception?.justification).toMatch(/\(Mitigated\)$/);
    expect(exception?.approvedBy).toBe("Storage team");
    expect(exception).not.toHaveProperty("ticket");
    const none = audit([onProd({ metadata: {} })]);
    expect(find(none.findings, PUBLIC, "sqlmi-prod-02").exception?.approvedBy).toBe(APPROVER_NOT_RECORDED);
  });

  it("a Waiver of a policy no rule follows does nothing", () => {
    const { findings } = audit([onProd({ assignment: assignmentId(SUB1, "allowed-locations") })]);
    expect(findings.filter((f) => f.exception !== undefined)).toEqual([]);
  });

  it.each([
    ["an unknown category", { category: "Exempt" }],
    ["no category", { category: null }],
    ["an expiresOn that is no date", { expiresOn: "end of quarter" }],
  ])("a row with %s is ignored", (_name, spec: Partial<ExemptionSpec>) => {
    const { findings, warnings } = audit([onProd(spec)]);
    expect(find(findings, PUBLIC, "sqlmi-prod-02").exception).toBeUndefined();
    if (spec.expiresOn !== undefined) expect(warnings.join("\n")).toMatch(/expiresOn: is not a date-time/);
  });

  it("compares ids case-insensitively (scope, assignment id, category as the docs' example writes it)", () => {
    const row = onProd({
      scope: ids.mi("sqlmi-prod-02").toUpperCase(),
      assignment: assignmentId(SUB1, "mi-public-endpoint").toLowerCase(),
      category: "waiver",
    });
    const finding = find(audit([row]).findings, PUBLIC, "sqlmi-prod-02");
    expect(finding.exception?.effect).toBe("applied");
    expect(finding.exception?.justification).toMatch(/\(Waiver\)$/);
  });

  it("a resource-group exemption covers every MI in the group; another group's is not covered", () => {
    const { findings } = audit([onProd({ scope: RG_DATA })]);
    expect(find(findings, PUBLIC, "sqlmi-prod-02").exception?.effect).toBe("applied");
    expect(find(findings, PUBLIC, "sqlmi-other").exception?.effect).toBe("applied");
    const other = audit([onProd({ scope: `/subscriptions/${SUB1}/resourceGroups/rg-data-archive` })]);
    expect(other.findings.filter((f) => f.exception !== undefined)).toEqual([]);
  });
});

describe("initiative assignments", () => {
  const viaInitiative = (references?: string[]) =>
    onProd({ assignment: assignmentId(SUB1, "MI-Baseline"), references, name: "ex-initiative" });

  it("exempts from the definitions its reference ids name, and only those", () => {
    const { findings } = audit([viaInitiative(["TLSREF"])]);
    expect(find(findings, TLS, "sqlmi-prod-02").exception?.effect).toBe("applied");
    expect(find(findings, PUBLIC, "sqlmi-prod-02").exception).toBeUndefined();
  });

  it("without reference ids, exempts from every definition of the initiative", () => {
    const { findings } = audit([viaInitiative()]);
    expect(find(findings, TLS, "sqlmi-prod-02").exception?.effect).toBe("applied");
    expect(find(findings, PUBLIC, "sqlmi-prod-02").exception?.effect).toBe("applied");
  });

  it("an initiative that was not read is a data-quality warning, and the exemption is not applied", () => {
    const rows = [viaInitiative(), assignmentRow(SUB1, "mi-other", `${INITIATIVE}-unread`)];
    rows[0] = onProd({ assignment: assignmentId(SUB1, "mi-other"), name: "ex-unread" });
    const { findings, warnings } = audit(rows);
    expect(findings.filter((f) => f.exception !== undefined)).toEqual([]);
    expect(warnings).toContainEqual(
      expect.stringMatching(/ex-unread is not applied .*initiative .*mi-baseline-unread/),
    );
  });

  it("an assignment that was not read is a data-quality warning, and the exemption is not applied", () => {
    const { findings, warnings } = audit([onProd({ assignment: assignmentId(SUB1, "assigned-elsewhere") })]);
    expect(findings.filter((f) => f.exception !== undefined)).toEqual([]);
    expect(warnings).toContainEqual(expect.stringMatching(/policy assignment .*assigned-elsewhere was not among/));
  });
});

describe("scopes and resource selectors", () => {
  // Management-group exemptions that do apply: management-group-exemptions.test.ts.
  it("a management-group exemption is not applied where the subscriptions' ancestry was not read, with a warning", () => {
    const mg = "/providers/Microsoft.Management/managementGroups/corp";
    const { findings, warnings } = audit([onProd({ scope: mg })]);
    expect(findings.filter((f) => f.exception !== undefined)).toEqual([]);
    expect(warnings).toContainEqual(
      expect.stringMatching(new RegExp(`management group corp\\) is not applied to subscription ${SUB1}:`)),
    );
  });

  it.each([
    ["location in another region", [{ kind: "resourceLocation", in: ["northeurope"] }], false],
    ["location not in another region", [{ kind: "resourceLocation", notIn: ["northeurope"] }], true],
    ["location in the MI's region", [{ kind: "resourceLocation", in: ["westeurope", "eastus"] }], true],
    ["type in managed instances", [{ kind: "resourceType", in: ["Microsoft.Sql/managedInstances"] }], true],
    ["type not in managed instances", [{ kind: "resourceType", notIn: ["Microsoft.Sql/managedInstances"] }], false],
    [
      "subscription-level resources only",
      [{ kind: "resourceWithoutLocation", in: ["subscriptionLevelResources"] }],
      false,
    ],
    [
      "every selector must hold",
      [
        { kind: "resourceType", in: ["Microsoft.Sql/managedInstances"] },
        { kind: "resourceLocation", in: ["northeurope"] },
      ],
      false,
    ],
  ])("%s", (_name, selectors, covers) => {
    const row = onProd({ resourceSelectors: [{ name: "sdp", selectors }] });
    expect(find(audit([row]).findings, PUBLIC, "sqlmi-prod-02").exception?.effect).toBe(covers ? "applied" : undefined);
  });

  it("any one of several resource selectors is enough", () => {
    const resourceSelectors = [
      { name: "north", selectors: [{ kind: "resourceLocation", in: ["northeurope"] }] },
      { name: "west", selectors: [{ kind: "resourceLocation", in: ["westeurope"] }] },
    ];
    expect(find(audit([onProd({ resourceSelectors })]).findings, PUBLIC, "sqlmi-prod-02").exception?.effect).toBe(
      "applied",
    );
  });
});

describe("the rule ↔ built-in policy mapping", () => {
  it("names only catalog rules, each definition once, as lower-case GUIDs", () => {
    const ruleIds = new Set(RULES.map((rule) => rule.id));
    for (const mapping of POLICY_DEFINITION_RULES) {
      expect(mapping.definition).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      for (const ruleId of mapping.ruleIds) expect(ruleIds, `${mapping.definition} → ${ruleId}`).toContain(ruleId);
    }
    expect(new Set(POLICY_DEFINITION_RULES.map((m) => m.definition)).size).toBe(POLICY_DEFINITION_RULES.length);
  });

  it("an estate without Policy rows declares no exceptions", () => {
    expect(policyExemptionExceptions(buildEstate(estateRows()))).toEqual([]);
  });
});
