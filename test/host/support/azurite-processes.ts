// Finds the Azurite processes a given process started, by their command line (Linux /proc): the watchdog wrapper
// of host/azurite-process.ts passes the parent's pid right before the Azurite entry script.
import { readdirSync, readFileSync } from "node:fs";

export function azuriteProcessesOf(parentPid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch (error) {
      // The process ended between readdir and read.
      if (error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ESRCH")) continue;
      throw error;
    }
    const at = argv.indexOf(String(parentPid));
    if (at > 0 && argv.includes("--disableTelemetry") && argv.some((arg) => arg.includes("azurite")))
      pids.push(Number(entry));
  }
  return pids;
}
