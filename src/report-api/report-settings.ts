// The report API's settings, read and validated once on first use (like the composition root's), never per request.
import { AuditorError } from "../errors";
import { readSetting, SETTINGS } from "../config/settings-catalog";
import { readNamedSetting, type SettingEnv } from "../config/setting-declaration";
import { publicBaseUrl } from "../config/public-base-url";

export const REQUIRED_ROLE_SETTING = "REPORT_REQUIRED_ROLE";
export const ADMIN_ROLE_SETTING = "REPORT_ADMIN_ROLE";
export const FINDINGS_CACHE_SETTING = "REPORT_FINDINGS_CACHE_MB";
/** 64 MB hold about 600 pages of 100 findings; an instance has 1.5 GB on the Consumption plan. */
export const DEFAULT_FINDINGS_CACHE_MB = SETTINGS.REPORT_FINDINGS_CACHE_MB.default;

export interface ReportSettings {
  /** The app role reader routes require of a signed-in principal; undefined: any signed-in principal. */
  requiredRole?: string;
  /**
   * The app role admin routes require of a signed-in principal; undefined: admin routes take a function key alone and
   * refuse signed-in callers without one (see request-authorization.ts).
   */
  adminRole?: string;
  /**
   * App Service Authentication is on (WEBSITE_AUTH_ENABLED; the local host's principal mode sets it): the platform sets
   * x-ms-client-principal* and strips copies a client sends, so they are trusted. Otherwise they are ignored.
   */
  authEnabled?: boolean;
  /** The bound of the in-process cache of findings pages of finished runs, in bytes; 0 turns it off. Default 64 MB. */
  findingsCacheBytes?: number;
  /** REPORT_BASE_URL or the app's host name: the base of the Location headers; undefined: relative Locations. */
  publicBaseUrl?: string;
}

/**
 * Easy Auth strips client-sent x-ms-client-principal headers and sets its own, so the header is trusted only where it
 * is on: App Service says so in WEBSITE_AUTH_ENABLED. A role setting in an App Service app without it names a role
 * nobody can present, which is a mistake in the deployment: that configuration is refused.
 */
export function reportSettingsFromEnv(env: SettingEnv = process.env): ReportSettings {
  const cacheMb = readSetting(env, FINDINGS_CACHE_SETTING);
  const base = publicBaseUrl(env);
  const always: ReportSettings = {
    // Unset leaves the bound to the page response, which applies the same default.
    ...(readNamedSetting(env, FINDINGS_CACHE_SETTING) === undefined
      ? {}
      : { findingsCacheBytes: cacheMb * 1024 * 1024 }),
    ...(base !== undefined ? { publicBaseUrl: base } : {}),
  };
  const role = readSetting(env, REQUIRED_ROLE_SETTING);
  const adminRole = readSetting(env, ADMIN_ROLE_SETTING);
  const authEnabled = readSetting(env, "WEBSITE_AUTH_ENABLED");
  if (authEnabled) always.authEnabled = true;
  if (role === undefined && adminRole === undefined) return always;
  if (readSetting(env, "WEBSITE_SITE_NAME") !== undefined && !authEnabled) {
    throw new AuditorError(
      "CONFIG_INVALID",
      `${role !== undefined ? REQUIRED_ROLE_SETTING : ADMIN_ROLE_SETTING} is set but App Service Authentication is off (WEBSITE_AUTH_ENABLED is not True): nobody could sign in to hold the role. Turn on authentication (see docs/api.md, Who may call what).`,
    );
  }
  return {
    ...(role !== undefined ? { requiredRole: role } : {}),
    ...(adminRole !== undefined ? { adminRole } : {}),
    ...always,
  };
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
