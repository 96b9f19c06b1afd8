// The exposure rules end to end on small estates written from Microsoft's documented NSG behaviour (five-tuple match,
// first match by priority, the client picks its source port; rules hold IPv4 or IPv6, never both). The case the issue
// opened with: 3342 open to every Internet client, written with a source-port condition, must fail and stop the gate.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findingsFor, verdict } from "../support/evaluate";
import { ids, miRow, nsgRow, siteRow, vnetRow, type Row, type RuleSpec } from "../support/rows";
import { runCli } from "../support/run-cli";
import type { Status } from "../../src/rules/rule";

const miSubnet = ids.subnet("vnet-mi", "snet-mi");

/** A public-endpoint MI whose subnet's NSG holds `rules` (inbound, TCP), plus 1433 rules when given. */
function estate(rules: RuleSpec[]): Row[] {
  return [
    vnetRow("vnet-mi", ["10.1.0.0/16"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: "Microsoft.Sql/managedInstances", nsg: ids.nsg("nsg-mi") }], []),
    nsgRow("nsg-mi", rules, { subnets: [miSubnet] }),
    miRow("sqlmi-1", miSubnet, { publicDataEndpointEnabled: true }),
  ];
}

const sourcePorts = (ports: string) => ({ sourcePortRange: ports });

describe("mi.public-endpoint.untrusted-source and nsg.sql-inbound-internet decide source ports and complements", () => {
  it.each<{ name: string; rules: RuleSpec[]; mi: Status; nsg: Status; message?: string }>([
    {
      name: "Allow Internet on 3342 and 1433 from client ports 1024-65535: every client picks one",
      rules: [
        { name: "AllowInternet3342", priority: 100, source: "Internet", ports: "3342", extra: sourcePorts("1024-65535") },
        { name: "AllowInternet1433", priority: 110, source: "Internet", ports: "1433", extra: sourcePorts("1024-65535") },
      ],
      mi: "fail",
      nsg: "fail",
      message: "from source ports 1024-65535 via rule AllowInternet3342",
    },
    {
      name: "a Deny on low client ports before Allow Internet protects nobody",
      rules: [
        { name: "DenyLowPorts", priority: 100, access: "Deny", ports: ["1433", "3342"], extra: sourcePorts("0-1023") },
        { name: "AllowInternet", priority: 200, source: "Internet", ports: ["1433", "3342"] },
      ],
      mi: "fail",
      nsg: "fail",
    },
    {
      name: "Deny 0.0.0.0/0 and Deny ::/0 before an Allow of AzureCloud close every tag",
      rules: [
        { name: "AllowPartner", priority: 100, source: "203.0.113.0/24", ports: ["1433", "3342"] },
        { name: "DenyAllV4", priority: 200, access: "Deny", source: "0.0.0.0/0", ports: ["1433", "3342"] },
        { name: "DenyAllV6", priority: 210, access: "Deny", source: "::/0", ports: ["1433", "3342"] },
        { name: "AllowAzureCloud", priority: 300, source: "AzureCloud", ports: ["1433", "3342"] },
      ],
      mi: "pass",
      nsg: "pass",
    },
    {
      name: "only IPv4 denied before an Allow of AzureCloud: its IPv6 addresses may get in",
      rules: [
        { name: "DenyAllV4", priority: 200, access: "Deny", source: "0.0.0.0/0", ports: ["1433", "3342"] },
        { name: "AllowAzureCloud", priority: 300, source: "AzureCloud", ports: ["1433", "3342"] },
      ],
      mi: "unknown",
      nsg: "unknown",
    },
  ])("$name", ({ rules, mi, nsg, message }) => {
    const findings = findingsFor(estate(rules), { trusted: ["203.0.113.0/24"] });
    const exposure = verdict(findings, "mi.public-endpoint.untrusted-source", "sqlmi-1");
    expect(exposure.status).toBe(mi);
    expect(verdict(findings, "nsg.sql-inbound-internet", "nsg-mi").status).toBe(nsg);
    if (message !== undefined) expect(exposure.message).toContain(message);
  });

  it("the gate fails (exit 1) on the source-port exposure, where it used to pass as unknown", () => {
    const dir = mkdtempSync(join(tmpdir(), "mi-audit-srcport-"));
    const file = join(dir, "estate.json");
    writeFileSync(file, JSON.stringify(estate([{ name: "AllowInternet3342", priority: 100, source: "Internet", ports: "3342", extra: sourcePorts("1024-65535") }])));
    const run = runCli(["scan", "--snapshot", file, "--fail-on", "critical", "--format", "json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: { ruleId: string; status: string; evidence: Record<string, unknown> }[] };
    const finding = report.findings.find((f) => f.ruleId === "mi.public-endpoint.untrusted-source")!;
    expect(finding.status).toBe("fail");
    expect(finding.evidence["exampleSourcePorts"]).toBe("1024-65535");
  });
});

describe("nsg.app-subnet.sql-outbound: the app's stack picks an ephemeral source port", () => {
  const appSubnet = ids.subnet("vnet-shared", "snet-app");
  const sharedVnet = (nsgRules: RuleSpec[]): Row[] => [
    vnetRow("vnet-shared", ["10.1.0.0/16"], [
      { name: "snet-mi", prefix: "10.1.0.0/24", delegation: "Microsoft.Sql/managedInstances" },
      { name: "snet-app", prefix: "10.1.1.0/24", nsg: ids.nsg("nsg-app") },
    ], []),
    nsgRow("nsg-app", nsgRules, { subnets: [appSubnet] }),
    miRow("sqlmi-1", ids.subnet("vnet-shared", "snet-mi"), { publicDataEndpointEnabled: false }),
    siteRow("app1", { virtualNetworkSubnetId: appSubnet }),
  ];
  const outbound = (name: string, priority: number, access: "Allow" | "Deny", sourcePortRange: string): RuleSpec => ({
    name,
    priority,
    access,
    direction: "Outbound",
    destination: "10.1.0.0/24",
    ports: "1433",
    extra: { sourcePortRange },
  });

  it.each<{ name: string; rules: RuleSpec[]; status: Status; message?: string }>([
    {
      name: "a Deny on Windows' ephemeral range fails, naming the source ports whose connections fail",
      rules: [outbound("DenyEphemeral", 100, "Deny", "49152-65535")],
      status: "fail",
      message: "for connections from source ports 49152-65535",
    },
    { name: "a Deny on well-known source ports only never meets an ephemeral port", rules: [outbound("DenyLowPorts", 100, "Deny", "0-1023")], status: "pass" },
  ])("$name", ({ rules, status, message }) => {
    const finding = verdict(findingsFor(sharedVnet(rules)), "nsg.app-subnet.sql-outbound", "snet-app");
    expect(finding.status).toBe(status);
    if (message !== undefined) expect(finding.message).toContain(message);
  });
});
