// Small helpers for the local host tests: a log that records what the host printed, and polling until a condition
// holds (queues and timers are asynchronous by nature).
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import type { HostLog } from "../../../src/host/host-log";

export interface CapturedLog extends HostLog {
  lines: string[];
  text(): string;
}

export function captureLog(echo = false): CapturedLog {
  const lines: string[] = [];
  const record = (line: string): void => {
    lines.push(line);
    if (echo) console.log(line);
  };
  return { lines, info: record, warn: record, error: record, text: () => lines.join("\n") };
}

/** Polls `probe` until it returns something other than undefined/false; fails with `what` after the timeout. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** False once the process is gone, or is a zombie nobody reaped yet (an orphan whose reaper is slow). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ESRCH") return false;
    throw error;
  }
  try {
    // /proc/<pid>/stat: "pid (name) state ..."; Z is a zombie.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return false;
    throw error;
  }
}
