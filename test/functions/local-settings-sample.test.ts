// local.settings.sample.json lists every setting with a description and a value that works locally.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { alertSettingsFromEnv } from "../../src/alerts/alert-settings";
import { isDeclaredSetting, SETTINGS } from "../../src/config/settings-catalog";

const sample = JSON.parse(readFileSync(join(__dirname, "..", "..", "local.settings.sample.json"), "utf8")) as {
  Values: Record<string, string>;
  Descriptions: Record<string, string>;
};

it("every value has a description, every listed setting is declared, and every setting the code reads is listed", () => {
  expect(Object.keys(sample.Descriptions).sort()).toEqual(Object.keys(sample.Values).sort());
  expect(Object.keys(sample.Values).filter((name) => !isDeclaredSetting(name))).toEqual([]);
  // Set by App Service, identity-based storage or the local host's internals: not something to fill in locally.
  const notInSample = /^(WEBSITE_|AzureWebJobsStorage__|HOST_)/;
  expect(Object.keys(SETTINGS).filter((name) => !notInSample.test(name) && !(name in sample.Values))).toEqual([]);
  for (const description of Object.values(sample.Descriptions)) expect(description.length).toBeGreaterThan(10);
  for (const setting of [
    "AUDIT_SCHEDULE",
    "AUDIT_SOURCE",
    "TRUSTED_SOURCE_PREFIXES",
    "FINDINGS_RETENTION_DAYS",
    "FINDINGS_ARCHIVE",
    "REPORT_REQUIRED_ROLE",
    "TEAMS_WEBHOOK_URL",
    "ALERT_ROUTES",
    "ALERT_MIN_SEVERITY",
    "ALERT_REMIND_DAYS",
    "ALERT_DAILY_DIGEST",
    "ALERT_FORMAT",
    "AUDITOR_FUNCTION_KEY",
    "AUDITOR_ADMIN_KEY",
    "AUDIT_ARM_ENDPOINT",
    "AUDIT_ARM_CA",
    "AUDIT_SUBSCRIPTIONS",
    "AUDIT_MANAGEMENT_GROUPS",
    "AUDIT_CLOUD",
  ]) {
    expect(sample.Values, setting).toHaveProperty(setting);
  }
});

it("the sample values are valid as they stand (with the storage and ARM endpoint npm start fills in)", () => {
  const env = {
    ...sample.Values,
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    AUDIT_ARM_ENDPOINT: "",
    AUDIT_ARM_CA: "",
  };
  const settings = appSettingsFromEnv(env);
  expect(settings.schedule).toBe("0 0 2 * * *");
  expect(settings.retentionDays).toBe(90);
  expect(settings.findingsArchive).toBe("changes");
  expect(() => alertSettingsFromEnv(env)).not.toThrow();
});
