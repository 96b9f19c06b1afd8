// Alert settings and ALERT_ROUTES: defaults, validation messages that name the setting (and never the URL), routing.
import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { alertSettingsFromEnv } from "../../src/alerts/alert-settings";
import { AuditorError } from "../../src/errors";
import { routeMatches } from "../../src/alerts/alert-routes";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { finding } from "../store/fixtures";

const HOOK =
  "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TOPSECRET";
const BASE = { TEAMS_WEBHOOK_URL: HOOK, REPORT_BASE_URL: "https://mi-audit.example.net" };

describe("alert settings", () => {
  it("is off without TEAMS_WEBHOOK_URL and ALERT_ROUTES", () => {
    expect(alertSettingsFromEnv({})).toBeUndefined();
    expect(
      appSettingsFromEnv({ AzureWebJobsStorage: "UseDevelopmentStorage=true", AUDIT_SOURCE: "snapshot:x.json" }).alerts,
    ).toBeUndefined();
  });

  it("has the documented defaults", () => {
    const settings = alertSettingsFromEnv(BASE)!;
    expect(settings).toMatchObject({
      minSeverity: "high",
      remindDays: 7,
      dailyDigest: false,
      reportBaseUrl: "https://mi-audit.example.net",
    });
    expect(settings.delivery).toEqual({
      maxAttempts: 5,
      retryBaseMs: 1000,
      maxRetryDelayMs: 30_000,
      maxRetryAfterMs: 60_000,
      requestTimeoutMs: 10_000,
      requestsPerSecond: 4,
    });
    expect(settings.channels).toHaveLength(1);
    expect(settings.channels[0]).toMatchObject({
      name: "default",
      webhookSetting: "TEAMS_WEBHOOK_URL",
      format: "teams",
      minSeverity: "high",
    });
    expect(settings.channels[0]!.webhook.reveal()).toBe(HOOK);
    // The app's own host name is the fallback base for links.
    expect(
      alertSettingsFromEnv({ TEAMS_WEBHOOK_URL: HOOK, WEBSITE_HOSTNAME: "func-mi-audit.azurewebsites.net" })!
        .reportBaseUrl,
    ).toBe("https://func-mi-audit.azurewebsites.net");
  });

  it("reads booleans in the one vocabulary every setting uses", () => {
    for (const yes of ["true", "TRUE", "1", "yes", "Yes", "on", " ON "])
      expect(alertSettingsFromEnv({ ...BASE, ALERT_DAILY_DIGEST: yes })!.dailyDigest, yes).toBe(true);
    for (const no of ["false", "0", "no", "OFF", ""])
      expect(alertSettingsFromEnv({ ...BASE, ALERT_DAILY_DIGEST: no })!.dailyDigest, no).toBe(false);
  });

  it("never shows a webhook URL when settings are logged, serialised or inspected", () => {
    const settings = alertSettingsFromEnv(BASE)!;
    for (const text of [
      JSON.stringify(settings),
      inspect(settings, { depth: 10 }),
      String(settings.channels[0]!.webhook),
      // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the template conversion is what is tested
      `${settings.channels[0]!.webhook}`,
    ]) {
      expect(text).not.toContain("TOPSECRET");
      expect(text).not.toContain("logic.azure.com");
    }
    expect(JSON.stringify(settings)).toContain(settings.channels[0]!.webhook.hash);
  });

  it.each([
    [
      { TEAMS_WEBHOOK_URL: "http://hooks.example.com/x?sig=TOPSECRET" },
      /^TEAMS_WEBHOOK_URL: a webhook must use https \(plain http is allowed only to a loopback address\); found http:\/\/hooks\.example\.com$/,
    ],
    [{ TEAMS_WEBHOOK_URL: "not a url TOPSECRET" }, /^TEAMS_WEBHOOK_URL: not a URL/],
    [
      { TEAMS_WEBHOOK_URL: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/teams/)" },
      /^TEAMS_WEBHOOK_URL: the Key Vault reference was not resolved/,
    ],
    [{ ALERT_MIN_SEVERITY: "urgent" }, /^ALERT_MIN_SEVERITY: expected one of critical, high, medium, low/],
    [{ ALERT_REMIND_DAYS: "-1" }, /^ALERT_REMIND_DAYS: expected a whole number from 0 to 365/],
    [
      { ALERT_DAILY_DIGEST: "sometimes" },
      /^ALERT_DAILY_DIGEST: expected true or false \(or yes\/no, on\/off, 1\/0\), found "sometimes"$/,
    ],
    [{ ALERT_FORMAT: "xml" }, /^ALERT_FORMAT: expected "teams" or "json", found "xml"$/],
    [{ ALERT_RETRY_BASE_MS: "0" }, /^ALERT_RETRY_BASE_MS: expected a whole number from 1 to 60000/],
    [{ REPORT_BASE_URL: "" }, /^REPORT_BASE_URL: required when alerts are configured/],
    [{ REPORT_BASE_URL: "https://x.example.net/?code=key" }, /^REPORT_BASE_URL: expected a base URL without query/],
    [{ ALERT_ROUTES: "[{" }, /^ALERT_ROUTES: not valid JSON/],
    [{ ALERT_ROUTES: '{"name":"x"}' }, /^ALERT_ROUTES: Invalid input: expected array, received object/],
    [
      { ALERT_ROUTES: '[{"name":"Ops Team","webhookSetting":"W"}]' },
      /^ALERT_ROUTES\[0\]\.name: expected 1-40 lower-case letters/,
    ],
    [
      { ALERT_ROUTES: '[{"name":"dba","webhookSetting":"W","match":{"subscriptions":["nope"]}}]' },
      /^ALERT_ROUTES\[0\]\.match\.subscriptions\[0\]: expected a subscription id/,
    ],
    [
      { ALERT_ROUTES: '[{"name":"dba","webhookSetting":"W","match":{}}]' },
      /^ALERT_ROUTES\[0\]\.match: give at least one criterion/,
    ],
    [
      { ALERT_ROUTES: '[{"name":"dba","webhookSetting":"W","match":{"ruleIds":["mi."]}}]' },
      /^ALERT_ROUTES\[0\]\.match: Unrecognized key/,
    ],
    [{ ALERT_ROUTES: '[{"name":"dba","webhookSetting":"W","mode":"copy"}]' }, /^ALERT_ROUTES\[0\]\.mode: /],
    [
      { ALERT_ROUTES: '[{"name":"dba","webhookSetting":"W"},{"name":"dba","webhookSetting":"W"}]' },
      /^ALERT_ROUTES\[1\]\.name: duplicate route name "dba"/,
    ],
    [
      { ALERT_ROUTES: '[{"name":"default","webhookSetting":"W"}]' },
      /^ALERT_ROUTES\[0\]\.name: "default" is the TEAMS_WEBHOOK_URL channel/,
    ],
    [
      { ALERT_ROUTES: '[{"name":"dba","webhookSetting":"ALERT_WEBHOOK_DBA"}]' },
      /^ALERT_ROUTES\[0\] \(dba\): webhookSetting ALERT_WEBHOOK_DBA: the app setting ALERT_WEBHOOK_DBA is not set/,
    ],
    [
      { ALERT_ROUTES: '[{"name":"dba","webhookSetting":"W"}]', W: "http://10.0.0.5/hook?sig=TOPSECRET" },
      /^ALERT_ROUTES\[0\] \(dba\): webhookSetting W: a webhook must use https/,
    ],
  ])("%j is rejected with a message naming the setting", (overrides, pattern) => {
    let message = "";
    try {
      alertSettingsFromEnv({ ...BASE, ...overrides });
    } catch (error) {
      message = error instanceof AuditorError ? error.message : String(error);
    }
    expect(message).toMatch(pattern);
    expect(message).not.toContain("TOPSECRET");
  });

  it("accepts loopback http webhooks (tests, local relays) and routes with their own threshold and format", () => {
    const routes = [
      {
        name: "soar",
        webhookSetting: "SOAR_HOOK",
        format: "json",
        minSeverity: "low",
        mode: "instead",
        match: { resourceGroups: ["rg-data-prod"] },
      },
    ];
    const settings = alertSettingsFromEnv({
      REPORT_BASE_URL: "http://127.0.0.1:7071/",
      ALERT_ROUTES: JSON.stringify(routes),
      SOAR_HOOK: "http://127.0.0.1:9999/hook",
      ALERT_FORMAT: "teams",
    })!;
    expect(settings.reportBaseUrl).toBe("http://127.0.0.1:7071");
    expect(settings.channels.map((c) => [c.name, c.format, c.minSeverity, c.mode])).toEqual([
      ["soar", "json", "low", "instead"],
    ]);
    expect(
      alertSettingsFromEnv({ ...BASE, TEAMS_WEBHOOK_URL: "http://localhost:8080/x" })!.channels[0]!.webhook.reveal(),
    ).toBe("http://localhost:8080/x");
  });
});

describe("route matching", () => {
  const mi = finding({
    resourceId:
      "/subscriptions/6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/resourceGroups/RG-Data-Prod/providers/Microsoft.Sql/managedInstances/sqlmi-1",
    tags: { Owner: "dba", env: "prod" },
  });
  it.each([
    ["no match: every finding", undefined, true],
    ["subscription, any case", { subscriptions: ["6B1C0D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E"] }, true],
    ["another subscription", { subscriptions: ["00000000-0000-0000-0000-000000000000"] }, false],
    ["resource group name, any case", { resourceGroups: ["rg-data-prod"] }, true],
    ["subscription/resource group", { resourceGroups: ["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/rg-data-prod"] }, true],
    [
      "resource group in another subscription",
      { resourceGroups: ["00000000-0000-0000-0000-000000000000/rg-data-prod"] },
      false,
    ],
    ["rule id prefix", { ruleIdPrefixes: ["nsg.", "mi."] }, true],
    ["other rule prefix", { ruleIdPrefixes: ["nsg."] }, false],
    ["resource type", { resourceTypes: ["Microsoft.Sql/managedInstances"] }, true],
    ["tag name any case, exact value", { tags: { owner: "dba" } }, true],
    ["tag value is case-sensitive", { tags: { owner: "DBA" } }, false],
    ["tag with any value", { tags: { env: "*" } }, true],
    ["tag one of values", { tags: { env: ["dev", "prod"] } }, true],
    ["missing tag", { tags: { team: "*" } }, false],
    ["all criteria must hold", { ruleIdPrefixes: ["mi."], tags: { env: "dev" } }, false],
  ])("%s", (_name, match, expected) => {
    expect(routeMatches(match as never, mi)).toBe(expected);
  });

  it("a finding without tags matches no tag criterion", () => {
    expect(routeMatches({ tags: { env: "*" } }, finding())).toBe(false);
  });
});
