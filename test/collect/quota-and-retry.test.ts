import { describe, expect, it } from "vitest";
import { parseTimeSpan, QuotaPacer } from "../../src/collect/quota-pacer";
import {
  backoffDelay,
  classifyFailure,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  RetriesExhaustedError,
  withRetries,
} from "../../src/collect/retry-policy";
import { formatTimeSpan } from "../../dev/emulator/user-quota";

function headers(values: Record<string, string>) {
  return { get: (name: string) => values[name] };
}

function restError(statusCode: number | undefined, responseHeaders: Record<string, string> = {}, code?: string) {
  return Object.assign(new Error(`status ${statusCode}`), {
    name: "RestError",
    statusCode,
    code,
    response: { headers: headers(responseHeaders) },
  });
}

describe("QuotaPacer", () => {
  it("counts against the assumed quota until the service reports one", async () => {
    const pacer = new QuotaPacer({ limit: 3, windowMs: 80 });
    expect([await pacer.acquire(), await pacer.acquire(), await pacer.acquire()]).toEqual([0, 0, 0]);
    const waited = await pacer.acquire();
    expect(waited).toBeGreaterThanOrEqual(70);
    expect(waited).toBeLessThan(200);
  });

  it("follows the reported quota over the assumed one", async () => {
    const pacer = new QuotaPacer({ limit: 15, windowMs: 60_000 });
    await pacer.acquire();
    pacer.observe(headers({ "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:00.0500000" }));
    const waited = await pacer.acquire();
    expect(waited).toBeGreaterThanOrEqual(50);
    expect(waited).toBeLessThan(200);
  });

  it("ignores responses without quota headers", async () => {
    const pacer = new QuotaPacer({ limit: 2, windowMs: 60_000 });
    await pacer.acquire();
    pacer.observe(headers({}));
    expect(await pacer.acquire()).toBe(0);
  });
});

describe("QuotaPacer with requests in flight", () => {
  const report = (remaining: number, resetsAfter = "00:01:00") =>
    headers({ "x-ms-user-quota-remaining": String(remaining), "x-ms-user-quota-resets-after": resetsAfter });
  /** Whether the promise settles within a few milliseconds. */
  const settlesSoon = (promise: Promise<unknown>) =>
    Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 30))]);

  it("subtracts the requests still in flight from what a response reports remaining", async () => {
    const pacer = new QuotaPacer({ limit: 15, windowMs: 60_000 });
    const [first] = [await pacer.reserve(), await pacer.reserve(), await pacer.reserve()];
    // Counted when the first arrived: 5 left then, and two more are on their way.
    pacer.settle(first, report(5));
    for (let n = 0; n < 3; n += 1) expect((await pacer.reserve()).waitedMs).toBe(0);
    expect(await settlesSoon(pacer.reserve())).toBe(false);
  });

  it("ignores a report older than one already applied", async () => {
    const pacer = new QuotaPacer({ limit: 15, windowMs: 60_000 });
    const older = await pacer.reserve();
    const newer = await pacer.reserve();
    pacer.settle(newer, report(10));
    pacer.settle(older, report(0));
    expect(await settlesSoon(pacer.reserve())).toBe(true);
  });

  it("keeps the earliest reset a window's reports give, and follows a report of the next window", async () => {
    let now = 0;
    const pacer = new QuotaPacer({ limit: 15, windowMs: 60_000 }, () => now);
    const tickets = [await pacer.reserve(), await pacer.reserve(), await pacer.reserve()];
    // The first answer arrives late (a big page): its bound on the reset is 400 ms later than the second's.
    now = 1_000;
    pacer.settle(tickets[0]!, report(14, "00:00:04.4000000"));
    now = 1_100;
    pacer.settle(tickets[1]!, report(0, "00:00:03.9000000"));
    // The reset is at 5,000, not 5,400: a caller waits 3,900 ms from here, plus the safety margin.
    expect((pacer as unknown as { resetAt: number }).resetAt).toBe(5_000);
    // The next window's first answer: a reset a window later replaces the bound.
    now = 5_200;
    pacer.settle(tickets[2]!, report(14, "00:00:04.9000000"));
    expect((pacer as unknown as { resetAt: number }).resetAt).toBe(10_100);
  });

  it("does not guess a second window while the first one's requests have not answered", async () => {
    const pacer = new QuotaPacer({ limit: 2, windowMs: 40 });
    const [first] = [await pacer.reserve(), await pacer.reserve()];
    const third = pacer.reserve();
    // Past the guessed end of the window, but the service may have started its window late: no answer, no grant.
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await settlesSoon(third)).toBe(false);
    pacer.settle(first, report(0, "00:00:00.0200000"));
    expect((await third).waitedMs).toBeGreaterThanOrEqual(80);
  });

  it("serves the highest priority first when a window opens", async () => {
    const pacer = new QuotaPacer({ limit: 1, windowMs: 50 });
    pacer.settle(await pacer.reserve());
    const order: number[] = [];
    const low = pacer.reserve(1).then((ticket) => {
      order.push(1);
      pacer.settle(ticket);
    });
    const high = pacer.reserve(5).then((ticket) => {
      order.push(5);
      pacer.settle(ticket);
    });
    await Promise.all([low, high]);
    expect(order).toEqual([5, 1]);
  });
});

describe("time spans", () => {
  it.each([
    ["00:00:05", 5_000],
    ["00:01:00", 60_000],
    ["00:00:00.4560000", 456],
    ["1.00:00:00", 86_400_000],
  ])("parses %s", (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  it("rejects what is not a time span", () => {
    expect(parseTimeSpan("5s")).toBeUndefined();
    expect(parseTimeSpan(undefined)).toBeUndefined();
  });

  it("round-trips the emulator's format", () => {
    for (const ms of [0, 456, 1_000, 4_999, 3_600_000]) expect(parseTimeSpan(formatTimeSpan(ms))).toBe(ms);
  });
});

describe("retry policy", () => {
  it.each([
    [restError(429, { "retry-after": "3" }), { retriable: true, throttled: true, retryAfterMs: 3_000 }],
    [restError(503, { "retry-after-ms": "250" }), { retriable: true, throttled: false, retryAfterMs: 250 }],
    [restError(500), { retriable: true, retryAfterMs: undefined }],
    [
      restError(undefined, {}, "ECONNRESET"),
      { retriable: true, description: "network error ECONNRESET: status undefined" },
    ],
    [restError(400), { retriable: false }],
    [restError(403), { retriable: false }],
    [restError(404), { retriable: false, statusCode: 404 }],
    [new TypeError("bug"), { retriable: false, description: "TypeError: bug" }],
  ])("classifies %s", (error, expected) => {
    expect(classifyFailure(error)).toMatchObject(expected);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("2", false)).toBe(2_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString(), false)).toBeGreaterThan(55_000);
    expect(parseRetryAfter("soon", false)).toBeUndefined();
  });

  it("backs off exponentially with jitter, capped", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(policy, 0, () => 0)).toBe(50);
    expect(backoffDelay(policy, 0, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 1)).toBe(800);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1_000);
  });

  it("stops at the retry count and at the time budget", async () => {
    let attempts = 0;
    const failing = () => {
      attempts += 1;
      return Promise.reject(restError(500));
    };
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 };
    await expect(withRetries(policy, failing)).rejects.toThrow(/after 4 attempts/);
    expect(attempts).toBe(4);

    attempts = 0;
    const slow = { ...policy, maxRetries: 100, baseDelayMs: 40, maxDelayMs: 40, maxRetryTimeMs: 100 };
    const error = await withRetries(slow, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(attempts).toBeLessThanOrEqual(5);
  });

  it("aborts an attempt that takes longer than requestTimeoutMs and retries it", async () => {
    let attempts = 0;
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 1, baseDelayMs: 1, requestTimeoutMs: 30 };
    const hanging = (signal: AbortSignal) =>
      new Promise<string>((resolve, reject) => {
        attempts += 1;
        if (attempts === 2) return resolve("second time lucky");
        signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
      });
    await expect(withRetries(policy, hanging)).resolves.toBe("second time lucky");
    expect(attempts).toBe(2);
  });
});
