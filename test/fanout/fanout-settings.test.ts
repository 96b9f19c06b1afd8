// AUDIT_FANOUT_MIN_SUBSCRIPTIONS, AUDIT_SHARD_SUBSCRIPTIONS and AUDIT_SHARD_CONCURRENCY: defaults, and every bad value
// refused with a message that names the setting.
import { describe, expect, it } from "vitest";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { DEFAULT_FANOUT_SETTINGS, fanoutSettingsFromEnv } from "../../src/fanout/fanout-settings";

const BASE = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };

describe("fan-out settings", () => {
  it("default to 500 subscriptions before fanning out, 250 per shard, 3 collecting at once", () => {
    expect(DEFAULT_FANOUT_SETTINGS).toEqual({
      minSubscriptions: 500,
      shardSubscriptions: 250,
      collectionConcurrency: 3,
    });
    expect(appSettingsFromEnv(BASE).fanout).toEqual(DEFAULT_FANOUT_SETTINGS);
    expect(
      fanoutSettingsFromEnv({
        AUDIT_FANOUT_MIN_SUBSCRIPTIONS: " 1 ",
        AUDIT_SHARD_SUBSCRIPTIONS: "1",
        AUDIT_SHARD_CONCURRENCY: "",
      }),
    ).toEqual({ minSubscriptions: 1, shardSubscriptions: 1, collectionConcurrency: 3 });
  });

  it.each([
    [
      { AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "0" },
      /AUDIT_FANOUT_MIN_SUBSCRIPTIONS: expected a whole number from 1 to 1000000, found "0"/,
    ],
    [{ AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "many" }, /AUDIT_FANOUT_MIN_SUBSCRIPTIONS: expected a whole number/],
    [{ AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "2.5" }, /AUDIT_FANOUT_MIN_SUBSCRIPTIONS: expected a whole number/],
    [
      { AUDIT_SHARD_SUBSCRIPTIONS: "0" },
      /AUDIT_SHARD_SUBSCRIPTIONS: expected a whole number from 1 to 1000, found "0"/,
    ],
    [
      { AUDIT_SHARD_SUBSCRIPTIONS: "1001", AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "5000" },
      /AUDIT_SHARD_SUBSCRIPTIONS: expected a whole number from 1 to 1000/,
    ],
    [{ AUDIT_SHARD_SUBSCRIPTIONS: "-3" }, /AUDIT_SHARD_SUBSCRIPTIONS: expected a whole number/],
    [{ AUDIT_SHARD_CONCURRENCY: "0" }, /AUDIT_SHARD_CONCURRENCY: expected a whole number from 1 to 50/],
    [{ AUDIT_SHARD_CONCURRENCY: "51" }, /AUDIT_SHARD_CONCURRENCY: expected a whole number from 1 to 50/],
    [
      { AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "100", AUDIT_SHARD_SUBSCRIPTIONS: "200" },
      /AUDIT_SHARD_SUBSCRIPTIONS: 200 subscriptions per shard is more than AUDIT_FANOUT_MIN_SUBSCRIPTIONS \(100\)/,
    ],
  ])("%j is refused, naming the setting", (overrides, message) => {
    expect(() => appSettingsFromEnv({ ...BASE, ...overrides })).toThrow(message);
  });

  it("never echoes more than the value it refused", () => {
    try {
      appSettingsFromEnv({
        ...BASE,
        AUDIT_SHARD_CONCURRENCY: "lots",
        AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=c2VjcmV0",
      });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toMatch(/c2VjcmV0/);
      expect(String(error)).toMatch(/AUDIT_SHARD_CONCURRENCY/);
    }
  });
});
