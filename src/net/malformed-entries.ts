// Address and port entries that cannot be read at all: in security rules `33a42`, `70000`, `5-1`, `10.0.0.300/24`,
// `10.0.0.0/33`; in VNets, subnets, peerings, routes, sites and public IPs, prefixes and addresses like those. The NSG
// evaluator already treats such an entry as "possibly anything", so a verdict it could change comes out `unknown`;
// this module only names them (a rule's lists once per distinct list) so that the estate builder can warn about them
// (stderr in the CLI, `run.dataQuality` in every run) as docs/collection.md promises. Unknown service tags are not listed: a
// tag newer than the auditor's list is not malformed input, and the verdict note already names it. The model declares
// the check (model/entry-checks.ts) and the audit layer hands this implementation to the builder.
import type { EntryChecks, MalformedEntry, RuleListField } from "../model/entry-checks";
import type { SecurityRule } from "../model/estate";
import { parsePrefix } from "./address-set";
import { parsePortSpec } from "./port-set";
import { parseServiceTag } from "./service-tags";

const PORT_FIELDS: readonly RuleListField[] = ["sourcePortRanges", "destinationPortRanges"];
const ADDRESS_FIELDS: readonly RuleListField[] = ["sourceAddressPrefixes", "destinationAddressPrefixes"];
const ADDRESS_WORDS = new Set(["*", "any", "internet", "virtualnetwork", "azureloadbalancer"]);

type ListProblems = readonly Omit<MalformedEntry, "list">[];
const NONE: ListProblems = Object.freeze([]);

// Lists are interned by the estate builder (one frozen array per distinct content), so a list is checked once however
// many rules and NSGs hold it; the WeakMap lets the estate own the lists.
const PORT_LISTS = new WeakMap<readonly string[], ListProblems>();
const ADDRESS_LISTS = new WeakMap<readonly string[], ListProblems>();

/** The unreadable entries of a rule's four port and address lists (empty for a well-formed rule). */
export function malformedRuleEntries(rule: SecurityRule): MalformedEntry[] {
  const out: MalformedEntry[] = [];
  for (const list of PORT_FIELDS)
    for (const problem of cached(PORT_LISTS, rule[list], portProblems)) out.push({ list, ...problem });
  for (const list of ADDRESS_FIELDS)
    for (const problem of cached(ADDRESS_LISTS, rule[list], addressProblems)) out.push({ list, ...problem });
  return out;
}

function cached(
  cache: WeakMap<readonly string[], ListProblems>,
  list: readonly string[],
  check: (list: readonly string[]) => ListProblems,
): ListProblems {
  let problems = cache.get(list);
  if (problems === undefined) {
    problems = check(list);
    cache.set(list, problems);
  }
  return problems;
}

/**
 * A plain IPv4 address or prefix, strictly (octets 0-255 without leading zeros, length 0-32): every text it accepts,
 * parsePrefix accepts too. Checked first because most values are such, and the full parse of every NIC's address
 * made reading the generated 100k-resource estate about a quarter slower.
 */
const PLAIN_IPV4 =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\/(?:3[0-2]|[12]?\d))?$/;

/**
 * The entries of a prefix list (a VNet's address space, a subnet's prefixes, a site's ranges, a public IP) that are
 * no IPv4 or IPv6 prefix or address. `tags: true` for fields where Azure also accepts a service tag (a route's
 * addressPrefix).
 */
export function malformedPrefixes(
  list: readonly string[],
  options: { tags?: boolean } = {},
): { entry: string; problem: string }[] {
  return list.flatMap((entry) => {
    if (PLAIN_IPV4.test(entry)) return [];
    if (options.tags === true && (parseServiceTag(entry) !== undefined || /^[A-Za-z][A-Za-z0-9.]*$/.test(entry.trim())))
      return [];
    const parsed = parsePrefix(entry);
    return parsed.ok ? [] : [{ entry, problem: parsed.reason }];
  });
}

function portProblems(list: readonly string[]): ListProblems {
  // Azure stores every rule with its ports (`*` at least): a rule without them may match any port.
  if (list.length === 0) return [{ problem: "has no port range" }];
  const problems = list.flatMap((entry) => {
    const parsed = parsePortSpec(entry);
    return parsed.ok ? [] : [{ entry, problem: parsed.reason }];
  });
  return problems.length === 0 ? NONE : problems;
}

function addressProblems(list: readonly string[]): ListProblems {
  const problems = list.flatMap((entry) => {
    const text = entry.trim();
    if (ADDRESS_WORDS.has(text.toLowerCase()) || (text !== "" && parseServiceTag(text) !== undefined)) return [];
    // A word that is no tag we know is an unknown service tag, not a malformed prefix.
    if (/^[A-Za-z][A-Za-z0-9.]*$/.test(text)) return [];
    const parsed = parsePrefix(entry);
    return parsed.ok ? [] : [{ entry, problem: parsed.reason }];
  });
  return problems.length === 0 ? NONE : problems;
}

/** The estate builder's entry checks (EstateBuilderOptions.entryChecks). */
export const MALFORMED_ENTRY_CHECKS: EntryChecks = { malformedRuleEntries, malformedPrefixes };
