// The report API's settings, read and validated once on first use (like the composition root's), never per request.
import { AuditorError } from "../errors";

export const REQUIRED_ROLE_SETTING = "REPORT_REQUIRED_ROLE";

export interface ReportSettings {
  /** The app role every report route (except health) requires in x-ms-client-principal; undefined: none. */
  requiredRole?: string;
}

/**
 * Easy Auth strips client-sent x-ms-client-principal headers and sets its own, so the header can be trusted only where
 * it is on. App Service says so in WEBSITE_AUTH_ENABLED; a role check in an App Service app without it would trust a
 * header anyone with the function key can forge, so that configuration is refused.
 */
export function reportSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ReportSettings {
  const role = env[REQUIRED_ROLE_SETTING]?.trim();
  if (role === undefined || role === "") return {};
  if (!/^[\x21-\x7e]{1,120}$/.test(role)) throw new AuditorError("CONFIG_INVALID", `${REQUIRED_ROLE_SETTING}: expected an app role value (1-120 printable characters, no spaces)`);
  const inAppService = (env["WEBSITE_SITE_NAME"] ?? "").trim() !== "";
  if (inAppService && (env["WEBSITE_AUTH_ENABLED"] ?? "").trim().toLowerCase() !== "true") {
    throw new AuditorError("CONFIG_INVALID", `${REQUIRED_ROLE_SETTING} is set but App Service Authentication is off (WEBSITE_AUTH_ENABLED is not True): x-ms-client-principal could be forged. Turn on authentication (see README, Report API).`);
  }
  return { requiredRole: role };
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
