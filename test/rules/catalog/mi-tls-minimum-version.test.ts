// mi.tls.minimum-version: the MI refuses TLS below 1.2. minimal-tls-version-configure.md: the setting takes 1.0, 1.1,
// 1.2, 1.3 or None ("no minimum", the default, which sets no floor and, per the page's earlier revision, is the
// setting for clients that connect unencrypted); support for TLS 1.0/1.1 ended on 31 August 2025. The rule never passes
// a value it does not recognise. Verdicts are the same in both baselines; `seed-2019` keeps the seeds' wording
// (no minimum accepts 1.0 and 1.1), `current` says 1.0/1.1 are retired and that no minimum risks unencrypted clients.
import { describe, expect, it } from "vitest";
import { findingsFor, verdict } from "../../support/evaluate";
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
  ...(["seed-2019", "current"] as const).flatMap((baseline) =>
    versions.map(([value, status]): VerdictCase => ({
      name: `${baseline}: minimalTlsVersion ${JSON.stringify(value)}`,
      resource: "mi1",
      status,
      baseline,
      rows: [miRow("mi1", miSubnet, { minimalTlsVersion: value })],
    })),
  ),
  {
    name: "seed-2019: no minimum is reported as accepting any version",
    resource: "mi1",
    status: "fail",
    baseline: "seed-2019",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: "None" })],
    message: ["any version"],
    evidence: { minimalTlsVersion: "None" },
  },
  {
    name: "seed-2019: missing minimum names the retired versions it lets in",
    resource: "mi1",
    status: "fail",
    baseline: "seed-2019",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: undefined })],
    message: ["TLS 1.0 and 1.1"],
    evidence: { minimalTlsVersion: null },
  },
  {
    name: "seed-2019: a 1.1 minimum is reported as accepting 1.1 and above",
    resource: "mi1",
    status: "fail",
    baseline: "seed-2019",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: "1.1" })],
    message: ["1.1 and above"],
  },
  {
    name: "current: None is reported as the risk of unencrypted connections",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: "None" })],
    message: ["without encryption", "1.2"],
    evidence: { minimalTlsVersion: "None" },
  },
  {
    name: "current: a missing minimum is the same no-minimum risk",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: undefined })],
    message: ["without encryption"],
    evidence: { minimalTlsVersion: null },
  },
  {
    name: "current: a 1.0 minimum is reported as naming a retired version",
    resource: "mi1",
    status: "fail",
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: "TLS1_0" })],
    message: ["TLS 1.0", "retired on 31 August 2025"],
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

describe("mi.tls.minimum-version wording per baseline", () => {
  const message = (value: unknown, baseline: "seed-2019" | "current"): string =>
    verdict(
      findingsFor([miRow("mi1", miSubnet, { minimalTlsVersion: value })], { baseline }),
      "mi.tls.minimum-version",
      "mi1",
    ).message;

  it.each([["None"], [undefined], ["1.0"], ["1.1"]])(
    "minimalTlsVersion %j: current no longer says the retired versions are accepted",
    (value) => {
      expect(message(value, "current")).not.toMatch(/accept/i);
      expect(message(value, "seed-2019")).toMatch(/accept/i);
    },
  );

  it("a passing instance reads the same in both baselines", () => {
    expect(message("1.2", "current")).toBe(message("1.2", "seed-2019"));
  });
});
