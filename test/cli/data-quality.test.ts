// Malformed values through the CLI on a snapshot, as a user meets them: each one is a warning on stderr that names
// the resource and the field, it is counted in run.dataQuality, and the verdict that depends on it is never a pass.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ids, miRow, nsgRow, securityRule, vnetRow, type Row } from "../support/rows";
import { runMain } from "./in-process-cli";

function snapshot(name: string, rows: Row[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "mi-audit-dq-")), `${name}.json`);
  writeFileSync(path, JSON.stringify(rows));
  return path;
}

/** Two MIs with public endpoints: one behind a Deny whose port is malformed, one behind a Deny whose prefix is. */
function malformedEstate(): string {
  const nsg = (name: string, deny: Row): Row =>
    nsgRow(name, [
      deny,
      securityRule({ name: "allow-internet-3342", priority: 200, source: "Internet", ports: "3342" }),
    ]);
  return snapshot("malformed", [
    vnetRow(
      "vnet-a",
      ["10.1.0.0/24"],
      [
        {
          name: "snet-a",
          prefix: "10.1.0.0/24",
          nsg: ids.nsg("nsg-port"),
          delegation: "Microsoft.Sql/managedInstances",
        },
      ],
    ),
    vnetRow(
      "vnet-b",
      ["10.2.0.0/24"],
      [
        {
          name: "snet-b",
          prefix: "10.2.0.0/24",
          nsg: ids.nsg("nsg-prefix"),
          delegation: "Microsoft.Sql/managedInstances",
        },
      ],
    ),
    nsg(
      "nsg-port",
      securityRule({ name: "deny-internet", priority: 100, access: "Deny", source: "Internet", ports: "33a42" }),
    ),
    nsg(
      "nsg-prefix",
      securityRule({
        name: "deny-range",
        priority: 100,
        access: "Deny",
        source: ["10.0.0.300/24", "Internet"],
        ports: "3342",
      }),
    ),
    miRow("mi-port", ids.subnet("vnet-a", "snet-a"), { publicDataEndpointEnabled: true }),
    miRow("mi-prefix", ids.subnet("vnet-b", "snet-b"), { publicDataEndpointEnabled: true }),
  ]);
}

describe("malformed ports and prefixes in NSG rules", () => {
  const file = malformedEstate();

  it("warn on stderr naming the resource and the field", async () => {
    const run = await runMain(["scan", "--snapshot", file]);
    expect(run.stderr).toMatch(
      /^warning: \/subscriptions\/.*\/networkSecurityGroups\/nsg-port: properties\.securityRules\[0\]\.properties\.destinationPortRange: '33a42' is not a valid port range.*rule deny-internet/m,
    );
    expect(run.stderr).toMatch(
      /^warning: \/subscriptions\/.*\/networkSecurityGroups\/nsg-prefix: properties\.securityRules\[0\]\.properties\.sourceAddressPrefixes\[0\]: '10\.0\.0\.300\/24' is not a valid IP prefix/m,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toMatch(/Data quality: 2 warning\(s\)/);
  });

  it("are counted in run.dataQuality, and the verdicts they decide are unknown, never pass", async () => {
    const run = await runMain(["scan", "--snapshot", file, "--format", "json"]);
    const report = JSON.parse(run.stdout) as {
      run: { dataQuality: { warnings: number; sample: string[] } };
      findings: { ruleId: string; resourceName: string; status: string; message: string }[];
    };
    expect(report.run.dataQuality.warnings).toBe(2);
    expect(report.run.dataQuality.sample).toEqual([
      expect.stringContaining("'33a42'"),
      expect.stringContaining("'10.0.0.300/24'"),
    ]);
    const exposure = (mi: string) =>
      report.findings.find((f) => f.ruleId === "mi.public-endpoint.untrusted-source" && f.resourceName === mi)!;
    // The Deny with port 33a42 may or may not cover 3342; the Allow at 200 admits the Internet if it does not.
    expect(exposure("mi-port").status).toBe("unknown");
    // The prefix Deny also lists Internet, which Azure would still deny: the malformed entry changes nothing the verdict
    // needs, so it is decided; the warning is there all the same.
    expect(exposure("mi-prefix").status).toBe("pass");
  });
});

describe("values of the wrong type in a snapshot", () => {
  it("are converted with a warning where the meaning is not in doubt, and counted", async () => {
    const file = snapshot("typed", [
      vnetRow(
        "vnet-a",
        ["10.1.0.0/24"],
        [
          {
            name: "snet-a",
            prefix: "10.1.0.0/24",
            nsg: ids.nsg("nsg-a"),
            delegation: "Microsoft.Sql/managedInstances",
          },
        ],
      ),
      nsgRow("nsg-a", [
        securityRule({
          name: "allow-internet-3342",
          priority: 100,
          source: "Internet",
          ports: "0",
          extra: { priority: "100", destinationPortRange: 3342 },
        }),
      ]),
      miRow("mi-a", ids.subnet("vnet-a", "snet-a"), { publicDataEndpointEnabled: "true" }),
    ]);
    const run = await runMain(["scan", "--snapshot", file, "--format", "json"]);
    const report = JSON.parse(run.stdout) as {
      run: { dataQuality: { warnings: number } };
      findings: { ruleId: string; status: string }[];
    };
    expect(report.run.dataQuality.warnings).toBe(3);
    expect(run.stderr).toMatch(
      /nsg-a: properties\.securityRules\[0\]\.properties\.priority: expected a number, found the string "100"; read as 100/,
    );
    expect(run.stderr).toMatch(
      /nsg-a: properties\.securityRules\[0\]\.properties\.destinationPortRange: expected a string, found number 3342; read as "3342"/,
    );
    expect(run.stderr).toMatch(
      /mi-a: properties\.publicDataEndpointEnabled: expected a boolean, found the string "true"; read as true/,
    );
    // Converted, the Allow admits the Internet on 3342: a critical failure, exit 1.
    expect(report.findings.find((f) => f.ruleId === "mi.public-endpoint.untrusted-source")!.status).toBe("fail");
    expect(run.code).toBe(1);
  });
});
