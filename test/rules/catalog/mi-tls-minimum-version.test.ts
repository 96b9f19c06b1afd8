// mi.tls.minimum-version: the MI refuses TLS below 1.2. minimal-tls-version-configure.md: the setting takes 1.0, 1.1,
// 1.2, 1.3 or None ("no minimum", which accepts every version); TLS 1.0/1.1 are retired. The rule never passes a value
// it does not recognise.
import { miRow } from "../../support/rows";
import type { Status } from "../../../src/rules/rule";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { miSubnet, sqlServerRow } from "./mi-estates";

const versions: [unknown, Status][] = [
  ["1.2", "pass"],
  ["1.3", "pass"],
  ["1.1", "fail"],
  ["1.0", "fail"],
  ["None", "fail"],
  [undefined, "fail"],
  ["TLS1_2", "pass"],
  ["TLS1_3", "pass"],
  ["TLS1_1", "fail"],
  ["tls 1.2", "pass"],
  [" 1.2 ", "pass"],
  ["none", "fail"],
  ["", "fail"],
  ["banana", "unknown"],
  ["1.4", "unknown"],
  ["1.20", "unknown"],
  [12, "unknown"],
];

verdictTable("mi.tls.minimum-version", [
  ...versions.map(([value, status]): VerdictCase => ({
    name: `minimalTlsVersion ${JSON.stringify(value)}`,
    resource: "mi1",
    status,
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: value })],
  })),
  {
    name: "no minimum is reported as accepting any version",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: "None" })],
    message: ["any version"],
    evidence: { minimalTlsVersion: "None" },
  },
  {
    name: "missing minimum names the retired versions it lets in",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: undefined })],
    message: ["TLS 1.0 and 1.1"],
    evidence: { minimalTlsVersion: null },
  },
  // The field reader reads a number where ARM sends text as its digits, with a warning: 1.2 is "1.2", 12 is "12".
  {
    name: "the number 1.2 is read as the text 1.2",
    resource: "mi1",
    status: "pass",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: 1.2 })],
    evidence: { minimalTlsVersion: "1.2" },
  },
  {
    name: "managed instances unreadable: a pass is not confirmed",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet)],
    gaps: [{ types: ["microsoft.sql/managedinstances"], reason: "HTTP 500" }],
  },
  {
    name: "an Azure SQL logical server is not a managed instance",
    resource: "sql1",
    status: "noFinding",
    rows: [sqlServerRow("sql1", { minimalTlsVersion: "1.0" })],
  },
]);
