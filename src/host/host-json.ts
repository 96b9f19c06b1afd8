// The parts of host.json the local host honours, read and validated once: the HTTP route prefix and the storage
// queue extension settings. Every error names the host.json path of the setting. Defaults follow the Functions
// host, except maxPollingInterval (2 s here instead of 1 min, so a local queue answers quickly).
import { readFileSync } from "node:fs";
import { errorMessage } from "../errors";

export interface QueueSettings {
  /** Longest wait between polls of an empty queue (extensions.queues.maxPollingInterval). */
  maxPollingIntervalMs: number;
  /** How long a failed message stays invisible before its next attempt (extensions.queues.visibilityTimeout). */
  visibilityTimeoutMs: number;
  /** Messages received per poll and processed in parallel, per worker (extensions.queues.batchSize). */
  batchSize: number;
  /** Attempts before a message moves to `<queue>-poison` (extensions.queues.maxDequeueCount). */
  maxDequeueCount: number;
  /** extensions.queues.messageEncoding. */
  messageEncoding: "base64" | "none";
}

export interface HostJsonSettings {
  /** extensions.http.routePrefix; "" serves routes at the root. */
  routePrefix: string;
  queues: QueueSettings;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  maxPollingIntervalMs: 2_000,
  visibilityTimeoutMs: 0,
  batchSize: 16,
  maxDequeueCount: 5,
  messageEncoding: "base64",
};

export class HostJsonError extends Error {
  override name = "HostJsonError";
}

/** Reads host.json; a missing file means all defaults, as with the Functions host. */
export function readHostJson(file: string): HostJsonSettings {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") return parseHostJson({});
    throw error;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new HostJsonError(`${file}: not valid JSON (${errorMessage(error)})`);
  }
  return parseHostJson(document, file);
}

export function parseHostJson(document: unknown, source = "host.json"): HostJsonSettings {
  if (!isRecord(document)) throw new HostJsonError(`${source}: expected a JSON object`);
  const extensions = optionalRecord(document["extensions"], `${source} extensions`);
  const http = optionalRecord(extensions?.["http"], `${source} extensions.http`);
  const queues = optionalRecord(extensions?.["queues"], `${source} extensions.queues`);
  const at = (key: string): string => `${source} extensions.queues.${key}`;

  const routePrefix = http?.["routePrefix"] ?? "api";
  if (typeof routePrefix !== "string")
    throw new HostJsonError(`${source} extensions.http.routePrefix: expected a string`);

  const encoding = queues?.["messageEncoding"] ?? DEFAULT_QUEUE_SETTINGS.messageEncoding;
  if (typeof encoding !== "string" || !["base64", "none"].includes(encoding.toLowerCase())) {
    throw new HostJsonError(`${at("messageEncoding")}: expected "base64" or "none", found ${JSON.stringify(encoding)}`);
  }
  return {
    routePrefix: routePrefix.replace(/^\/+|\/+$/g, ""),
    queues: {
      maxPollingIntervalMs: timeSpanSetting(
        queues?.["maxPollingInterval"],
        at("maxPollingInterval"),
        DEFAULT_QUEUE_SETTINGS.maxPollingIntervalMs,
      ),
      visibilityTimeoutMs: timeSpanSetting(
        queues?.["visibilityTimeout"],
        at("visibilityTimeout"),
        DEFAULT_QUEUE_SETTINGS.visibilityTimeoutMs,
      ),
      // Azure Storage hands out at most 32 messages per receive.
      batchSize: wholeNumberSetting(queues?.["batchSize"], at("batchSize"), DEFAULT_QUEUE_SETTINGS.batchSize, 1, 32),
      maxDequeueCount: wholeNumberSetting(
        queues?.["maxDequeueCount"],
        at("maxDequeueCount"),
        DEFAULT_QUEUE_SETTINGS.maxDequeueCount,
        1,
        10_000,
      ),
      messageEncoding: encoding.toLowerCase() as QueueSettings["messageEncoding"],
    },
  };
}

/** A .NET TimeSpan as host.json writes it: `[d.]hh:mm:ss[.fffffff]`, e.g. "00:00:30" or "1.00:00:00". */
export function parseTimeSpan(value: string): number | undefined {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(value.trim());
  if (match === null) return undefined;
  const [, days = "0", hours = "0", minutes = "0", seconds = "0", fraction = ""] = match;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  const ms = fraction === "" ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + ms;
}

function timeSpanSetting(value: unknown, setting: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === "string" ? parseTimeSpan(value) : undefined;
  if (ms === undefined)
    throw new HostJsonError(`${setting}: expected a time span such as "00:00:30", found ${JSON.stringify(value)}`);
  return ms;
}

function wholeNumberSetting(value: unknown, setting: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new HostJsonError(
      `${setting}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function optionalRecord(value: unknown, setting: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new HostJsonError(`${setting}: expected an object`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error;
}
