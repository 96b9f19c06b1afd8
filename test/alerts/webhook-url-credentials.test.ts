// A webhook URL with credentials (user:password@host) is refused when settings are read, naming the setting and
// neither the user nor the password: fetch (WHATWG Fetch, "Request constructor": a parsed URL that includes
// credentials is a TypeError) could never deliver to it, so the app would accept it and fail every night.
import { describe, expect, it } from "vitest";
import { alertSettingsFromEnv } from "../../src/alerts/alert-settings";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { AuditorError } from "../../src/errors";

const BASE = { REPORT_BASE_URL: "https://mi-audit.example.net" };
const WITH_CREDENTIALS = [
  "https://alice:s3cr3tpw@prod-12.westeurope.logic.azure.com/workflows/abc?sig=TOPSECRET",
  "https://alice@hooks.example.net/x?sig=TOPSECRET",
  "https://:s3cr3tpw@hooks.example.net/x?sig=TOPSECRET",
  "http://alice:s3cr3tpw@127.0.0.1:9/hook?sig=TOPSECRET",
];

function refusal(run: () => unknown): AuditorError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuditorError) return error;
    throw error;
  }
  throw new Error("expected the settings to be refused");
}

describe("webhook URLs with credentials", () => {
  it.each(WITH_CREDENTIALS)("fetch cannot deliver to %s", (url) => {
    expect(() => new Request(url, { method: "POST" })).toThrow(/credentials/);
  });

  it.each(WITH_CREDENTIALS)("TEAMS_WEBHOOK_URL=%s is refused at start, naming the setting", (url) => {
    const error = refusal(() =>
      appSettingsFromEnv({ ...BASE, AzureWebJobsStorage: "UseDevelopmentStorage=true", TEAMS_WEBHOOK_URL: url }),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(/^TEAMS_WEBHOOK_URL: a webhook URL must not carry credentials \(user:password@/);
    for (const secret of ["alice", "s3cr3tpw", "TOPSECRET", "/workflows"]) expect(error.message).not.toContain(secret);
  });

  it("a route's webhook setting with credentials is refused, naming the route and its setting", () => {
    const error = refusal(() =>
      alertSettingsFromEnv({
        ...BASE,
        ALERT_ROUTES: '[{"name":"dba","webhookSetting":"ALERT_WEBHOOK_DBA"}]',
        ALERT_WEBHOOK_DBA: WITH_CREDENTIALS[0],
      }),
    );
    expect(error.message).toMatch(
      /^ALERT_ROUTES\[0\] \(dba\): webhookSetting ALERT_WEBHOOK_DBA: a webhook URL must not carry credentials/,
    );
    expect(error.message).not.toContain("s3cr3tpw");
  });

  it("an @ in the query string is no credential: such a URL is accepted", () => {
    const url = "https://hooks.example.net/x?owner=alice@example.net&sig=TOPSECRET";
    expect(() => new Request(url, { method: "POST" })).not.toThrow();
    expect(alertSettingsFromEnv({ ...BASE, TEAMS_WEBHOOK_URL: url })?.channels).toHaveLength(1);
  });
});
