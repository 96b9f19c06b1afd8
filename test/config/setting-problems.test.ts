// Invalid settings collected instead of thrown (config/setting-problems.ts): what /api/health lists, and the fallback
// to the declared default for a setting the app can run without getting right.
import { describe, expect, it } from "vitest";
import { problemOf, readSettingOrDefault, settingProblems } from "../../src/config/setting-problems";
import { AuditorError } from "../../src/errors";

describe("setting problems", () => {
  it("lists every invalid declared setting, by name and problem, in the catalog's order", () => {
    const problems = settingProblems({
      AUDIT_SCHEDULE: "garbage",
      FINDINGS_RETENTION_DAYS: "0",
      AUDIT_CLOUD: "AzureCloud",
      ALERT_FORMAT: "xml",
    });
    expect(problems.map((p) => p.setting)).toEqual(["AUDIT_SCHEDULE", "FINDINGS_RETENTION_DAYS", "ALERT_FORMAT"]);
    expect(problems[2]).toEqual({ setting: "ALERT_FORMAT", problem: 'expected "teams" or "json", found "xml"' });
    expect(settingProblems({})).toEqual([]);
  });

  it("readSettingOrDefault gives the default and reports the problem once", () => {
    const reported: unknown[] = [];
    expect(readSettingOrDefault({ AUDIT_SCHEDULE: "0 61 2 * * *" }, "AUDIT_SCHEDULE", (p) => reported.push(p))).toBe(
      "0 0 2 * * *",
    );
    expect(reported).toEqual([
      { setting: "AUDIT_SCHEDULE", problem: expect.stringMatching(/is not a valid schedule/) },
    ]);
    expect(readSettingOrDefault({ AUDIT_SCHEDULE: "0 30 3 * * *" }, "AUDIT_SCHEDULE")).toBe("0 30 3 * * *");
  });

  it("a configuration error names its setting; other errors are not settings' problems", () => {
    const route = new AuditorError(
      "CONFIG_INVALID",
      "ALERT_ROUTES[0] (dba): webhookSetting W: the app setting W is not set",
    );
    expect(
      problemOf(() => {
        throw route;
      }),
    ).toEqual({ setting: "ALERT_ROUTES[0] (dba)", problem: "webhookSetting W: the app setting W is not set" });
    expect(
      problemOf(() => {
        throw new AuditorError("CONFIG_INVALID", "Storage is not configured: set AzureWebJobsStorage");
      }),
    ).toEqual({ setting: "(configuration)", problem: "Storage is not configured: set AzureWebJobsStorage" });
    expect(() =>
      problemOf(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
  });
});
