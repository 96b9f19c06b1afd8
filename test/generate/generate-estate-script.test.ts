// dev/scripts/generate-estate.ts: argument validation (exit 2, a message naming the option) and the file it writes.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../dev/scripts/generate-estate";
import { readSnapshotFile } from "../../src/snapshot/snapshot-reader";

const dir = mkdtempSync(join(tmpdir(), "generate-estate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("generate-estate arguments", () => {
  const out = join(dir, "unused.json");
  it.each([
    [[], "--resources is required"],
    [["--resources", "500"], "--out is required"],
    [["--resources", "abc", "--out", out], "--resources must be a whole number, got 'abc'"],
    [["--resources", "-5", "--out", out], "--resources"],
    [["--resources", "10", "--out", out], "--resources must be a whole number from 100"],
    [["--resources", "1000", "--subscriptions", "x", "--out", out], "--subscriptions must be a whole number, got 'x'"],
    [
      ["--resources", "1000", "--subscriptions", "100", "--out", out],
      "--subscriptions 100 leaves fewer than 50 resources per subscription",
    ],
    [
      ["--resources", "1000", "--seed", "4294967296", "--out", out],
      "--seed must be a whole number from 0 to 4294967295",
    ],
    [["--resources", "1000", "--out", out, "--colour", "blue"], "--colour"],
    [["--resources", "1000", "--out", out, "stray"], "stray"],
  ])("%j exits 2 naming the problem", (args, message) => {
    const result = run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("usage: generate-estate");
    expect(existsSync(out)).toBe(false);
  });

  it("exits 2 naming --out when the file cannot be written", () => {
    const result = run(["--resources", "100", "--out", join(dir, "missing-dir", "estate.json")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--out");
  });
});

describe("generate-estate output", () => {
  it("writes a snapshot the auditor reads, and leaves no partial file", async () => {
    const out = join(dir, "estate.json");
    const result = run(["--resources", "400", "--subscriptions", "2", "--seed", "9", "--out", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("wrote 400 rows in 2 subscriptions (seed 9");
    expect(result.stdout).toContain("microsoft.network/networkinterfaces");
    const content = await readSnapshotFile(out);
    expect(content.shape).toBe("rest");
    expect(content.rows).toHaveLength(400);
    expect(readdirSync(dir).filter((name) => name.endsWith(".partial"))).toEqual([]);
  });
});
