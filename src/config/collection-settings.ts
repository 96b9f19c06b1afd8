// Where and how to collect: scope and ARM connection, from the environment (Functions app settings) and CLI flags.
// Validation lives in collect/collection-config.ts; this file only names each setting the way the user spelled it.
import { buildArmConnection, CollectionConfigError, validateScope, type ArmConnection, type CollectionScope } from "../collect/collection-config";
import { AuditorError } from "../errors";
import { splitList } from "./audit-settings";

export interface CollectionSettingsInput {
  subscriptions?: string;
  managementGroups?: string;
  armEndpoint?: string;
  armCaFile?: string;
  cloud?: string;
  enrichmentConcurrency?: string;
}

export interface CollectionSettings {
  scope: CollectionScope;
  connection: ArmConnection;
  enrichmentConcurrency: number;
}

/** How each setting is called where it came from, for error messages. */
export type SettingNames = Record<keyof CollectionSettingsInput, string>;

export const ENV_SETTING_NAMES: SettingNames = {
  subscriptions: "AUDIT_SUBSCRIPTIONS",
  managementGroups: "AUDIT_MANAGEMENT_GROUPS",
  armEndpoint: "AUDIT_ARM_ENDPOINT",
  armCaFile: "AUDIT_ARM_CA",
  cloud: "AUDIT_CLOUD",
  enrichmentConcurrency: "AUDIT_ARM_CONCURRENCY",
};

export function collectionInputFromEnv(env: NodeJS.ProcessEnv = process.env): CollectionSettingsInput {
  return {
    subscriptions: env["AUDIT_SUBSCRIPTIONS"],
    managementGroups: env["AUDIT_MANAGEMENT_GROUPS"],
    armEndpoint: env["AUDIT_ARM_ENDPOINT"],
    armCaFile: env["AUDIT_ARM_CA"],
    cloud: env["AUDIT_CLOUD"],
    enrichmentConcurrency: env["AUDIT_ARM_CONCURRENCY"],
  };
}

export function parseCollectionSettings(input: CollectionSettingsInput, names: SettingNames = ENV_SETTING_NAMES): CollectionSettings {
  try {
    const scope = validateScope({ subscriptions: splitList(input.subscriptions), managementGroups: splitList(input.managementGroups) });
    const connection = buildArmConnection({ armEndpoint: blankToUndefined(input.armEndpoint), armCaFile: blankToUndefined(input.armCaFile), cloud: blankToUndefined(input.cloud) });
    return { scope, connection, enrichmentConcurrency: parseConcurrency(input.enrichmentConcurrency, names.enrichmentConcurrency) };
  } catch (error) {
    if (error instanceof CollectionConfigError) {
      const name = names[error.setting as keyof SettingNames] ?? error.setting;
      throw new AuditorError("CONFIG_INVALID", `${name}${error.message.slice(error.setting.length)}`, { cause: error });
    }
    throw error;
  }
}

function parseConcurrency(value: string | undefined, name: string): number {
  if (value === undefined || value.trim() === "") return 8;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new AuditorError("CONFIG_INVALID", `${name}: expected a whole number from 1 to 64, found ${JSON.stringify(value)}`);
  return n;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** AUDIT_SOURCE: snapshot files, or live collection with these settings. */
export type SourceSetting = { kind: "snapshot"; files: string[] } | { kind: "resourceGraph"; collection: CollectionSettings };
