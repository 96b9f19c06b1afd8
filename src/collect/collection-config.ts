// Validates the live-collection settings once and builds the connection every ARM client of a run shares.

import { readFileSync } from "node:fs";
import { type AccessToken, AzureAuthorityHosts, DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { AuditorError, errorMessage } from "../errors";
import { CollectionConfigError, validateScope, type CollectionScope } from "../audit/collection-scope";
import { CLOUD_NAMES, type CloudName } from "../config/settings-catalog";
import { ENV_SETTING_NAMES, type CollectionSettings, type SettingNames } from "../config/collection-settings";

interface CloudSettings {
  armEndpoint: string;
  authorityHost: string;
}

const CLOUDS: Record<CloudName, CloudSettings> = {
  AzureCloud: { armEndpoint: "https://management.azure.com", authorityHost: AzureAuthorityHosts.AzurePublicCloud },
  AzureUSGovernment: {
    armEndpoint: "https://management.usgovcloudapi.net",
    authorityHost: AzureAuthorityHosts.AzureGovernment,
  },
  AzureChinaCloud: {
    armEndpoint: "https://management.chinacloudapi.cn",
    authorityHost: AzureAuthorityHosts.AzureChina,
  },
};

export { CollectionConfigError, validateScope, type CollectionScope } from "../audit/collection-scope";
export { CLOUD_NAMES, type CloudName } from "../config/settings-catalog";

export interface ConnectionSettings {
  /** Override of the ARM endpoint (an emulator or a proxy). Requires `armCaFile`. */
  armEndpoint?: string;
  /** PEM file with the CA that signed the override endpoint's certificate. */
  armCaFile?: string;
  /** Sovereign cloud; default `AzureCloud`. Ignored for the endpoint, not the token scope, when `armEndpoint` is set. */
  cloud?: string;
  /** Token sent to an endpoint override; default `mi-audit-local`. Never sent to a real cloud endpoint. */
  armToken?: string;
  /** Credential for a real cloud; default `DefaultAzureCredential` for the cloud's authority. */
  credential?: TokenCredential;
}

/** What every ARM client of a run is built from. */
export interface ArmConnection {
  credential: TokenCredential;
  /** ARM endpoint without a trailing slash. */
  endpoint: string;
  /** Trust for an endpoint override; undefined for a real cloud. */
  tlsOptions?: { ca: string };
  /** Token scopes for the ARM audience of the cloud. */
  scopes: string[];
}

/** A credential that always returns the same token: for an emulator or a test proxy, never for Azure. */
export class FixedTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
  }
}

export function parseCloud(value: string | undefined, setting = "cloud"): CloudName {
  if (value === undefined || value === "") return "AzureCloud";
  const match = CLOUD_NAMES.find((name) => name.toLowerCase() === value.toLowerCase());
  if (match === undefined) {
    throw new CollectionConfigError(setting, `unknown cloud '${value}'; expected one of ${CLOUD_NAMES.join(", ")}`);
  }
  return match;
}

/** Builds `{ credential, endpoint, tlsOptions, scopes }`; throws `CollectionConfigError` naming the bad setting. */
export function buildArmConnection(settings: ConnectionSettings = {}): ArmConnection {
  const cloud = CLOUDS[parseCloud(settings.cloud)];
  const scopes = [`${cloud.armEndpoint}/.default`];
  if (settings.armEndpoint === undefined || settings.armEndpoint === "") {
    if (settings.armCaFile !== undefined && settings.armCaFile !== "") {
      throw new CollectionConfigError(
        "armCaFile",
        "is only used with armEndpoint; set armEndpoint too or drop armCaFile",
      );
    }
    return {
      credential: settings.credential ?? new DefaultAzureCredential({ authorityHost: cloud.authorityHost }),
      endpoint: cloud.armEndpoint,
      scopes,
    };
  }
  const endpoint = parseEndpoint(settings.armEndpoint);
  if (settings.armCaFile === undefined || settings.armCaFile === "") {
    throw new CollectionConfigError(
      "armCaFile",
      `is required when armEndpoint is set (${endpoint}): give the PEM file of the CA that signed its certificate`,
    );
  }
  let ca: string;
  try {
    ca = readFileSync(settings.armCaFile, "utf8");
  } catch (error) {
    const reason = errorMessage(error);
    throw new CollectionConfigError("armCaFile", `cannot read '${settings.armCaFile}': ${reason}`);
  }
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
    throw new CollectionConfigError("armCaFile", `'${settings.armCaFile}' holds no PEM certificate`);
  }
  return {
    credential: settings.credential ?? new FixedTokenCredential(settings.armToken ?? "mi-audit-local"),
    endpoint,
    tlsOptions: { ca },
    scopes,
  };
}

/** A live run's collection: the checked scope, the ARM connection and the enrichment concurrency. */
export interface LiveCollection {
  scope: CollectionScope;
  connection: ArmConnection;
  enrichmentConcurrency: number;
}

/** AUDIT_SOURCE as the app runs it: snapshot files, or live collection with its connection. */
export type SourceSetting =
  { kind: "snapshot"; files: string[] } | { kind: "resourceGraph"; collection: LiveCollection };

/**
 * Checks the scope and builds the connection from validated settings. A CollectionConfigError names the setting as
 * `names` spells it (a CLI flag, or the environment variable).
 */
export function liveCollection(settings: CollectionSettings, names: SettingNames = ENV_SETTING_NAMES): LiveCollection {
  try {
    const scope = validateScope({ subscriptions: settings.subscriptions, managementGroups: settings.managementGroups });
    const connection = buildArmConnection({
      armEndpoint: settings.armEndpoint,
      armCaFile: settings.armCaFile,
      cloud: settings.cloud,
    });
    return { scope, connection, enrichmentConcurrency: settings.enrichmentConcurrency };
  } catch (error) {
    if (error instanceof CollectionConfigError) {
      const name = names[error.setting as keyof SettingNames] ?? error.setting;
      throw new AuditorError("CONFIG_INVALID", `${name}${error.message.slice(error.setting.length)}`, { cause: error });
    }
    throw error;
  }
}

function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CollectionConfigError("armEndpoint", `'${value}' is not a URL`);
  }
  // The SDK refuses to send bearer tokens over plain http, so fail here with a clearer message.
  if (url.protocol !== "https:") {
    throw new CollectionConfigError(
      "armEndpoint",
      `'${value}' must use https:// (bearer tokens are never sent over http)`,
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** Options for the Resource Graph and Network clients (`@azure-rest/core-client` based). */
export function restClientOptions(connection: ArmConnection) {
  return {
    endpoint: connection.endpoint,
    tlsOptions: connection.tlsOptions,
    credentials: { scopes: connection.scopes },
    // Our retry policy (retry-policy.ts) owns retries; the SDK's own would multiply them.
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: USER_AGENT },
  };
}

/** Options for the SQL client (`@azure/core-client` based), which names its scopes differently. */
export function serviceClientOptions(connection: ArmConnection) {
  return {
    endpoint: connection.endpoint,
    tlsOptions: connection.tlsOptions,
    credentialScopes: connection.scopes,
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: USER_AGENT },
  };
}

const USER_AGENT = "mi-exposure-auditor";
