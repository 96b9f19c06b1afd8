// The Log Analytics settings (LOG_ANALYTICS_*), read and checked once by the composition root. A bad value does not
// stop the app: the step is replaced by one that logs the problem, naming the setting, at every run.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { AzureAuthorityHosts, DefaultAzureCredential, type AccessToken, type TokenCredential } from "@azure/identity";
import { KnownMonitorAudience } from "@azure/monitor-ingestion";
import { AuditorError, errorMessage, isUsageError } from "../errors";
import { readSetting, type CloudName } from "../config/settings-catalog";
import type { SettingEnv } from "../config/setting-declaration";
import type { SendMode } from "./finding-rows";

/** Where and what a run sends. */
export interface LogAnalyticsTarget {
  /** The DCE or DCR logs ingestion endpoint, https. */
  endpoint: string;
  dcrId: string;
  stream: string;
  send: SendMode;
  /** The Monitor audience of the cloud (token scope `<audience>/.default`). */
  audience: string;
  credential: TokenCredential;
  /** Trust for a local receiver (LOG_ANALYTICS_CA); absent for Azure. */
  tlsOptions?: { ca: string };
}

export type LogAnalyticsSetting =
  { kind: "off" } | { kind: "on"; target: LogAnalyticsTarget } | { kind: "invalid"; problem: string };

/** The Logs Ingestion API's token audience per cloud (learn.microsoft.com, Logs Ingestion API, request headers). */
export const MONITOR_AUDIENCES: Record<CloudName, string> = {
  AzureCloud: KnownMonitorAudience.AzurePublicCloud,
  AzureUSGovernment: KnownMonitorAudience.AzureGovernment,
  AzureChinaCloud: KnownMonitorAudience.AzureChina,
};

const AUTHORITY_HOSTS: Record<CloudName, string> = {
  AzureCloud: AzureAuthorityHosts.AzurePublicCloud,
  AzureUSGovernment: AzureAuthorityHosts.AzureGovernment,
  AzureChinaCloud: AzureAuthorityHosts.AzureChina,
};

export function logAnalyticsSettingsFromEnv(env: SettingEnv = process.env): LogAnalyticsSetting {
  try {
    const endpoint = readSetting(env, "LOG_ANALYTICS_ENDPOINT");
    if (endpoint === undefined) return { kind: "off" };
    const dcrId = readSetting(env, "LOG_ANALYTICS_DCR_ID");
    if (dcrId === undefined)
      throw new AuditorError(
        "CONFIG_INVALID",
        "LOG_ANALYTICS_DCR_ID: required when LOG_ANALYTICS_ENDPOINT is set (the data collection rule's immutable id, dcr-...)",
      );
    const cloud = readSetting(env, "AUDIT_CLOUD");
    const audience = MONITOR_AUDIENCES[cloud];
    const base = {
      endpoint: endpoint.replace(/\/+$/, ""),
      dcrId: dcrId.toLowerCase(),
      stream: readSetting(env, "LOG_ANALYTICS_STREAM"),
      send: readSetting(env, "LOG_ANALYTICS_SEND"),
      audience,
    };
    const caFile = readSetting(env, "LOG_ANALYTICS_CA");
    if (caFile !== undefined)
      return { kind: "on", target: { ...base, ...localReceiverTrust(base.endpoint, caFile), audience } };
    const credential = new DefaultAzureCredential({
      authorityHost: AUTHORITY_HOSTS[cloud],
      managedIdentityClientId: readSetting(env, "AzureWebJobsStorage__clientId"),
    });
    return { kind: "on", target: { ...base, credential } };
  } catch (error) {
    if (isUsageError(error)) return { kind: "invalid", problem: error.message };
    throw error;
  }
}

/** A CA override is for a receiver on this machine only: a real endpoint never gets the local token. */
function localReceiverTrust(
  endpoint: string,
  caFile: string,
): { tlsOptions: { ca: string }; credential: TokenCredential } {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || (isIP(host) === 4 && host.startsWith("127.")) || host === "::1";
  if (!loopback)
    throw new AuditorError(
      "CONFIG_INVALID",
      `LOG_ANALYTICS_CA: only for a local receiver (a loopback LOG_ANALYTICS_ENDPOINT), not ${host}; leave it empty for Azure`,
    );
  let ca: string;
  try {
    ca = readFileSync(caFile, "utf8");
  } catch (error) {
    throw new AuditorError("CONFIG_INVALID", `LOG_ANALYTICS_CA: cannot read '${caFile}': ${errorMessage(error)}`);
  }
  if (!ca.includes("-----BEGIN CERTIFICATE-----"))
    throw new AuditorError("CONFIG_INVALID", `LOG_ANALYTICS_CA: '${caFile}' holds no PEM certificate`);
  return { tlsOptions: { ca }, credential: new LocalAudienceCredential() };
}

/**
 * For a local receiver: an unsigned token (alg none) whose `aud` is the audience the client asked for, so the
 * receiver can check that the client asks for Monitor's. Never sent to Azure (see localReceiverTrust).
 */
export class LocalAudienceCredential implements TokenCredential {
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? "") : scopes;
    const expiresOnTimestamp = Date.now() + 60 * 60 * 1000;
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const claims = {
      aud: scope.replace(/\/\.default$/, ""),
      iss: "mi-audit-local",
      exp: Math.floor(expiresOnTimestamp / 1000),
    };
    return { token: `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`, expiresOnTimestamp };
  }
}
