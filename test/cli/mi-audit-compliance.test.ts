// `mi-audit scan --framework`: the sample estate's results per framework control instead of per finding, in each
// format; the exit code (the gate) is the one the same scan gives without it. Expected values come from the plain
// scan's own findings and the rules' control references, recounted here. Exceptions follow the gate: an excepted fail
// or unknown leaves `failed`/`unverified` for `excepted`, the control passes with "N excepted" beside its status, and
// each failing resource carries its exception (applied or expired).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../../src/rules/catalog";
import { MCSB_CONTROLS } from "../../src/rules/framework-controls";
import { COMPLIANCE_CSV_COLUMNS } from "../../src/report/compliance-text";
import { parseCsv } from "../support/csv-parse";
import { SAMPLE } from "../support/run-cli";
import { runMain, type CliResult } from "./in-process-cli";

interface PlainFinding {
  ruleId: string;
  status: string;
  resourceId: string;
  exception?: { id: string; source: string; effect: string; expiresOn?: string };
}
const applied = (f: PlainFinding): boolean => f.exception?.effect === "applied";

/** Counts as the gate reads them (engine/gate.ts): excepted fail and unknown results are neither failed nor unverified. */
function expectedCounts(mine: PlainFinding[]): Record<string, number> {
  const plainOf = (status: string): number => mine.filter((f) => f.status === status && !applied(f)).length;
  return {
    passed: mine.filter((f) => f.status === "pass").length,
    failed: plainOf("fail"),
    unverified: plainOf("unknown") + plainOf("error"),
    notApplicable: mine.filter((f) => f.status === "notApplicable").length,
    excepted: mine.filter(applied).length,
  };
}

const dir = mkdtempSync(join(tmpdir(), "mi-audit-compliance-"));
function exceptionsFile(entries: { id: string; f: PlainFinding; expiresOn: string }[]): string {
  const path = join(dir, `exceptions-${entries.map((e) => e.id).join("-")}.yaml`);
  const yaml = entries
    .map(
      ({ id, f, expiresOn }) =>
        `  - id: ${id}\n    rule: ${f.ruleId}\n    scope: ${f.resourceId}\n    justification: "Accepted for the compliance test until the fix ships."\n    approvedBy: secops-lead@contoso.com\n    expiresOn: "${expiresOn}"\n`,
    )
    .join("");
  writeFileSync(path, `exceptions:\n${yaml}`);
  return path;
}
const dateIn = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
let plain: CliResult;
let findings: PlainFinding[];

beforeAll(async () => {
  plain = await runMain(["scan", "--snapshot", SAMPLE, "--format", "json"]);
  findings = (JSON.parse(plain.stdout) as { findings: PlainFinding[] }).findings;
}, 120_000);

describe("mi-audit scan --framework", () => {
  it("MCSB as JSON: per control, the plain scan's results of its rules, and each failing resource", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", "--framework", "MCSB"]);
    expect(run.code).toBe(plain.code);
    const view = JSON.parse(run.stdout);
    expect(view.framework).toBe("MCSB");
    expect(view.runStatus).toBe((JSON.parse(plain.stdout) as { run: { status: string } }).run.status);
    expect(view.gate.exitCode).toBe(plain.code);
    expect(view.controls.length).toBeGreaterThan(0);
    for (const control of view.controls) {
      const ruleIds = RULES.filter((r) => r.controls.some((c) => "mcsb" in c && c.mcsb === control.id)).map(
        (r) => r.id,
      );
      const mine = findings.filter((f) => ruleIds.includes(f.ruleId));
      expect(control.title).toBe(MCSB_CONTROLS[control.id as keyof typeof MCSB_CONTROLS].title);
      expect(control.counts, control.id).toEqual(expectedCounts(mine));
      expect(control.failing.map((f: PlainFinding) => `${f.ruleId} ${f.resourceId}`).sort()).toEqual(
        mine
          .filter((f) => f.status === "fail")
          .map((f) => `${f.ruleId} ${f.resourceId}`)
          .sort(),
      );
    }
    // The sample estate has an MI open to the Internet on 3342: NS-2 fails.
    expect(view.controls.find((c: { id: string }) => c.id === "NS-2").status).toBe("fail");
    const unmapped = view.unmapped.map((u: { ruleId: string }) => u.ruleId);
    for (const id of unmapped) expect(RULES.find((r) => r.id === id)?.controls.some((c) => "mcsb" in c)).toBe(false);
  });

  it("NIST as a table (lower case accepted): controls with status, rules, failing resources; the gate lines follow", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--framework", "nist"]);
    expect(run.code).toBe(plain.code);
    expect(run.stdout).toMatch(/NIST SP 800-53 r4 \(through the MCSB controls\)/);
    expect(run.stdout).toMatch(/^FAIL(, [1-9]\d* excepted)? +AC-4\n {2}passed \d+ {2}failed [1-9]\d* /m);
    expect(run.stdout).toMatch(/through MCSB .*NS-2/);
    expect(run.stdout).toMatch(/^Gate \(--fail-on high\): /m);
  });

  it("CIS as CSV: one row per control × failing resource, RFC 4180", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--format", "csv", "--framework", "CIS"]);
    expect(run.code).toBe(plain.code);
    expect(run.stdout.split("\r\n")[0]).toBe(COMPLIANCE_CSV_COLUMNS.join(","));
    const rows = parseCsv(run.stdout);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row[0]).toBe("CIS");
      expect(row).toHaveLength(COMPLIANCE_CSV_COLUMNS.length);
    }
    const failingRows = rows.filter((r) => r[COMPLIANCE_CSV_COLUMNS.indexOf("resourceId")] !== "");
    expect(failingRows.every((r) => r[COMPLIANCE_CSV_COLUMNS.indexOf("status")] === "fail")).toBe(true);
  });

  it("an unknown framework is a usage error naming the choices", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--framework", "ISO27001"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--framework .*'ISO27001' is invalid.*MCSB, CIS, NIST/);
    expect(run.stdout).toBe("");
  });
});

describe("mi-audit scan --framework with exceptions", () => {
  const ns2Rules = (): string[] =>
    RULES.filter((r) => r.controls.some((c) => "mcsb" in c && c.mcsb === "NS-2")).map((r) => r.id);
  /** NS-2's fail and unknown results that no exception of the sample's own covers yet. */
  const ns2Open = (): PlainFinding[] =>
    findings.filter(
      (f) => ns2Rules().includes(f.ruleId) && (f.status === "fail" || f.status === "unknown") && !applied(f),
    );
  interface Control {
    id: string;
    status: string;
    counts: Record<string, number>;
    failing: PlainFinding[];
  }

  it("excepting every open NS-2 result: the control passes with its excepted count, each failure names its exception", async () => {
    const open = ns2Open();
    expect(open.some((f) => f.status === "fail")).toBe(true);
    expect(findings.some((f) => ns2Rules().includes(f.ruleId) && f.status === "error")).toBe(false);
    const file = exceptionsFile(open.map((f, i) => ({ id: `EX-C${i + 1}`, f, expiresOn: dateIn(30) })));
    const json = await runMain([
      "scan",
      "--snapshot",
      SAMPLE,
      "--format",
      "json",
      "--framework",
      "MCSB",
      "--exceptions",
      file,
    ]);
    const scanned = (
      JSON.parse((await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", "--exceptions", file])).stdout) as {
        findings: PlainFinding[];
      }
    ).findings;
    const ns2 = (JSON.parse(json.stdout) as { controls: Control[] }).controls.find((c) => c.id === "NS-2");
    const mine = scanned.filter((f) => ns2Rules().includes(f.ruleId));
    expect(ns2?.counts).toEqual(expectedCounts(mine));
    expect(ns2?.counts.failed).toBe(0);
    expect(ns2?.counts.excepted).toBe(
      open.length + findings.filter((f) => ns2Rules().includes(f.ruleId) && applied(f)).length,
    );
    expect(ns2?.status).toBe("pass");
    // Never hidden: every failure is still listed, with the exception that covers it.
    const failing = ns2?.failing ?? [];
    expect(failing.map((f) => `${f.ruleId} ${f.resourceId}`).sort()).toEqual(
      mine
        .filter((f) => f.status === "fail")
        .map((f) => `${f.ruleId} ${f.resourceId}`)
        .sort(),
    );
    for (const f of failing) {
      const mark = open.findIndex((o) => o.ruleId === f.ruleId && o.resourceId === f.resourceId);
      if (mark >= 0)
        expect(f.exception).toEqual({
          id: `EX-C${mark + 1}`,
          source: "file",
          effect: "applied",
          expiresOn: dateIn(30),
        });
      else expect(f.exception?.effect).toBe("applied");
    }

    const table = await runMain(["scan", "--snapshot", SAMPLE, "--framework", "MCSB", "--exceptions", file]);
    expect(table.stdout).toMatch(new RegExp(`^PASS, ${ns2?.counts.excepted} excepted +NS-2 `, "m"));
    expect(table.stdout).toMatch(
      new RegExp(`^ {2}passed \\d+ {2}failed 0 {2}unverified 0 {2}n/a \\d+ {2}excepted ${ns2?.counts.excepted}$`, "m"),
    );
    expect(table.stdout).toMatch(/^ {2}FAIL \w+ +\S+ {2}\S+ {2}\(excepted EX-C1\)$/m);

    const csv = await runMain([
      "scan",
      "--snapshot",
      SAMPLE,
      "--format",
      "csv",
      "--framework",
      "MCSB",
      "--exceptions",
      file,
    ]);
    const col = (name: (typeof COMPLIANCE_CSV_COLUMNS)[number]): number => COMPLIANCE_CSV_COLUMNS.indexOf(name);
    const rows = parseCsv(csv.stdout).filter((r) => r[col("controlId")] === "NS-2");
    expect(rows).toHaveLength(failing.length);
    for (const row of rows) {
      expect(row[col("status")]).toBe("pass");
      expect(row[col("excepted")]).toBe(String(ns2?.counts.excepted));
      expect(row[col("exceptionEffect")]).toBe("applied");
    }
    expect(rows.find((r) => r[col("exceptionId")] === "EX-C1")?.[col("exceptionSource")]).toBe("file");
  });

  it("an expired exception counts its failure again: the control fails and the failure says its exception expired", async () => {
    const failure = ns2Open().find((f) => f.status === "fail") as PlainFinding;
    const file = exceptionsFile([{ id: "EX-OLD", f: failure, expiresOn: dateIn(-3) }]);
    const json = await runMain([
      "scan",
      "--snapshot",
      SAMPLE,
      "--format",
      "json",
      "--framework",
      "MCSB",
      "--exceptions",
      file,
    ]);
    const ns2 = (JSON.parse(json.stdout) as { controls: Control[] }).controls.find((c) => c.id === "NS-2");
    const plainNs2 = (
      JSON.parse((await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", "--framework", "MCSB"])).stdout) as {
        controls: Control[];
      }
    ).controls.find((c) => c.id === "NS-2");
    expect(ns2?.status).toBe("fail");
    expect(ns2?.counts).toEqual(plainNs2?.counts);
    const marked = ns2?.failing.filter((f) => f.exception?.id === "EX-OLD");
    expect(marked).toEqual([
      {
        resourceId: failure.resourceId,
        resourceName: expect.any(String),
        ruleId: failure.ruleId,
        severity: expect.any(String),
        exception: { id: "EX-OLD", source: "file", effect: "expired", expiresOn: dateIn(-3) },
      },
    ]);
    const table = await runMain(["scan", "--snapshot", SAMPLE, "--framework", "MCSB", "--exceptions", file]);
    expect(table.stdout).toMatch(/^ {2}FAIL .* {2}\(exception expired EX-OLD\)$/m);
  });
});
