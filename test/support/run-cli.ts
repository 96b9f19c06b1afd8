// Runs the built CLI as a user would: a child process, with its exit code, stdout and stderr.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

export const REPO = join(__dirname, "..", "..");
export const CLI = join(REPO, "dist", "src", "cli", "mi-audit.js");
export const SAMPLE = join(REPO, "samples", "estate.json");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, TRUSTED_SOURCE_PREFIXES: "", ...env },
    timeout: 60_000,
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

/**
 * The same, without blocking the test process: for runs against a server this process hosts (the emulator), which a
 * synchronous child would starve. Live runs get no audit scope from the environment unless `env` sets one.
 */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        ...process.env,
        TRUSTED_SOURCE_PREFIXES: "",
        AUDIT_SUBSCRIPTIONS: "",
        AUDIT_MANAGEMENT_GROUPS: "",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
