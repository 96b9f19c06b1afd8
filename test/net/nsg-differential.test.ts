// The set-based NSG evaluator against a naive reference that walks the rules for concrete packets (reference-nsg.ts),
// on seeded random rule sets (nsg-random.ts). First, the reference itself from Microsoft's documented semantics
// ("How network security groups filter network traffic", "Virtual network service tags"); then the comparison.
// A disagreement prints the seed, the rules, the query and the witness packet, ready for a unit test.
import { describe, expect, it } from "vitest";
import type { SecurityRule } from "../../src/model/estate";
import { evaluateInboundExposure, evaluateOutboundFlow } from "../../src/net/nsg-evaluation";
import { buildTrustPolicy } from "../../src/net/trust";
import {
  type Evaluators,
  DOCUMENTED_CLASSES,
  PENDING_CLASSES,
  compareSeed,
  formatTally,
  newTally,
  record,
} from "./nsg-differential";
import { type Packet, type World, referenceDecide, referenceDefaultRule, referenceOrder } from "./reference-nsg";
import { rule } from "./fixtures";

const WORLD: World = {
  ownNetwork: ["10.1.0.0/16"],
  virtualNetwork: ["10.1.0.0/16"],
  serviceTags: new Map([
    ["sql", ["52.1.0.1", "2603:1000::5"]],
    ["azurecloud", ["20.1.2.3"]],
  ]),
  asgMembers: new Map([["asg-app", ["10.1.5.4"]]]),
  unreadableAddresses: new Map(),
  unreadablePorts: new Map(),
  rulesWithIssuesThatApply: new Set(),
};

const packet = (o: Partial<Packet> = {}): Packet => ({
  source: "198.51.100.7",
  sourcePort: 50000,
  destination: "10.1.0.4",
  destinationPort: 3342,
  protocol: "Tcp",
  ...o,
});

const decide = (rules: SecurityRule[], p: Packet = packet(), direction: "Inbound" | "Outbound" = "Inbound") => {
  const d = referenceDecide(referenceOrder(rules, direction), p, WORLD);
  return `${d.access} ${d.rule.name}`;
};

describe("the reference evaluator, from the documented semantics", () => {
  it("first match by priority wins: an Allow at 100 beats a Deny at 200 for the same packet", () => {
    expect(
      decide([rule({ name: "Deny200", priority: 200, access: "Deny" }), rule({ name: "Allow100", priority: 100 })]),
    ).toBe("Allow Allow100");
  });

  it("a Deny at 300 shadows an Allow at 4000", () => {
    const rules = [
      rule({ name: "Allow4000", priority: 4000, sourceAddressPrefixes: ["Internet"] }),
      rule({ name: "Deny300", priority: 300, access: "Deny", destinationPortRanges: ["3342"] }),
    ];
    expect(decide(rules)).toBe("Deny Deny300");
    expect(decide(rules, packet({ destinationPort: 1433 }))).toBe("Allow Allow4000");
  });

  it("adds the default rules when the list does not carry them, and does not repeat them when it does", () => {
    expect(decide([])).toBe("Deny DenyAllInBound");
    expect(decide([], packet({ source: "10.1.9.9" }))).toBe("Allow AllowVnetInBound");
    expect(decide([], packet({ source: "168.63.129.16" }))).toBe("Allow AllowAzureLoadBalancerInBound");
    expect(decide([], packet({ source: "10.1.0.5", destination: "52.1.0.1" }), "Outbound")).toBe(
      "Allow AllowInternetOutBound",
    );
    const listed = ["AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound"].map(referenceDefaultRule);
    expect(referenceOrder(listed, "Inbound").map((r) => r.name)).toEqual([
      "AllowVnetInBound",
      "AllowAzureLoadBalancerInBound",
      "DenyAllInBound",
    ]);
  });

  it("an Allow naming one source port admits a client that sends from it, and only from it", () => {
    const rules = [
      rule({ name: "AllowFrom443", priority: 100, sourcePortRanges: ["443"], destinationPortRanges: ["3342"] }),
    ];
    expect(decide(rules, packet({ sourcePort: 443 }))).toBe("Allow AllowFrom443");
    expect(decide(rules, packet({ sourcePort: 444 }))).toBe("Deny DenyAllInBound");
  });

  it("a Deny on some source ports lets a client through from another port", () => {
    const rules = [
      rule({ name: "DenyLow", priority: 100, access: "Deny", sourcePortRanges: ["0-1023"] }),
      rule({ name: "AllowAll", priority: 200 }),
    ];
    expect(decide(rules, packet({ sourcePort: 1023 }))).toBe("Deny DenyLow");
    expect(decide(rules, packet({ sourcePort: 1024 }))).toBe("Allow AllowAll");
  });

  it("two Denies, 0.0.0.0/0 and ::/0, decide every service tag address before a later tag Allow", () => {
    const rules = [
      rule({ name: "DenyV4", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/0"] }),
      rule({ name: "DenyV6", priority: 110, access: "Deny", sourceAddressPrefixes: ["::/0"] }),
      rule({ name: "AllowSql", priority: 200, sourceAddressPrefixes: ["Sql"] }),
    ];
    expect(decide(rules, packet({ source: "52.1.0.1" }))).toBe("Deny DenyV4");
    expect(decide(rules, packet({ source: "2603:1000::5" }))).toBe("Deny DenyV6");
    // Without the IPv6 Deny, Sql's IPv6 address reaches the Allow.
    expect(
      decide(
        rules.filter((r) => r.name !== "DenyV6"),
        packet({ source: "2603:1000::5" }),
      ),
    ).toBe("Allow AllowSql");
  });

  it("split prefixes 0.0.0.0/1 and 128.0.0.0/1 cover every IPv4 address", () => {
    const rules = [
      rule({ name: "DenyLowHalf", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/1"] }),
      rule({ name: "DenyHighHalf", priority: 110, access: "Deny", sourceAddressPrefixes: ["128.0.0.0/1"] }),
      rule({ name: "AllowAll", priority: 200 }),
    ];
    expect(decide(rules, packet({ source: "127.255.255.255" }))).toBe("Deny DenyLowHalf");
    expect(decide(rules, packet({ source: "128.0.0.0" }))).toBe("Deny DenyHighHalf");
    expect(decide(rules, packet({ source: "2001:db8::1" }))).toBe("Allow AllowAll");
  });

  it("merged plural fields: any entry of a list matches; ranges include both ends", () => {
    const rules = [
      rule({
        name: "AllowList",
        priority: 100,
        sourceAddressPrefixes: ["203.0.113.0/24", "Sql"],
        destinationPortRanges: ["1433", "11000-11999"],
      }),
    ];
    for (const [source, port, expected] of [
      ["203.0.113.255", 11999, "Allow AllowList"],
      ["52.1.0.1", 11000, "Allow AllowList"],
      ["203.0.114.0", 1433, "Deny DenyAllInBound"],
      ["203.0.113.1", 12000, "Deny DenyAllInBound"],
      ["203.0.113.1", 10999, "Deny DenyAllInBound"],
    ] as const) {
      expect(decide(rules, packet({ source, destinationPort: port }))).toBe(expected);
    }
  });

  it("protocols: a Udp rule does not match Tcp; `*`, `Any` and any letter case do", () => {
    expect(decide([rule({ name: "AllowUdp", priority: 100, protocol: "Udp" })])).toBe("Deny DenyAllInBound");
    expect(decide([rule({ name: "AllowAny", priority: 100, protocol: "Any" })])).toBe("Allow AllowAny");
    expect(decide([rule({ name: "AllowTcp", priority: 100, protocol: "tcp" })])).toBe("Allow AllowTcp");
  });

  it("Internet is everything outside the VNet; AzureLoadBalancer is 168.63.129.16 only", () => {
    const rules = [
      rule({ name: "DenyInternet", priority: 100, access: "Deny", sourceAddressPrefixes: ["Internet"] }),
      rule({ name: "AllowLb", priority: 200, sourceAddressPrefixes: ["AzureLoadBalancer"] }),
    ];
    expect(decide(rules, packet({ source: "52.1.0.1" }))).toBe("Deny DenyInternet");
    expect(decide(rules, packet({ source: "10.1.7.7" }))).toBe("Allow AllowVnetInBound");
    expect(decide(rules, packet({ source: "168.63.129.16" }))).toBe("Deny DenyInternet");
    expect(decide(rules.slice(1), packet({ source: "168.63.129.17" }))).toBe("Deny DenyAllInBound");
  });

  it("an ASG matches its member NICs' addresses only", () => {
    const rules = [
      rule({
        name: "AllowAsg",
        priority: 100,
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroups: ["asg-app"],
      }),
    ];
    expect(decide(rules, packet({ source: "10.1.5.4" }))).toBe("Allow AllowAsg");
    expect(decide(rules, packet({ source: "198.51.100.7" }))).toBe("Deny DenyAllInBound");
  });

  it("refuses to guess: an entry the world gives no meaning is an error naming it", () => {
    expect(() => decide([rule({ name: "Bad", priority: 100, sourceAddressPrefixes: ["10.0.0.300/24"] })])).toThrow(
      /10\.0\.0\.300\/24/,
    );
  });
});

// Sizes: the suite keeps to a few seconds; `npm run bench -- --only nsg-differential` runs 100k cases.
const SEEDS = 1200;
const WORLDS = 4;

// Seeds whose disagreement is not fixed yet: remove one once the evaluator agrees. Empty: every class found so far is
// fixed or documented (PENDING_CLASSES in nsg-differential.ts says why the split-family class is still tolerated).
const KNOWN_DISAGREEMENTS: readonly number[] = [];

describe("set evaluator vs reference on random rule sets", () => {
  it(`${SEEDS} seeded rule sets × ${WORLDS} worlds: no disagreement, no uncertain verdict on a pure rule set`, () => {
    const tally = newTally();
    for (let seed = 1; seed <= SEEDS; seed += 1) {
      if (KNOWN_DISAGREEMENTS.includes(seed)) continue;
      record(tally, compareSeed(seed, WORLDS), seed);
    }
    const summary = formatTally(tally);
    const defects = [...tally.disagreements]
      .filter(([kind]) => !DOCUMENTED_CLASSES.has(kind) && !PENDING_CLASSES.has(kind))
      .flatMap(([, list]) => list);
    if (defects.length > 0)
      console.log([...summary, ...defects.slice(0, 3).map((d) => `${d.kind}\n  ${d.detail}`)].join("\n"));
    expect(defects.map((d) => `seed ${d.seed} ${d.direction}: ${d.kind}`)).toEqual([]);
    // The generator reaches every verdict, and a good share of pure rule sets (where uncertain is never allowed).
    for (const verdict of [
      "inbound exposed",
      "inbound notExposed",
      "inbound uncertain",
      "outbound allowed",
      "outbound blocked",
      "outbound uncertain",
    ]) {
      expect(tally.verdicts[verdict] ?? 0, verdict).toBeGreaterThan(SEEDS / 100);
    }
    expect(tally.pureCases.inbound).toBeGreaterThan(SEEDS / 5);
    expect(tally.pureCases.outbound).toBeGreaterThan(SEEDS / 5);
  });

  // Found by the 100k run: a family split across rules is treated like the same family in one rule.
  it("a family split across rules (0.0.0.0/1 + 128.0.0.0/1, no IPv6 Deny) leaves a later Sql Allow uncertain, as 0.0.0.0/0 does", () => {
    const query = {
      protocol: "Tcp" as const,
      ports: "3342",
      protectedPrefixes: ["10.1.0.0/24"],
      virtualNetworkPrefixes: ["10.1.0.0/16"],
    };
    const trust = buildTrustPolicy({ configuredPrefixes: [], ownedPublicPrefixes: [] });
    const allowSql = rule({ name: "AllowSql", priority: 200, sourceAddressPrefixes: ["Sql"] });
    const whole = evaluateInboundExposure(
      [rule({ name: "DenyV4", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/0"] }), allowSql],
      query,
      trust,
    );
    expect(whole.verdict).toBe("uncertain"); // Sql may have IPv6 addresses, or none
    const split = evaluateInboundExposure(
      [
        rule({ name: "DenyLowHalf", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/1"] }),
        rule({ name: "DenyHighHalf", priority: 110, access: "Deny", sourceAddressPrefixes: ["128.0.0.0/1"] }),
        allowSql,
      ],
      query,
      trust,
    );
    expect(split.verdict).toBe("uncertain");
  });

  // Found by the 100k run (seeds 9169, 24447, 55035, 55549, 63239; 371 in the suite's range): a whole family decided by
  // a Deny is not reopened for service tags by a later Allow of the same family. Fixed in the evaluator (3abe621).
  it.each([
    {
      name: "Deny ::/0 then Allow ::/0",
      rules: [
        ["Deny", "::/0"],
        ["Allow", "::/0"],
      ],
      routes: [],
    },
    {
      name: "Deny 0.0.0.0/0 then Allow 0.0.0.0/0",
      rules: [
        ["Deny", "0.0.0.0/0"],
        ["Allow", "0.0.0.0/0"],
      ],
      routes: [],
    },
    {
      name: "forced tunnelling: a 0.0.0.0/0 route puts all IPv4 in VirtualNetwork, a Deny 0.0.0.0/0 comes first",
      rules: [["Deny", "0.0.0.0/0"]],
      routes: ["0.0.0.0/0"],
    },
  ])("$name: notExposed, as the reference says in every world", ({ rules, routes }) => {
    const query = {
      protocol: "Tcp" as const,
      ports: "3342",
      protectedPrefixes: ["10.1.0.0/24"],
      virtualNetworkPrefixes: ["10.1.0.0/16"],
      routePrefixes: routes,
    };
    const trust = buildTrustPolicy({ configuredPrefixes: [], ownedPublicPrefixes: [] });
    const nsg = rules.map(([access, prefix], i) =>
      rule({
        name: `r${i}`,
        priority: 100 + i * 100,
        access: access as "Allow" | "Deny",
        sourceAddressPrefixes: [prefix!],
      }),
    );
    expect(evaluateInboundExposure(nsg, query, trust).verdict).toBe("notExposed");
  });

  // Found by the 100k run after 3abe621 (seeds 9169, 45458, 55035, 81104, 97774): the same forced tunnelling on a
  // dual-stack VNet. VirtualNetwork is then all of IPv4 plus fd00:1::/48 (private, so no tag's address), and the IPv4
  // part was denied first, so AllowVnetInBound reopens no tag.
  it("forced tunnelling on a dual-stack VNet: a 0.0.0.0/0 route and a Deny 0.0.0.0/0 first leave nothing exposed", () => {
    const query = {
      protocol: "Tcp" as const,
      ports: "3342",
      protectedPrefixes: ["10.1.0.0/24"],
      virtualNetworkPrefixes: ["10.1.0.0/16", "fd00:1::/48"],
      routePrefixes: ["0.0.0.0/0"],
    };
    const trust = buildTrustPolicy({ configuredPrefixes: [], ownedPublicPrefixes: [] });
    const nsg = [rule({ name: "DenyV4", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/0"] })];
    expect(evaluateInboundExposure(nsg, query, trust).verdict).toBe("notExposed");
  });

  it("catches an evaluator that ignores source ports (the comparison can fail)", () => {
    const ignoringSourcePorts: Evaluators = {
      inbound: (rules, query, trust) =>
        evaluateInboundExposure(
          rules.map((r) => ({ ...r, sourcePortRanges: ["*"] })),
          query,
          trust,
        ),
      outbound: (rules, query) =>
        evaluateOutboundFlow(
          rules.map((r) => ({ ...r, sourcePortRanges: ["*"] })),
          query,
        ),
    };
    const tally = newTally();
    for (let seed = 1; seed <= 300; seed += 1) record(tally, compareSeed(seed, 2, ignoringSourcePorts), seed);
    // Inbound, a Deny on some source ports would then protect everyone; outbound, a Deny on ports 0-1023 (never an
    // ephemeral port) would block the app.
    const kinds = [...tally.disagreements.keys()];
    expect(kinds).toContain("notExposed but an untrusted packet gets in");
    expect(kinds).toContain("blocked but some world allows every packet");
  });

  it("catches an evaluator that treats one whole family as every tag", () => {
    // Deny 0.0.0.0/0 alone does not close Sql: its IPv6 addresses still reach a later Allow.
    const v4IsEverything: Evaluators = {
      inbound: (rules, query, trust) =>
        evaluateInboundExposure(
          rules.map((r) => ({
            ...r,
            sourceAddressPrefixes: r.sourceAddressPrefixes.map((p) => (p === "0.0.0.0/0" ? "*" : p)),
          })),
          query,
          trust,
        ),
      outbound: evaluateOutboundFlow,
    };
    const tally = newTally();
    for (let seed = 1; seed <= 600; seed += 1) record(tally, compareSeed(seed, 2, v4IsEverything), seed);
    expect([...tally.disagreements.keys()]).toContain("notExposed but an untrusted packet gets in");
  });
});
