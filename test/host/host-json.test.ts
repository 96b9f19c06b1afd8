// host.json as the local host reads it: .NET time spans, defaults, and errors that name the setting.
import { describe, expect, it } from "vitest";
import { DEFAULT_QUEUE_SETTINGS, parseHostJson, parseTimeSpan } from "../../src/host/host-json";

describe("parseTimeSpan", () => {
  it.each([
    ["00:00:02", 2_000],
    ["00:00:30", 30_000],
    ["00:10:00", 600_000],
    ["01:00:00", 3_600_000],
    ["1.00:00:00", 86_400_000],
    ["00:00:00.5", 500],
    ["00:00:00.200", 200],
    ["00:00:00", 0],
  ])("%s is %i ms", (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  it.each(["30", "30s", "00:60:00", "24:00:00", "-00:00:01", "", "00:00"])("refuses %j", (text) => {
    expect(parseTimeSpan(text)).toBeUndefined();
  });
});

describe("parseHostJson", () => {
  it("reads the repository's host.json settings", () => {
    const settings = parseHostJson({
      version: "2.0",
      extensions: {
        queues: {
          maxPollingInterval: "00:00:02",
          visibilityTimeout: "00:00:30",
          batchSize: 1,
          maxDequeueCount: 3,
          messageEncoding: "base64",
        },
      },
    });
    expect(settings).toEqual({
      routePrefix: "api",
      queues: {
        maxPollingIntervalMs: 2_000,
        visibilityTimeoutMs: 30_000,
        batchSize: 1,
        maxDequeueCount: 3,
        messageEncoding: "base64",
      },
    });
  });

  it("uses the Functions host defaults where host.json is silent (polling: 2 s locally)", () => {
    expect(parseHostJson({})).toEqual({ routePrefix: "api", queues: DEFAULT_QUEUE_SETTINGS });
    expect(DEFAULT_QUEUE_SETTINGS).toEqual({
      maxPollingIntervalMs: 2_000,
      visibilityTimeoutMs: 0,
      batchSize: 16,
      maxDequeueCount: 5,
      messageEncoding: "base64",
    });
  });

  it("reads the route prefix, with an empty one serving from the root", () => {
    expect(parseHostJson({ extensions: { http: { routePrefix: "/v1/" } } }).routePrefix).toBe("v1");
    expect(parseHostJson({ extensions: { http: { routePrefix: "" } } }).routePrefix).toBe("");
  });

  it.each([
    [
      { extensions: { queues: { batchSize: 33 } } },
      /extensions\.queues\.batchSize: expected a whole number from 1 to 32, found 33/,
    ],
    [
      { extensions: { queues: { maxDequeueCount: "3" } } },
      /extensions\.queues\.maxDequeueCount: expected a whole number/,
    ],
    [
      { extensions: { queues: { messageEncoding: "utf8" } } },
      /extensions\.queues\.messageEncoding: expected "base64" or "none", found "utf8"/,
    ],
    [
      { extensions: { queues: { maxPollingInterval: 2000 } } },
      /extensions\.queues\.maxPollingInterval: expected a time span/,
    ],
    [{ extensions: { queues: [] } }, /extensions\.queues: expected an object/],
    [{ extensions: { http: { routePrefix: 1 } } }, /extensions\.http\.routePrefix: expected a string/],
    [[], /expected a JSON object/],
  ])("refuses %j", (document, message) => {
    expect(() => parseHostJson(document, "host.json")).toThrow(message);
  });
});
