// mi.public-endpoint.enabled: an inventory that agrees with Azure Policy 9dfea752 ("Azure SQL Managed Instances should
// disable public network access"). The policy's rule is: type equals Microsoft.Sql/managedInstances and
// Microsoft.Sql/managedInstances/publicDataEndpointEnabled equals true (azure-policy,
// built-in-policies/policyDefinitions/SQL/SqlManagedInstance_PublicEndpoint_Audit.json). A row of another type is
// out of scope; a flag the row does not carry is unknown here (the policy would call it compliant: no pass from that).
import { describe, expect, it } from "vitest";
import { SUB1, miRow, type Row } from "../../support/rows";
import { findingsFor } from "../../support/evaluate";
import { findRule } from "../../../src/rules/catalog";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { miSubnet, publicMi, privateMi, sqlServerRow } from "./mi-estates";

const RULE = "mi.public-endpoint.enabled";

const cases: VerdictCase[] = [
  {
    name: "public endpoint off",
    resource: "mi1",
    status: "pass",
    rows: privateMi(),
    evidence: { publicDataEndpointEnabled: false },
  },
  {
    name: "public endpoint on",
    resource: "mi1",
    status: "fail",
    rows: publicMi([]),
    message: ["mi1", "enabled", "3342"],
    evidence: { publicDataEndpointEnabled: true, policyDefinition: "9dfea752-dd46-4766-aed1-c355fa93fb91" },
  },
  {
    // The NSG decides reachability (mi.public-endpoint.untrusted-source); the inventory counts the setting alone.
    name: "public endpoint on, 3342 closed by the NSG: still listed",
    resource: "mi1",
    status: "fail",
    rows: publicMi([{ name: "deny-3342", priority: 100, access: "Deny", ports: "3342" }]),
  },
  {
    name: "public endpoint on, MI without a subnet: the setting alone decides",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", undefined, { publicDataEndpointEnabled: true })],
  },
  {
    name: 'the text "True" is read as true (ARM\'s boolean written as text)',
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: "True" })],
  },
  {
    name: 'the text "false" is read as false',
    resource: "mi1",
    status: "pass",
    rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: "false" })],
  },
  {
    name: "flag missing",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: undefined })],
    message: ["publicDataEndpointEnabled is missing"],
  },
  {
    name: "flag null",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: null })],
  },
  {
    name: "flag malformed",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: "yes please" })],
    message: ["publicDataEndpointEnabled"],
  },
  {
    name: "flag as the number 1 is not a boolean",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: 1 })],
  },
  {
    name: "a logical SQL server is not a managed instance",
    resource: "sql1",
    status: "noFinding",
    rows: [sqlServerRow("sql1", { publicNetworkAccess: "Enabled" })],
  },
  {
    name: "managed instances unreadable in this subscription: a pass is not justified",
    resource: "mi1",
    status: "unknown",
    rows: privateMi(),
    gaps: [{ types: ["microsoft.sql/managedinstances"], subscriptionIds: [SUB1], reason: "HTTP 500" }],
    message: ["could not be read"],
  },
  {
    name: "managed instances unreadable in this subscription: a fail read from the row stands",
    resource: "mi1",
    status: "fail",
    rows: publicMi([]),
    gaps: [{ types: ["microsoft.sql/managedinstances"], subscriptionIds: [SUB1], reason: "HTTP 500" }],
  },
  {
    name: "NSGs unreadable: the inventory does not need them",
    resource: "mi1",
    status: "pass",
    rows: privateMi(),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], reason: "403" }],
  },
];

verdictTable("mi.public-endpoint.enabled", cases);

describe(`${RULE} agrees with policy 9dfea752`, () => {
  // The policy's condition, written out: non-compliant exactly when the field equals true.
  const policyNonCompliant = (value: unknown) => value === true;
  const values: unknown[] = [true, false];

  it.each(values.map((value) => [JSON.stringify(value), value] as const))(
    "publicDataEndpointEnabled %s: fail exactly when the policy reports non-compliant",
    (_label, value) => {
      const rows: Row[] = [miRow("mi1", miSubnet, { publicDataEndpointEnabled: value })];
      const finding = findingsFor(rows).find((f) => f.ruleId === RULE && f.resourceName === "mi1");
      expect(finding?.status).toBe(policyNonCompliant(value) ? "fail" : "pass");
    },
  );

  it("one finding per managed instance, whatever else the estate holds", () => {
    const rows: Row[] = [
      ...publicMi([]),
      miRow("mi2", miSubnet, { publicDataEndpointEnabled: false }),
      sqlServerRow("sql1", {}),
    ];
    const findings = findingsFor(rows).filter((f) => f.ruleId === RULE);
    expect(findings.map((f) => [f.resourceName, f.status]).sort()).toEqual([
      ["mi1", "fail"],
      ["mi2", "pass"],
    ]);
  });
});

describe("mi.public-endpoint.enabled metadata", () => {
  // FRAMEWORKS.md: public endpoint enabled (inventory) → MCSB NS-2 (policy 9dfea752's group), CIS v3.0.0 5.1.7 analogue.
  it("is low, quotes no seed passage, cites today's pages and states its controls", () => {
    const rule = findRule("mi.public-endpoint.enabled")!;
    expect(rule.severity).toBe("low");
    expect(rule.source).toBeUndefined();
    expect(rule.guidance.length).toBeGreaterThan(0);
    for (const entry of rule.guidance) expect(entry.page.url).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\//);
    expect(rule.controls).toEqual([
      { mcsb: "NS-2", relation: "primary" },
      { cis: "v3.0.0 5.1.7", relation: "analogue" },
    ]);
  });
});
