// The query-independent parse of an NSG rule: each address entry classified (any, Internet, VirtualNetwork,
// AzureLoadBalancer, a service tag, a prefix or unreadable) and each port list read, once per distinct list, in
// module-wide caches. What the entries mean for one query is resolved in nsg-rule-sides.ts.

import type { SecurityRule } from "../model/estate";
import { AddressSet, parsePrefix } from "./address-set";
import { parsePortList } from "./port-set";
import { parseServiceTag } from "./service-tags";

function isAnyWord(text: string): boolean {
  return text === "*" || text.toLowerCase() === "any";
}

export function quote(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}

/** What an unreadable address entry is: an unknown tag reads better than "malformed prefix" for `Foo`. */
export function unreadableEntry(field: string, entry: unknown): string {
  if (typeof entry === "string" && /^[A-Za-z][A-Za-z0-9.]*$/.test(entry.trim())) {
    return `${field} uses unknown service tag ${quote(entry)}`;
  }
  const parsed = typeof entry === "string" ? parsePrefix(entry) : undefined;
  return `${field} has a malformed address ${parsed !== undefined && !parsed.ok ? parsed.reason : quote(entry)}`;
}

/** One address entry of a rule, classified once (the parse does not depend on the query). */
export type AddressEntry =
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
  if (text !== "" && parseServiceTag(text) !== undefined)
    return { kind: "tag", text, set: AddressSet.serviceTag(text)! };
  const parsed = typeof entry === "string" ? parsePrefix(entry) : undefined;
  if (parsed?.ok) return { kind: "prefix", set: parsed.prefix.set };
  return { kind: "unreadable", entry };
}

/** The query-independent parse of a rule: its address entries and port lists. */
export interface ParsedRule {
  sourceAddresses: readonly AddressEntry[];
  destinationAddresses: readonly AddressEntry[];
  sourcePorts: ParsedPorts;
  destinationPorts: ParsedPorts;
}

export type ParsedPorts = ReturnType<typeof parsePortList>;

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

export function parsedRule(rule: SecurityRule): ParsedRule {
  return {
    sourceAddresses: addressEntries(rule.sourceAddressPrefixes),
    destinationAddresses: addressEntries(rule.destinationAddressPrefixes),
    sourcePorts: portList(rule.sourcePortRanges),
    destinationPorts: portList(rule.destinationPortRanges),
  };
}
