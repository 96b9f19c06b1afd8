// The Functions app's settings, read and validated once by the composition root. Every error names the setting.
// Secrets (connection strings, webhook URLs) are never put into messages.
import { DefaultAzureCredential } from "@azure/identity";
import { AuditorError } from "../errors";
import { auditSettingsFromEnv, type AuditSettings } from "../config/audit-settings";
import { collectionInputFromEnv, parseCollectionSettings } from "../config/collection-settings";
import { readSetting } from "../config/settings-catalog";
import { readSettingOrDefault } from "../config/setting-problems";
import type { SettingEnv } from "../config/setting-declaration";
import { liveCollection, type SourceSetting } from "../collect/collection-config";
import { findingsArchiveFromEnv, storageServiceUrl, storeConnectionFromEnv } from "../store/store-settings";
import { alertSettingsFromEnv, type AlertSettings } from "../alerts/alert-settings";
import type { FindingsArchive, StoreConnection } from "../store/table-client";
import { fanoutSettingsFromEnv, type FanoutSettings } from "../fanout/fanout-settings";
import type { QueueConnection } from "../queue/storage-queue";
import { logAnalyticsSettingsFromEnv, type LogAnalyticsSetting } from "../log-analytics/log-analytics-settings";

export const AUDIT_QUEUE = "audit-requests";
export const AUDIT_POISON_QUEUE = `${AUDIT_QUEUE}-poison`;
/** The shards of fanned-out runs (see docs/operations.md (Scale and fan-out)), and where the host moves a shard it gave up on. */
export const AUDIT_SHARD_QUEUE = "audit-shards";
export const AUDIT_SHARD_POISON_QUEUE = `${AUDIT_SHARD_QUEUE}-poison`;

export interface AppSettings {
  schedule: string;
  audit: AuditSettings;
  source: SourceSetting;
  tables: StoreConnection;
  /** What each run stores in `findings` (FINDINGS_ARCHIVE): `changes` (default) or `all`. */
  findingsArchive: FindingsArchive;
  queues: QueueConnection;
  retentionDays: number;
  /** How long a scope lock is held before another run may take it over (a crashed worker's lock expires). */
  lockTtlMs: number;
  /** Teams / webhook alerting (see docs/alerts.md); absent when neither TEAMS_WEBHOOK_URL nor ALERT_ROUTES is set. */
  alerts?: AlertSettings;
  /** When a live run is split into shards, and how (AUDIT_FANOUT_MIN_SUBSCRIPTIONS, AUDIT_SHARD_*). */
  fanout: FanoutSettings;
  /** Results to Log Analytics (LOG_ANALYTICS_*, docs/log-analytics.md): off, on, or a bad value the step logs. */
  logAnalytics?: LogAnalyticsSetting;
}

/** AUDIT_SOURCE: `snapshot:<file>[,<file>]` audits files; empty or `resourceGraph` collects live. */
export function parseSource(env: SettingEnv): SourceSetting {
  const source = readSetting(env, "AUDIT_SOURCE");
  if (source.kind === "snapshot") return source;
  return { kind: "resourceGraph", collection: liveCollection(parseCollectionSettings(collectionInputFromEnv(env))) };
}

/**
 * Tables: AUDIT_STORAGE_CONNECTION_STRING or AUDIT_STORAGE_ACCOUNT_URL (managed identity), else the Functions storage
 * account (AzureWebJobsStorage, or its identity-based form AzureWebJobsStorage__accountName).
 */
export function parseTables(env: SettingEnv): StoreConnection {
  if (
    readSetting(env, "AUDIT_STORAGE_CONNECTION_STRING") !== undefined ||
    readSetting(env, "AUDIT_STORAGE_ACCOUNT_URL") !== undefined
  )
    return storeConnectionFromEnv(env);
  const jobs = readSetting(env, "AzureWebJobsStorage");
  if (jobs !== undefined) return { connectionString: jobs };
  const serviceUri = readSetting(env, "AzureWebJobsStorage__tableServiceUri");
  const account = readSetting(env, "AzureWebJobsStorage__accountName");
  if (serviceUri !== undefined || account !== undefined)
    return {
      accountUrl: serviceUri ?? storageServiceUrl(account!, "table", readSetting(env, "AUDIT_CLOUD")),
      credential: jobsStorageCredential(env),
    };
  throw new AuditorError(
    "CONFIG_INVALID",
    "Storage is not configured: set AzureWebJobsStorage (or AzureWebJobsStorage__accountName for managed identity), or AUDIT_STORAGE_CONNECTION_STRING / AUDIT_STORAGE_ACCOUNT_URL.",
  );
}

/** The audit queue lives where the queue trigger listens: the AzureWebJobsStorage account. */
export function parseQueues(env: SettingEnv): QueueConnection {
  const jobs = readSetting(env, "AzureWebJobsStorage");
  if (jobs !== undefined) return { connectionString: jobs };
  const serviceUri = readSetting(env, "AzureWebJobsStorage__queueServiceUri");
  const account = readSetting(env, "AzureWebJobsStorage__accountName");
  if (serviceUri !== undefined || account !== undefined)
    return {
      queueServiceUrl: serviceUri ?? storageServiceUrl(account!, "queue", readSetting(env, "AUDIT_CLOUD")),
      credential: jobsStorageCredential(env),
    };
  throw new AuditorError(
    "CONFIG_INVALID",
    "Queue storage is not configured: set AzureWebJobsStorage or AzureWebJobsStorage__accountName.",
  );
}

/** The Functions storage identity: the app's own, or the user-assigned one AzureWebJobsStorage__clientId names. */
function jobsStorageCredential(env: SettingEnv): DefaultAzureCredential {
  return new DefaultAzureCredential({ managedIdentityClientId: readSetting(env, "AzureWebJobsStorage__clientId") });
}

export function appSettingsFromEnv(env: SettingEnv = process.env): AppSettings {
  return {
    // The timer's schedule: an invalid one falls back to the default (health reports it), as nightlyAudit does.
    schedule: readSettingOrDefault(env, "AUDIT_SCHEDULE"),
    audit: auditSettingsFromEnv(env),
    source: parseSource(env),
    tables: parseTables(env),
    findingsArchive: findingsArchiveFromEnv(env),
    queues: parseQueues(env),
    retentionDays: readSetting(env, "FINDINGS_RETENTION_DAYS"),
    lockTtlMs: readSetting(env, "AUDIT_LOCK_MINUTES") * 60_000,
    alerts: alertSettingsFromEnv(env),
    fanout: fanoutSettingsFromEnv(env),
    logAnalytics: logAnalyticsSettingsFromEnv(env),
  };
}
