// `--baseline` on the CLI, in process: what a scan evaluates and reports, a bad value, and `rules --baseline`.
import { describe, expect, it } from "vitest";
import { rulesOfBaseline } from "../../src/rules/baselines";
import { SAMPLE } from "../support/run-cli";
import { parseCsv } from "../support/csv-parse";
import { runMain } from "./in-process-cli";

interface JsonReport {
  run: { baseline: string; rulesEvaluated: number };
  findings: { ruleId: string }[];
}

describe("mi-audit scan --baseline", () => {
  it("evaluates the baseline's rules and says so in json, csv and the table; default current, AUDIT_BASELINE read", async () => {
    const seed = JSON.parse(
      (await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", "--baseline", "seed-2019"])).stdout,
    ) as JsonReport;
    expect(seed.run).toMatchObject({ baseline: "seed-2019", rulesEvaluated: 13 });
    expect(new Set(seed.findings.map((f) => f.ruleId))).toContain("expressroute.microsoft-peering");

    const byDefault = JSON.parse(
      (await runMain(["scan", "--snapshot", SAMPLE, "--format", "json"], { AUDIT_BASELINE: undefined })).stdout,
    ) as JsonReport;
    expect(byDefault.run).toMatchObject({ baseline: "current", rulesEvaluated: rulesOfBaseline("current").length });
    const ruleIds = new Set(byDefault.findings.map((f) => f.ruleId));
    expect(ruleIds.has("expressroute.microsoft-peering") || ruleIds.has("mi.peering.same-region")).toBe(false);

    const fromEnv = JSON.parse(
      (await runMain(["scan", "--snapshot", SAMPLE, "--format", "json"], { AUDIT_BASELINE: "seed-2019" })).stdout,
    ) as JsonReport;
    expect(fromEnv.run.baseline).toBe("seed-2019");
    const flagWins = JSON.parse(
      (
        await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", "--baseline", "current"], {
          AUDIT_BASELINE: "seed-2019",
        })
      ).stdout,
    ) as JsonReport;
    expect(flagWins.run.baseline).toBe("current");

    const csv = (await runMain(["scan", "--snapshot", SAMPLE, "--format", "csv", "--baseline", "seed-2019"])).stdout;
    const column = csv.split("\r\n")[0]!.split(",").indexOf("baseline");
    expect(column).toBeGreaterThan(0);
    const rows = parseCsv(csv);
    expect(rows.length).toBe(seed.findings.length);
    expect(rows.every((row) => row[column] === "seed-2019")).toBe(true);

    const table = (await runMain(["scan", "--snapshot", SAMPLE, "--baseline", "seed-2019"])).stdout;
    expect(table).toContain("Baseline: seed-2019 (13 rules)");
  });

  it("refuses an unknown baseline as a usage error (exit 2) that lists the choices", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--baseline", "seed-2018"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--baseline.*seed-2018.*seed-2019, current/s);
    const env = await runMain(["scan", "--snapshot", SAMPLE], { AUDIT_BASELINE: "2019" });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/AUDIT_BASELINE.*unknown baseline '2019'; expected one of seed-2019, current/);
  });
});

describe("mi-audit rules --baseline", () => {
  it("lists only that baseline's rules, and every rule shows its baselines", async () => {
    const seed = JSON.parse((await runMain(["rules", "--format", "json", "--baseline", "seed-2019"])).stdout) as {
      id: string;
      baselines: string[];
    }[];
    expect(seed.map((rule) => rule.id)).toEqual(rulesOfBaseline("seed-2019").map((rule) => rule.id));
    expect(seed.find((rule) => rule.id === "mi.peering.same-region")?.baselines).toEqual(["seed-2019"]);
    expect(seed.find((rule) => rule.id === "mi.tls.minimum-version")?.baselines).toEqual(["seed-2019", "current"]);
    const table = (await runMain(["rules", "--baseline", "current"])).stdout.trimEnd().split("\n");
    expect(table).toHaveLength(rulesOfBaseline("current").length);
    expect(table.join("\n")).not.toContain("expressroute.microsoft-peering ");
    expect(table.find((line) => line.startsWith("mi.tls.minimum-version "))).toMatch(/ seed-2019,current /);
  });
});
