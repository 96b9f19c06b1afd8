// local.settings.sample.json lists every setting with a description and a value that works locally.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { alertSettingsFromEnv } from "../../src/alerts/alert-settings";

const sample = JSON.parse(readFileSync(join(__dirname, "..", "..", "local.settings.sample.json"), "utf8")) as { Values: Record<string, string>; Descriptions: Record<string, string> };

it("every value has a description, and every setting the code reads is listed", () => {
  expect(Object.keys(sample.Descriptions).sort()).toEqual(Object.keys(sample.Values).sort());
  for (const description of Object.values(sample.Descriptions)) expect(description.length).toBeGreaterThan(10);
  for (const setting of ["AUDIT_SCHEDULE", "AUDIT_SOURCE", "TRUSTED_SOURCE_PREFIXES", "FINDINGS_RETENTION_DAYS", "FINDINGS_ARCHIVE", "REPORT_REQUIRED_ROLE", "TEAMS_WEBHOOK_URL", "ALERT_ROUTES", "ALERT_MIN_SEVERITY", "ALERT_REMIND_DAYS", "ALERT_DAILY_DIGEST", "ALERT_FORMAT", "AUDITOR_FUNCTION_KEY", "AUDITOR_ADMIN_KEY", "AUDIT_ARM_ENDPOINT", "AUDIT_ARM_CA", "AUDIT_SUBSCRIPTIONS", "AUDIT_MANAGEMENT_GROUPS", "AUDIT_CLOUD"]) {
    expect(sample.Values, setting).toHaveProperty(setting);
  }
});

it("the sample values are valid as they stand (with the storage and ARM endpoint npm start fills in)", () => {
  const env = { ...sample.Values, AzureWebJobsStorage: "UseDevelopmentStorage=true", AUDIT_ARM_ENDPOINT: "", AUDIT_ARM_CA: "" };
  const settings = appSettingsFromEnv(env);
  expect(settings.schedule).toBe("0 0 2 * * *");
  expect(settings.retentionDays).toBe(90);
  expect(settings.findingsArchive).toBe("changes");
  expect(() => alertSettingsFromEnv(env)).not.toThrow();
});
