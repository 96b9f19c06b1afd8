// Audit settings shared by the CLI and the Functions app, read and validated once, with errors that name the setting.
import { AuditorError } from "../errors";
import { validateTrustedPrefix } from "../net/trust";

export interface AuditSettings {
  /** Extra well-known source prefixes (`--trusted` / TRUSTED_SOURCE_PREFIXES). */
  trustedPrefixes: string[];
  /** Whether public IPs and prefixes found in the estate count as well-known sources. */
  trustOwnedPublicIps: boolean;
}

/** Splits a comma- or whitespace-separated list, dropping empties. */
export function splitList(text: string | undefined): string[] {
  return (text ?? "")
    .split(/[\s,;]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * Splits a list of trusted prefixes as the user typed it (commas, semicolons or whitespace between entries) and
 * refuses empty entries: `1.2.3.4/32,,5.6.7.8/32`, a trailing comma or `--trusted ''` is a typing mistake, and
 * silently dropping it would hide that a prefix the user meant to trust is missing. `blank` says what a value with
 * no entry at all means: nothing for an environment variable that is set but empty (app settings often are), an
 * error for a flag that was given.
 */
export function splitTrustedPrefixes(text: string, settingName: string, blank: "none" | "error"): string[] {
  if (text.trim() === "") {
    if (blank === "none") return [];
    throw new AuditorError("CONFIG_INVALID", `${settingName}: empty value; give one or more prefixes such as 203.0.113.0/24, separated by commas`);
  }
  const pieces = text.split(/[,;]/).map((piece) => piece.trim());
  const empty = pieces.flatMap((piece, index) => (piece === "" ? [index + 1] : []));
  if (empty.length > 0) {
    const which = `${empty.length === 1 ? "entry" : "entries"} ${empty.join(", ")} of ${pieces.length}`;
    throw new AuditorError("CONFIG_INVALID", `${settingName}: empty ${which} in ${JSON.stringify(text)} (a doubled, leading or trailing comma?)`);
  }
  return pieces.flatMap((piece) => piece.split(/\s+/));
}

export function parseTrustedPrefixes(values: string[], settingName: string): string[] {
  const problems: string[] = [];
  for (const value of values) {
    const problem = validateTrustedPrefix(value);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new AuditorError("CONFIG_INVALID", `${settingName}: ${problems.join("; ")}`);
  return values;
}

export function parseBooleanSetting(value: string | undefined, settingName: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === "") return fallback;
  const folded = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(folded)) return true;
  if (["false", "0", "no", "off"].includes(folded)) return false;
  throw new AuditorError("CONFIG_INVALID", `${settingName}: expected true or false, found ${JSON.stringify(value)}`);
}

/** Settings from the environment (TRUSTED_SOURCE_PREFIXES, TRUST_OWNED_PUBLIC_IPS). */
export function auditSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  return {
    trustedPrefixes: parseTrustedPrefixes(splitTrustedPrefixes(env["TRUSTED_SOURCE_PREFIXES"] ?? "", "TRUSTED_SOURCE_PREFIXES", "none"), "TRUSTED_SOURCE_PREFIXES"),
    trustOwnedPublicIps: parseBooleanSetting(env["TRUST_OWNED_PUBLIC_IPS"], "TRUST_OWNED_PUBLIC_IPS", true),
  };
}
