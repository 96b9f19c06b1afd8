// Where the store lives, read once from the environment by the composition root. Locally a connection string to
// Azurite; in Azure the account URL and the Function App's managed identity (DefaultAzureCredential).
import { DefaultAzureCredential } from "@azure/identity";
import { AuditorError } from "../errors";
import type { FindingsArchive, StoreConnection } from "./table-client";

export const STORAGE_CONNECTION_SETTING = "AUDIT_STORAGE_CONNECTION_STRING";
export const STORAGE_ACCOUNT_URL_SETTING = "AUDIT_STORAGE_ACCOUNT_URL";
export const FINDINGS_ARCHIVE_SETTING = "FINDINGS_ARCHIVE";

/**
 * What each run stores in `findings`: `changes` (default; failures, unknowns, errors and changed pairs, so nightly
 * writes follow failures plus changes) or `all` (every result of every run, the full archive).
 */
export function findingsArchiveFromEnv(env: NodeJS.ProcessEnv = process.env): FindingsArchive {
  const raw = env[FINDINGS_ARCHIVE_SETTING]?.trim().toLowerCase() ?? "";
  if (raw === "") return "changes";
  if (raw === "changes" || raw === "all") return raw;
  throw new AuditorError("CONFIG_INVALID", `${FINDINGS_ARCHIVE_SETTING}: expected "changes" or "all", found ${JSON.stringify(env[FINDINGS_ARCHIVE_SETTING])}`);
}

/** The connection string wins when both are set; neither is an error that names both settings. */
export function storeConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConnection {
  const connectionString = env[STORAGE_CONNECTION_SETTING]?.trim();
  if (connectionString) return { connectionString };
  const accountUrl = env[STORAGE_ACCOUNT_URL_SETTING]?.trim();
  if (accountUrl) {
    let url: URL;
    try {
      url = new URL(accountUrl);
    } catch (error) {
      throw new AuditorError("CONFIG_INVALID", `${STORAGE_ACCOUNT_URL_SETTING}: expected a URL such as https://<account>.table.core.windows.net, found ${JSON.stringify(accountUrl)}`, { cause: error });
    }
    if (url.protocol !== "https:") {
      // Bearer tokens are refused over plain http by the SDK; say so here rather than on the first write.
      throw new AuditorError("CONFIG_INVALID", `${STORAGE_ACCOUNT_URL_SETTING}: must be https (token authentication is refused over http)`);
    }
    return { accountUrl, credential: new DefaultAzureCredential() };
  }
  throw new AuditorError("CONFIG_INVALID", `Storage is not configured: set ${STORAGE_ACCOUNT_URL_SETTING} (Azure, managed identity) or ${STORAGE_CONNECTION_SETTING} (local Azurite).`);
}
