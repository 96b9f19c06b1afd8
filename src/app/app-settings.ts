// The Functions app's settings, read and validated once by the composition root. Every error names the setting.
// Secrets (connection strings, webhook URLs) are never put into messages.
import { CronExpressionParser } from "cron-parser";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { AuditorError } from "../errors";
import { auditSettingsFromEnv, type AuditSettings } from "../config/audit-settings";
import { collectionInputFromEnv, parseCollectionSettings, type SourceSetting } from "../config/collection-settings";
import { findingsArchiveFromEnv, storeConnectionFromEnv } from "../store/store-settings";
import { alertSettingsFromEnv, type AlertSettings } from "../alerts/alert-settings";
import type { FindingsArchive, StoreConnection } from "../store/table-client";
import { fanoutSettingsFromEnv, type FanoutSettings } from "../fanout/fanout-settings";
import type { QueueConnection } from "../queue/storage-queue";

export const AUDIT_QUEUE = "audit-requests";
export const AUDIT_POISON_QUEUE = `${AUDIT_QUEUE}-poison`;
/** The shards of fanned-out runs (see README (Scale and fan-out)), and where the host moves a shard it gave up on. */
export const AUDIT_SHARD_QUEUE = "audit-shards";
export const AUDIT_SHARD_POISON_QUEUE = `${AUDIT_SHARD_QUEUE}-poison`;
export const DEFAULT_SCHEDULE = "0 0 2 * * *";



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
  /** Teams / webhook alerting (see README, Alerts); absent when neither TEAMS_WEBHOOK_URL nor ALERT_ROUTES is set. */
  alerts?: AlertSettings;
  /** When a live run is split into shards, and how (AUDIT_FANOUT_MIN_SUBSCRIPTIONS, AUDIT_SHARD_*). */
  fanout: FanoutSettings;
}

/** NCRONTAB as the Functions host reads it: six fields, seconds first. */
export function validateSchedule(value: string, setting = "AUDIT_SCHEDULE"): string {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new AuditorError("CONFIG_INVALID", `${setting}: expected an NCRONTAB expression of 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}), found ${fields.length} in ${JSON.stringify(value)}`);
  }
  try {
    CronExpressionParser.parse(value.trim(), { tz: "UTC" });
  } catch (error) {
    throw new AuditorError("CONFIG_INVALID", `${setting}: ${JSON.stringify(value)} is not a valid schedule: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return value.trim();
}

export function parsePositiveInt(value: string | undefined, setting: string, fallback: number, max = 36_500): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new AuditorError("CONFIG_INVALID", `${setting}: expected a whole number from 1 to ${max}, found ${JSON.stringify(value)}`);
  return n;
}

/** `snapshot:<file>[,<file>]` audits files; empty or `resourceGraph` collects live. */
export function parseSource(env: NodeJS.ProcessEnv): SourceSetting {
  const raw = env["AUDIT_SOURCE"]?.trim() ?? "";
  if (raw === "" || raw.toLowerCase() === "resourcegraph") return { kind: "resourceGraph", collection: parseCollectionSettings(collectionInputFromEnv(env)) };
  if (raw.toLowerCase().startsWith("snapshot:")) {
    const files = raw.slice("snapshot:".length).split(",").map((f) => f.trim()).filter((f) => f !== "");
    if (files.length === 0) throw new AuditorError("CONFIG_INVALID", "AUDIT_SOURCE: snapshot: needs a file, e.g. snapshot:samples/estate.json");
    return { kind: "snapshot", files };
  }
  throw new AuditorError("CONFIG_INVALID", `AUDIT_SOURCE: expected "resourceGraph" or "snapshot:<file>", found ${JSON.stringify(raw)}`);
}

/**
 * Tables: AUDIT_STORAGE_CONNECTION_STRING or AUDIT_STORAGE_ACCOUNT_URL (managed identity), else the Functions storage
 * account (AzureWebJobsStorage, or its identity-based form AzureWebJobsStorage__accountName).
 */
export function parseTables(env: NodeJS.ProcessEnv): StoreConnection {
  if (env["AUDIT_STORAGE_CONNECTION_STRING"]?.trim() || env["AUDIT_STORAGE_ACCOUNT_URL"]?.trim()) return storeConnectionFromEnv(env);
  const jobs = env["AzureWebJobsStorage"]?.trim();
  if (jobs) return { connectionString: jobs };
  const serviceUri = env["AzureWebJobsStorage__tableServiceUri"]?.trim();
  const account = env["AzureWebJobsStorage__accountName"]?.trim();
  if (serviceUri || account) return { accountUrl: serviceUri || `https://${account}.table.core.windows.net`, credential: new DefaultAzureCredential({ managedIdentityClientId: env["AzureWebJobsStorage__clientId"] }) };
  throw new AuditorError("CONFIG_INVALID", "Storage is not configured: set AzureWebJobsStorage (or AzureWebJobsStorage__accountName for managed identity), or AUDIT_STORAGE_CONNECTION_STRING / AUDIT_STORAGE_ACCOUNT_URL.");
}

/** The audit queue lives where the queue trigger listens: the AzureWebJobsStorage account. */
export function parseQueues(env: NodeJS.ProcessEnv): QueueConnection {
  const jobs = env["AzureWebJobsStorage"]?.trim();
  if (jobs) return { connectionString: jobs };
  const serviceUri = env["AzureWebJobsStorage__queueServiceUri"]?.trim();
  const account = env["AzureWebJobsStorage__accountName"]?.trim();
  if (serviceUri || account) return { queueServiceUrl: serviceUri || `https://${account}.queue.core.windows.net`, credential: new DefaultAzureCredential({ managedIdentityClientId: env["AzureWebJobsStorage__clientId"] }) };
  throw new AuditorError("CONFIG_INVALID", "Queue storage is not configured: set AzureWebJobsStorage or AzureWebJobsStorage__accountName.");
}

export function appSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AppSettings {
  return {
    schedule: validateSchedule(env["AUDIT_SCHEDULE"]?.trim() || DEFAULT_SCHEDULE),
    audit: auditSettingsFromEnv(env),
    source: parseSource(env),
    tables: parseTables(env),
    findingsArchive: findingsArchiveFromEnv(env),
    queues: parseQueues(env),
    retentionDays: parsePositiveInt(env["FINDINGS_RETENTION_DAYS"], "FINDINGS_RETENTION_DAYS", 90),
    lockTtlMs: parsePositiveInt(env["AUDIT_LOCK_MINUTES"], "AUDIT_LOCK_MINUTES", 120, 24 * 60) * 60_000,
    alerts: alertSettingsFromEnv(env),
    fanout: fanoutSettingsFromEnv(env),
  };
}
