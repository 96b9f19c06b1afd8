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
  /** How exceptions are held to account; the catalog's defaults when absent (exceptionPolicyOf). */
  exceptionPolicy?: ExceptionPolicy;
}

export interface ExceptionPolicy {
  /** EXCEPTION_MAX_DAYS: how far ahead an exception may expire. */
  maxDays: number;
  /** EXCEPTION_WARN_DAYS: how close to its expiry an exception is reported as expiring. */
  warnDays: number;
  /** EXCEPTIONS_AFFECT_SCORE: whether excepted failures lower the headline score. */
  affectScore: boolean;
}

/** The exception policy from the environment (EXCEPTION_MAX_DAYS, EXCEPTION_WARN_DAYS, EXCEPTIONS_AFFECT_SCORE). */
export function exceptionPolicyFromEnv(env: SettingEnv = process.env): ExceptionPolicy {
  return {
    maxDays: readSetting(env, "EXCEPTION_MAX_DAYS"),
    warnDays: readSetting(env, "EXCEPTION_WARN_DAYS"),
    affectScore: readSetting(env, "EXCEPTIONS_AFFECT_SCORE"),
  };
}

/** The settings' exception policy, or the catalog's defaults. */
export function exceptionPolicyOf(settings: Pick<AuditSettings, "exceptionPolicy">): ExceptionPolicy {
  return settings.exceptionPolicy ?? exceptionPolicyFromEnv({});
}

/** Settings from the environment (TRUSTED_SOURCE_PREFIXES, TRUST_OWNED_PUBLIC_IPS, AUDIT_BASELINE, the exception policy). */
export function auditSettingsFromEnv(env: SettingEnv = process.env): AuditSettings {
  return {
    trustedPrefixes: readSetting(env, "TRUSTED_SOURCE_PREFIXES"),
    trustOwnedPublicIps: readSetting(env, "TRUST_OWNED_PUBLIC_IPS"),
    baseline: readSetting(env, "AUDIT_BASELINE"),
    exceptionPolicy: exceptionPolicyFromEnv(env),
  };
}
