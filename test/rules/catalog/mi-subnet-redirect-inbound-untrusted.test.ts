// mi.subnet.redirect-inbound-untrusted: connection-types-overview.md — with redirect, clients connect to the node that
// hosts the database directly, and the NSG must allow inbound 1433 and the port range 11000-11999 (not 12000). The NSG
// is read as network-security-groups-overview.md says: rules of one direction in priority order, first match decides,
// default rules last (DenyAllInBound at 65500), the five-tuple includes the client's source port. Every MI sits in a
// subnet: a subnet we cannot find is missing data (unknown); a subnet without NSG is mi.subnet.nsg-missing's (n/a).
import { describe, expect, it } from "vitest";
import { SUB1, SUB2, ids, miRow, nsgRow, vnetRow, type Row, type RuleSpec } from "../../support/rows";
import { findingsFor, verdict } from "../../support/evaluate";
import { findRule } from "../../../src/rules/catalog";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { MI_DELEGATION, miNsg, miSubnet, privateMi, publicMi, asgSource } from "./mi-estates";

const RULE = "mi.subnet.redirect-inbound-untrusted";

/** The MI of publicMi with the public endpoint off: the redirect range does not depend on it. */
const mi = (rules: unknown[], miProps: Row = {}) => publicMi(rules, { publicDataEndpointEnabled: false, ...miProps });
const allow = (
  name: string,
  priority: number,
  source: string | string[],
  ports: string | string[],
  extra: Partial<RuleSpec> = {},
) => ({
  name,
  priority,
  source,
  ports,
  ...extra,
});

const cases: VerdictCase[] = [
  {
    name: "defaults only: DenyAllInBound closes the range",
    resource: "mi1",
    status: "pass",
    rows: mi([]),
    evidence: { ports: "11000-11999", decidingRule: expect.objectContaining({ name: "DenyAllInBound" }) },
  },
  {
    name: "the range opened to VirtualNetwork, as redirect needs",
    resource: "mi1",
    status: "pass",
    rows: mi([allow("allow_redirect_inbound", 1100, "VirtualNetwork", "11000-11999")]),
  },
  {
    name: "the range opened to Internet",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow_redirect_internet", 1100, "Internet", "11000-11999")]),
    message: ["mi1", "allow_redirect_internet", "priority 1100", "11000-11999"],
    evidence: {
      ports: "11000-11999",
      admitted: [
        expect.objectContaining({
          ports: "11000-11999",
          verdict: "exposed",
          rule: expect.objectContaining({ name: "allow_redirect_internet", priority: 1100 }),
        }),
      ],
    },
  },
  {
    name: "only the last port of the range, 11999",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow-last", 200, "*", "11999")]),
    evidence: { admitted: [expect.objectContaining({ ports: "11999" })] },
  },
  {
    name: "only the first port of the range, 11000",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow-first", 200, "*", "11000")]),
    evidence: { admitted: [expect.objectContaining({ ports: "11000" })] },
  },
  {
    name: "12000, the seeds' old upper bound, is outside today's range",
    resource: "mi1",
    status: "pass",
    rows: mi([allow("allow-12000", 200, "*", ["10999", "12000"])]),
  },
  {
    name: "a range straddling the top of the redirect range",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow-straddle", 200, "Internet", "11500-12500")]),
    evidence: { admitted: [expect.objectContaining({ ports: "11500-11999" })] },
  },
  {
    name: "Allow * on every port",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow-any", 4000, "*", "*")]),
  },
  {
    name: "a Deny on the whole range at 100 shadows Allow Internet on every port at 200",
    resource: "mi1",
    status: "pass",
    rows: mi([
      { name: "deny-redirect", priority: 100, access: "Deny", ports: "11000-11999" },
      allow("allow-internet", 200, "Internet", "*"),
    ]),
    evidence: { decidingRule: expect.objectContaining({ name: "deny-redirect" }) },
  },
  {
    name: "a Deny on half the range leaves the other half open",
    resource: "mi1",
    status: "fail",
    rows: mi([
      { name: "deny-low", priority: 100, access: "Deny", ports: "11000-11499" },
      allow("allow-internet", 200, "Internet", "11000-11999"),
    ]),
    evidence: {
      admitted: [
        expect.objectContaining({ ports: "11500-11999", rule: expect.objectContaining({ name: "allow-internet" }) }),
      ],
    },
  },
  {
    name: "two openings through two rules are both named",
    resource: "mi1",
    status: "fail",
    rows: mi([
      allow("allow-azurecloud", 200, "AzureCloud", "11000-11099"),
      allow("allow-partner", 300, "203.0.113.0/24", "11900-11999"),
    ]),
    message: ["allow-azurecloud", "allow-partner"],
    evidence: {
      admitted: [
        expect.objectContaining({ ports: "11000-11099", exampleSource: "AzureCloud" }),
        expect.objectContaining({ ports: "11900-11999", rule: expect.objectContaining({ name: "allow-partner" }) }),
      ],
    },
  },
  {
    name: "a configured trusted prefix",
    resource: "mi1",
    status: "pass",
    trusted: ["198.51.100.0/24"],
    rows: mi([allow("allow-office", 200, "198.51.100.0/24", "11000-11999")]),
  },
  {
    name: "UDP only: redirect is TCP",
    resource: "mi1",
    status: "pass",
    rows: mi([allow("allow-udp", 200, "*", "11000-11999", { protocol: "Udp" })]),
  },
  {
    name: "a source-port condition restricts nothing: the client picks its port",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow-high", 200, "Internet", "11000-11999", { extra: { sourcePortRange: "49152-65535" } })]),
  },
  {
    name: "an outbound Allow admits nothing",
    resource: "mi1",
    status: "pass",
    rows: mi([allow("allow-out", 200, "*", "11000-11999", { direction: "Outbound" })]),
  },
  {
    name: "the connection type does not change the verdict (Proxy)",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow-internet", 200, "Internet", "11000-11999")], { proxyOverride: "Proxy" }),
  },
  {
    name: "the public endpoint does not change the verdict",
    resource: "mi1",
    status: "fail",
    rows: mi([allow("allow-internet", 200, "Internet", "11000-11999")], { publicDataEndpointEnabled: true }),
  },
  {
    name: "no NSG on the subnet",
    resource: "mi1",
    status: "notApplicable",
    rows: privateMi(),
    message: ["no NSG", "mi.subnet.nsg-missing"],
    evidence: { nsg: null },
  },
  {
    name: "ASG source with unknown members",
    resource: "mi1",
    status: "unknown",
    rows: mi([{ name: "allow-asg", priority: 200, source: [], ports: "11000-11999", extra: asgSource }]),
    evidence: { admitted: [expect.objectContaining({ verdict: "uncertain" })] },
  },
  {
    name: "an uncertain ASG rule before Allow * is still a certain fail",
    resource: "mi1",
    status: "fail",
    rows: mi([
      { name: "allow-asg", priority: 200, source: [], ports: "11000-11999", extra: asgSource },
      allow("allow-all", 300, "*", "11000-11999"),
    ]),
  },
  { name: "null rule in the NSG", resource: "mi1", status: "unknown", rows: mi([null]) },
  {
    name: "malformed source prefix",
    resource: "mi1",
    status: "unknown",
    rows: mi([allow("allow-bad", 200, "203.0.113.0/33", "11000-11999")]),
  },
  {
    name: "subnet not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", miSubnet)],
    message: ["not in the audited estate"],
  },
  { name: "MI without subnetId", resource: "mi1", status: "unknown", rows: [miRow("mi1", undefined)] },
  {
    name: "NSG referenced but not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: [
      vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: miNsg }]),
      miRow("mi1", miSubnet),
    ],
  },
  {
    name: "NSGs unreadable in this subscription: no pass",
    resource: "mi1",
    status: "unknown",
    rows: mi([]),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], subscriptionIds: [SUB1], reason: "HTTP 429" }],
    message: ["could not be read"],
  },
  {
    name: "VNets unreadable in this subscription: no pass",
    resource: "mi1",
    status: "unknown",
    rows: mi([]),
    gaps: [{ types: ["microsoft.network/virtualnetworks"], reason: "403" }],
  },
  {
    name: "the MI's network in another subscription, ids in another case",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-hub",
        ["10.2.0.0/24"],
        [{ name: "snet-mi", prefix: "10.2.0.0/24", nsg: ids.nsg("nsg-mi", SUB2), delegation: MI_DELEGATION }],
        [],
        { sub: SUB2 },
      ),
      nsgRow("nsg-mi", [allow("allow-internet", 200, "Internet", "11000-11999")], { sub: SUB2 }),
      miRow("mi1", ids.subnet("vnet-hub", "snet-mi", SUB2).toUpperCase()),
    ],
  },
];

verdictTable("mi.subnet.redirect-inbound-untrusted", cases);

// ---------------------------------------------------------------------------------------------------------------
// Property: random rule sets against a naive reference that walks, for every port of 11000-11999 and a few untrusted
// source addresses, the inbound rules in priority order and takes the first match (network-security-groups-overview).

/** mulberry32: a small seeded generator, so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Untrusted representatives: a public address inside a prefix rules name, and one only `*`/Internet cover. Private
// space, the VNet (VirtualNetwork), the load balancer and the configured prefix are trusted, so they never expose.
const UNTRUSTED = ["203.0.113.5", "192.0.2.1"] as const;
const SOURCES: Record<string, readonly string[]> = {
  "*": UNTRUSTED,
  Internet: UNTRUSTED,
  "203.0.113.0/24": ["203.0.113.5"],
  "198.51.100.0/24": [],
  VirtualNetwork: [],
  AzureLoadBalancer: [],
  "10.1.0.0/24": [],
  "172.16.0.0/12": [],
};
// Destinations that hold the whole MI subnet, and one that holds none of it.
const DESTINATIONS: Record<string, boolean> = {
  "*": true,
  "10.1.0.0/24": true,
  VirtualNetwork: true,
  "10.9.0.0/24": false,
};
const EDGES = [10999, 11000, 11001, 11499, 11500, 11998, 11999, 12000];

interface RandomRule {
  name: string;
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  protocol: string;
  source: string[];
  destination: string;
  ports: string[];
}

function randomRules(seed: number): RandomRule[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const port = () => (next() < 0.5 ? pick(EDGES) : 10900 + Math.floor(next() * 1200));
  const portSpec = () => {
    const roll = next();
    if (roll < 0.1) return "*";
    if (roll < 0.45) return String(port());
    const [a, b] = [port(), port()].sort((x, y) => x - y);
    return `${a}-${b}`;
  };
  const priorities = new Set<number>();
  while (priorities.size < 1 + Math.floor(next() * 8)) priorities.add(100 + Math.floor(next() * 3996));
  return [...priorities].map((priority, i) => ({
    name: `r${i}`,
    priority,
    direction: next() < 0.85 ? "Inbound" : "Outbound",
    access: next() < 0.6 ? "Allow" : "Deny",
    protocol: pick(["Tcp", "Tcp", "Udp", "*"]),
    source: Array.from({ length: 1 + Math.floor(next() * 2) }, () => pick(Object.keys(SOURCES))),
    destination: pick(Object.keys(DESTINATIONS)),
    ports: Array.from({ length: 1 + Math.floor(next() * 2) }, portSpec),
  }));
}

function inSpec(port: number, spec: string): boolean {
  if (spec === "*") return true;
  const [from, to = from] = spec.split("-").map(Number);
  return port >= from! && port <= to!;
}

/** The redirect ports some untrusted source reaches, by walking the rules per port and source. */
function naiveExposedPorts(rules: RandomRule[]): Set<number> {
  const inbound = rules
    .filter((r) => r.direction === "Inbound" && (r.protocol === "Tcp" || r.protocol === "*"))
    .filter((r) => DESTINATIONS[r.destination])
    .sort((a, b) => a.priority - b.priority);
  const exposed = new Set<number>();
  for (let port = 11000; port <= 11999; port += 1) {
    for (const source of UNTRUSTED) {
      const first = inbound.find(
        (r) => r.ports.some((spec) => inSpec(port, spec)) && r.source.some((s) => SOURCES[s]!.includes(source)),
      );
      // No custom rule matched: AllowVnetInBound and AllowAzureLoadBalancerInBound do not match a public source, so
      // DenyAllInBound decides.
      if (first?.access === "Allow") exposed.add(port);
    }
  }
  return exposed;
}

function portsOf(text: string): number[] {
  const [from, to = from] = text.split("-").map(Number);
  return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
}

describe(`${RULE} against a naive per-port evaluation`, () => {
  it("agrees on the verdict and on exactly which ports are admitted, over 300 random NSGs", () => {
    const seen = { fail: 0, pass: 0, partial: 0 };
    for (let seed = 1; seed <= 300; seed += 1) {
      const rules = randomRules(seed * 7919);
      const rows = mi(rules);
      const finding = verdict(findingsFor(rows, { trusted: ["198.51.100.0/24"] }), RULE, "mi1");
      const expected = naiveExposedPorts(rules);
      expect(finding.status, `seed ${seed}: ${JSON.stringify(rules)}`).toBe(expected.size > 0 ? "fail" : "pass");
      const admitted = (finding.evidence["admitted"] ?? []) as { ports: string; verdict: string }[];
      const reported = new Set(admitted.filter((a) => a.verdict === "exposed").flatMap((a) => portsOf(a.ports)));
      expect([...reported].sort(), `seed ${seed}: ${JSON.stringify(rules)}`).toEqual([...expected].sort());
      seen[expected.size > 0 ? "fail" : "pass"] += 1;
      if (expected.size > 0 && expected.size < 1000) seen.partial += 1;
    }
    // The generator must reach both verdicts and openings of part of the range, or the comparison proves little.
    expect(seen.fail, JSON.stringify(seen)).toBeGreaterThan(50);
    expect(seen.pass, JSON.stringify(seen)).toBeGreaterThan(50);
    expect(seen.partial, JSON.stringify(seen)).toBeGreaterThan(30);
  });
});

describe("mi.subnet.redirect-inbound-untrusted metadata", () => {
  // Not in FRAMEWORKS.md: NS-1 (the subnet's NSG is the segmentation boundary), NS-2 related, no CIS item.
  it("is high, quotes no seed passage, cites today's pages and states its controls", () => {
    const rule = findRule("mi.subnet.redirect-inbound-untrusted")!;
    expect(rule.severity).toBe("high");
    expect(rule.source).toBeUndefined();
    expect(rule.guidance.length).toBeGreaterThan(0);
    for (const entry of rule.guidance) expect(entry.page.url).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\//);
    expect(rule.controls).toEqual([
      { mcsb: "NS-1", relation: "primary" },
      { mcsb: "NS-2", relation: "related" },
    ]);
  });
});
