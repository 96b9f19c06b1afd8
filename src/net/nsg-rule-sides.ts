// Resolving the address sides of one rule for one query. The remote side (source inbound, destination outbound)
// becomes the addresses it certainly and possibly matches; the local side becomes whether it covers the whole
// protected range (yes, no or maybe). Unreadable parts widen `possible` rather than guess. Remote sides are cached
// per address list, as the estate shares one list per distinct content.

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
} from "./address-set";
import type { Context } from "./nsg-query-context";
import type { Direction } from "./nsg-rule-order";
import { type AddressEntry, type ParsedRule, quote, unreadableEntry } from "./nsg-rule-parse";

/** How surely a rule, or one side of it, matches: certainly, not at all, or maybe (its data leaves it open). */
export type Tri = "yes" | "no" | "maybe";

export function and(a: Tri, b: Tri): Tri {
  if (a === "no" || b === "no") return "no";
  return a === "maybe" || b === "maybe" ? "maybe" : "yes";
}

/** A rule's remote side: the addresses it certainly matches, and those it possibly matches (certain ⊆ possible). */
export interface RemoteSide {
  certain: AddressSet;
  possible: AddressSet;
  reasons: string[];
  /**
   * True when the side names no tag itself and its tag atoms only stand for the tags' addresses inside its IP ranges
   * (a field covering a whole family): it then decides tag addresses only where its IPs are still undecided.
   */
  tagsFromAddresses: boolean;
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

export function cachedRemote(rule: SecurityRule, parsed: ParsedRule, direction: Direction, ctx: Context): RemoteSide {
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
        reasons.push(
          `${field} uses VirtualNetwork, which also holds the prefixes of user-defined routes, and ${ctx.routesUnknown}`,
        );
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

const MATCHES_ALL: { match: Tri; reasons: string[] } = Object.freeze({
  match: "yes",
  reasons: Object.freeze([]) as unknown as string[],
});

/** Does the rule's local side (destination inbound, source outbound) cover the whole protected range? */
export function resolveLocal(
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
          reasons.push(
            `${field} uses VirtualNetwork, but the protected range is not inside the supplied VirtualNetwork prefixes`,
          );
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
