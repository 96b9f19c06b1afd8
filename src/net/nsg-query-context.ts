// What one query means to the rules it evaluates: the protocol, what VirtualNetwork, Internet and the ASGs stand
// for, and the range the NSG protects. Query prefixes, ports and ASG members are read here; the VirtualNetwork
// prefixes and ASG members are cached per distinct input, as they repeat across every NSG of a VNet.

import { AddressSet, parsePrefix } from "./address-set";
import type { NetworkQuery } from "./nsg-evaluation";
import { PortSet, parsePortSpec } from "./port-set";

export interface Context {
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

/**
 * VirtualNetwork prefixes repeat for every NSG, subnet and NIC of a VNet: parsed once per distinct list. Bounded:
 * cleared when full (entries are cheap to rebuild, and queries arrive grouped by VNet).
 */
const VNET_PREFIX_SETS = new Map<string, { set?: AddressSet; note?: string }>();
const VNET_PREFIX_SETS_MAX = 4_096;

function prefixListKey(prefixes: readonly string[]): string {
  return prefixes.length === 0 ? "" : prefixes.join("\u0000");
}

function parseVirtualNetworkPrefixes(
  prefixes: readonly string[],
  key: string,
  notes: string[],
): AddressSet | undefined {
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

export function parseQueryPrefixes(prefixes: readonly string[], what: string, notes: string[]): AddressSet | undefined {
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

export function parseQueryPorts(ports: string): PortSet {
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
        const parsedAddresses = addresses?.map((text) =>
          parsePrefix(text.includes("/") ? text : `${text}/${text.includes(":") ? 128 : 32}`),
        );
        set =
          parsedAddresses === undefined || parsedAddresses.some((p) => !p.ok)
            ? null
            : AddressSet.unionAll(parsedAddresses.map((p) => (p.ok ? p.prefix.set : AddressSet.EMPTY)));
        cache.set(key, set);
      }
      return set ?? undefined;
    },
  };
}

/** What the tags and ASGs stand for in one query, and the range the NSG protects. */
export function buildContext(
  protocol: string,
  query: NetworkQuery,
  localPrefixes: readonly string[],
  localWhat: string,
  notes: string[],
): Context {
  const ownKey = prefixListKey(query.virtualNetworkPrefixes);
  const ownNetwork = parseVirtualNetworkPrefixes(query.virtualNetworkPrefixes, ownKey, notes);
  const routeNotes: string[] = [];
  const routes = parseQueryPrefixes(query.routePrefixes ?? [], "User-defined route prefixes", routeNotes);
  let routesUnknown = query.routesUnknown;
  if (routeNotes.length > 0) {
    notes.push(...routeNotes);
    routesUnknown ??= "some of its route prefixes could not be read";
  }
  const virtualNetwork =
    ownNetwork === undefined ? undefined : routes === undefined ? ownNetwork : ownNetwork.union(routes);
  const localRange = parseQueryPrefixes(localPrefixes, localWhat, notes);
  return {
    protocol,
    // The own prefixes alone name the common case (no routes), so its cache keys stay the ones every VNet already has.
    virtualNetworkKey:
      query.routePrefixes === undefined || query.routePrefixes.length === 0
        ? routesUnknown === undefined
          ? ownKey
          : `${ownKey}\u0001\u0001${routesUnknown}`
        : [ownKey, prefixListKey(query.routePrefixes), routesUnknown ?? ""].join("\u0001"),
    ...(ownNetwork === undefined ? {} : { ownNetwork }),
    ...(virtualNetwork === undefined ? {} : { virtualNetwork }),
    ...(routesUnknown === undefined ? {} : { routesUnknown }),
    ...(localRange === undefined ? {} : { localRange }),
    ...(query.applicationSecurityGroups === undefined
      ? {}
      : { applicationSecurityGroups: asgLookup(query.applicationSecurityGroups) }),
  };
}
