// The settings declaration is the one place a setting is described: the docs and the sample are generated from it,
// every setting the code reads is in it, and every reader speaks the same vocabulary.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditorError } from "../../src/errors";
import {
  isDeclaredSetting,
  parseSetting,
  readSetting,
  SETTINGS,
  type SettingName,
} from "../../src/config/settings-catalog";
import { parseDeclared, setting } from "../../src/config/setting-declaration";
import { wholeNumber } from "../../src/config/setting-types";
import { sampleDescriptions, settingsMarkdown } from "../../src/config/settings-docs";

const ROOT = join(__dirname, "..", "..");
const sample = JSON.parse(readFileSync(join(ROOT, "local.settings.sample.json"), "utf8")) as {
  Values: Record<string, string>;
  Descriptions: Record<string, string>;
};

function refusal(read: () => unknown): AuditorError {
  try {
    read();
  } catch (error) {
    if (error instanceof AuditorError) return error;
    throw error;
  }
  throw new Error("expected a CONFIG_INVALID refusal");
}

describe("generated from the declaration", () => {
  it("docs/settings.md is what `npm run docs:settings` writes (run it after changing a setting)", () => {
    expect(readFileSync(join(ROOT, "docs", "settings.md"), "utf8")).toBe(settingsMarkdown());
  });

  it("local.settings.sample.json names declared settings only, each with its declared description", () => {
    expect(Object.keys(sample.Values).filter((name) => !isDeclaredSetting(name))).toEqual([]);
    expect(sample.Descriptions).toEqual(sampleDescriptions(sample.Values));
  });

  it("every declared setting is documented with a description and a group", () => {
    const markdown = settingsMarkdown();
    for (const [name, declaration] of Object.entries(SETTINGS)) {
      expect(markdown, name).toContain(`| \`${name}\` |`);
      expect(declaration.description.length, name).toBeGreaterThan(10);
    }
  });
});

describe("every setting the code reads is declared", () => {
  const sources = (readdirSync(join(ROOT, "src"), { recursive: true }) as string[])
    .filter((file) => file.endsWith(".ts"))
    .map((file) => ({ file: file.replace(/\\/g, "/"), text: readFileSync(join(ROOT, "src", file), "utf8") }));
  // env["X"], env.X, env.get("X"), a *_SETTING = "X" constant, any reader called as (env, "X").
  const READS = [
    /\((?:process\.)?env\s*,\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]/g,
    /\benv\s*\[\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]\s*\]/g,
    /\benv\.([A-Z][A-Za-z0-9_]*)\b/g,
    /\benv\.get\(\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]/g,
    /_SETTING\s*=\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]/g,
  ];

  it("names read from the environment anywhere in src are all in the declaration", () => {
    const read = new Set(
      sources.flatMap(({ text }) => READS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!))),
    );
    // The scan itself must see the readers: a few that live in different layers.
    for (const name of ["AUDIT_SCHEDULE", "ALERT_REMIND_DAYS", "FINDINGS_ARCHIVE", "AzureWebJobsStorage__accountName"])
      expect(read, name).toContain(name);
    const undeclared = sources.flatMap(({ file, text }) =>
      READS.flatMap((pattern) =>
        [...text.matchAll(pattern)]
          .map((match) => match[1]!)
          .filter((name) => !isDeclaredSetting(name))
          .map((name) => `${file}: ${name}`),
      ),
    );
    expect(undeclared).toEqual([]);
  });

  it("outside the settings module (and the local host, which reads its own), nothing indexes the environment", () => {
    const direct = sources
      .filter(({ file }) => !file.startsWith("config/") && !file.startsWith("host/"))
      .flatMap(({ file, text }) => (/\b(?:process\.)?env\s*\[|\bprocess\.env\.[A-Za-z_]/.test(text) ? [file] : []));
    expect(direct).toEqual([]);
  });
});

describe("one vocabulary", () => {
  const booleans = (Object.keys(SETTINGS) as SettingName[]).filter((name) =>
    SETTINGS[name].type.describe.startsWith("boolean"),
  );

  it.each(booleans)("%s takes true/false, yes/no, on/off and 1/0 in any case", (name) => {
    for (const word of ["true", "YES", "On", "1"]) expect(parseSetting(name, word), word).toBe(true);
    for (const word of ["false", "no", "OFF", "0"]) expect(parseSetting(name, word), word).toBe(false);
    expect(refusal(() => parseSetting(name, "maybe")).message).toBe(
      `${name}: expected true or false (or yes/no, on/off, 1/0), found "maybe"`,
    );
  });

  it("a whole number is digits within the range; the refusal is CONFIG_INVALID naming the setting and the range", () => {
    expect(readSetting({ AUDIT_ARM_CONCURRENCY: " 12 " }, "AUDIT_ARM_CONCURRENCY")).toBe(12);
    expect(readSetting({ AUDIT_ARM_CONCURRENCY: "  " }, "AUDIT_ARM_CONCURRENCY")).toBe(8);
    for (const text of ["abc", "0", "65", "1.5", "1e1", "-2", "0x10"]) {
      const error = refusal(() => readSetting({ AUDIT_ARM_CONCURRENCY: text }, "AUDIT_ARM_CONCURRENCY"));
      expect(error.code).toBe("CONFIG_INVALID");
      expect(error.message).toBe(
        `AUDIT_ARM_CONCURRENCY: expected a whole number from 1 to 64, found ${JSON.stringify(text)}`,
      );
    }
  });

  it("a choice is matched in any case and refused with the allowed values", () => {
    expect(readSetting({ FINDINGS_ARCHIVE: " All " }, "FINDINGS_ARCHIVE")).toBe("all");
    expect(readSetting({ ALERT_MIN_SEVERITY: "MEDIUM" }, "ALERT_MIN_SEVERITY")).toBe("medium");
    expect(refusal(() => readSetting({ ALERT_MIN_SEVERITY: "urgent" }, "ALERT_MIN_SEVERITY")).message).toBe(
      'ALERT_MIN_SEVERITY: expected one of critical, high, medium, low, found "urgent"',
    );
    expect(refusal(() => parseSetting("AUDIT_CLOUD", "Mars", "--cloud")).message).toBe(
      "--cloud: unknown cloud 'Mars'; expected one of AzureCloud, AzureUSGovernment, AzureChinaCloud",
    );
  });

  it("every declared default is a value of the setting's own type", () => {
    for (const [name, declaration] of Object.entries(SETTINGS)) {
      const value: unknown = declaration.default;
      if (typeof value === "number" || typeof value === "string")
        expect(parseSetting(name as SettingName, String(value)), name).toEqual(value);
    }
  });

  it("a secret is never quoted, even by a type that would quote a value", () => {
    const secret = setting({ group: "alerts", type: wholeNumber(1, 2), secret: true, description: "a test secret" });
    const error = refusal(() => parseDeclared(secret, "TOPSECRET", "X_SECRET"));
    expect(error.message).toMatch(/^X_SECRET: expected a whole number from 1 to 2/);
    expect(error.message).not.toContain("TOPSECRET");
    for (const [name, declaration] of Object.entries(SETTINGS))
      if (/KEY|WEBHOOK|CONNECTION_STRING|^AzureWebJobsStorage$/.test(name)) expect(declaration.secret, name).toBe(true);
  });
});
