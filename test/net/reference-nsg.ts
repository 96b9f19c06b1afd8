// A deliberately naive NSG evaluator, the oracle of the differential test (nsg-differential.ts). It answers for ONE
// concrete packet (source address and port, destination address and port, protocol) in one concrete "world" where
// every service tag, ASG and unreadable entry stands for known addresses: sort the rules, walk them, the first rule
// whose five-tuple matches decides (Microsoft Learn, "How network security groups filter network traffic"). No set
// algebra, no caches a reviewer has to trust: the set-based evaluator in src/net is what it checks.

import type { SecurityRule } from "../../src/model/estate";

export type Direction = "Inbound" | "Outbound";

export interface Packet {
  source: string;
  sourcePort: number;
  destination: string;
  destinationPort: number;
  protocol: string;
}

/** What every name means in one world. Everything the NSG evaluator cannot know is fixed here. */
export interface World {
  /** The VNet's own address space (and its peered and gateway-connected spaces): what `Internet` excludes. */
  ownNetwork: readonly string[];
  /** What the `VirtualNetwork` tag matches: the own network plus user-defined route prefixes. */
  virtualNetwork: readonly string[];
  /** Service tag (lower case, e.g. `sql.westeurope`) → its addresses in this world. */
  serviceTags: ReadonlyMap<string, readonly string[]>;
  /** ASG key → member addresses in this world. */
  asgMembers: ReadonlyMap<string, readonly string[]>;
  /** Unreadable address entry (as written) → what it matches in this world. */
  unreadableAddresses: ReadonlyMap<string, readonly string[]>;
  /** Unreadable port entry (as written) → the port ranges it matches in this world. */
  unreadablePorts: ReadonlyMap<string, readonly [number, number][]>;
  /** Names of rules with data issues that do take part in this world (the others are as if absent). */
  rulesWithIssuesThatApply: ReadonlySet<string>;
}

// The six default rules, copied from Microsoft Learn's table rather than imported from src/net: an oracle that
// shares the code under test cannot catch its mistakes.
const DEFAULTS: readonly [string, number, Direction, "Allow" | "Deny", string, string][] = [
  ["AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"],
  ["AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"],
  ["DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"],
  ["AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"],
  ["AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"],
  ["DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"],
];

export function referenceDefaultRule(name: string): SecurityRule {
  const row = DEFAULTS.find((d) => d[0] === name);
  if (row === undefined) throw new Error(`no default rule named ${name}`);
  const [, priority, direction, access, source, destination] = row;
  return {
    name,
    priority,
    direction,
    access,
    protocol: "*",
    sourceAddressPrefixes: [source],
    destinationAddressPrefixes: [destination],
    sourcePortRanges: ["*"],
    destinationPortRanges: ["*"],
    sourceApplicationSecurityGroups: [],
    destinationApplicationSecurityGroups: [],
    isDefault: true,
    issues: [],
  };
}

/** The rules of one direction by priority, the defaults added when the list does not carry them (Azure always has them). */
export function referenceOrder(rules: readonly SecurityRule[], direction: Direction): SecurityRule[] {
  const mine = rules.filter((r) => r.direction === direction);
  const listed = new Set(mine.filter((r) => r.isDefault).map((r) => r.name.toLowerCase()));
  for (const [name, , dir] of DEFAULTS) {
    if (dir === direction && !listed.has(name.toLowerCase())) mine.push(referenceDefaultRule(name));
  }
  // Azure refuses two rules of one direction with the same priority, so priority alone orders them.
  return mine.sort((a, b) => a.priority - b.priority);
}

export interface ReferenceDecision {
  access: "Allow" | "Deny";
  rule: SecurityRule;
}

/** First match wins; `ordered` comes from referenceOrder. The DenyAll default always matches, so there is always one. */
export function referenceDecide(ordered: readonly SecurityRule[], packet: Packet, world: World): ReferenceDecision {
  for (const rule of ordered) {
    if (ruleMatches(rule, packet, world)) return { access: rule.access, rule };
  }
  throw new Error("no rule matched: the DenyAll default is missing from the ordered rules");
}

export function ruleMatches(rule: SecurityRule, packet: Packet, world: World): boolean {
  if (rule.issues.length > 0 && !world.rulesWithIssuesThatApply.has(rule.name)) return false;
  return (
    protocolMatches(rule.protocol, packet.protocol) &&
    addressMatches(rule.sourceAddressPrefixes, rule.sourceApplicationSecurityGroups, packet.source, world) &&
    addressMatches(
      rule.destinationAddressPrefixes,
      rule.destinationApplicationSecurityGroups,
      packet.destination,
      world,
    ) &&
    portMatches(rule.sourcePortRanges, packet.sourcePort, world) &&
    portMatches(rule.destinationPortRanges, packet.destinationPort, world)
  );
}

export function protocolMatches(ruleProtocol: string, protocol: string): boolean {
  const p = ruleProtocol.toLowerCase();
  return p === "*" || p === "any" || p === protocol.toLowerCase();
}

/** A field matches when any of its entries or ASGs does (singular and plural fields are already one list). */
export function addressMatches(
  entries: readonly string[],
  asgs: readonly string[],
  address: string,
  world: World,
): boolean {
  for (const asg of asgs) {
    if ((world.asgMembers.get(asg) ?? []).some((member) => inPrefix(address, member))) return true;
  }
  return entries.some((entry) => entryMatches(entry, address, world));
}

function entryMatches(entry: string, address: string, world: World): boolean {
  const word = entry.trim().toLowerCase();
  if (word === "*" || word === "any") return true;
  if (word === "internet") return !world.ownNetwork.some((p) => inPrefix(address, p));
  if (word === "virtualnetwork") return world.virtualNetwork.some((p) => inPrefix(address, p));
  if (word === "azureloadbalancer") return inPrefix(address, "168.63.129.16/32");
  const tag = world.serviceTags.get(word);
  if (tag !== undefined) return tag.some((p) => inPrefix(address, p));
  const unreadable = world.unreadableAddresses.get(entry);
  if (unreadable !== undefined) return unreadable.some((p) => inPrefix(address, p));
  return inPrefix(address, entry); // throws on an entry the world gave no meaning to
}

export function portMatches(entries: readonly string[], port: number, world: World): boolean {
  return entries.some((entry) => {
    const unreadable = world.unreadablePorts.get(entry);
    if (unreadable !== undefined) return unreadable.some(([from, to]) => from <= port && port <= to);
    return entry.split(",").some((item) => {
      const text = item.trim();
      if (text === "*" || text.toLowerCase() === "any") return true;
      const [from, to = from] = text.split("-").map(Number);
      if (!Number.isInteger(from) || !Number.isInteger(to))
        throw new Error(`reference: no meaning given to port entry '${entry}'`);
      return from! <= port && port <= to!;
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses as (family, bigint): enough to say "is this address inside that prefix".

export interface Address {
  family: 4 | 6;
  value: bigint;
}

// Parsed once per text: the differential test asks the same few hundred questions millions of times.
const ADDRESSES = new Map<string, Address>();
const PREFIXES = new Map<string, { family: 4 | 6; first: bigint; last: bigint }>();
const EDGES = new Map<string, readonly string[]>();

export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) {
    const parts = t.split(".").map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: parts.reduce((v, p) => (v << 8n) | BigInt(p), 0n) };
  }
  if (!/^[0-9a-fA-F:]+$/.test(t) || t.split("::").length > 2) return undefined;
  const [head = "", tail] = t.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if ((tail === undefined && missing !== 0) || (tail !== undefined && missing < 1)) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { family: 6, value: groups.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** The first and last address of a prefix and the addresses just outside it (within its family), as text. */
export function prefixEdges(prefix: string): readonly string[] {
  let edges = EDGES.get(prefix);
  if (edges === undefined) {
    const { family, first, last } = prefixBounds(prefix);
    const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    edges = [first, last, first - 1n, last + 1n]
      .filter((v) => v >= 0n && v <= max)
      .map((v) => formatAddress(family, v));
    if (EDGES.size > 100_000) EDGES.clear();
    EDGES.set(prefix, edges);
  }
  return edges;
}

/** `prefix` is `a.b.c.d/len`, an IPv6 prefix, or a bare address; host bits are ignored, as Azure does. */
export function prefixBounds(prefix: string): { family: 4 | 6; first: bigint; last: bigint } {
  let bounds = PREFIXES.get(prefix);
  if (bounds === undefined) {
    bounds = computeBounds(prefix);
    if (PREFIXES.size > 100_000) PREFIXES.clear();
    PREFIXES.set(prefix, bounds);
  }
  return bounds;
}

function computeBounds(prefix: string): { family: 4 | 6; first: bigint; last: bigint } {
  const [addressText = "", lengthText] = prefix.trim().split("/");
  const address = parseAddress(addressText);
  if (address === undefined) throw new Error(`reference: '${prefix}' is not an address prefix`);
  const width = address.family === 4 ? 32 : 128;
  const length = lengthText === undefined ? width : Number(lengthText);
  const hostBits = BigInt(width - length);
  const first = (address.value >> hostBits) << hostBits;
  return { family: address.family, first, last: first + (1n << hostBits) - 1n };
}

export function inPrefix(addressText: string, prefix: string): boolean {
  let address = ADDRESSES.get(addressText);
  if (address === undefined) {
    address = parseAddress(addressText);
    if (address === undefined) throw new Error(`reference: '${addressText}' is not an address`);
    if (ADDRESSES.size > 100_000) ADDRESSES.clear();
    ADDRESSES.set(addressText, address);
  }
  const bounds = prefixBounds(prefix);
  return address.family === bounds.family && bounds.first <= address.value && address.value <= bounds.last;
}

export function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(":");
}
