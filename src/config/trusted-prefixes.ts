// TRUSTED_SOURCE_PREFIXES and `--trusted`: a list of well-known source prefixes as the user typed it.
import { AuditorError } from "../errors";
import { validateTrustedPrefix } from "../net/trust";

/**
 * What is wrong with the entries of a typed list (commas, semicolons or whitespace between entries), or undefined:
 * `1.2.3.4/32,,5.6.7.8/32`, a trailing comma or `--trusted ''` is a typing mistake, and silently dropping it would
 * hide that a prefix the user meant to trust is missing.
 */
export function emptyEntryProblem(text: string): string | undefined {
  const pieces = text.split(/[,;]/).map((piece) => piece.trim());
  const empty = pieces.flatMap((piece, index) => (piece === "" ? [index + 1] : []));
  if (empty.length === 0) return undefined;
  const which = `${empty.length === 1 ? "entry" : "entries"} ${empty.join(", ")} of ${pieces.length}`;
  return `empty ${which} in ${JSON.stringify(text)} (a doubled, leading or trailing comma?)`;
}

/** The entries of a list with no empty entry. */
function entries(text: string): string[] {
  return text.split(/[,;]/).flatMap((piece) => piece.trim().split(/\s+/));
}

/** Every prefix that is not a valid trusted prefix, said in one line; undefined when all are. */
export function prefixProblems(values: string[]): string | undefined {
  const problems = values.flatMap((value) => validateTrustedPrefix(value) ?? []);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/** The parse of the setting's text (never blank here): the prefixes, or what is wrong with them. */
export function parseTrustedPrefixList(text: string): string[] | { problem: string } {
  const empty = emptyEntryProblem(text);
  if (empty !== undefined) return { problem: empty };
  const prefixes = entries(text);
  const problem = prefixProblems(prefixes);
  return problem !== undefined ? { problem } : prefixes;
}

/**
 * Splits a list of trusted prefixes and refuses empty entries. `blank` says what a value with no entry at all
 * means: nothing for an environment variable that is set but empty (app settings often are), an error for a flag
 * that was given.
 */
export function splitTrustedPrefixes(text: string, settingName: string, blank: "none" | "error"): string[] {
  if (text.trim() === "") {
    if (blank === "none") return [];
    throw new AuditorError(
      "CONFIG_INVALID",
      `${settingName}: empty value; give one or more prefixes such as 203.0.113.0/24, separated by commas`,
    );
  }
  const problem = emptyEntryProblem(text);
  if (problem !== undefined) throw new AuditorError("CONFIG_INVALID", `${settingName}: ${problem}`);
  return entries(text);
}

export function parseTrustedPrefixes(values: string[], settingName: string): string[] {
  const problem = prefixProblems(values);
  if (problem !== undefined) throw new AuditorError("CONFIG_INVALID", `${settingName}: ${problem}`);
  return values;
}
