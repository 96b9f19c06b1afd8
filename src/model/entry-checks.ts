// The estate builder warns about address and port entries that cannot be read at all (`33a42`, `10.0.0.300/24`), as
// docs/collection.md promises (stderr in the CLI, `run.dataQuality` in every run). Telling a readable entry from an unreadable
// one takes the network module's parsers, and net sits above the model, so the model only declares the check here;
// net implements it (net/malformed-entries.ts) and the audit layer hands it to the builder. A builder given no checks
// reads every row the same and only leaves these warnings out: the evaluator treats such an entry as uncertain anyway.
import type { SecurityRule } from "./estate";

export type RuleListField =
  "sourceAddressPrefixes" | "destinationAddressPrefixes" | "sourcePortRanges" | "destinationPortRanges";

export interface MalformedEntry {
  list: RuleListField;
  /** The entry as written; undefined when the problem is that the list is empty. */
  entry?: string;
  problem: string;
}

export interface EntryChecks {
  /** The unreadable entries of a rule's four port and address lists (empty for a well-formed rule). */
  malformedRuleEntries(rule: SecurityRule): readonly MalformedEntry[];
  /**
   * The entries of a prefix list that are no IPv4 or IPv6 prefix or address. `tags: true` for fields where Azure also
   * accepts a service tag (a route's addressPrefix).
   */
  malformedPrefixes(
    list: readonly string[],
    options?: { tags?: boolean },
  ): readonly { entry: string; problem: string }[];
}
