// mi.auth.entra-only: the MI accepts Microsoft Entra authentication only. authentication-azure-ad-only-authentication.md:
// the azureADOnlyAuthentications/Default child resource is the setting in force; `administrators` only reflects how
// the instance was created. A child that could not be read leaves the verdict unknown, never taken from `administrators`.
import { miRow } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { miSubnet, sqlServerRow } from "./mi-estates";

const withChild = (value: unknown, administrators: unknown = { azureADOnlyAuthentication: true }) => [
  miRow("mi1", miSubnet, { administrators }, { enrichment: { azureADOnlyAuthentication: value } }),
];

verdictTable("mi.auth.entra-only", [
  {
    name: "Entra-only on",
    resource: "mi1",
    status: "pass",
    rows: [miRow("mi1", miSubnet)],
    evidence: { azureADOnlyAuthentication: true, source: "administrators" },
  },
  {
    name: "Entra-only off",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { administrators: { azureADOnlyAuthentication: false } })],
    evidence: { azureADOnlyAuthentication: false },
  },
  {
    name: "no administrators block",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { administrators: undefined })],
    evidence: { azureADOnlyAuthentication: null },
  },
  {
    name: "administrators without the flag",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { administrators: { login: "sqladmins" } })],
  },
  {
    name: "child resource overrides administrators",
    resource: "mi1",
    status: "fail",
    rows: withChild(false),
    evidence: { source: "azureADOnlyAuthentications" },
  },
  {
    name: "child resource on overrides administrators off",
    resource: "mi1",
    status: "pass",
    rows: withChild(true, { azureADOnlyAuthentication: false }),
    evidence: { source: "azureADOnlyAuthentications" },
  },
  { name: "child resource unreadable", resource: "mi1", status: "unknown", rows: withChild({ error: "HTTP 403" }) },
  { name: "child resource malformed", resource: "mi1", status: "unknown", rows: withChild("sometimes") },
  {
    name: "administrators malformed",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet, { administrators: "admins" })],
  },
  {
    name: "child resource type unreadable in this subscription",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet)],
    gaps: [{ types: ["microsoft.sql/managedinstances/azureadonlyauthentications"], reason: "HTTP 429" }],
  },
  {
    name: "an Azure SQL logical server is not a managed instance",
    resource: "sql1",
    status: "noFinding",
    rows: [sqlServerRow("sql1", { administrators: { azureADOnlyAuthentication: false } })],
  },
]);
