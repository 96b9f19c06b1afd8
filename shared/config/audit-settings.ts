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
    trustedPrefixes: parseTrustedPrefixes(splitList(env["TRUSTED_SOURCE_PREFIXES"]), "TRUSTED_SOURCE_PREFIXES"),
    trustOwnedPublicIps: parseBooleanSetting(env["TRUST_OWNED_PUBLIC_IPS"], "TRUST_OWNED_PUBLIC_IPS", true),
  };
}
