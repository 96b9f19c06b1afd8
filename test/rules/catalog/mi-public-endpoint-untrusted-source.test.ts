// mi.public-endpoint.untrusted-source: inbound TCP 3342 to a public-endpoint MI only from well-known sources.
// Microsoft's semantics used here: the NSG matches the five-tuple and the first rule by priority wins; the client
// picks its source port; a rule holds IPv4 or IPv6 prefixes, never both; AzureCloud and other shared tags are
// addresses anyone can rent, so never "well-known" (seed 001, public-endpoint-overview.md, network-security-groups-overview).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { miRow, nsgRow, publicIpRow, vnetRow, type Row, type RuleSpec } from "../../support/rows";
import { runCli } from "../../support/run-cli";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { MI_DELEGATION, miNsg, miSubnet, privateMi, publicMi, asgSource } from "./mi-estates";

const allow3342 = (name: string, priority: number, source: string | string[]) => ({
  name,
  priority,
  source,
  ports: "3342",
});
const deny3342 = (name: string, priority: number, source: string | string[] = "*") => ({
  name,
  priority,
  access: "Deny" as const,
  source,
  ports: "3342",
});
const sourcePorts = (ports: string) => ({ sourcePortRange: ports });

/** A public-endpoint MI in a /16 whose subnet's NSG (associated from both sides) holds `rules`; resource sqlmi-1. */
function sqlmi1(rules: RuleSpec[]): Row[] {
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/16"],
      [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION, nsg: miNsg }],
      [],
    ),
    nsgRow("nsg-mi", rules, { subnets: [miSubnet] }),
    miRow("sqlmi-1", miSubnet, { publicDataEndpointEnabled: true }),
  ];
}

const cases: VerdictCase[] = [
  {
    name: "public endpoint off",
    resource: "mi1",
    status: "notApplicable",
    rows: privateMi(),
    evidence: { publicDataEndpointEnabled: false },
  },
  {
    name: "public endpoint off, even with 3342 open to *",
    resource: "mi1",
    status: "notApplicable",
    rows: publicMi([allow3342("allow-all", 200, "*")], { publicDataEndpointEnabled: false }),
  },
  {
    name: "defaults only: 3342 closed",
    resource: "mi1",
    status: "pass",
    rows: publicMi([]),
    evidence: { decidingRule: expect.objectContaining({ name: "DenyAllInBound", priority: 65500 }) },
  },
  {
    name: "Internet allowed",
    resource: "mi1",
    status: "fail",
    rows: publicMi([allow3342("allow-internet", 200, "Internet")]),
    message: ["allow-internet", "priority 200"],
    evidence: { decidingRule: expect.objectContaining({ name: "allow-internet", priority: 200 }) },
  },
  {
    name: "* allowed via port range",
    resource: "mi1",
    status: "fail",
    rows: publicMi([{ name: "allow-range", priority: 200, source: "*", ports: "3300-3400" }]),
  },
  {
    name: "range that ends exactly at 3342",
    resource: "mi1",
    status: "fail",
    rows: publicMi([{ name: "allow-range", priority: 200, source: "*", ports: "3000-3342" }]),
  },
  {
    name: "range that misses 3342 (near miss)",
    resource: "mi1",
    status: "pass",
    rows: publicMi([{ name: "allow-near", priority: 200, source: "*", ports: ["3341", "3343-3400"] }]),
  },
  {
    name: "3342 in the plural destinationPortRanges",
    resource: "mi1",
    status: "fail",
    rows: publicMi([{ name: "allow-list", priority: 200, source: "Internet", ports: ["1433", "3342"] }]),
  },
  {
    name: "Allow * on every port",
    resource: "mi1",
    status: "fail",
    rows: publicMi([{ name: "allow-any", priority: 200, source: "*", ports: "*" }]),
  },
  {
    name: "UDP 3342 only: the endpoint is TCP",
    resource: "mi1",
    status: "pass",
    rows: publicMi([{ ...allow3342("allow-udp", 200, "*"), protocol: "Udp" }]),
  },
  {
    name: "protocol * includes TCP",
    resource: "mi1",
    status: "fail",
    rows: publicMi([{ ...allow3342("allow-any-proto", 200, "*"), protocol: "*" }]),
  },
  {
    name: "an outbound Allow admits nothing",
    resource: "mi1",
    status: "pass",
    rows: publicMi([{ ...allow3342("allow-out", 200, "*"), direction: "Outbound" }]),
  },
  {
    name: "destination is another subnet",
    resource: "mi1",
    status: "pass",
    rows: publicMi([{ ...allow3342("allow-elsewhere", 200, "*"), destination: "10.9.0.0/24" }]),
  },
  { name: "IPv6 ::/0 allowed", resource: "mi1", status: "fail", rows: publicMi([allow3342("allow-v6", 200, "::/0")]) },
  {
    name: "VirtualNetwork of a dedicated VNet is trusted",
    resource: "mi1",
    status: "pass",
    rows: publicMi([allow3342("allow-vnet", 200, "VirtualNetwork")]),
  },
  {
    name: "AzureCloud tag is untrusted",
    resource: "mi1",
    status: "fail",
    rows: publicMi([allow3342("allow-azure", 200, "AzureCloud")]),
    evidence: { exampleUntrustedSource: "AzureCloud" },
  },
  {
    name: "configured trusted prefix",
    resource: "mi1",
    status: "pass",
    trusted: ["198.51.100.0/24"],
    rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/25")]),
  },
  {
    name: "exactly the trusted prefix",
    resource: "mi1",
    status: "pass",
    trusted: ["198.51.100.0/24"],
    rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/24")]),
  },
  {
    name: "range wider than trusted prefix",
    resource: "mi1",
    status: "fail",
    trusted: ["198.51.100.0/24"],
    rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/23")]),
  },
  {
    name: "plural sources: one trusted, one not",
    resource: "mi1",
    status: "fail",
    trusted: ["198.51.100.0/24"],
    rows: publicMi([allow3342("allow-two", 200, ["198.51.100.0/24", "203.0.113.0/24"])]),
  },
  {
    name: "owned public IP trusted",
    resource: "mi1",
    status: "pass",
    rows: [...publicMi([allow3342("allow-nat", 200, "20.1.2.3")]), publicIpRow("pip-nat", "20.1.2.3")],
  },
  {
    name: "owned public IP not trusted with --no-trust-owned-ips",
    resource: "mi1",
    status: "fail",
    trustOwned: false,
    rows: [...publicMi([allow3342("allow-nat", 200, "20.1.2.3")]), publicIpRow("pip-nat", "20.1.2.3")],
  },
  {
    name: "Deny at 300 shadows Allow at 4000",
    resource: "mi1",
    status: "pass",
    rows: publicMi([deny3342("deny-all", 300), allow3342("allow-all", 4000, "*")]),
    evidence: { decidingRule: expect.objectContaining({ name: "deny-all", priority: 300 }) },
  },
  {
    name: "Allow at 200 beats Deny at 300",
    resource: "mi1",
    status: "fail",
    rows: publicMi([allow3342("allow-all", 200, "*"), deny3342("deny-all", 300)]),
  },
  {
    name: "ASG source is uncertain",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([{ name: "allow-asg", priority: 200, source: [], ports: "3342", extra: asgSource }]),
  },
  {
    name: "ASG Allow followed by Allow * is still a certain fail",
    resource: "mi1",
    status: "fail",
    rows: publicMi([
      { name: "allow-asg", priority: 200, source: [], ports: "3342", extra: asgSource },
      allow3342("allow-all", 300, "*"),
    ]),
  },
  {
    name: "subnet without NSG",
    resource: "mi1",
    status: "fail",
    rows: privateMi({ publicDataEndpointEnabled: true }),
    message: ["no NSG"],
    evidence: { nsg: null, exampleUntrustedSource: "Internet" },
  },
  {
    name: "subnet not in estate",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: true })],
    message: ["not in the audited estate"],
  },
  {
    name: "MI without subnetId",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", undefined, { publicDataEndpointEnabled: true })],
  },
  {
    name: "NSG referenced but missing",
    resource: "mi1",
    status: "unknown",
    rows: [
      vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: miNsg }]),
      miRow("mi1", miSubnet, { publicDataEndpointEnabled: true }),
    ],
  },
  { name: "null rule in NSG", resource: "mi1", status: "unknown", rows: publicMi([null]) },
  { name: "string rule in NSG", resource: "mi1", status: "unknown", rows: publicMi(["allow everything"]) },
  {
    name: "malformed source CIDR",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([allow3342("allow-bad", 200, "203.0.113.0/33")]),
  },
  {
    name: "malformed public flag",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([], { publicDataEndpointEnabled: "yes please" }),
  },
  {
    name: "public flag missing",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([], { publicDataEndpointEnabled: undefined }),
    message: ["publicDataEndpointEnabled is missing"],
  },
  {
    name: "NSG unreadable in this subscription",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([]),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], reason: "HTTP 500 after 5 retries" }],
    message: ["could not be read"],
  },
  {
    name: "NSG unreadable in another subscription only",
    resource: "mi1",
    status: "pass",
    rows: publicMi([]),
    gaps: [
      {
        types: ["microsoft.network/networksecuritygroups"],
        subscriptionIds: ["22222222-2222-2222-2222-222222222222"],
        reason: "403",
      },
    ],
  },

  // Source ports and complements (from the issue that opened with 3342 open to every client, written with a
  // source-port condition). The client picks its source port, so a source-port condition restricts nothing.
  {
    name: "Allow Internet on 3342 from client ports 1024-65535: every client picks one",
    resource: "sqlmi-1",
    status: "fail",
    trusted: ["203.0.113.0/24"],
    rows: sqlmi1([
      { name: "AllowInternet3342", priority: 100, source: "Internet", ports: "3342", extra: sourcePorts("1024-65535") },
      { name: "AllowInternet1433", priority: 110, source: "Internet", ports: "1433", extra: sourcePorts("1024-65535") },
    ]),
    message: ["from source ports 1024-65535 via rule AllowInternet3342"],
    evidence: { exampleSourcePorts: "1024-65535" },
  },
  {
    name: "a Deny on low client ports before Allow Internet protects nobody",
    resource: "sqlmi-1",
    status: "fail",
    trusted: ["203.0.113.0/24"],
    rows: sqlmi1([
      { name: "DenyLowPorts", priority: 100, access: "Deny", ports: ["1433", "3342"], extra: sourcePorts("0-1023") },
      { name: "AllowInternet", priority: 200, source: "Internet", ports: ["1433", "3342"] },
    ]),
  },
  {
    name: "Deny 0.0.0.0/0 and Deny ::/0 before an Allow of AzureCloud close every tag",
    resource: "sqlmi-1",
    status: "pass",
    trusted: ["203.0.113.0/24"],
    rows: sqlmi1([
      { name: "AllowPartner", priority: 100, source: "203.0.113.0/24", ports: ["1433", "3342"] },
      { name: "DenyAllV4", priority: 200, access: "Deny", source: "0.0.0.0/0", ports: ["1433", "3342"] },
      { name: "DenyAllV6", priority: 210, access: "Deny", source: "::/0", ports: ["1433", "3342"] },
      { name: "AllowAzureCloud", priority: 300, source: "AzureCloud", ports: ["1433", "3342"] },
    ]),
  },
  {
    name: "only IPv4 denied before an Allow of AzureCloud: its IPv6 addresses may get in",
    resource: "sqlmi-1",
    status: "unknown",
    trusted: ["203.0.113.0/24"],
    rows: sqlmi1([
      { name: "DenyAllV4", priority: 200, access: "Deny", source: "0.0.0.0/0", ports: ["1433", "3342"] },
      { name: "AllowAzureCloud", priority: 300, source: "AzureCloud", ports: ["1433", "3342"] },
    ]),
  },
];

verdictTable("mi.public-endpoint.untrusted-source", cases);

describe("mi.public-endpoint.untrusted-source at the gate", () => {
  it("the gate fails (exit 1) on the source-port exposure, where it used to pass as unknown", () => {
    const dir = mkdtempSync(join(tmpdir(), "mi-audit-srcport-"));
    const file = join(dir, "estate.json");
    writeFileSync(
      file,
      JSON.stringify(
        sqlmi1([
          {
            name: "AllowInternet3342",
            priority: 100,
            source: "Internet",
            ports: "3342",
            extra: sourcePorts("1024-65535"),
          },
        ]),
      ),
    );
    const run = runCli(["scan", "--snapshot", file, "--fail-on", "critical", "--format", "json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      findings: { ruleId: string; status: string; evidence: Record<string, unknown> }[];
    };
    const finding = report.findings.find((f) => f.ruleId === "mi.public-endpoint.untrusted-source")!;
    expect(finding.status).toBe("fail");
    expect(finding.evidence["exampleSourcePorts"]).toBe("1024-65535");
  });
});
