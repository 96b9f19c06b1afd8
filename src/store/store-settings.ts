// Where the store lives, read once from the environment by the composition root. Locally a connection string to
// Azurite; in Azure the account URL and the Function App's managed identity (DefaultAzureCredential).
import { DefaultAzureCredential } from "@azure/identity";
import { AuditorError } from "../errors";
import { readSetting, type CloudName } from "../config/settings-catalog";
import type { SettingEnv } from "../config/setting-declaration";
import type { FindingsArchive, StoreConnection } from "./table-client";

export const STORAGE_CONNECTION_SETTING = "AUDIT_STORAGE_CONNECTION_STRING";
export const STORAGE_ACCOUNT_URL_SETTING = "AUDIT_STORAGE_ACCOUNT_URL";
export const FINDINGS_ARCHIVE_SETTING = "FINDINGS_ARCHIVE";

/**
 * What each run stores in `findings`: `changes` (default; failures, unknowns, errors and changed pairs, so nightly
 * writes follow failures plus changes) or `all` (every result of every run, the full archive).
 */
export function findingsArchiveFromEnv(env: SettingEnv = process.env): FindingsArchive {
  return readSetting(env, FINDINGS_ARCHIVE_SETTING);
}

/** The connection string wins when both are set; neither is an error that names both settings. */
export function storeConnectionFromEnv(env: SettingEnv = process.env): StoreConnection {
  const connectionString = readSetting(env, STORAGE_CONNECTION_SETTING);
  if (connectionString !== undefined) return { connectionString };
  // The declared type refuses anything but an https URL: bearer tokens are refused over plain http by the SDK.
  const accountUrl = readSetting(env, STORAGE_ACCOUNT_URL_SETTING);
  if (accountUrl !== undefined) return { accountUrl, credential: new DefaultAzureCredential() };
  throw new AuditorError(
    "CONFIG_INVALID",
    `Storage is not configured: set ${STORAGE_ACCOUNT_URL_SETTING} (Azure, managed identity) or ${STORAGE_CONNECTION_SETTING} (local Azurite).`,
  );
}

/**
 * The storage endpoint suffix of each cloud: what follows `<account>.table.` or `<account>.queue.` (Get-AzEnvironment's
 * StorageEndpointSuffix; docs.azure.cn, "Manage Storage in the Azure independent clouds").
 */
export const STORAGE_ENDPOINT_SUFFIXES: Record<CloudName, string> = {
  AzureCloud: "core.windows.net",
  AzureUSGovernment: "core.usgovcloudapi.net",
  AzureChinaCloud: "core.chinacloudapi.cn",
};

/** Storage account names: 3 to 24 lowercase letters and digits (they become the endpoint's host name). */
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

/**
 * The endpoint of one service of an identity-based storage account (`AzureWebJobsStorage__accountName`) in the
 * configured cloud (`AUDIT_CLOUD`): `https://<account>.<service>.<suffix>`. `setting` names the account in a message.
 */
export function storageServiceUrl(
  account: string,
  service: "table" | "queue",
  cloud: CloudName,
  setting = "AzureWebJobsStorage__accountName",
): string {
  if (!ACCOUNT_NAME.test(account))
    throw new AuditorError(
      "CONFIG_INVALID",
      `${setting}: expected a storage account name (3-24 lowercase letters and digits), found ${JSON.stringify(account)}`,
    );
  return `https://${account}.${service}.${STORAGE_ENDPOINT_SUFFIXES[cloud]}`;
}
