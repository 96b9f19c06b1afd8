// Audit settings shared by the CLI and the Functions app, read and validated once, with errors that name the setting.
import { readSetting } from "./settings-catalog";
import type { SettingEnv } from "./setting-declaration";
import type { BaselineId } from "../rules/baselines";

export { parseTrustedPrefixes, splitTrustedPrefixes } from "./trusted-prefixes";

export interface AuditSettings {
  /** Extra well-known source prefixes (`--trusted` / TRUSTED_SOURCE_PREFIXES). */
  trustedPrefixes: string[];
  /** Whether public IPs and prefixes found in the estate count as well-known sources. */
  trustOwnedPublicIps: boolean;
  /** The rules a run evaluates (`--baseline` / AUDIT_BASELINE). */
  baseline: BaselineId;
}

/** Settings from the environment (TRUSTED_SOURCE_PREFIXES, TRUST_OWNED_PUBLIC_IPS, AUDIT_BASELINE). */
export function auditSettingsFromEnv(env: SettingEnv = process.env): AuditSettings {
  return {
    trustedPrefixes: readSetting(env, "TRUSTED_SOURCE_PREFIXES"),
    trustOwnedPublicIps: readSetting(env, "TRUST_OWNED_PUBLIC_IPS"),
    baseline: readSetting(env, "AUDIT_BASELINE"),
  };
}
