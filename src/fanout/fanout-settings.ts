// When a run fans out, how big its shards are, and how many shards collect at once. Read and validated once with the
// other app settings; every message names the setting. The defaults are derived in docs/operations.md (Scale and fan-out).
import { AuditorError } from "../errors";
import { MAX_SHARD_SUBSCRIPTIONS, readSetting, SETTINGS } from "../config/settings-catalog";
import type { SettingEnv } from "../config/setting-declaration";

export { MAX_SHARD_SUBSCRIPTIONS };

export interface FanoutSettings {
  /** A live run fans out when its scope has more subscriptions than this. */
  minSubscriptions: number;
  /** Subscriptions per shard (shards are balanced, so most hold a little fewer). */
  shardSubscriptions: number;
  /** Shards collecting from Resource Graph at the same time; the others wait for a slot. */
  collectionConcurrency: number;
}

export const FANOUT_SETTINGS = {
  minSubscriptions: "AUDIT_FANOUT_MIN_SUBSCRIPTIONS",
  shardSubscriptions: "AUDIT_SHARD_SUBSCRIPTIONS",
  collectionConcurrency: "AUDIT_SHARD_CONCURRENCY",
} as const;

export const DEFAULT_FANOUT_SETTINGS: FanoutSettings = {
  minSubscriptions: SETTINGS.AUDIT_FANOUT_MIN_SUBSCRIPTIONS.default,
  shardSubscriptions: SETTINGS.AUDIT_SHARD_SUBSCRIPTIONS.default,
  collectionConcurrency: SETTINGS.AUDIT_SHARD_CONCURRENCY.default,
};

/** The run entity tracks one character per shard in a string property (at most 32,768 UTF-16 code units). */
export const MAX_SHARDS = 30_000;

export function fanoutSettingsFromEnv(env: SettingEnv): FanoutSettings {
  const settings: FanoutSettings = {
    minSubscriptions: readSetting(env, FANOUT_SETTINGS.minSubscriptions),
    shardSubscriptions: readSetting(env, FANOUT_SETTINGS.shardSubscriptions),
    collectionConcurrency: readSetting(env, FANOUT_SETTINGS.collectionConcurrency),
  };
  if (settings.shardSubscriptions > settings.minSubscriptions) {
    // A scope just over the threshold would become a single shard: the same work as not fanning out, plus overhead.
    throw new AuditorError(
      "CONFIG_INVALID",
      `${FANOUT_SETTINGS.shardSubscriptions}: ${settings.shardSubscriptions} subscriptions per shard is more than ${FANOUT_SETTINGS.minSubscriptions} (${settings.minSubscriptions}), so a fanned-out run could have a single shard; choose at most ${settings.minSubscriptions}`,
    );
  }
  return settings;
}
