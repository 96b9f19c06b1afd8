// Prefix and address fields (a VNet's address space, a subnet's prefixes, a site's ranges, a public IP, a NIC's
// private address, a route's prefix) read as text, with a warning for each entry that is no prefix at all.
import type { DataIssue } from "../estate";
import type { EntryChecks } from "../entry-checks";
import { conversionsOf, type FieldReader, type Json } from "../field-reader";

/**
 * A prefix or address field read as text, with a warning when it is neither (`10.0.0.300/24`): the evaluator treats
 * a prefix it cannot read as unknown, so the verdicts that need it are unknown; the warning says why. `issues` is the
 * list the reader records into, whose row warning list gets the warning.
 */
export function notePrefix(
  reader: FieldReader,
  name: string,
  issues: DataIssue[],
  checks: EntryChecks | undefined,
  options: { tags?: boolean } = {},
): string | undefined {
  const value = reader.string(name);
  if (value === undefined || value.trim() === "" || checks === undefined) return value;
  for (const { problem } of checks.malformedPrefixes([value], options))
    (conversionsOf(issues) ?? issues).push({ field: reader.at(name), problem });
  return value;
}

/** notePrefix for a list of prefixes: each malformed entry is named by its index. */
export function notePrefixes(
  reader: FieldReader,
  name: string,
  issues: DataIssue[],
  checks: EntryChecks | undefined,
): string[] | undefined {
  const values = reader.strings(name);
  if (values === undefined || checks === undefined) return values;
  const raw = reader.raw(name) as Json[];
  for (const { entry, problem } of checks.malformedPrefixes(values))
    (conversionsOf(issues) ?? issues).push({ field: `${reader.at(name)}[${raw.indexOf(entry)}]`, problem });
  return values;
}
