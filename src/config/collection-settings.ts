// Where and how to collect, from the environment (Functions app settings) and CLI flags, as validated plain values.
// Each value is named the way the user spelled it; the collect adapter checks the scope and builds the ARM connection
// from these (collect/collection-config.ts), so this layer holds no SDK type.
import { parseSetting, type CloudName, type SettingName } from "./settings-catalog";
import type { SettingEnv } from "./setting-declaration";

export interface CollectionSettingsInput {
  subscriptions?: string;
  managementGroups?: string;
  armEndpoint?: string;
  armCaFile?: string;
  cloud?: string;
  enrichmentConcurrency?: string;
}

export interface CollectionSettings {
  subscriptions: string[];
  managementGroups: string[];
  /** An ARM endpoint override (an emulator or a proxy); checked with the CA file when the connection is built. */
  armEndpoint?: string;
  armCaFile?: string;
  cloud: CloudName;
  enrichmentConcurrency: number;
}

/** How each setting is called where it came from, for error messages. */
export type SettingNames = Record<keyof CollectionSettingsInput, string>;

export const ENV_SETTING_NAMES = {
  subscriptions: "AUDIT_SUBSCRIPTIONS",
  managementGroups: "AUDIT_MANAGEMENT_GROUPS",
  armEndpoint: "AUDIT_ARM_ENDPOINT",
  armCaFile: "AUDIT_ARM_CA",
  cloud: "AUDIT_CLOUD",
  enrichmentConcurrency: "AUDIT_ARM_CONCURRENCY",
} as const satisfies Record<keyof CollectionSettingsInput, SettingName>;

export function collectionInputFromEnv(env: SettingEnv = process.env): CollectionSettingsInput {
  const input: CollectionSettingsInput = {};
  for (const [key, name] of Object.entries(ENV_SETTING_NAMES) as Array<[keyof CollectionSettingsInput, SettingName]>)
    input[key] = env[name];
  return input;
}

/** Validates each value on its own; blank values are the declared defaults. */
export function parseCollectionSettings(
  input: CollectionSettingsInput,
  names: SettingNames = ENV_SETTING_NAMES,
): CollectionSettings {
  return {
    subscriptions: parseSetting("AUDIT_SUBSCRIPTIONS", input.subscriptions, names.subscriptions),
    managementGroups: parseSetting("AUDIT_MANAGEMENT_GROUPS", input.managementGroups, names.managementGroups),
    armEndpoint: parseSetting("AUDIT_ARM_ENDPOINT", input.armEndpoint, names.armEndpoint),
    armCaFile: parseSetting("AUDIT_ARM_CA", input.armCaFile, names.armCaFile),
    cloud: parseSetting("AUDIT_CLOUD", input.cloud, names.cloud),
    enrichmentConcurrency: parseSetting(
      "AUDIT_ARM_CONCURRENCY",
      input.enrichmentConcurrency,
      names.enrichmentConcurrency,
    ),
  };
}
