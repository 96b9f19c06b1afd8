// The webhook client against a local receiver: what counts as delivered, transient or permanent; backoff bounds;
// Retry-After; pacing at 4 requests a second per webhook; reasons that never carry the URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DELIVERY, type DeliveryPolicy } from "../../src/alerts/alert-settings";
import { parseRetryAfter, WebhookClient } from "../../src/alerts/webhook-client";
import { WebhookSecret } from "../../src/alerts/webhook-secret";
import { WebhookReceiver } from "./webhook-receiver";
import { freePort } from "../support/azurite";

let receiver: WebhookReceiver;
let n = 0;
const fast: DeliveryPolicy = { ...DEFAULT_DELIVERY, retryBaseMs: 5, maxRetryDelayMs: 50, requestsPerSecond: 1000 };

function hook(): { path: string; secret: WebhookSecret } {
  const path = `/c${(n += 1)}`;
  return { path, secret: new WebhookSecret(receiver.url(path)) };
}

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});

afterAll(async () => {
  await receiver?.close();
});

describe("outcomes", () => {
  it.each([
    [[{ status: 200 }], { state: "delivered", attempts: 1, httpStatus: 200 }],
    [[{ status: 202 }], { state: "delivered", attempts: 1, httpStatus: 202 }],
    [[{ status: 204 }], { state: "delivered", attempts: 1, httpStatus: 204 }],
    [
      [{ status: 400, body: "bad card" }],
      { state: "failed", attempts: 1, httpStatus: 400, reason: "HTTP 400: bad card" },
    ],
    [[{ status: 404 }], { state: "failed", attempts: 1, httpStatus: 404, reason: "HTTP 404" }],
    [
      [{ status: 302 }],
      { state: "failed", attempts: 1, httpStatus: 302, reason: expect.stringMatching(/redirects are not followed/) },
    ],
    [
      [{ status: 408 }, { status: 502 }, { status: 202 }],
      { state: "delivered", attempts: 3, httpStatus: 202, reason: "HTTP 502" },
    ],
    [
      ["drop", { status: 202 }],
      { state: "delivered", attempts: 2, httpStatus: 202, reason: expect.stringMatching(/^network error/) },
    ],
    [
      [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }],
      { state: "pending", attempts: 5, httpStatus: 500, reason: "HTTP 500" },
    ],
    [
      [{ status: 429, retryAfter: "7200" }],
      { state: "pending", attempts: 1, httpStatus: 429, reason: "HTTP 429", retryAfter: expect.any(String) },
    ],
  ] as const)("%j → %j", async (cues, expected) => {
    const { path, secret } = hook();
    receiver.cue(path, ...cues);
    expect(await new WebhookClient(fast).post(secret, "{}")).toEqual(expected);
    expect(receiver.postsTo(path)).toHaveLength(Math.min(cues.length, fast.maxAttempts));
  });

  it("stops at the pass deadline instead of waiting past it", async () => {
    const { path, secret } = hook();
    receiver.cue(path, { status: 503, retryAfter: "5" });
    const started = Date.now();
    const outcome = await new WebhookClient(fast).post(secret, "{}", { deadline: Date.now() + 1_000 });
    expect(outcome).toMatchObject({ state: "pending", attempts: 1 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("a network error on an unreachable port is transient, and names no host", async () => {
    const secret = new WebhookSecret(`http://127.0.0.1:${await freePort()}/hook?sig=SECRET-X`);
    const outcome = await new WebhookClient({ ...fast, maxAttempts: 2 }).post(secret, "{}");
    expect(outcome).toEqual({ state: "pending", attempts: 2, reason: "network error (ECONNREFUSED)" });
  });

  it("a reason never carries the webhook URL, even when the receiver echoes it", async () => {
    const { path, secret } = hook();
    receiver.cue(path, { status: 403, body: `denied for ${secret.reveal()} (sig=${"abc"})` });
    const outcome = await new WebhookClient(fast).post(secret, "{}");
    expect(outcome).toMatchObject({ state: "failed", reason: "HTTP 403: denied for <webhook> (sig=<redacted>)" });
  });
});

describe("backoff and pacing", () => {
  it("waits with exponential backoff and jitter, bounded by the cap", async () => {
    const waits: number[] = [];
    const client = new WebhookClient(
      { ...DEFAULT_DELIVERY, retryBaseMs: 1_000, maxRetryDelayMs: 3_000, maxAttempts: 5, requestsPerSecond: 1000 },
      { sleep: async (ms) => void waits.push(ms), random: () => 1 },
    );
    const { path, secret } = hook();
    receiver.cue(path, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await client.post(secret, "{}");
    expect(waits.filter((w) => w > 10)).toEqual([1_000, 2_000, 3_000, 3_000]);
    const low: number[] = [];
    const jittered = new WebhookClient(
      { ...DEFAULT_DELIVERY, retryBaseMs: 1_000, maxAttempts: 2, requestsPerSecond: 1000 },
      { sleep: async (ms) => void low.push(ms), random: () => 0 },
    );
    const second = hook();
    receiver.cue(second.path, { status: 500 });
    await jittered.post(second.secret, "{}");
    expect(low.filter((w) => w > 10)).toEqual([500]);
  });

  it("honours a Retry-After longer than the backoff", async () => {
    const waits: number[] = [];
    const client = new WebhookClient({ ...fast }, { sleep: async (ms) => void waits.push(ms) });
    const { path, secret } = hook();
    receiver.cue(path, { status: 429, retryAfter: "2" });
    expect(await client.post(secret, "{}")).toMatchObject({ state: "delivered", attempts: 2 });
    expect(waits).toContain(2_000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", Date.parse("2026-10-21T07:27:30Z"))).toBe(30_000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
  });

  it("sends at most 4 requests a second to one webhook, and does not slow down another", async () => {
    const client = new WebhookClient(DEFAULT_DELIVERY);
    const a = hook();
    const b = hook();
    await Promise.all([...Array.from({ length: 6 }, () => client.post(a.secret, "{}")), client.post(b.secret, "{}")]);
    const times = receiver.postsTo(a.path).map((p) => p.at);
    expect(times).toHaveLength(6);
    // Arrival times carry scheduling jitter, so check the rate itself: no five posts inside one second (with 50 ms of
    // slack for jitter), and the spacing on average at least the 250 ms the pacer keeps. Unpaced, all six land at once.
    for (let i = 4; i < times.length; i += 1) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(950);
    expect((times[times.length - 1]! - times[0]!) / (times.length - 1)).toBeGreaterThanOrEqual(240);
    expect(receiver.postsTo(b.path)[0]!.at - times[0]!).toBeLessThan(240);
  });
});
