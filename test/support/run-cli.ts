// Runs the built CLI as a user would: a child process, with its exit code, stdout and stderr.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const REPO = join(__dirname, "..", "..");
export const CLI = join(REPO, "dist", "cli", "mi-audit.js");
export const SAMPLE = join(REPO, "samples", "estate.json");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, TRUSTED_SOURCE_PREFIXES: "", ...env }, timeout: 60_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}
