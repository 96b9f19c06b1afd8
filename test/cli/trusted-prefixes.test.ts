// --trusted and TRUSTED_SOURCE_PREFIXES: an empty entry is a typing mistake that would silently trust less than the
// user meant, so it is a usage error (exit 2) naming where it came from, never a stack trace.
import { describe, expect, it } from "vitest";
import { SAMPLE } from "../support/run-cli";
import { runMain } from "./in-process-cli";
import { auditSettingsFromEnv, splitTrustedPrefixes } from "../../src/config/audit-settings";

const EMPTY_ENTRIES = [
  "1.2.3.4/32,,5.6.7.8/32",
  "1.2.3.4/32,",
  ",1.2.3.4/32",
  "1.2.3.4/32, ,5.6.7.8/32",
  "1.2.3.4/32;;5.6.7.8/32",
];

describe("--trusted", () => {
  it.each(EMPTY_ENTRIES)("%j is a usage error naming the flag", async (value) => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--trusted", value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mi-audit: error: --trusted: empty entr/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe("");
  });

  it("'' is a usage error naming the flag", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--trusted", ""]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mi-audit: error: --trusted: empty value/m);
  });

  it("an empty entry in a second --trusted is caught too", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--trusted", "1.2.3.4/32", "--trusted", "5.6.7.8/32,"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--trusted: empty entry 2 of 2");
  });

  it("well-formed lists (commas, spaces, semicolons) still run the audit", async () => {
    const run = await runMain([
      "scan",
      "--snapshot",
      SAMPLE,
      "--format",
      "json",
      "--trusted",
      "1.2.3.4/32, 5.6.7.8/32;9.9.9.0/24 10.1.0.0/16",
    ]);
    expect(run.code === 0 || run.code === 1 || run.code === 4).toBe(true);
    expect(JSON.parse(run.stdout).run.trustedPrefixes).toEqual([
      "1.2.3.4/32",
      "5.6.7.8/32",
      "9.9.9.0/24",
      "10.1.0.0/16",
    ]);
  });
});

describe("TRUSTED_SOURCE_PREFIXES", () => {
  it.each(EMPTY_ENTRIES)("%j is a usage error naming the setting", async (value) => {
    const run = await runMain(["scan", "--snapshot", SAMPLE], { TRUSTED_SOURCE_PREFIXES: value });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mi-audit: error: TRUSTED_SOURCE_PREFIXES: empty entr/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("unset, empty or blank means no extra trusted prefixes (app settings are often set but empty)", () => {
    for (const value of [undefined, "", "   "])
      expect(auditSettingsFromEnv({ TRUSTED_SOURCE_PREFIXES: value }).trustedPrefixes).toEqual([]);
  });

  it("the Functions app reads the same setting the same way", () => {
    expect(() => auditSettingsFromEnv({ TRUSTED_SOURCE_PREFIXES: "203.0.113.0/24,,198.51.100.0/24" })).toThrow(
      /TRUSTED_SOURCE_PREFIXES: empty entry 2 of 3/,
    );
  });
});

describe("splitTrustedPrefixes", () => {
  it("names every empty entry and its position", () => {
    expect(() => splitTrustedPrefixes(",a,,b,", "X", "error")).toThrow(/X: empty entries 1, 3, 5 of 5/);
  });
});
