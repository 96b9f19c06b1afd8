// The report API's settings, read and validated once on first use (like the composition root's), never per request.
import { AuditorError } from "../errors";

export const REQUIRED_ROLE_SETTING = "REPORT_REQUIRED_ROLE";
export const FINDINGS_CACHE_SETTING = "REPORT_FINDINGS_CACHE_MB";
/** 64 MB hold about 600 pages of 100 findings; an instance has 1.5 GB on the Consumption plan. */
export const DEFAULT_FINDINGS_CACHE_MB = 64;
const MAX_FINDINGS_CACHE_MB = 1024;

export interface ReportSettings {
  /** The app role every report route (except health) requires in x-ms-client-principal; undefined: none. */
  requiredRole?: string;
  /** The bound of the in-process cache of findings pages of finished runs, in bytes; 0 turns it off. Default 64 MB. */
  findingsCacheBytes?: number;
}

/**
 * Easy Auth strips client-sent x-ms-client-principal headers and sets its own, so the header can be trusted only where
 * it is on. App Service says so in WEBSITE_AUTH_ENABLED; a role check in an App Service app without it would trust a
 * header anyone with the function key can forge, so that configuration is refused.
 */
export function reportSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ReportSettings {
  const cacheMb = (env[FINDINGS_CACHE_SETTING] ?? "").trim();
  const cache = cacheMb === "" ? {} : { findingsCacheBytes: findingsCacheBytes(cacheMb) };
  const role = env[REQUIRED_ROLE_SETTING]?.trim();
  if (role === undefined || role === "") return cache;
  if (!/^[\x21-\x7e]{1,120}$/.test(role)) throw new AuditorError("CONFIG_INVALID", `${REQUIRED_ROLE_SETTING}: expected an app role value (1-120 printable characters, no spaces)`);
  const inAppService = (env["WEBSITE_SITE_NAME"] ?? "").trim() !== "";
  if (inAppService && (env["WEBSITE_AUTH_ENABLED"] ?? "").trim().toLowerCase() !== "true") {
    throw new AuditorError("CONFIG_INVALID", `${REQUIRED_ROLE_SETTING} is set but App Service Authentication is off (WEBSITE_AUTH_ENABLED is not True): x-ms-client-principal could be forged. Turn on authentication (see README, Report API).`);
  }
  return { requiredRole: role, ...cache };
}

function findingsCacheBytes(text: string): number {
  const mb = Number(text);
  if (!/^\d+$/.test(text) || mb > MAX_FINDINGS_CACHE_MB) throw new AuditorError("CONFIG_INVALID", `${FINDINGS_CACHE_SETTING}: expected a whole number of megabytes from 0 (off) to ${MAX_FINDINGS_CACHE_MB}, got '${text}'`);
  return mb * 1024 * 1024;
}

let current: ReportSettings | undefined;

export function getReportSettings(): ReportSettings {
  current ??= reportSettingsFromEnv();
  return current;
}

/** Replaces the settings (tests), or clears them so the next use reads the environment again. */
export function useReportSettings(settings: ReportSettings | undefined): void {
  current = settings;
}
