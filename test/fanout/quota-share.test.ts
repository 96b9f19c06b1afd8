// The pacer of a shard spends only its share of the identity's quota while other shards collect beside it.
// (The pacer is src/collect/quota-pacer.ts; this is the part fan-out added.)
import { describe, expect, it } from "vitest";
import { QuotaPacer } from "../../src/collect/quota-pacer";

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

describe("QuotaPacer with a share", () => {
  it("spends a third of what the service reports remaining when three collectors share the quota", async () => {
    const pacer = new QuotaPacer({ limit: 15, windowMs: 60_000, share: 3 });
    expect(await pacer.acquire()).toBe(0);
    pacer.observe(headers({ "x-ms-user-quota-remaining": "12", "x-ms-user-quota-resets-after": "00:00:00.1500000" }));
    for (let i = 0; i < 4; i += 1) expect(await pacer.acquire()).toBe(0);
    const waited = await pacer.acquire();
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(400);
  });

  it("assumes its share of the default quota before the service reports one", async () => {
    const pacer = new QuotaPacer({ limit: 15, windowMs: 100, share: 3 });
    for (let i = 0; i < 5; i += 1) expect(await pacer.acquire()).toBe(0);
    expect(await pacer.acquire()).toBeGreaterThanOrEqual(90);
  });

  it("waits for the next window when the remaining quota is less than one request each", async () => {
    const pacer = new QuotaPacer({ limit: 15, windowMs: 60_000, share: 3 });
    await pacer.acquire();
    pacer.observe(headers({ "x-ms-user-quota-remaining": "2", "x-ms-user-quota-resets-after": "00:00:00.0800000" }));
    expect(await pacer.acquire()).toBeGreaterThanOrEqual(80);
  });
});
