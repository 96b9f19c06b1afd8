// host.json is the one place queue retry behaviour is configured; the runAudit handler reads maxDequeueCount from it so
// it knows which attempt is the last (the Functions host moves the message to the poison queue after it).
import { readFileSync } from "node:fs";
import { join } from "node:path";

const FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT = 5;
let cached: number | undefined;

/** The app root holds host.json: two levels up from dist/src/app, or the working directory. */
export function maxDequeueCount(): number {
  if (cached !== undefined) return cached;
  for (const candidate of [join(__dirname, "..", "..", "..", "host.json"), join(process.cwd(), "host.json")]) {
    try {
      const host = JSON.parse(readFileSync(candidate, "utf8")) as {
        extensions?: { queues?: { maxDequeueCount?: unknown } };
      };
      const value = host.extensions?.queues?.maxDequeueCount;
      cached =
        typeof value === "number" && Number.isInteger(value) && value > 0 ? value : FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT;
      return cached;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  cached = FUNCTIONS_DEFAULT_MAX_DEQUEUE_COUNT;
  return cached;
}
