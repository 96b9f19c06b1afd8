// The CLI end to end: formats, exit codes and bad inputs, on the built binary.
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, SAMPLE, runCli } from "../support/run-cli";
import { parseCsv } from "../support/csv-parse";

const dir = mkdtempSync(join(tmpdir(), "mi-audit-cli-"));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
});

describe("mi-audit scan on the sample estate", () => {
  it("prints a table with the summary, subscription scores and failures by severity, and exits 1 on high failures", () => {
    const run = runCli(["scan", "--snapshot", SAMPLE]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Estate score: \d+(\.\d)?/);
    expect(run.stdout).toContain("Scores per subscription");
    expect(run.stdout).toMatch(/CRITICAL failures \(\d+\)/);
    expect(run.stdout.indexOf("CRITICAL failures")).toBeLessThan(run.stdout.indexOf("LOW failures"));
    // The corrupted NSG in the sample is a data-quality warning on stderr, not a crash.
    expect(run.stderr).toMatch(/warning: .*nsg-broken-dev.*securityRules\[0\]/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("json lists every result, passes included, with the documented fields", () => {
    const run = runCli(["scan", "--snapshot", SAMPLE, "--format", "json"]);
    const report = JSON.parse(run.stdout);
    expect(Object.keys(report)).toEqual(["schemaVersion", "run", "summary", "findings", "exceptions"]);
    const statuses = new Set(report.findings.map((f: { status: string }) => f.status));
    for (const status of ["pass", "fail", "notApplicable", "unknown"]) expect(statuses).toContain(status);
    for (const finding of report.findings) {
      for (const field of [
        "ruleId",
        "resourceId",
        "resourceType",
        "subscriptionId",
        "status",
        "severity",
        "title",
        "message",
        "evidence",
      ])
        expect(finding).toHaveProperty(field);
    }
    expect(report.summary.byStatus.fail).toBe(
      report.findings.filter((f: { status: string }) => f.status === "fail").length,
    );
    expect(
      new Set(report.findings.map((f: { subscriptionId: string }) => f.subscriptionId)).size,
    ).toBeGreaterThanOrEqual(3);
  });

  it.each(["seed-2019", "current"])(
    "every rule of %s has a passing and a failing case in the sample estate",
    (baseline) => {
      const report = JSON.parse(
        runCli(["scan", "--snapshot", SAMPLE, "--format", "json", "--baseline", baseline]).stdout,
      );
      const rules = JSON.parse(runCli(["rules", "--format", "json", "--baseline", baseline]).stdout) as {
        id: string;
      }[];
      for (const rule of rules) {
        const statuses = report.findings
          .filter((f: { ruleId: string }) => f.ruleId === rule.id)
          .map((f: { status: string }) => f.status);
        expect(statuses, rule.id).toContain("pass");
        expect(statuses, rule.id).toContain("fail");
      }
    },
  );

  it("csv is RFC 4180 with formula injection neutralised", () => {
    const rows = [
      {
        id: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/=cmd|' /C calc'!A0",
        name: "=cmd|' /C calc'!A0",
        type: "microsoft.sql/managedinstances",
        location: "westeurope",
        subscriptionId: "11111111-1111-1111-1111-111111111111",
        resourceGroup: "rg",
        properties: {
          minimalTlsVersion: "1.0",
          publicDataEndpointEnabled: false,
          administrators: { azureADOnlyAuthentication: true },
          subnetId: "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        },
      },
    ];
    const run = runCli(["scan", "--snapshot", file("inject.json", JSON.stringify(rows)), "--format", "csv"]);
    expect(run.stdout.split("\r\n")[0]).toBe(
      "ruleId,severity,status,resourceName,resourceType,subscriptionId,resourceGroup,location,resourceId,title,message,evidence,baseline," +
        "exceptionId,exceptionSource,exceptionEffect,exceptionExpiresOn,exceptionApprovedBy,exceptionJustification,exceptionTicket,fingerprint",
    );
    const table = parseCsv(run.stdout);
    const tls = table.find((r) => r[0] === "mi.tls.minimum-version")!;
    expect(tls[3]).toBe("'=cmd|' /C calc'!A0");
    expect(table.every((r) => r.length === 21 && /^[0-9a-f]{32}$/.test(r[20]!))).toBe(true);
    for (const r of table) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it("--output writes the report to a file", () => {
    const out = join(dir, "report.json");
    const run = runCli(["scan", "--snapshot", SAMPLE, "--format", "json", "--output", out]);
    expect(run.stdout).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8")).findings.length).toBeGreaterThan(50);
  });
});

describe("exit codes and --fail-on", () => {
  const tlsOnly = () =>
    file(
      "tls.json",
      JSON.stringify([
        {
          id: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi",
          name: "mi",
          type: "microsoft.sql/managedinstances",
          subscriptionId: "11111111-1111-1111-1111-111111111111",
          resourceGroup: "rg",
          location: "westeurope",
          properties: {
            minimalTlsVersion: "1.2",
            publicDataEndpointEnabled: false,
            administrators: { azureADOnlyAuthentication: false },
          },
        },
      ]),
    );
  // The MI's subnet is not in the snapshot, so mi.subnet.nsg-missing (high) is unknown: at --fail-on high that is
  // "could not verify" (4), never a pass. The gate itself is tested in mi-audit-gate.test.ts.
  it.each([
    ["critical", 0],
    ["high", 4],
    ["medium", 1],
    ["low", 1],
  ])("a medium failure and an unknown high result with --fail-on %s exit %i", (threshold, code) => {
    expect(runCli(["scan", "--snapshot", tlsOnly(), "--fail-on", threshold]).code).toBe(code);
  });
});

describe("bad input exits 2 with a message that names the file and the problem", () => {
  it.each([
    ["a missing file", () => join(dir, "nope.json"), /nope\.json: no such file/],
    ["invalid JSON", () => file("bad.json", "{ not json"), /bad\.json is not valid JSON/],
    [
      "an unknown shape",
      () => file("shape.json", JSON.stringify({ value: [] })),
      /shape\.json is a JSON object without a "data" array/,
    ],
    ["a JSON scalar", () => file("scalar.json", "42"), /scalar\.json holds a number/],
  ])("%s", (_label, make, pattern) => {
    const run = runCli(["scan", "--snapshot", make()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe("");
  });

  it.each([
    [["scan", "--snapshot", "x", "--format", "xml"], /format/],
    [["scan", "--snapshot", "x", "--fail-on", "severe"], /fail-on/],
    [["scan", "--bogus"], /unknown option/],
    [["scan", "--snapshot", "x", "--trusted", "0.0.0.0/0"], /0\.0\.0\.0\/0/],
    [["scan", "--snapshot", "x", "--trusted", "10.0.0.999/8"], /10\.0\.0\.999/],
    [["frobnicate"], /unknown command/],
  ])("usage error %j", (args, pattern) => {
    const run = runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
  });

  it("a broad TRUSTED_SOURCE_PREFIXES names the setting", () => {
    const run = runCli(["scan", "--snapshot", SAMPLE], { TRUSTED_SOURCE_PREFIXES: "20.0.0.0/7" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/TRUSTED_SOURCE_PREFIXES: .*20\.0\.0\.0\/7/);
  });

  it("bad rows never crash the run: they become unknown with warnings", () => {
    const rows = [
      { name: "no-id", type: "microsoft.sql/managedinstances" },
      null,
      "a string row",
      {
        id: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/nullprops",
        type: "microsoft.sql/managedinstances",
        properties: null,
      },
      {
        id: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/wrongtypes",
        type: "microsoft.sql/managedinstances",
        properties: { publicDataEndpointEnabled: "maybe", minimalTlsVersion: { v: 1 }, subnetId: 7 },
      },
    ];
    const run = runCli([
      "scan",
      "--snapshot",
      file("badrows.json", JSON.stringify({ count: 5, data: rows, skip_token: null, total_records: 5 })),
      "--format",
      "json",
      "--fail-on",
      "critical",
    ]);
    // The wrongtypes MI's public endpoint cannot be read, so a critical verdict is unknown: could not verify.
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/could not verify: .*mi\.public-endpoint\.untrusted-source \(critical\)/);
    expect(run.stderr).toMatch(/row 0: .*no id/);
    expect(run.stderr).toMatch(/row 1: expected an object, found null/);
    expect(run.stderr).toMatch(/wrongtypes: properties.publicDataEndpointEnabled/);
    const report = JSON.parse(run.stdout);
    const wrong = report.findings.filter((f: { resourceName: string }) => f.resourceName === "wrongtypes");
    expect(wrong.find((f: { ruleId: string }) => f.ruleId === "mi.public-endpoint.untrusted-source").status).toBe(
      "unknown",
    );
    expect(wrong.find((f: { ruleId: string }) => f.ruleId === "mi.tls.minimum-version").status).toBe("unknown");
    expect(report.findings.filter((f: { status: string }) => f.status === "pass")).toEqual(
      expect.not.arrayContaining([
        expect.objectContaining({ resourceName: "nullprops", ruleId: "mi.public-endpoint.untrusted-source" }),
      ]),
    );
  });
});

describe("mi-audit rules", () => {
  it("prints the catalog as markdown, and docs/rules.md is up to date", () => {
    const run = runCli(["rules", "--format", "markdown"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("## mi.public-endpoint.untrusted-source");
    expect(run.stdout).toContain("### Recommendation");
    expect(readFileSync(join(__dirname, "..", "..", "docs", "rules.md"), "utf8")).toBe(run.stdout);
  });
});
