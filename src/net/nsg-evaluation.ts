// NSG evaluation as set operations. Azure takes the rules of one direction in priority order and the first rule
// that matches a packet decides it, so the question "who can reach port 3342" is answered by walking the rules
// with the set of still-undecided sources: each rule decides `remaining ∩ rule sources`, and a Deny at 300
// therefore shadows an Allow at 4000 for exactly the sources it covers.
//
// Real rules are not always readable (ASGs, unknown tags, malformed prefixes, restricted source ports, a
// VirtualNetwork tag whose meaning we were not told). Rather than guess, every rule is resolved to a set it
// certainly matches and a set it possibly matches, and the walk runs twice: once leaning towards exposure
// (uncertain Allows match everything they might, uncertain Denies nothing) and once leaning towards restriction.
// Azure's real answer lies between the two, so a verdict both walks agree on is certain; otherwise it is
// `uncertain` and the evidence names the rules that made it so. Pure functions, no I/O.

import { DEFAULT_SECURITY_RULES } from "../model/default-security-rules";
import type { SecurityRule } from "../model/estate";
import {
  ALL_IP,
  ALL_IPV4,
  ALL_IPV6,
  ALL_SERVICE_TAGS,
  AZURE_LOAD_BALANCER,
  AddressSet,
  EVERYTHING,
  PRIVATE_RANGES,
  type SetDifference,
  parsePrefix,
} from "./address-set";
import { PortSet, parsePortList, parsePortSpec } from "./port-set";
import { parseServiceTag } from "./service-tags";
import { type TrustPolicy, untrustedSources } from "./trust";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface InboundExposureQuery {
  protocol: "Tcp" | "Udp";
  /** e.g. "3342" or "1433"; ranges and lists are accepted too. */
  ports: string;
  /** Destination the NSG protects (e.g. the subnet's prefixes); [] = unknown. */
  protectedPrefixes: string[];
  /** The estate's own network as the VirtualNetwork tag counts it (VNet space, peered and gateway-connected spaces). */
  virtualNetworkPrefixes: string[];
  /** Prefixes of user-defined routes that Azure also adds to VirtualNetwork; matched by the tag, never trusted. */
  routePrefixes?: string[];
  /** Why the route prefixes are unknown (a route table that was not collected): VirtualNetwork may then match any address. */
  routesUnknown?: string;
  /** ASG key → member addresses, for the ASGs whose members are all known; an ASG absent from the map is unknown. */
  applicationSecurityGroups?: ReadonlyMap<string, readonly string[]>;
}

/** What the VirtualNetwork tag, the ASGs and the Internet tag stand for in one query (shared by both directions). */
type NetworkQuery = Pick<InboundExposureQuery, "virtualNetworkPrefixes" | "routePrefixes" | "routesUnknown" | "applicationSecurityGroups">;

export interface RuleRef {
  name: string;
  priority: number;
  access: "Allow" | "Deny";
  isDefault: boolean;
  /** The rule's own description, for custom rules that have one (the platform defaults' are boilerplate). */
  description?: string;
}

export interface InboundExposure {
  verdict: "exposed" | "notExposed" | "uncertain";
  /** Exposure bound: untrusted sources allowed (CIDRs and tag names), at most 20 listed. */
  untrustedAllowed: string[];
  /**
   * One example untrusted source and the Allow rule that lets it in (when exposed or uncertain); `sourcePorts` is set
   * when the rules treat source ports differently, and names the client ports that get in.
   */
  example?: { source: string; port: number; sourcePorts?: string; rule: RuleRef };
  /** When notExposed: the rule that decided for (most of) the untrusted space, e.g. a Deny or DenyAllInBound. */
  decidingRule?: RuleRef;
  /** Rules whose uncertainty could change the verdict (empty when the verdict is certain). */
  uncertainRules: RuleRef[];
  /** Human-readable reasons for uncertainty. */
  notes: string[];
}

export interface OutboundFlowQuery extends NetworkQuery {
  protocol: "Tcp" | "Udp";
  /** e.g. "1433" or "11000-11999". */
  ports: string;
  /** The subnet the NSG protects (local side); [] = unknown. */
  sourcePrefixes: string[];
  /** The remote subnet (e.g. the MI subnet). */
  destinationPrefixes: string[];
}

export interface OutboundSegment {
  ports: string;
  verdict: "allowed" | "blocked" | "uncertain";
  rule?: RuleRef;
  /** When blocked for some ephemeral source ports only: those ports (connections that draw them fail). */
  sourcePorts?: string;
}

export interface OutboundFlow {
  /**
   * allowed = every port is allowed to every destination address, whatever the uncertain rules mean;
   * blocked = some port is denied for some destination address even in the reading most favourable to allowing;
   * uncertain otherwise.
   */
  verdict: "allowed" | "blocked" | "uncertain";
  segments: OutboundSegment[];
  uncertainRules: RuleRef[];
  notes: string[];
}

export function ruleRef(rule: SecurityRule): RuleRef {
  const ref: RuleRef = { name: rule.name, priority: rule.priority, access: rule.access, isDefault: rule.isDefault };
  // Evidence carries it so a reader sees why the rule exists ("legacy vendor access"); it is Azure data, never markup.
  if (!rule.isDefault && rule.description !== undefined && rule.description.trim() !== "") ref.description = rule.description;
  return ref;
}

/** `DenyAll3342 (priority 300, Deny)`; default rules say so: `DenyAllInBound (priority 65500, Deny, default rule)`. */
export function formatRuleRef(ref: RuleRef): string {
  return `${ref.name} (priority ${ref.priority}, ${ref.access}${ref.isDefault ? ", default rule" : ""})`;
}

/**
 * `untrusted source 198.51.100.7 via rule AllowAll (priority 100, Allow)`; when only some client ports get in, it says
 * which (`... from source ports 0-1023 via ...`), so a reader can see why a source-port Deny did not protect.
 */
export function formatExposureExample(example: InboundExposure["example"]): string {
  if (example === undefined) return "an untrusted source";
  const ports = example.sourcePorts === undefined ? "" : ` from source port${/[-,]/.test(example.sourcePorts) ? "s" : ""} ${example.sourcePorts}`;
  return `untrusted source ${example.source}${ports} via rule ${formatRuleRef(example.rule)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Rule order

type Direction = "Inbound" | "Outbound";

function directionOf(rule: SecurityRule): Direction | undefined {
  const folded = String(rule.direction).toLowerCase();
  return folded === "inbound" ? "Inbound" : folded === "outbound" ? "Outbound" : undefined;
}

function hasReadablePriority(rule: SecurityRule): boolean {
  return typeof rule.priority === "number" && Number.isFinite(rule.priority);
}

/**
 * The rules Azure evaluates for one direction, in evaluation order: priority ascending, custom before default
 * on a tie, then name. The platform defaults always exist in Azure, so any missing from `rules` are added.
 * A rule with an unreadable priority is put first, where its uncertainty has the most effect. A rule whose
 * direction is unreadable is kept in both directions (it is marked uncertain by the evaluation).
 */
export function rulesInEvaluationOrder(rules: readonly SecurityRule[], direction: Direction): SecurityRule[] {
  const mine = rules.filter((r) => {
    const d = directionOf(r);
    return d === direction || d === undefined;
  });
  const presentDefaults = new Set(mine.filter((r) => r.isDefault).map((r) => r.name.toLowerCase()));
  const missingDefaults = DEFAULT_SECURITY_RULES.filter(
    (d) => d.direction === direction && !presentDefaults.has(d.name.toLowerCase()),
  );
  const key = (r: SecurityRule) => (hasReadablePriority(r) ? r.priority : Number.NEGATIVE_INFINITY);
  return [...mine, ...missingDefaults].sort(
    (a, b) =>
      key(a) - key(b) ||
      Number(a.isDefault) - Number(b.isDefault) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Resolving one rule

type Tri = "yes" | "no" | "maybe";

function and(a: Tri, b: Tri): Tri {
  if (a === "no" || b === "no") return "no";
  return a === "maybe" || b === "maybe" ? "maybe" : "yes";
}

interface Context {
  protocol: string;
  /**
   * The estate's own network (the VNet, its peered and gateway-connected spaces): trusted, and what `Internet`
   * excludes. undefined when the caller did not tell us what VirtualNetwork means.
   */
  ownNetwork?: AddressSet;
  /** What the VirtualNetwork tag certainly matches: the own network plus user-defined route prefixes. */
  virtualNetwork?: AddressSet;
  /** Why VirtualNetwork may match more than `virtualNetwork` (an uncollected route table): it may then match anything. */
  routesUnknown?: string;
  /** Names the three fields above (the prefixes as the query gave them): the cache key of what depends on them. */
  virtualNetworkKey: string;
  /** undefined when the protected (local-side) range is unknown. */
  localRange?: AddressSet;
  /** ASG key → members' addresses, for the ASGs whose members are known. */
  applicationSecurityGroups?: { get(key: string): AddressSet | undefined };
}

// Source ports. Inbound, the client picks its own source port, any of 0-65535 (a raw socket can send from any), so the
// exposure question is "is there a source port that gets in": an Allow naming some source ports admits every client
// that picks one of them, and a Deny naming some protects nobody who picks another. Outbound from an app subnet, the
// app's own stack picks an ephemeral port it does not control: Windows uses 49152-65535 and Linux 32768-60999 by
// default, and both can be changed, so a flow is "allowed" only when every port from 1024 to 65535 gets out, and a
// rule that blocks some of them makes it "blocked" for the connections that draw one (named in the evidence).
const INBOUND_SOURCE_PORTS = PortSet.ALL;

// Service tags list Azure's public prefixes, IPv4 and IPv6: a tag's addresses lie in this space, never in private ranges.
const TAG_SPACE = ALL_IP.subtract(PRIVATE_RANGES);
const PUBLIC_IPV4 = ALL_IPV4.subtract(PRIVATE_RANGES);
const PUBLIC_IPV6 = ALL_IPV6.subtract(PRIVATE_RANGES);
export const EPHEMERAL_SOURCE_PORTS = PortSet.range(1024, 65535);

/** A rule's remote side: the addresses it certainly matches, and those it possibly matches (certain ⊆ possible). */
interface RemoteSide {
  certain: AddressSet;
  possible: AddressSet;
  reasons: string[];
  /**
   * True when the side names no tag itself and its tag atoms only stand for the tags' addresses inside its IP ranges
   * (a field covering a whole family): it then decides tag addresses only where its IPs are still undecided.
   */
  tagsFromAddresses: boolean;
}

function isAnyWord(text: string): boolean {
  return text === "*" || text.toLowerCase() === "any";
}

function quote(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}

/** What an unreadable address entry is: an unknown tag reads better than "malformed prefix" for `Foo`. */
function unreadableEntry(field: string, entry: unknown): string {
  if (typeof entry === "string" && /^[A-Za-z][A-Za-z0-9.]*$/.test(entry.trim())) {
    return `${field} uses unknown service tag ${quote(entry)}`;
  }
  const parsed = typeof entry === "string" ? parsePrefix(entry) : undefined;
  return `${field} has a malformed address ${parsed !== undefined && !parsed.ok ? parsed.reason : quote(entry)}`;
}

/** One address entry of a rule, classified once (the parse does not depend on the query). */
type AddressEntry =
  | { kind: "any" }
  | { kind: "internet" }
  | { kind: "virtualNetwork" }
  | { kind: "loadBalancer" }
  | { kind: "tag"; text: string; set: AddressSet }
  | { kind: "prefix"; set: AddressSet }
  | { kind: "unreadable"; entry: unknown };

function classifyEntry(entry: unknown): AddressEntry {
  const text = typeof entry === "string" ? entry.trim() : "";
  const folded = text.toLowerCase();
  if (text !== "" && isAnyWord(text)) return { kind: "any" };
  if (folded === "internet") return { kind: "internet" };
  if (folded === "virtualnetwork") return { kind: "virtualNetwork" };
  if (folded === "azureloadbalancer") return { kind: "loadBalancer" };
  if (text !== "" && parseServiceTag(text) !== undefined) return { kind: "tag", text, set: AddressSet.serviceTag(text)! };
  const parsed = typeof entry === "string" ? parsePrefix(entry) : undefined;
  if (parsed?.ok) return { kind: "prefix", set: parsed.prefix.set };
  return { kind: "unreadable", entry };
}

/** The query-independent parse of a rule: its address entries and port lists. */
interface ParsedRule {
  sourceAddresses: readonly AddressEntry[];
  destinationAddresses: readonly AddressEntry[];
  sourcePorts: ParsedPorts;
  destinationPorts: ParsedPorts;
}

type ParsedPorts = ReturnType<typeof parsePortList>;

// What is parsed once, and what it is keyed by. The estate builder shares one frozen list per distinct value list
// (and one frozen rule per distinct rule), and lists repeat far more than rules: in the generated 100k-row estate,
// 757,000 rule fields hold 18,000 distinct lists. So parses are cached per list object, in WeakMaps (the estate owns
// the lists; nothing changes them), and address entries per text in a bounded map, so that the sets of `10.0.0.0/8`
// or `AzureCloud` exist once. A per-rule cache held about 1 KB per distinct rule, 0.5 GB at 1M rows.
const ADDRESS_LISTS = new WeakMap<readonly string[], readonly AddressEntry[]>();
const PORT_LISTS = new WeakMap<readonly string[], ParsedPorts>();
const ADDRESS_ENTRIES = new Map<string, AddressEntry>();
const ADDRESS_ENTRIES_MAX = 50_000;

function addressEntries(list: readonly string[]): readonly AddressEntry[] {
  let entries = ADDRESS_LISTS.get(list);
  if (entries === undefined) {
    entries = list.map(addressEntry);
    ADDRESS_LISTS.set(list, entries);
  }
  return entries;
}

function addressEntry(entry: unknown): AddressEntry {
  if (typeof entry !== "string") return classifyEntry(entry);
  let known = ADDRESS_ENTRIES.get(entry);
  if (known === undefined) {
    known = classifyEntry(entry);
    if (ADDRESS_ENTRIES.size >= ADDRESS_ENTRIES_MAX) ADDRESS_ENTRIES.clear();
    ADDRESS_ENTRIES.set(entry, known);
  }
  return known;
}

function portList(list: readonly string[]): ParsedPorts {
  let parsed = PORT_LISTS.get(list);
  if (parsed === undefined) {
    parsed = parsePortList(list);
    PORT_LISTS.set(list, parsed);
  }
  return parsed;
}

function parsedRule(rule: SecurityRule): ParsedRule {
  return {
    sourceAddresses: addressEntries(rule.sourceAddressPrefixes),
    destinationAddresses: addressEntries(rule.destinationAddressPrefixes),
    sourcePorts: portList(rule.sourcePortRanges),
    destinationPorts: portList(rule.destinationPortRanges),
  };
}

/**
 * A rule's remote side depends on its address list, its ASGs, the field and, when the list names Internet or
 * VirtualNetwork, what VirtualNetwork means. It is cached per list object (rules without ASGs): the builder shares one
 * list per distinct content, so `*`, `AzureFrontDoor.Backend` or `Internet` are resolved once per field (and, for
 * Internet and VirtualNetwork, per VNet: the last few, as NSGs arrive grouped by subscription and VNet). Bounded: the
 * lists a large estate holds are many (180,000 at 1M rows), and a resolution costs a few hundred bytes.
 */
const REMOTE_SIDES = new Map<readonly string[], Map<string, RemoteSide>>();
const REMOTE_LISTS_MAX = 20_000;
const VNETS_PER_LIST = 8;

function cachedRemote(rule: SecurityRule, parsed: ParsedRule, direction: Direction, ctx: Context): RemoteSide {
  const inbound = direction === "Inbound";
  const prefixes = inbound ? rule.sourceAddressPrefixes : rule.destinationAddressPrefixes;
  const entries = inbound ? parsed.sourceAddresses : parsed.destinationAddresses;
  const asgs = inbound ? rule.sourceApplicationSecurityGroups : rule.destinationApplicationSecurityGroups;
  const field = inbound ? "source" : "destination";
  if (asgs.length > 0) return resolveRemote(prefixes, entries, asgs, field, ctx);
  const dependsOnVnet = entries.some((entry) => entry.kind === "internet" || entry.kind === "virtualNetwork");
  const key = dependsOnVnet ? `${field}|${ctx.virtualNetworkKey}` : field;
  let sides = REMOTE_SIDES.get(prefixes);
  const known = sides?.get(key);
  if (known !== undefined) return known;
  const remote = resolveRemote(prefixes, entries, asgs, field, ctx);
  if (sides === undefined) {
    if (REMOTE_SIDES.size >= REMOTE_LISTS_MAX) REMOTE_SIDES.clear();
    sides = new Map();
    REMOTE_SIDES.set(prefixes, sides);
  } else if (sides.size >= VNETS_PER_LIST) {
    sides.delete(sides.keys().next().value!);
  }
  sides.set(key, remote);
  return remote;
}

/** The known members of a rule's ASGs, and the ASGs whose members are not known. */
function asgMembers(asgs: readonly string[], ctx: Context): { known: AddressSet; unknown: string[] } {
  let known = AddressSet.EMPTY;
  const unknown: string[] = [];
  for (const key of asgs) {
    const members = ctx.applicationSecurityGroups?.get(key);
    if (members === undefined) unknown.push(key);
    else known = known.union(members);
  }
  return { known, unknown };
}

function unknownAsgReason(field: string, unknown: readonly string[]): string {
  const names = unknown.map((key) => key.slice(key.lastIndexOf("/") + 1));
  return `${field} uses application security group${names.length > 1 ? "s" : ""} ${names.join(", ")}, whose members are not known here`;
}

function resolveRemote(
  prefixes: readonly string[],
  entries: readonly AddressEntry[],
  asgs: readonly string[],
  field: string,
  ctx: Context,
): RemoteSide {
  let certain = AddressSet.EMPTY;
  let possible = AddressSet.EMPTY;
  const reasons: string[] = [];
  const add = (c: AddressSet, p: AddressSet = c) => {
    certain = certain.union(c);
    possible = possible.union(p);
  };
  if (asgs.length > 0) {
    const members = asgMembers(asgs, ctx);
    // An ASG matches exactly its member NICs' addresses. Unknown members could be any address: they are NICs in a
    // virtual network, but the VirtualNetwork prefixes we are given may be incomplete, and assuming less could turn
    // a finding into a pass.
    add(members.known, members.unknown.length > 0 ? EVERYTHING : members.known);
    if (members.unknown.length > 0) reasons.push(unknownAsgReason(field, members.unknown));
  }
  if (prefixes.length === 0 && asgs.length === 0) {
    possible = EVERYTHING;
    reasons.push(`${field} lists no address`);
  }
  for (const entry of entries) {
    if (entry.kind === "any") {
      add(EVERYTHING);
    } else if (entry.kind === "internet") {
      if (ctx.ownNetwork !== undefined) add(ALL_IP.subtract(ctx.ownNetwork).union(ALL_SERVICE_TAGS));
      else {
        add(ALL_SERVICE_TAGS, EVERYTHING);
        reasons.push(`${field} uses Internet, but the VirtualNetwork prefixes it excludes were not supplied`);
      }
    } else if (entry.kind === "virtualNetwork") {
      if (ctx.virtualNetwork === undefined) {
        add(AddressSet.EMPTY, ALL_IP);
        reasons.push(`${field} uses VirtualNetwork, but its prefixes were not supplied`);
      } else if (ctx.routesUnknown !== undefined) {
        add(ctx.virtualNetwork, ALL_IP);
        reasons.push(`${field} uses VirtualNetwork, which also holds the prefixes of user-defined routes, and ${ctx.routesUnknown}`);
      } else {
        add(ctx.virtualNetwork);
      }
    } else if (entry.kind === "loadBalancer") {
      add(AZURE_LOAD_BALANCER);
    } else if (entry.kind === "tag" || entry.kind === "prefix") {
      add(entry.set);
    } else {
      add(AddressSet.EMPTY, EVERYTHING);
      reasons.push(unreadableEntry(field, entry.entry));
    }
  }
  // Service tags are made of IPv4 and IPv6 addresses: a field covering both whole families covers every tag,
  // one covering a single family covers some unknown part of each tag.
  const tagsFromAddresses = !possible.hasServiceTags();
  const ips = certain.ipAddresses();
  if (ips.containsAll(ALL_IP)) {
    certain = certain.union(ALL_SERVICE_TAGS);
    possible = possible.union(ALL_SERVICE_TAGS);
  } else if (ips.containsAll(ALL_IPV4) || ips.containsAll(ALL_IPV6)) {
    if (!certain.containsAll(ALL_SERVICE_TAGS)) {
      possible = possible.union(ALL_SERVICE_TAGS);
      reasons.push(`${field} covers all of one IP family only, so it matches part of each service tag`);
    }
  }
  return { certain, possible, reasons, tagsFromAddresses };
}

const MATCHES_ALL: { match: Tri; reasons: string[] } = Object.freeze({ match: "yes" as Tri, reasons: Object.freeze([]) as unknown as string[] });

/** Does the rule's local side (destination inbound, source outbound) cover the whole protected range? */
function resolveLocal(
  prefixes: readonly string[],
  entries: readonly AddressEntry[],
  asgs: readonly string[],
  field: string,
  ctx: Context,
): { match: Tri; reasons: string[] } {
  // The common case, `*`: matches every protected range, whatever it is.
  if (asgs.length === 0 && entries.length > 0 && entries.every((entry) => entry.kind === "any")) return MATCHES_ALL;
  const reasons: string[] = [];
  if (prefixes.length === 0 && asgs.length === 0) reasons.push(`${field} lists no address`);
  const target = ctx.localRange ?? ALL_IP;
  let certain = AddressSet.EMPTY;
  let possible = AddressSet.EMPTY;
  const add = (c: AddressSet, p: AddressSet = c) => {
    certain = certain.union(c);
    possible = possible.union(p);
  };
  let asgsUnknown = false;
  if (asgs.length > 0) {
    const members = asgMembers(asgs, ctx);
    add(members.known);
    asgsUnknown = members.unknown.length > 0;
    if (asgsUnknown) reasons.push(unknownAsgReason(field, members.unknown));
  }
  for (const entry of entries) {
    if (entry.kind === "any") {
      add(ALL_IP);
    } else if (entry.kind === "virtualNetwork") {
      // The protected subnet is always inside its own VNet; if the supplied prefixes do not say so they are
      // incomplete (VirtualNetwork also spans peerings and on-premises space), so this is uncertain, not "no".
      if (ctx.virtualNetwork === undefined) {
        add(AddressSet.EMPTY, ALL_IP);
        reasons.push(`${field} uses VirtualNetwork, but its prefixes were not supplied`);
      } else {
        add(ctx.virtualNetwork, ALL_IP);
        if (ctx.localRange !== undefined && !ctx.virtualNetwork.containsAll(ctx.localRange)) {
          reasons.push(`${field} uses VirtualNetwork, but the protected range is not inside the supplied VirtualNetwork prefixes`);
        }
      }
    } else if (entry.kind === "internet") {
      if (ctx.ownNetwork !== undefined) add(ALL_IP.subtract(ctx.ownNetwork));
      else {
        add(AddressSet.EMPTY, ALL_IP);
        reasons.push(`${field} uses Internet, but the VirtualNetwork prefixes it excludes were not supplied`);
      }
    } else if (entry.kind === "loadBalancer") {
      add(AZURE_LOAD_BALANCER);
    } else if (entry.kind === "tag") {
      // A service tag is Azure public address space; it cannot contain a private protected range.
      add(AddressSet.EMPTY, ALL_IP.subtract(PRIVATE_RANGES));
      if (!PRIVATE_RANGES.containsAll(target)) {
        reasons.push(`${field} uses service tag ${quote(entry.text)}, whose addresses are not known here`);
      }
    } else if (entry.kind === "prefix") {
      add(entry.set);
    } else {
      add(AddressSet.EMPTY, ALL_IP);
      reasons.push(unreadableEntry(field, entry.entry));
    }
  }
  if (asgsUnknown || (prefixes.length === 0 && asgs.length === 0)) possible = possible.union(ALL_IP);
  if (certain.containsAll(target)) return { match: "yes", reasons: [] };
  if (!possible.overlaps(target)) return { match: "no", reasons: [] };
  if (reasons.length === 0) {
    reasons.push(
      ctx.localRange === undefined
        ? `${field} names specific addresses (${prefixes.join(", ")}) and the protected range is unknown`
        : `${field} (${prefixes.join(", ")}) covers only part of the protected range`,
    );
  }
  return { match: "maybe", reasons };
}

const KNOWN_PROTOCOLS = new Set(["tcp", "udp", "icmp", "esp", "ah"]);

interface PortBounds {
  certain: PortSet;
  possible: PortSet;
}

interface PreparedRule {
  rule: SecurityRule;
  ref: RuleRef;
  /** Access as evaluated; undefined when unreadable (each bound then takes the worse reading). */
  access?: "Allow" | "Deny";
  /** Everything except the ports and the remote side: protocol, local side, data issues. */
  fixed: Tri;
  destinationPorts: PortBounds;
  sourcePorts: PortBounds;
  remote: RemoteSide;
  reasons: string[];
}

function prepareRule(rule: SecurityRule, direction: Direction, ctx: Context): PreparedRule {
  const reasons: string[] = [];
  let fixed: Tri = "yes";
  const maybe = (reason: string) => {
    fixed = and(fixed, "maybe");
    reasons.push(reason);
  };

  if (rule.issues.length > 0) maybe(`rule data has problems: ${rule.issues.join("; ")}`);
  if (directionOf(rule) === undefined) maybe(`direction ${quote(rule.direction)} is not Inbound or Outbound`);
  if (!hasReadablePriority(rule)) maybe(`priority ${quote(rule.priority)} is unreadable, so it is assumed to come first`);
  const accessText = String(rule.access).toLowerCase();
  const access = accessText === "allow" ? "Allow" : accessText === "deny" ? "Deny" : undefined;
  if (access === undefined) maybe(`access ${quote(rule.access)} is not Allow or Deny`);

  const protocol = typeof rule.protocol === "string" ? rule.protocol.trim().toLowerCase() : "";
  if (protocol === "*" || protocol === "any") {
    // matches every protocol
  } else if (protocol === ctx.protocol.toLowerCase()) {
    // exact protocol
  } else if (KNOWN_PROTOCOLS.has(protocol)) {
    fixed = "no";
  } else {
    maybe(`protocol ${quote(rule.protocol)} is not recognised`);
  }

  const parsed = parsedRule(rule);

  const local =
    direction === "Inbound"
      ? resolveLocal(rule.destinationAddressPrefixes, parsed.destinationAddresses, rule.destinationApplicationSecurityGroups, "destination", ctx)
      : resolveLocal(rule.sourceAddressPrefixes, parsed.sourceAddresses, rule.sourceApplicationSecurityGroups, "source", ctx);
  fixed = and(fixed, local.match);
  reasons.push(...local.reasons);

  const remote = cachedRemote(rule, parsed, direction, ctx);
  reasons.push(...remote.reasons);

  const { destinationPorts, sourcePorts } = parsed;
  reasons.push(...destinationPorts.problems.map((p) => `destination ports: ${p}`));
  reasons.push(...sourcePorts.problems.map((p) => `source ports: ${p}`));
  return {
    rule,
    ref: ruleRef(rule),
    ...(access === undefined ? {} : { access }),
    fixed,
    destinationPorts: portBounds(destinationPorts),
    sourcePorts: portBounds(sourcePorts),
    remote,
    reasons,
  };
}

/** The ports a field certainly matches (its readable entries), and those it possibly matches (all, if any is unreadable). */
function portBounds(parsed: ParsedPorts): PortBounds {
  return { certain: parsed.ports, possible: parsed.problems.length > 0 ? PortSet.ALL : parsed.ports };
}

function portMatch(bounds: PortBounds, segment: PortSet): Tri {
  return bounds.certain.containsAll(segment) ? "yes" : bounds.possible.overlaps(segment) ? "maybe" : "no";
}

/** Destination and source port pieces that never straddle a rule boundary, so every rule matches each whole or not at all. */
interface PortSegment {
  destination: PortSet;
  source: PortSet;
}

/** The rule's certain and possible match for one port segment. */
function matchFor(rule: PreparedRule, segment: PortSegment): { certain: AddressSet; possible: AddressSet } {
  const tri = and(rule.fixed, and(portMatch(rule.destinationPorts, segment.destination), portMatch(rule.sourcePorts, segment.source)));
  if (tri === "no") return { certain: AddressSet.EMPTY, possible: AddressSet.EMPTY };
  return { certain: tri === "yes" ? rule.remote.certain : AddressSet.EMPTY, possible: rule.remote.possible };
}

/** Every destination segment paired with every source segment. */
function portSegments(destination: PortSet, source: PortSet, rules: readonly PreparedRule[]): PortSegment[] {
  // Most rule sets never name a source port: one source piece then, without splitting.
  const sources = rules.every((r) => r.sourcePorts.certain.equals(PortSet.ALL)) ? [source] : splitPorts(source, rules.map((r) => r.sourcePorts));
  return splitPorts(destination, rules.map((r) => r.destinationPorts)).flatMap((d) => sources.map((s) => ({ destination: d, source: s })));
}

/** Splits the queried ports at every rule's port boundaries, so each piece is uniform for every rule. */
function splitPorts(query: PortSet, fields: readonly PortBounds[]): PortSet[] {
  const cuts = new Set<number>();
  for (const field of fields) {
    for (const set of [field.certain, field.possible]) {
      for (const { from, to } of set.ranges()) {
        cuts.add(from);
        cuts.add(to + 1);
      }
    }
  }
  const sortedCuts = [...cuts].sort((a, b) => a - b);
  const segments: PortSet[] = [];
  for (const { from, to } of query.ranges()) {
    let start = from;
    for (const cut of sortedCuts) {
      if (cut <= start || cut > to) continue;
      segments.push(PortSet.range(start, cut - 1));
      start = cut;
    }
    segments.push(PortSet.range(start, to));
  }
  return segments;
}

// ---------------------------------------------------------------------------------------------------------------
// The walk

type Bound = "exposure" | "restrictive";

interface Decision {
  rule: PreparedRule;
  access: "Allow" | "Deny";
  decided: AddressSet;
  /** The part decided only because this bound resolved the rule's uncertainty its way. */
  assumed: AddressSet;
}

interface Walk {
  allowed: AddressSet;
  decisions: Decision[];
}

/**
 * First match wins, per address. In the exposure bound an uncertain Allow takes everything it possibly matches
 * and an uncertain Deny only what it certainly matches; the restrictive bound does the opposite. Addresses left
 * at the end are denied, as Azure does (the DenyAll defaults are always present anyway).
 *
 * Service tags are addresses too. Azure allows no IPv4 and IPv6 prefixes in one rule, so "deny everything" is often
 * `0.0.0.0/0` and `::/0` in two rules, or split prefixes: once the rules walked so far have decided every IPv4 and
 * every IPv6 address, every address of every tag has been decided with them, and the tag atoms still undecided are
 * done. Their addresses' outcomes are already in the IP part of `allowed`; a tag counts as allowed only when every
 * address was allowed (otherwise which of its addresses were is unknown, and the IP part already says what got in).
 */
function walk(rules: readonly PreparedRule[], segment: PortSegment, start: AddressSet, bound: Bound): Walk {
  let remaining = start;
  let allowed = AddressSet.EMPTY;
  const decisions: Decision[] = [];
  for (const rule of rules) {
    if (remaining.isEmpty()) break;
    const match = matchFor(rule, segment);
    let certain = match.certain;
    let possible = match.possible;
    if (remaining.hasServiceTags() && possible.hasServiceTags()) {
      // A tag's undecided addresses lie among the undecided public IPs (tags list Azure's public prefixes).
      const undecided = remaining.ipAddresses().intersect(TAG_SPACE);
      if (rule.remote.tagsFromAddresses) {
        // Tag atoms that stand for the tags' addresses in this side's ranges: none is left to decide once those
        // ranges are decided (Deny ::/0, then Allow ::/0, opens no tag).
        if (!undecided.overlaps(possible.ipAddresses())) {
          certain = certain.ipAddresses();
          possible = possible.ipAddresses();
        }
      } else if (!undecided.overlaps(PUBLIC_IPV4) || !undecided.overlaps(PUBLIC_IPV6)) {
        // A named tag after one whole family was decided (Deny 0.0.0.0/1 and 128.0.0.0/1): the tag's addresses in that
        // family are decided already, so this rule decides the tag only if it has addresses in the other family.
        certain = certain.ipAddresses();
      }
    }
    if (possible.isEmpty()) continue;
    const access = rule.access ?? (bound === "exposure" ? "Allow" : "Deny");
    const takesPossible = (bound === "exposure") === (access === "Allow");
    const decided = remaining.intersect(takesPossible ? possible : certain);
    if (decided.isEmpty()) continue;
    decisions.push({ rule, access, decided, assumed: takesPossible ? decided.subtract(certain) : AddressSet.EMPTY });
    if (access === "Allow") allowed = allowed.union(decided);
    remaining = remaining.subtract(decided);
    // Checked last: only a walk left with tags and no public address gets this far, so the others never pay for it.
    if (remaining.hasServiceTags() && !remaining.overlaps(TAG_SPACE) && start.containsAll(TAG_SPACE)) {
      if (allowed.containsAll(TAG_SPACE)) allowed = allowed.union(remaining);
      remaining = remaining.ipAddresses();
    }
  }
  return { allowed, decisions };
}

/** Rules whose assumed part touched `relevant`: the ones whose real meaning could change the answer. */
function culprits(exposure: Walk, restrictive: Walk, relevant: { overlaps(set: AddressSet): boolean }): PreparedRule[] {
  return [
    ...exposure.decisions.filter((d) => d.access === "Allow" && relevant.overlaps(d.assumed)),
    ...restrictive.decisions.filter((d) => d.access === "Deny" && relevant.overlaps(d.assumed)),
  ].map((d) => d.rule);
}

function uniqueInOrder(rules: PreparedRule[], order: readonly PreparedRule[]): PreparedRule[] {
  const wanted = new Set(rules);
  return order.filter((r) => wanted.has(r));
}

function noteFor(rule: PreparedRule): string {
  // A rule with nothing unreadable is uncertain only through the walk: it names service tags after the rules before it
  // decided one whole IP family, and whether the tags have addresses in the other family is not known here.
  const why = rule.reasons.length > 0 ? rule.reasons.join("; ") : "its service tags may have addresses only in the IP family the rules before it already decided";
  return `${formatRuleRef(rule.ref)}: ${why}`;
}

/** Everything some Allow (or unreadable-access) rule could match on this segment, ignoring rule order. */
function admittableBy(rules: readonly PreparedRule[], segment: PortSegment): AddressSet {
  return rules
    .filter((r) => r.access !== "Deny")
    .reduce((set, r) => set.union(matchFor(r, segment).possible), AddressSet.EMPTY);
}

/** Biggest share first: IPv4 count, then IPv6 count, then tags; evaluation order breaks ties. */
interface Measurable {
  isEmpty(): boolean;
  addressCount(family: "ipv4" | "ipv6"): bigint;
  hasServiceTags(): boolean;
}

function largest(decisions: Decision[], within: { intersect(set: AddressSet): Measurable }): Decision | undefined {
  let best: Decision | undefined;
  let bestKey: [bigint, bigint, number] = [-1n, -1n, -1];
  for (const d of decisions) {
    const part = within.intersect(d.decided);
    if (part.isEmpty()) continue;
    const key: [bigint, bigint, number] = [part.addressCount("ipv4"), part.addressCount("ipv6"), part.hasServiceTags() ? 1 : 0];
    if (key[0] > bestKey[0] || (key[0] === bestKey[0] && (key[1] > bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))) {
      best = d;
      bestKey = key;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Query inputs

/**
 * VirtualNetwork prefixes repeat for every NSG, subnet and NIC of a VNet: parsed once per distinct list. Bounded:
 * cleared when full (entries are cheap to rebuild, and queries arrive grouped by VNet).
 */
const VNET_PREFIX_SETS = new Map<string, { set?: AddressSet; note?: string }>();
const VNET_PREFIX_SETS_MAX = 4_096;

function prefixListKey(prefixes: readonly string[]): string {
  return prefixes.length === 0 ? "" : prefixes.join("\u0000");
}

function parseVirtualNetworkPrefixes(prefixes: readonly string[], key: string, notes: string[]): AddressSet | undefined {
  let known = VNET_PREFIX_SETS.get(key);
  if (known === undefined) {
    const own: string[] = [];
    const set = parseQueryPrefixes(prefixes, "VirtualNetwork prefixes", own);
    known = { ...(set === undefined ? {} : { set }), ...(own.length > 0 ? { note: own[0]! } : {}) };
    if (VNET_PREFIX_SETS.size >= VNET_PREFIX_SETS_MAX) VNET_PREFIX_SETS.clear();
    VNET_PREFIX_SETS.set(key, known);
  }
  if (known.note !== undefined) notes.push(known.note);
  return known.set;
}

function parseQueryPrefixes(prefixes: readonly string[], what: string, notes: string[]): AddressSet | undefined {
  if (prefixes.length === 0) return undefined;
  let set = AddressSet.EMPTY;
  const bad: string[] = [];
  for (const text of prefixes) {
    const parsed = parsePrefix(text);
    if (parsed.ok) set = set.union(parsed.prefix.set);
    else bad.push(parsed.reason);
  }
  if (bad.length > 0) {
    notes.push(`${what} could not be read (${bad.join("; ")}), so it is treated as unknown`);
    return undefined;
  }
  return set;
}

function parseQueryPorts(ports: string): PortSet {
  const parsed = parsePortSpec(ports);
  // The query comes from rule code, not from data: a bad one is a bug in the caller.
  if (!parsed.ok) throw new Error(`NSG query ports: ${parsed.reason}`);
  return parsed.ports;
}

/** ASG members parsed once per query map (the rules pass the estate's one map to every query) and ASG. */
const ASG_SETS = new WeakMap<ReadonlyMap<string, readonly string[]>, Map<string, AddressSet | null>>();

function asgLookup(members: ReadonlyMap<string, readonly string[]>): { get(key: string): AddressSet | undefined } {
  let parsed = ASG_SETS.get(members);
  if (parsed === undefined) {
    parsed = new Map();
    ASG_SETS.set(members, parsed);
  }
  const cache = parsed;
  return {
    get(key) {
      let set = cache.get(key);
      if (set === undefined) {
        const addresses = members.get(key);
        // An unreadable member address makes the ASG unknown: a member we cannot place could be anywhere.
        const parsedAddresses = addresses?.map((text) => parsePrefix(text.includes("/") ? text : `${text}/${text.includes(":") ? 128 : 32}`));
        set = parsedAddresses === undefined || parsedAddresses.some((p) => !p.ok) ? null : AddressSet.unionAll(parsedAddresses.map((p) => (p.ok ? p.prefix.set : AddressSet.EMPTY)));
        cache.set(key, set);
      }
      return set ?? undefined;
    },
  };
}

/** What the tags and ASGs stand for in one query, and the range the NSG protects. */
function buildContext(protocol: string, query: NetworkQuery, localPrefixes: readonly string[], localWhat: string, notes: string[]): Context {
  const ownKey = prefixListKey(query.virtualNetworkPrefixes);
  const ownNetwork = parseVirtualNetworkPrefixes(query.virtualNetworkPrefixes, ownKey, notes);
  const routeNotes: string[] = [];
  const routes = parseQueryPrefixes(query.routePrefixes ?? [], "User-defined route prefixes", routeNotes);
  let routesUnknown = query.routesUnknown;
  if (routeNotes.length > 0) {
    notes.push(...routeNotes);
    routesUnknown ??= "some of its route prefixes could not be read";
  }
  const virtualNetwork = ownNetwork === undefined ? undefined : routes === undefined ? ownNetwork : ownNetwork.union(routes);
  const localRange = parseQueryPrefixes(localPrefixes, localWhat, notes);
  return {
    protocol,
    // The own prefixes alone name the common case (no routes), so its cache keys stay the ones every VNet already has.
    virtualNetworkKey: query.routePrefixes === undefined || query.routePrefixes.length === 0 ? (routesUnknown === undefined ? ownKey : `${ownKey}\u0001\u0001${routesUnknown}`) : [ownKey, prefixListKey(query.routePrefixes), routesUnknown ?? ""].join("\u0001"),
    ...(ownNetwork === undefined ? {} : { ownNetwork }),
    ...(virtualNetwork === undefined ? {} : { virtualNetwork }),
    ...(routesUnknown === undefined ? {} : { routesUnknown }),
    ...(localRange === undefined ? {} : { localRange }),
    ...(query.applicationSecurityGroups === undefined ? {} : { applicationSecurityGroups: asgLookup(query.applicationSecurityGroups) }),
  };
}

function prepareAll(rules: readonly SecurityRule[], direction: Direction, ctx: Context): PreparedRule[] {
  return rulesInEvaluationOrder(rules, direction).map((r) => prepareRule(r, direction, ctx));
}

// ---------------------------------------------------------------------------------------------------------------
// Inbound exposure

/**
 * Can an untrusted source reach the protected range on the queried ports through this NSG, from some source port?
 * `exposed` holds even in the restrictive reading; `notExposed` holds even in the exposure reading.
 */
export function evaluateInboundExposure(
  rules: SecurityRule[],
  query: InboundExposureQuery,
  trust: TrustPolicy,
): InboundExposure {
  const notes: string[] = [];
  const ports = parseQueryPorts(query.ports);
  const ctx = buildContext(query.protocol, query, query.protectedPrefixes, "Protected prefixes", notes);
  const prepared = prepareAll(rules, "Inbound", ctx);
  // everything − (trusted ∪ own network), never built: it has a hole per owned address (see untrustedSources). Route
  // prefixes are not subtracted: VirtualNetwork matches them, but a route to an address does not make it ours.
  const untrusted = untrustedSources(trust, ctx.ownNetwork ?? AddressSet.EMPTY);
  const noUntrusted: SetDifference = untrusted.intersect(AddressSet.EMPTY);

  const segments = portSegments(ports, INBOUND_SOURCE_PORTS, prepared);
  const results = segments.map((segment) => {
    const exposure = walk(prepared, segment, EVERYTHING, "exposure");
    const restrictive = walk(prepared, segment, EVERYTHING, "restrictive");
    return {
      segment,
      exposure,
      restrictive,
      exposedAtMost: untrusted.intersect(exposure.allowed),
      exposedAtLeast: untrusted.intersect(restrictive.allowed),
    };
  });

  const untrustedAllowed = results.reduce((set, r) => set.union(r.exposedAtMost), noUntrusted);
  const verdict: InboundExposure["verdict"] = results.some((r) => !r.exposedAtLeast.isEmpty())
    ? "exposed"
    : untrustedAllowed.isEmpty()
      ? "notExposed"
      : "uncertain";

  const result: InboundExposure = {
    verdict,
    untrustedAllowed: untrustedAllowed.describe(20),
    uncertainRules: [],
    notes,
  };

  if (verdict === "notExposed") {
    // Prefer the Deny that stops untrusted sources some Allow would otherwise admit (the Deny at 300 that
    // shadows the Allow at 4000); with no such Allow, the Deny that covers most of the untrusted space.
    const denies = results.flatMap((r) => r.exposure.decisions.filter((d) => d.access === "Deny"));
    const threatened = results.reduce(
      (set, r) => set.union(untrusted.intersect(admittableBy(prepared, r.segment))),
      noUntrusted,
    );
    const deciding = largest(denies, threatened) ?? largest(denies, untrusted);
    if (deciding !== undefined) result.decidingRule = deciding.rule.ref;
    return result;
  }

  // The example is certain when the verdict is: it comes from the restrictive walk for `exposed`. When source ports
  // matter (the segments split them), it names the client ports that get in.
  const sourcePortsMatter = segments.some((s) => !s.source.equals(INBOUND_SOURCE_PORTS));
  for (const r of results) {
    const source = verdict === "exposed" ? r.restrictive : r.exposure;
    const admitted = source.decisions.find((d) => d.access === "Allow" && untrusted.overlaps(d.decided));
    if (admitted === undefined) continue;
    result.example = {
      source: untrusted.intersect(admitted.decided).sampleAddress() ?? "(unknown)",
      port: r.segment.destination.first()!,
      ...(sourcePortsMatter ? { sourcePorts: r.segment.source.toString() } : {}),
      rule: admitted.rule.ref,
    };
    break;
  }

  if (verdict === "uncertain") {
    const suspects = results.flatMap((r) => culprits(r.exposure, r.restrictive, untrusted));
    const ordered = uniqueInOrder(suspects, prepared);
    result.uncertainRules = ordered.map((r) => r.ref);
    notes.push(...ordered.map(noteFor));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Outbound flow

interface SegmentOutcome {
  verdict: OutboundSegment["verdict"];
  rule?: PreparedRule;
  suspects: PreparedRule[];
  /** For a blocked destination segment: the ephemeral source ports it is blocked for, when not all of them. */
  blockedSourcePorts?: PortSet;
}

/** One port piece: allowed when every destination address gets out even in the restrictive reading. */
function outboundOutcome(prepared: readonly PreparedRule[], segment: PortSegment, destination: AddressSet): SegmentOutcome {
  const exposure = walk(prepared, segment, destination, "exposure");
  const restrictive = walk(prepared, segment, destination, "restrictive");
  if (restrictive.allowed.containsAll(destination)) {
    return { verdict: "allowed", rule: largest(restrictive.decisions.filter((d) => d.access === "Allow"), destination)?.rule, suspects: [] };
  }
  if (!exposure.allowed.containsAll(destination)) {
    return { verdict: "blocked", rule: exposure.decisions.find((d) => d.access === "Deny")?.rule, suspects: [] };
  }
  const suspects = uniqueInOrder(culprits(exposure, restrictive, destination), prepared);
  return { verdict: "uncertain", rule: suspects[0], suspects };
}

/**
 * A destination piece over every ephemeral source port: blocked if some source port is (the connections that draw it
 * fail), allowed if all are, uncertain otherwise.
 */
function combineSourcePorts(pieces: { source: PortSet; outcome: SegmentOutcome }[]): SegmentOutcome {
  const blocked = pieces.filter((p) => p.outcome.verdict === "blocked");
  if (blocked.length > 0) {
    const ports = blocked.reduce((set, p) => set.union(p.source), PortSet.EMPTY);
    return { ...blocked[0]!.outcome, ...(ports.equals(EPHEMERAL_SOURCE_PORTS) ? {} : { blockedSourcePorts: ports }) };
  }
  const uncertain = pieces.filter((p) => p.outcome.verdict === "uncertain");
  if (uncertain.length > 0) {
    return { verdict: "uncertain", rule: uncertain[0]!.outcome.rule, suspects: uncertain.flatMap((p) => p.outcome.suspects) };
  }
  return pieces[0]!.outcome;
}

/**
 * Does this NSG let the protected subnet open connections to every destination address on every queried port, from
 * whichever ephemeral source port its stack picks? Evaluated per port segment; adjacent segments with the same outcome
 * and rule are merged for display.
 */
export function evaluateOutboundFlow(rules: SecurityRule[], query: OutboundFlowQuery): OutboundFlow {
  const notes: string[] = [];
  const ports = parseQueryPorts(query.ports);
  const ctx = buildContext(query.protocol, query, query.sourcePrefixes, "Source prefixes", notes);
  const destination = parseQueryPrefixes(query.destinationPrefixes, "Destination prefixes", notes);
  if (destination === undefined) {
    if (query.destinationPrefixes.length === 0) notes.push("Destination prefixes were not supplied");
    return { verdict: "uncertain", segments: [{ ports: ports.toString(), verdict: "uncertain" }], uncertainRules: [], notes };
  }
  const prepared = prepareAll(rules, "Outbound", ctx);

  const pieces = portSegments(ports, EPHEMERAL_SOURCE_PORTS, prepared);
  const byDestination = new Map<PortSet, { source: PortSet; outcome: SegmentOutcome }[]>();
  for (const piece of pieces) {
    const list = byDestination.get(piece.destination) ?? [];
    list.push({ source: piece.source, outcome: outboundOutcome(prepared, piece, destination) });
    byDestination.set(piece.destination, list);
  }
  const evaluated = [...byDestination].map(([destinationPiece, outcomes]) => ({ segment: destinationPiece, ...combineSourcePorts(outcomes) }));

  const segments: OutboundSegment[] = [];
  let last: { set: PortSet; verdict: OutboundSegment["verdict"]; rule?: PreparedRule; sourcePorts?: string } | undefined;
  const flush = () => {
    if (last === undefined) return;
    segments.push({
      ports: last.set.toString(),
      verdict: last.verdict,
      ...(last.rule ? { rule: last.rule.ref } : {}),
      ...(last.sourcePorts === undefined ? {} : { sourcePorts: last.sourcePorts }),
    });
  };
  for (const e of evaluated) {
    const sourcePorts = e.blockedSourcePorts?.toString();
    const adjacent = last !== undefined && last.set.ranges().at(-1)!.to + 1 === e.segment.first();
    if (last !== undefined && adjacent && last.verdict === e.verdict && last.rule === e.rule && last.sourcePorts === sourcePorts) {
      last.set = last.set.union(e.segment);
    } else {
      flush();
      last = { set: e.segment, verdict: e.verdict, ...(e.rule ? { rule: e.rule } : {}), ...(sourcePorts === undefined ? {} : { sourcePorts }) };
    }
  }
  flush();

  const verdict: OutboundFlow["verdict"] = evaluated.some((e) => e.verdict === "blocked")
    ? "blocked"
    : evaluated.every((e) => e.verdict === "allowed")
      ? "allowed"
      : "uncertain";
  let uncertainRules: RuleRef[] = [];
  if (verdict === "uncertain") {
    const ordered = uniqueInOrder(evaluated.flatMap((e) => e.suspects), prepared);
    uncertainRules = ordered.map((r) => r.ref);
    notes.push(...ordered.map(noteFor));
  }
  return { verdict, segments, uncertainRules, notes };
}
