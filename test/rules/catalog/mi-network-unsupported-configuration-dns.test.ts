// Platform DNS in mi.network.unsupported-configuration, against a naive reading of Microsoft's pages over random NSGs.
// The NSG overview: traffic to the host's virtual IP (platform DNS) is not subject to NSG rules unless a rule targets
// it with the AzurePlatformDNS tag; rules apply first match by priority. The MI page: using that tag to block platform
// DNS breaks the instance. So, per protocol (UDP and TCP 53): the first tag rule that matches decides whether the tag
// blocks DNS; if it is a Deny, the first rule of the whole NSG that matches says whether that Deny is reached (Deny:
// blocked; a broader Allow first: not documented, so unknown).
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../../dev/generate/seeded-random";
import { findingsFor, verdict } from "../../support/evaluate";
import { ids, miRow, nsgRow, vnetRow, type RuleSpec } from "../../support/rows";
import { netIds, routeTableRow, withRouteTable } from "../network-rows";
import { MI_DELEGATION, miNsg, miSubnet } from "./mi-estates";

const MI_SUBNET = "10.1.0.0/24";
const PROTOCOLS = ["*", "Udp", "Tcp", "Icmp"];
const PORTS = ["*", "53", "50-60", "443", "40-52", "54-65535"];
// Sources: the subnet itself, a cover of it, and one that misses it.
const SOURCES = ["*", MI_SUBNET, "VirtualNetwork", "10.9.0.0/24"];
// Destinations: the tag in two spellings, then rules that do not name it (some cover the host IP, some do not).
const DESTINATIONS = [
  "AzurePlatformDNS",
  "azureplatformdns",
  "*",
  "VirtualNetwork",
  "168.63.129.16/32",
  "Internet",
  "10.0.0.0/8",
];

interface Generated {
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  protocol: string;
  ports: string;
  source: string;
  destination: string;
}

function randomRules(seed: number): Generated[] {
  const random = SeededRandom.derive(seed, "platform-dns");
  const priorities = new Set<number>();
  const count = random.int(1, 6);
  while (priorities.size < count) priorities.add(random.int(100, 4096));
  return [...priorities].map((priority) => ({
    priority,
    direction: random.chance(0.85) ? "Outbound" : "Inbound",
    access: random.chance(0.5) ? "Allow" : "Deny",
    protocol: random.pick(PROTOCOLS),
    ports: random.pick(PORTS),
    source: random.pick(SOURCES),
    // Half the rules name the tag, so the interesting orders come up often.
    destination: random.chance(0.5) ? random.pick(DESTINATIONS.slice(0, 2)) : random.pick(DESTINATIONS.slice(2)),
  }));
}

function covers53(ports: string): boolean {
  if (ports === "*") return true;
  const [from, to] = ports.split("-").map(Number);
  return from! <= 53 && 53 <= (to ?? from!);
}

const namesTag = (rule: Generated) => rule.destination.toLowerCase() === "azureplatformdns";

/** Does the rule match DNS from the MI subnet to 168.63.129.16 over `protocol`? (Internet excludes the host IP: it is in VirtualNetwork.) */
function matches(rule: Generated, protocol: "Udp" | "Tcp"): boolean {
  return (
    rule.direction === "Outbound" &&
    (rule.protocol === "*" || rule.protocol === protocol) &&
    covers53(rule.ports) &&
    ["*", MI_SUBNET, "VirtualNetwork"].includes(rule.source) &&
    ["azureplatformdns", "*", "virtualnetwork", "168.63.129.16/32"].includes(rule.destination.toLowerCase())
  );
}

function naiveVerdict(rules: Generated[]): "pass" | "fail" | "unknown" {
  const ordered = [...rules].sort((a, b) => a.priority - b.priority);
  const outcomes = (["Udp", "Tcp"] as const).map((protocol) => {
    const byTag = ordered.find((rule) => namesTag(rule) && matches(rule, protocol));
    if (byTag === undefined || byTag.access === "Allow") return "allowed";
    return ordered.find((rule) => matches(rule, protocol))!.access === "Deny" ? "blocked" : "shadowed";
  });
  if (outcomes.includes("blocked")) return "fail";
  return outcomes.includes("shadowed") ? "unknown" : "pass";
}

function rowsFor(rules: Generated[]) {
  const vnet = vnetRow(
    "vnet-mi",
    ["10.1.0.0/16"],
    [{ name: "snet-mi", prefix: MI_SUBNET, nsg: miNsg, delegation: MI_DELEGATION }],
  );
  withRouteTable(vnet, "snet-mi", netIds.routeTable("rt-mi"));
  const specs: RuleSpec[] = rules.map((rule, i) => ({ name: `r${i}`, ...rule }));
  return [vnet, nsgRow("nsg-mi", specs), routeTableRow("rt-mi", []), miRow("mi1", miSubnet)];
}

describe("mi.network.unsupported-configuration: platform DNS against a naive reading", () => {
  it("agrees on 300 random NSGs", () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 300; seed += 1) {
      const rules = randomRules(seed);
      const finding = verdict(findingsFor(rowsFor(rules)), "mi.network.unsupported-configuration", "mi1");
      const expected = naiveVerdict(rules);
      seen.add(expected);
      expect(finding.status, `seed ${seed}: ${JSON.stringify(rules)}\n${finding.message}`).toBe(expected);
    }
    // The generator must reach every verdict, or the comparison proves little.
    expect([...seen].sort()).toEqual(["fail", "pass", "unknown"]);
  });

  it("names the deciding Deny of the tag in a fail", () => {
    const rules: Generated[] = [
      {
        priority: 300,
        direction: "Outbound",
        access: "Deny",
        protocol: "Udp",
        ports: "53",
        source: "*",
        destination: "AzurePlatformDNS",
      },
    ];
    const finding = verdict(findingsFor(rowsFor(rules)), "mi.network.unsupported-configuration", "mi1");
    expect(finding.message).toContain("r0 (priority 300, Deny)");
    expect(finding.evidence["broken"]).toEqual([
      {
        check: "platform-dns-blocked",
        resource: ids.nsg("nsg-mi"),
        detail:
          "NSG nsg-mi denies outbound UDP 53 from subnet snet-mi to AzurePlatformDNS by rule r0 (priority 300, Deny)",
      },
    ]);
  });
});
