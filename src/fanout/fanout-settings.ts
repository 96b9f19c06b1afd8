// When a run fans out, how big its shards are, and how many shards collect at once. Read and validated once with the
// other app settings; every message names the setting. The defaults are derived in README (Scale and fan-out).
import { AuditorError } from "../errors";

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

export const DEFAULT_FANOUT_SETTINGS: FanoutSettings = { minSubscriptions: 500, shardSubscriptions: 250, collectionConcurrency: 3 };

/** Resource Graph takes at most 1,000 subscriptions per request; a shard never needs a second batch per family. */
export const MAX_SHARD_SUBSCRIPTIONS = 1_000;
/** The run entity tracks one character per shard in a string property (at most 32,768 UTF-16 code units). */
export const MAX_SHARDS = 30_000;

export function fanoutSettingsFromEnv(env: NodeJS.ProcessEnv): FanoutSettings {
  const settings: FanoutSettings = {
    minSubscriptions: wholeNumber(env, FANOUT_SETTINGS.minSubscriptions, DEFAULT_FANOUT_SETTINGS.minSubscriptions, 1, 1_000_000),
    shardSubscriptions: wholeNumber(env, FANOUT_SETTINGS.shardSubscriptions, DEFAULT_FANOUT_SETTINGS.shardSubscriptions, 1, MAX_SHARD_SUBSCRIPTIONS),
    collectionConcurrency: wholeNumber(env, FANOUT_SETTINGS.collectionConcurrency, DEFAULT_FANOUT_SETTINGS.collectionConcurrency, 1, 50),
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

function wholeNumber(env: NodeJS.ProcessEnv, setting: string, fallback: number, min: number, max: number): number {
  const raw = env[setting];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AuditorError("CONFIG_INVALID", `${setting}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(raw)}`);
  }
  return value;
}
