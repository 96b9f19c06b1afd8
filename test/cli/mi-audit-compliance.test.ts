// `mi-audit scan --framework`: the sample estate's results per framework control instead of per finding, in each
// format; the exit code (the gate) is the one the same scan gives without it. Expected values come from the plain
// scan's own findings and the rules' control references, recounted here.
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
}
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
      expect(control.counts, control.id).toEqual({
        passed: mine.filter((f) => f.status === "pass").length,
        failed: mine.filter((f) => f.status === "fail").length,
        unverified: mine.filter((f) => f.status === "unknown" || f.status === "error").length,
        notApplicable: mine.filter((f) => f.status === "notApplicable").length,
      });
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
    expect(run.stdout).toMatch(/^FAIL +AC-4\n {2}passed \d+ {2}failed [1-9]\d* /m);
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
