// Where telemetry goes, read once from the settings: Application Insights when its connection string is set (with
// Entra ID when the authentication string says so), else TELEMETRY_EXPORTER: the console or nowhere.
import { AuditorError } from "../errors";
import { readSetting } from "../config/settings-catalog";
import type { SettingEnv } from "../config/setting-declaration";

export type TelemetryPlan =
  | { kind: "none" }
  | { kind: "console" }
  | {
      kind: "azureMonitor";
      connectionString: string;
      /** Entra-authenticated ingestion with a managed identity: the user-assigned one's client id, or the system one. */
      entra?: { clientId?: string };
    };

export function telemetryPlanFromEnv(env: SettingEnv): TelemetryPlan {
  const exporter = readSetting(env, "TELEMETRY_EXPORTER");
  const connectionString = readSetting(env, "APPLICATIONINSIGHTS_CONNECTION_STRING");
  if (connectionString === undefined) return { kind: exporter };
  const authentication = readSetting(env, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
  if (authentication === undefined) return { kind: "azureMonitor", connectionString };
  const parsed = parseAuthenticationString(authentication);
  const clientId = parsed.clientId ?? readSetting(env, "AZURE_CLIENT_ID");
  return { kind: "azureMonitor", connectionString, entra: clientId === undefined ? {} : { clientId } };
}

const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/**
 * `Authorization=AAD[;ClientId=<guid>]`, the format App Service and the Azure Monitor distro document. Keys are
 * case-insensitive, pairs are separated by `;`. Anything else is refused, naming the setting: a typo here would
 * otherwise send telemetry with no credential, and Entra-only resources drop it silently.
 */
export function parseAuthenticationString(value: string): { clientId?: string } {
  const name = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
  const pairs = new Map<string, string>();
  for (const part of value.split(";")) {
    if (part.trim() === "") continue;
    const at = part.indexOf("=");
    if (at < 0) throw new AuditorError("CONFIG_INVALID", `${name}: expected key=value pairs, found "${part.trim()}"`);
    const key = part.slice(0, at).trim().toLowerCase();
    if (key !== "authorization" && key !== "clientid")
      throw new AuditorError(
        "CONFIG_INVALID",
        `${name}: unknown key "${part.slice(0, at).trim()}" (expected Authorization and ClientId)`,
      );
    pairs.set(key, part.slice(at + 1).trim());
  }
  if (pairs.get("authorization")?.toUpperCase() !== "AAD")
    throw new AuditorError("CONFIG_INVALID", `${name}: must contain Authorization=AAD (Microsoft Entra ID)`);
  const clientId = pairs.get("clientid");
  if (clientId === undefined || clientId === "") return {};
  if (!GUID.test(clientId))
    throw new AuditorError("CONFIG_INVALID", `${name}: ClientId must be a client id (GUID), found "${clientId}"`);
  return { clientId };
}
