// Seeded random NSG rule sets for the differential test, and random "worlds" (what tags, ASGs and unreadable entries
// mean) for the reference evaluator. The pools below are where evaluators go wrong: both families, whole-family and
// split complements (0.0.0.0/0 + ::/0, 0.0.0.0/1 + 128.0.0.0/1), prefixes one address beside the trusted, VNet and
// protected ranges, source-port conditions, destination ranges around 3342, 1433 and 11000-11999, every protocol,
// default rules listed and not, ASGs with and without known members, and a little malformed data.

import type { SecurityRule } from "../../src/model/estate";
import type { InboundExposureQuery, OutboundFlowQuery } from "../../src/net/nsg-evaluation";
import { SeededRandom } from "../../dev/generate/seeded-random";
import {
  type Direction,
  type World,
  formatAddress,
  inPrefix,
  prefixBounds,
  prefixEdges,
  referenceDefaultRule,
} from "./reference-nsg";

export interface RandomCase {
  seed: number;
  rules: SecurityRule[];
  inbound: InboundExposureQuery;
  outbound: OutboundFlowQuery;
  trust: { configuredPrefixes: string[]; ownedPublicPrefixes: string[] };
  /** ASG keys used by the rules whose members are not in the queries' map. */
  unknownAsgs: string[];
}

export const SERVICE_TAGS = ["AzureCloud", "Sql", "Sql.WestEurope", "Storage"] as const;
const TAG_SPELLINGS = ["AzureCloud", "Sql", "Sql.WestEurope", "sql.westeurope", "Storage", "SQL"];

/** Entries the evaluator cannot read; the world gives each a meaning. */
export const MALFORMED_ADDRESSES = ["10.0.0.300/24", "1.2.3.4/33", "Sqll", "VirtualNetworks"];
export const MALFORMED_PORTS = ["33a42", "70000", "3343-3341"];

const TRUSTED_CONFIGURED = ["203.0.113.0/24"];
const OWNED = ["20.50.60.70", "40.0.0.0/28"];
const MI_SUBNET = "10.1.0.0/24";
const APP_SUBNET = "10.2.0.0/24";
const ASG_MI = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/applicationsecuritygroups/asg-mi";
const ASG_APP = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/applicationsecuritygroups/asg-app";
const ASG_UNKNOWN =
  "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/applicationsecuritygroups/asg-other";

const REMOTE_PREFIXES = [
  "*",
  "*",
  "Internet",
  "Internet",
  "VirtualNetwork",
  "AzureLoadBalancer",
  "0.0.0.0/0",
  "0.0.0.0/0",
  "::/0",
  "::/0",
  "0.0.0.0/1",
  "128.0.0.0/1",
  "::/1",
  "8000::/1",
  "128.0.0.0/2",
  "192.0.0.0/2",
  "203.0.113.0/24",
  "203.0.113.0/25",
  "203.0.112.0/23",
  "203.0.114.0/24",
  "203.0.113.255",
  "20.50.60.70",
  "20.50.60.71",
  "20.50.60.64/29",
  "40.0.0.0/28",
  "40.0.0.16/28",
  "40.0.0.0/27",
  "10.1.0.0/16",
  "10.2.0.0/16",
  "10.0.0.0/8",
  "10.3.0.0/16",
  "172.16.0.0/12",
  "192.168.1.0/24",
  "168.63.129.16",
  "168.63.129.0/24",
  "52.0.0.0/8",
  "52.10.20.0/24",
  "13.64.0.0/11",
  "198.51.100.0/24",
  "2001:db8::/32",
  "2603:1000::/24",
  "fd00::/8",
  "fc00::/7",
  "2001:db8::1",
];
const LOCAL_INBOUND = [
  "*",
  "*",
  "*",
  "VirtualNetwork",
  "Internet",
  "AzureLoadBalancer",
  "Sql",
  "10.1.0.0/24",
  "10.1.0.0/16",
  "10.1.0.0/25",
  "10.1.0.128/25",
  "10.1.0.0/27",
  "10.1.1.0/24",
  "0.0.0.0/0",
  "10.0.0.0/8",
];
const LOCAL_OUTBOUND = [
  "*",
  "*",
  "*",
  "VirtualNetwork",
  "Internet",
  "Storage",
  "10.2.0.0/24",
  "10.2.0.0/16",
  "10.2.0.0/25",
  "10.2.0.128/25",
  "10.2.1.0/24",
  "0.0.0.0/0",
];
const REMOTE_OUTBOUND = [
  "*",
  "*",
  "Internet",
  "VirtualNetwork",
  "10.1.0.0/24",
  "10.1.0.0/16",
  "10.1.0.0/25",
  "10.1.0.128/25",
  "10.1.0.0/23",
  "10.1.1.0/24",
  "0.0.0.0/0",
  "::/0",
  "0.0.0.0/1",
  "10.0.0.0/8",
  "52.0.0.0/8",
  "Sql",
  "AzureCloud",
  "Storage",
];
const DESTINATION_PORTS = [
  "*",
  "*",
  "3342",
  "3342",
  "1433",
  "1433",
  "11000-11999",
  "3341",
  "3343",
  "3341-3343",
  "3340-3342",
  "3342-3350",
  "1432-1434",
  "1434",
  "10999-11000",
  "11999-12000",
  "11000",
  "11999",
  "11500-11600",
  "1000-2000",
  "0-65535",
  "1433,3342",
  "443",
  "22",
];
const SOURCE_PORTS = [
  "*",
  "*",
  "*",
  "*",
  "0-1023",
  "1024-65535",
  "1024-2000,3000",
  "0-1024",
  "49152-65535",
  "32768-60999",
  "80",
  "443",
  "0-65535",
  "1024",
  "1023",
  "65535",
  "0",
];
const PROTOCOLS = ["Tcp", "Tcp", "Tcp", "*", "*", "Udp", "Icmp", "Esp", "Ah", "tcp", "Any"];

export interface CaseOptions {
  /** Probability that a field entry is malformed (default 0.02). */
  malformed?: number;
  /** Probability that a rule uses service tags at all (default 0.35). */
  tags?: number;
}

/** One random NSG (both directions) and the inbound and outbound queries asked of it. */
export function randomCase(seed: number, options: CaseOptions = {}): RandomCase {
  const rng = SeededRandom.derive(seed, "nsg-case");
  const malformed = options.malformed ?? 0.02;
  const useTags = rng.chance(options.tags ?? 0.35);
  const rules: SecurityRule[] = [];
  const priorities = new Set<number>();
  const unknownAsgs = new Set<string>();
  const count = rng.int(0, 9);
  for (let i = 0; i < count; i += 1) {
    let priority = rng.pick([100, 200, 300, 4000, 4096, rng.int(100, 4096)]);
    while (priorities.has(priority)) priority = rng.int(100, 4096);
    priorities.add(priority);
    const direction: Direction = rng.chance(0.65) ? "Inbound" : "Outbound";
    const inbound = direction === "Inbound";
    const remote = () => pickAddress(rng, inbound ? REMOTE_PREFIXES : REMOTE_OUTBOUND, useTags, malformed);
    const local = () => pickAddress(rng, inbound ? LOCAL_INBOUND : LOCAL_OUTBOUND, false, malformed);
    const remoteList = listOf(rng, remote);
    const localList = listOf(rng, local);
    const remoteAsgs: string[] = [];
    const localAsgs: string[] = [];
    if (rng.chance(0.08)) {
      const asg = rng.pick([ASG_APP, ASG_UNKNOWN]);
      remoteAsgs.push(asg);
      if (asg === ASG_UNKNOWN) unknownAsgs.add(asg);
    }
    if (rng.chance(0.06)) localAsgs.push(inbound ? ASG_MI : ASG_APP);
    // An ASG replaces the prefix field in Azure; a rule with both is still read, so sometimes keep both.
    const sourceList = inbound ? remoteList : localList;
    const destinationList = inbound ? localList : remoteList;
    const sourceAsgs = inbound ? remoteAsgs : localAsgs;
    const destinationAsgs = inbound ? localAsgs : remoteAsgs;
    const rule: SecurityRule = {
      name: `r${i}-${priority}`,
      priority,
      direction,
      access: rng.chance(0.5) ? "Allow" : "Deny",
      protocol: rng.pick(PROTOCOLS),
      sourceAddressPrefixes: sourceAsgs.length > 0 && rng.chance(0.7) ? [] : sourceList,
      destinationAddressPrefixes: destinationAsgs.length > 0 && rng.chance(0.7) ? [] : destinationList,
      sourcePortRanges: listOf(rng, () => (rng.chance(malformed) ? rng.pick(MALFORMED_PORTS) : rng.pick(SOURCE_PORTS))),
      destinationPortRanges: listOf(rng, () =>
        rng.chance(malformed) ? rng.pick(MALFORMED_PORTS) : rng.pick(DESTINATION_PORTS),
      ),
      sourceApplicationSecurityGroups: sourceAsgs,
      destinationApplicationSecurityGroups: destinationAsgs,
      isDefault: false,
      issues: rng.chance(malformed) ? ["properties.access was not a string"] : [],
    };
    rules.push(rule);
  }
  if (rng.chance(0.3)) rules.push(...closingBlock(rng, priorities, useTags));
  // As Azure lists them in defaultSecurityRules, or absent (a snapshot that dropped them).
  if (rng.chance(0.5)) {
    for (const name of [
      "AllowVnetInBound",
      "AllowAzureLoadBalancerInBound",
      "DenyAllInBound",
      "AllowVnetOutBound",
      "AllowInternetOutBound",
      "DenyAllOutBound",
    ]) {
      rules.push(referenceDefaultRule(name));
    }
  }

  // Each NSG's VirtualNetwork holds its own VNet (the MI's inbound, the app's outbound), sometimes the peered one.
  const peered = rng.chance(0.5);
  const dualStack = rng.chance(0.15) ? ["fd00:1::/48"] : [];
  const miVnet = ["10.1.0.0/16", ...(peered ? ["10.2.0.0/16"] : []), ...dualStack];
  const appVnet = ["10.2.0.0/16", ...(peered ? ["10.1.0.0/16"] : []), ...dualStack];
  const routePrefixes = rng.chance(0.15)
    ? [rng.pick(["0.0.0.0/0", "52.10.20.0/24", "192.168.1.0/24", "10.3.0.0/16"])]
    : [];
  const routesUnknown = rng.chance(0.1) ? "route table rt-1 of subnet mi was not collected" : undefined;
  const asgMap = new Map<string, string[]>();
  if (rng.chance(0.7)) asgMap.set(ASG_MI, rng.pick([["10.1.0.4"], ["10.1.0.4", "10.1.0.5"], ["10.1.0.200"]]));
  if (rng.chance(0.7)) asgMap.set(ASG_APP, rng.pick([["10.2.0.4"], ["10.2.0.10", "52.10.20.30"]]));
  for (const key of [ASG_MI, ASG_APP]) {
    if (
      !asgMap.has(key) &&
      rules.some((r) => [...r.sourceApplicationSecurityGroups, ...r.destinationApplicationSecurityGroups].includes(key))
    ) {
      unknownAsgs.add(key);
    }
  }
  const network = {
    ...(routePrefixes.length > 0 ? { routePrefixes } : {}),
    ...(routesUnknown === undefined ? {} : { routesUnknown }),
    ...(asgMap.size > 0 || rng.chance(0.5) ? { applicationSecurityGroups: asgMap } : {}),
  };
  const protocol = rng.chance(0.85) ? "Tcp" : "Udp";
  const ports = rng.pick(["3342", "1433", "11000-11999", "1433,3342", "3342"]);
  return {
    seed,
    rules,
    inbound: {
      protocol,
      ports,
      protectedPrefixes: [rng.chance(0.8) ? MI_SUBNET : "10.1.0.0/27"],
      virtualNetworkPrefixes: miVnet,
      ...network,
    },
    outbound: {
      protocol,
      ports: rng.pick(["1433", "11000-11999", "1433,11000-11999", "3342"]),
      sourcePrefixes: [APP_SUBNET],
      destinationPrefixes: [rng.chance(0.8) ? MI_SUBNET : "10.1.0.0/27"],
      virtualNetworkPrefixes: appVnet,
      ...network,
    },
    trust: {
      configuredPrefixes: rng.chance(0.8) ? TRUSTED_CONFIGURED : [],
      ownedPublicPrefixes: rng.chance(0.7) ? OWNED : [],
    },
    unknownAsgs: [...unknownAsgs],
  };
}

// "Deny everything" as people write it: one rule per family, split prefixes, source-port halves, or one family only
// (which leaves tags partly open), then an Allow from a tag, Internet or `*` that only some sources should reach.
const CLOSINGS: readonly (readonly string[])[] = [
  ["0.0.0.0/0", "::/0"],
  ["0.0.0.0/1", "128.0.0.0/1", "::/0"],
  ["0.0.0.0/0", "::/1", "8000::/1"],
  ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2", "::/0"],
  ["0.0.0.0/0"],
  ["::/0"],
  ["0.0.0.0/1", "::/0"],
  ["0.0.0.0/1", "128.0.0.0/1"],
  ["::/1", "8000::/1"],
  ["Internet"],
  ["*"],
];

function closingBlock(rng: SeededRandom, priorities: Set<number>, useTags: boolean): SecurityRule[] {
  const direction: Direction = rng.chance(0.8) ? "Inbound" : "Outbound";
  const inbound = direction === "Inbound";
  const prefixes = rng.pick(CLOSINGS);
  const splitPorts = rng.chance(0.25);
  const base = rng.int(1, 30) * 100;
  const out: SecurityRule[] = [];
  const add = (name: string, access: "Allow" | "Deny", remote: string[], sourcePorts: string[]) => {
    let priority = base + out.length * 10;
    while (priorities.has(priority)) priority += 1;
    priorities.add(priority);
    out.push({
      name,
      priority,
      direction,
      access,
      protocol: rng.pick(["*", "Tcp"]),
      sourceAddressPrefixes: inbound ? remote : ["*"],
      destinationAddressPrefixes: inbound ? [rng.pick(["*", "10.1.0.0/24", "VirtualNetwork"])] : remote,
      sourcePortRanges: sourcePorts,
      destinationPortRanges: [rng.pick(["*", "3342", "1433", "11000-11999", "1433,11000-11999"])],
      sourceApplicationSecurityGroups: [],
      destinationApplicationSecurityGroups: [],
      isDefault: false,
      issues: [],
    });
  };
  prefixes.forEach((prefix, i) => {
    if (splitPorts && i === 0) {
      add(`close${i}-low`, "Deny", [prefix], ["0-1023"]);
      add(`close${i}-high`, "Deny", [prefix], [rng.pick(["1024-65535", "1025-65535"])]);
    } else {
      add(`close${i}`, "Deny", [prefix], ["*"]);
    }
  });
  const opener = useTags
    ? rng.pick(["Sql", "Sql.WestEurope", "AzureCloud", "Storage", "Internet", "*"])
    : rng.pick(["Internet", "*", "52.0.0.0/8", "2001:db8::/32"]);
  add("open", "Allow", [opener], [rng.pick(["*", "*", "443", "1024-65535"])]);
  return out;
}

function listOf(rng: SeededRandom, one: () => string): string[] {
  const n = rng.pick([1, 1, 1, 1, 2, 2, 3]);
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const value = one();
    if (!out.includes(value)) out.push(value);
  }
  // `*` with other entries is legal in the model (merged fields); keep it, the evaluator must cope.
  return out;
}

function pickAddress(rng: SeededRandom, pool: readonly string[], tags: boolean, malformed: number): string {
  if (rng.chance(malformed)) return rng.pick(MALFORMED_ADDRESSES);
  if (tags && rng.chance(0.3)) return rng.pick(TAG_SPELLINGS);
  if (rng.chance(0.1)) return randomPublicPrefix(rng);
  return rng.pick(pool);
}

function randomPublicPrefix(rng: SeededRandom): string {
  if (rng.chance(0.7)) {
    const length = rng.pick([8, 12, 16, 24, 28, 32]);
    const value = (BigInt(rng.int(11, 99)) << 24n) | BigInt(rng.int(0, 0xffffff));
    return `${formatAddress(4, (value >> BigInt(32 - length)) << BigInt(32 - length))}/${length}`;
  }
  const length = rng.pick([16, 32, 48, 64, 128]);
  const value = (0x2000n << 112n) | (BigInt(rng.int(0, 0xfff)) << 100n) | BigInt(rng.int(0, 0xffffff));
  const host = BigInt(128 - length);
  return `${formatAddress(6, (value >> host) << host)}/${length}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Worlds

export interface RandomWorld {
  world: World;
  /**
   * True when every tag address lies outside every partial prefix of the rules, the trust policy and the network (a
   * prefix that is not a whole family): the set evaluator's documented model, where a tag atom is disjoint from CIDRs
   * and only a whole family covers it. Worlds that are not consistent may put Sql inside 52.0.0.0/8; there the
   * evaluator may over-report (`exposed`, `blocked`), never under-report.
   */
  tagsDisjointFromPrefixes: boolean;
  /**
   * True when every tag address is outside every partial prefix except those that, with other rules' prefixes, cover
   * their whole family (`::/1` + `8000::/1`). The evaluator promises to treat a family split across rules like the
   * whole family, so a disagreement in such a world is a defect, not the documented simplification.
   */
  tagsDisjointFromUnsplitPrefixes: boolean;
  /** Route prefixes of a route table the query says is unknown (`routesUnknown`): part of VirtualNetwork here. */
  unknownRoutes: string[];
}

const WHOLE_FAMILIES = new Set(["0.0.0.0/0", "::/0"]);

/** The rules' partial prefixes of each family whose union is that whole family (a family split across rules). */
export function splitFamilyPrefixes(rules: readonly SecurityRule[]): Set<string> {
  const out = new Set<string>();
  for (const family of [4, 6] as const) {
    const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    const prefixes = [
      ...new Set(rules.flatMap((r) => [...r.sourceAddressPrefixes, ...r.destinationAddressPrefixes])),
    ].filter(
      (p) =>
        /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p) &&
        !MALFORMED_ADDRESSES.includes(p) &&
        !WHOLE_FAMILIES.has(p) &&
        prefixBounds(p).family === family,
    );
    const bounds = prefixes.map(prefixBounds).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = 0n;
    for (const b of bounds) if (b.first <= next && b.last >= next) next = b.last + 1n;
    if (next > max) prefixes.forEach((p) => out.add(p));
  }
  return out;
}

/** Every address prefix written anywhere in the case (rules, trust, network), for sampling and for tag placement. */
export function casePrefixes(c: RandomCase): string[] {
  const out = new Set<string>();
  const add = (text: string) => {
    if (/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(text) && !MALFORMED_ADDRESSES.includes(text)) out.add(text.trim());
  };
  for (const r of c.rules) [...r.sourceAddressPrefixes, ...r.destinationAddressPrefixes].forEach(add);
  [
    ...c.trust.configuredPrefixes,
    ...c.trust.ownedPublicPrefixes,
    ...c.inbound.virtualNetworkPrefixes,
    ...c.outbound.virtualNetworkPrefixes,
    ...(c.inbound.routePrefixes ?? []),
  ].forEach(add);
  [
    ...c.inbound.protectedPrefixes,
    ...c.outbound.sourcePrefixes,
    ...c.outbound.destinationPrefixes,
    "168.63.129.16/32",
  ].forEach(add);
  for (const members of c.inbound.applicationSecurityGroups?.values() ?? []) members.forEach(add);
  ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].forEach(add);
  return [...out];
}

const isPublic = (address: string) =>
  ![
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
    "168.63.129.16/32",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "::/8",
  ].some((p) => contains(p, address));

const contains = (prefix: string, address: string) => inPrefix(address, prefix);

/**
 * A world for one case: tag addresses (base tags disjoint, Sql.WestEurope inside Sql, each tag non-empty, some IPv4
 * only, some IPv6 only), members for the unknown ASGs, meanings for malformed entries, and whether rules with data
 * issues apply. `disjoint` asks for tag addresses outside every partial prefix, when the case leaves room for one.
 */
export function randomWorld(c: RandomCase, index: number, disjoint: boolean): RandomWorld {
  const rng = SeededRandom.derive(c.seed, "world", index);
  const prefixes = casePrefixes(c);
  const partial = prefixes.filter((p) => !WHOLE_FAMILIES.has(p));
  const candidates: string[] = [];
  // Addresses beside every prefix boundary (inside and outside), plus fresh ones far from any rule.
  for (const p of prefixes) candidates.push(...prefixEdges(p));
  for (let i = 0; i < 6; i += 1) {
    candidates.push(formatAddress(4, (BigInt(rng.int(11, 99)) << 24n) | BigInt(rng.int(0, 0xffffff))));
    candidates.push(
      formatAddress(6, (0x2a01n << 112n) | (BigInt(rng.int(0, 0xffff)) << 64n) | BigInt(rng.int(1, 0xffff))),
    );
  }
  const publicCandidates = [...new Set(candidates)].filter(isPublic);
  const outsideAll = publicCandidates.filter((a) => !partial.some((p) => contains(p, a)));
  const v4Free = outsideAll.filter((a) => !a.includes(":"));
  const v6Free = outsideAll.filter((a) => a.includes(":"));
  const wantDisjoint = disjoint && (v4Free.length > 0 || v6Free.length > 0);
  const used = new Set<string>();
  const fresh = (family: 4 | 6) =>
    family === 4
      ? formatAddress(4, (BigInt(rng.int(11, 99)) << 24n) | BigInt(rng.int(0, 0xffffff)))
      : formatAddress(6, (0x2a01n << 112n) | (BigInt(rng.int(0, 0xffff)) << 64n) | BigInt(rng.int(1, 0xffff)));
  const draw = (family: 4 | 6): string | undefined => {
    const pool = (
      wantDisjoint
        ? family === 4
          ? v4Free
          : v6Free
        : publicCandidates.filter((a) => a.includes(":") === (family === 6))
    ).filter((a) => !used.has(a));
    let a = pool.length > 0 ? rng.pick(pool) : undefined;
    // Pools run dry when the rules name few prefixes: a fresh address, outside every partial prefix when one can be.
    for (let tries = 0; a === undefined && tries < 20; tries += 1) {
      const candidate = fresh(family);
      if (
        !used.has(candidate) &&
        isPublic(candidate) &&
        (!wantDisjoint || !partial.some((p) => contains(p, candidate)))
      )
        a = candidate;
    }
    if (a === undefined) return undefined;
    used.add(a);
    return a;
  };
  const tagAddresses = (): string[] => {
    const families: (4 | 6)[] = rng.pick([[4], [6], [4, 6], [4, 6], [4, 4, 6]]);
    const out = families.map(draw).filter((a): a is string => a !== undefined);
    // The evaluator's tag atoms are never empty; a world with an empty tag would not be one of its worlds.
    while (out.length === 0) {
      const a = fresh(rng.pick([4, 6] as const));
      if (!used.has(a) && isPublic(a)) {
        used.add(a);
        out.push(a);
      }
    }
    return out;
  };
  const westEurope = tagAddresses();
  const sql = [...westEurope, ...tagAddresses()];
  const serviceTags = new Map<string, string[]>([
    ["sql.westeurope", westEurope],
    ["sql", sql],
    ["azurecloud", tagAddresses()],
    ["storage", tagAddresses()],
  ]);
  const tagAddressesAll = [...serviceTags.values()].flat();
  const disjointFromPrefixes =
    tagAddressesAll.length > 0 && tagAddressesAll.every((a) => !partial.some((p) => contains(p, a)));
  const split = splitFamilyPrefixes(c.rules);
  const unsplit = partial.filter((p) => !split.has(p));
  const disjointFromUnsplit =
    tagAddressesAll.length > 0 && tagAddressesAll.every((a) => !unsplit.some((p) => contains(p, a)));

  // Unknown ASG members: any address at all (they are NICs, but the evaluator is told nothing about them).
  const asgMembers = new Map<string, readonly string[]>(c.inbound.applicationSecurityGroups ?? []);
  const anyAddresses = [...new Set(candidates)];
  for (const key of c.unknownAsgs)
    asgMembers.set(key, [rng.pick(anyAddresses), ...(rng.chance(0.5) ? [rng.pick(anyAddresses)] : [])]);

  const unreadableAddresses = new Map<string, string[]>();
  for (const entry of MALFORMED_ADDRESSES)
    unreadableAddresses.set(
      entry,
      rng.pick([[], ["0.0.0.0/0", "::/0"], [rng.pick(anyAddresses)], [rng.pick(prefixes)]]),
    );
  const unreadablePorts = new Map<string, [number, number][]>();
  for (const entry of MALFORMED_PORTS)
    unreadablePorts.set(entry, rng.pick([[], [[0, 65535]], [[3342, 3342]], [[1433, 1433]], [[0, 1023]]]));
  const rulesWithIssuesThatApply = new Set(
    c.rules.filter((r) => r.issues.length > 0 && rng.chance(0.5)).map((r) => r.name),
  );

  // Routes of an uncollected route table: anything, but in a tag-disjoint world not over a tag's addresses.
  const routeChoices: string[][] = [
    [],
    ["0.0.0.0/0"],
    ["0.0.0.0/0", "::/0"],
    [rng.pick(publicCandidates.filter((a) => !(disjointFromPrefixes && tagAddressesAll.includes(a))))],
  ];
  const unknownRoutes =
    c.inbound.routesUnknown === undefined ? [] : rng.pick(routeChoices).filter((p) => p !== undefined);
  const own = c.inbound.virtualNetworkPrefixes;
  return {
    unknownRoutes,
    world: {
      ownNetwork: own,
      virtualNetwork: [...own, ...(c.inbound.routePrefixes ?? []), ...unknownRoutes],
      serviceTags,
      asgMembers,
      unreadableAddresses,
      unreadablePorts,
      rulesWithIssuesThatApply,
    },
    tagsDisjointFromPrefixes: disjointFromPrefixes,
    tagsDisjointFromUnsplitPrefixes: disjointFromUnsplit,
  };
}
