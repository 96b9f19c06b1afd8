// mi.public-endpoint.stale-nsg-opening: public-endpoint-configure.md turns the endpoint on in two steps (the instance
// admin's setting, a network admin's inbound Allow for TCP 3342 "higher priority than deny_all_inbound", source "Any IP
// address or Service tag", e.g. AzureCloud for Power BI) and, for turning it off, says to close the NSG for inbound
// port 3342 as well. So: endpoint off and 3342 still admitted from untrusted sources → fail; endpoint on → n/a (the
// untrusted-source rule judges 3342 then); no NSG → n/a (mi.subnet.nsg-missing). The NSG semantics are those of
// network-security-groups-overview.md: first match by priority, defaults last, the client picks its source port.
import { describe, expect, it } from "vitest";
import { SUB2, ids, miRow, nsgRow, vnetRow, type Row, type RuleSpec } from "../../support/rows";
import { findingsFor } from "../../support/evaluate";
import { findRule } from "../../../src/rules/catalog";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { MI_DELEGATION, miNsg, miSubnet, privateMi, publicMi, asgSource } from "./mi-estates";

const RULE = "mi.public-endpoint.stale-nsg-opening";

/** The MI of publicMi, with the public endpoint turned off and the NSG left as it was. */
const disabledMi = (rules: unknown[], miProps: Row = {}) =>
  publicMi(rules, { publicDataEndpointEnabled: false, ...miProps });
const allow3342 = (name: string, priority: number, source: string | string[], extra: Partial<RuleSpec> = {}) => ({
  name,
  priority,
  source,
  ports: "3342",
  ...extra,
});

const cases: VerdictCase[] = [
  // The page's own rule, left behind after the endpoint was turned off.
  {
    name: "the page's AzureCloud rule at 1300, endpoint off",
    resource: "mi1",
    status: "fail",
    rows: disabledMi([allow3342("public_endpoint_inbound", 1300, "AzureCloud")]),
    message: ["disabled", "public_endpoint_inbound", "priority 1300", "remove"],
    evidence: {
      publicDataEndpointEnabled: false,
      port: 3342,
      decidingRule: expect.objectContaining({ name: "public_endpoint_inbound", priority: 1300 }),
      exampleUntrustedSource: "AzureCloud",
    },
  },
  {
    name: "Any source on 3342, endpoint off",
    resource: "mi1",
    status: "fail",
    rows: disabledMi([allow3342("allow-any", 1300, "*")]),
  },
  {
    name: "Internet on a range that ends at 3342",
    resource: "mi1",
    status: "fail",
    rows: disabledMi([{ name: "allow-range", priority: 200, source: "Internet", ports: "3000-3342" }]),
  },
  {
    name: "Internet on a range that stops at 3341 (near miss)",
    resource: "mi1",
    status: "pass",
    rows: disabledMi([{ name: "allow-near", priority: 200, source: "Internet", ports: ["3341", "3343-3400"] }]),
  },
  {
    name: "a source-port condition restricts nothing: the client picks its port",
    resource: "mi1",
    status: "fail",
    rows: disabledMi([allow3342("allow-high", 200, "Internet", { extra: { sourcePortRange: "1024-65535" } })]),
    evidence: { exampleSourcePorts: "1024-65535" },
  },
  {
    name: "UDP 3342 only: the endpoint is TCP",
    resource: "mi1",
    status: "pass",
    rows: disabledMi([allow3342("allow-udp", 200, "*", { protocol: "Udp" })]),
  },
  {
    name: "IPv6 ::/0 on 3342",
    resource: "mi1",
    status: "fail",
    rows: disabledMi([allow3342("allow-v6", 200, "::/0")]),
  },
  {
    name: "defaults only: DenyAllInBound closes 3342",
    resource: "mi1",
    status: "pass",
    rows: disabledMi([]),
    evidence: { decidingRule: expect.objectContaining({ name: "DenyAllInBound", priority: 65500 }) },
    message: ["disabled", "no untrusted source"],
  },
  {
    name: "a Deny at 300 shadows the leftover Allow at 1300",
    resource: "mi1",
    status: "pass",
    rows: disabledMi([
      { name: "deny-3342", priority: 300, access: "Deny", ports: "3342" },
      allow3342("public_endpoint_inbound", 1300, "*"),
    ]),
    evidence: { decidingRule: expect.objectContaining({ name: "deny-3342", priority: 300 }) },
  },
  {
    name: "the leftover Allow at 200 beats a Deny at 300",
    resource: "mi1",
    status: "fail",
    rows: disabledMi([
      allow3342("public_endpoint_inbound", 200, "*"),
      { name: "deny-3342", priority: 300, access: "Deny", ports: "3342" },
    ]),
  },
  {
    name: "an opening for trusted sources only is not stale exposure",
    resource: "mi1",
    status: "pass",
    trusted: ["198.51.100.0/24"],
    rows: disabledMi([allow3342("allow-office", 200, "198.51.100.0/24")]),
  },
  {
    name: "VirtualNetwork on 3342 admits only the estate's own network",
    resource: "mi1",
    status: "pass",
    rows: disabledMi([allow3342("allow-vnet", 200, "VirtualNetwork")]),
  },
  {
    name: "a range wider than the trusted prefix",
    resource: "mi1",
    status: "fail",
    trusted: ["198.51.100.0/24"],
    rows: disabledMi([allow3342("allow-office", 200, "198.51.100.0/23")]),
  },
  {
    name: "endpoint on: mi.public-endpoint.untrusted-source judges 3342",
    resource: "mi1",
    status: "notApplicable",
    rows: publicMi([allow3342("allow-any", 200, "*")]),
    message: ["mi.public-endpoint.untrusted-source"],
    evidence: { publicDataEndpointEnabled: true },
  },
  {
    name: "no NSG on the subnet: mi.subnet.nsg-missing reports it",
    resource: "mi1",
    status: "notApplicable",
    rows: privateMi(),
    message: ["no NSG", "mi.subnet.nsg-missing"],
    evidence: { nsg: null },
  },
  {
    name: "ASG source: membership unknown",
    resource: "mi1",
    status: "unknown",
    rows: disabledMi([{ name: "allow-asg", priority: 200, source: [], ports: "3342", extra: asgSource }]),
  },
  {
    name: "flag missing",
    resource: "mi1",
    status: "unknown",
    rows: disabledMi([allow3342("allow-any", 200, "*")], { publicDataEndpointEnabled: undefined }),
    message: ["publicDataEndpointEnabled is missing"],
  },
  {
    name: "flag malformed",
    resource: "mi1",
    status: "unknown",
    rows: disabledMi([], { publicDataEndpointEnabled: "maybe" }),
  },
  {
    name: "subnet not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet)],
    message: ["not in the audited estate"],
  },
  {
    name: "MI without subnetId",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", undefined)],
  },
  {
    name: "NSG referenced but not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: [
      vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: miNsg }]),
      miRow("mi1", miSubnet),
    ],
    message: ["not in the audited estate"],
  },
  { name: "null rule in the NSG", resource: "mi1", status: "unknown", rows: disabledMi([null]) },
  {
    name: "malformed source prefix on the 3342 rule",
    resource: "mi1",
    status: "unknown",
    rows: disabledMi([allow3342("allow-bad", 200, "203.0.113.0/33")]),
  },
  {
    name: "NSGs unreadable in this subscription: no pass",
    resource: "mi1",
    status: "unknown",
    rows: disabledMi([]),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], reason: "HTTP 500 after 5 retries" }],
    message: ["could not be read"],
  },
  {
    name: "NSGs unreadable in another subscription only",
    resource: "mi1",
    status: "pass",
    rows: disabledMi([]),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], subscriptionIds: [SUB2], reason: "403" }],
  },
  {
    name: "the NSG lives in another subscription (ids in another case)",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/24"],
        [
          {
            name: "snet-mi",
            prefix: "10.1.0.0/24",
            nsg: ids.nsg("nsg-hub", SUB2).toUpperCase(),
            delegation: MI_DELEGATION,
          },
        ],
      ),
      nsgRow("nsg-hub", [allow3342("public_endpoint_inbound", 1300, "Internet")], { sub: SUB2 }),
      miRow("mi1", miSubnet.toLowerCase()),
    ],
    // The evidence names the NSG by its own id, as its row writes it.
    evidence: { nsg: ids.nsg("nsg-hub", SUB2) },
  },
];

verdictTable("mi.public-endpoint.stale-nsg-opening", cases);

describe(`${RULE} and mi.public-endpoint.untrusted-source`, () => {
  // One NSG, the endpoint on then off: exactly one of the two rules judges 3342, and both read the NSG the same way.
  const rulesets: [string, unknown[]][] = [
    ["open to AzureCloud", [allow3342("public_endpoint_inbound", 1300, "AzureCloud")]],
    ["closed", []],
    ["shadowed", [{ name: "deny", priority: 100, access: "Deny", ports: "*" }, allow3342("allow", 200, "*")]],
    ["ASG", [{ name: "allow-asg", priority: 200, source: [], ports: "3342", extra: asgSource }]],
  ];
  it.each(rulesets)(
    "%s: the stale verdict with the endpoint off is the untrusted-source verdict with it on",
    (_n, rules) => {
      const on = findingsFor(publicMi(rules)).find((f) => f.ruleId === "mi.public-endpoint.untrusted-source");
      const off = findingsFor(disabledMi(rules)).find((f) => f.ruleId === RULE);
      expect(off?.status).toBe(on?.status);
      const onAgain = findingsFor(publicMi(rules)).find((f) => f.ruleId === RULE);
      expect(onAgain?.status).toBe("notApplicable");
    },
  );
});

describe("mi.public-endpoint.stale-nsg-opening metadata", () => {
  // Not in FRAMEWORKS.md: NS-2 (the public endpoint's network control) and NS-1 (the NSG boundary), no CIS item.
  it("is medium, quotes no seed passage, cites today's pages and states its controls", () => {
    const rule = findRule("mi.public-endpoint.stale-nsg-opening")!;
    expect(rule.severity).toBe("medium");
    expect(rule.source).toBeUndefined();
    expect(rule.guidance.length).toBeGreaterThan(0);
    for (const entry of rule.guidance) expect(entry.page.url).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\//);
    expect(rule.controls).toEqual([
      { mcsb: "NS-2", relation: "related" },
      { mcsb: "NS-1", relation: "related" },
    ]);
  });
});
