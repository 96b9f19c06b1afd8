// LOG_ANALYTICS_* as the app reads them: off when the endpoint is unset, every bad value a problem that names its
// setting (never an exception that stops the app), and the token audience of each cloud as the Logs Ingestion API
// documents it (learn.microsoft.com, Logs Ingestion API, request headers).
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { logAnalyticsSettingsFromEnv } from "../../src/log-analytics/log-analytics-settings";
import { logAnalyticsStepFor } from "../../src/log-analytics/log-analytics-step";

const DCR = "dcr-0123456789abcdef0123456789abcdef";
const ENDPOINT = "https://my-dce-5kyl.eastus-1.ingest.monitor.azure.com";
const PEM = join(mkdtempSync(join(tmpdir(), "la-settings-")), "ca.pem");
writeFileSync(PEM, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

describe("LOG_ANALYTICS_* settings", () => {
  it("are off, and build no step, when LOG_ANALYTICS_ENDPOINT is unset", () => {
    expect(logAnalyticsSettingsFromEnv({ LOG_ANALYTICS_DCR_ID: DCR })).toEqual({ kind: "off" });
    expect(logAnalyticsStepFor(logAnalyticsSettingsFromEnv({}))).toBeUndefined();
  });

  it("default to the documented stream and to sending changes", () => {
    const setting = logAnalyticsSettingsFromEnv({ LOG_ANALYTICS_ENDPOINT: `${ENDPOINT}/`, LOG_ANALYTICS_DCR_ID: DCR });
    expect(setting).toMatchObject({
      kind: "on",
      target: { endpoint: ENDPOINT, dcrId: DCR, stream: "Custom-MIExposureFindings_CL", send: "changes" },
    });
  });

  it.each([
    ["AzureCloud", "https://monitor.azure.com"],
    ["AzureUSGovernment", "https://monitor.azure.us"],
    ["AzureChinaCloud", "https://monitor.azure.cn"],
  ])("ask for the audience of %s: %s", (cloud, audience) => {
    const setting = logAnalyticsSettingsFromEnv({
      LOG_ANALYTICS_ENDPOINT: ENDPOINT,
      LOG_ANALYTICS_DCR_ID: DCR,
      AUDIT_CLOUD: cloud,
    });
    expect(setting).toMatchObject({ kind: "on", target: { audience } });
  });

  it.each([
    [{ LOG_ANALYTICS_ENDPOINT: "http://dce.example" }, "LOG_ANALYTICS_ENDPOINT: must be https"],
    [{ LOG_ANALYTICS_ENDPOINT: "not a url" }, "LOG_ANALYTICS_ENDPOINT: expected a URL"],
    [{ LOG_ANALYTICS_ENDPOINT: `${ENDPOINT}?x=1` }, "LOG_ANALYTICS_ENDPOINT: expected a base URL"],
    [{ LOG_ANALYTICS_DCR_ID: "" }, "LOG_ANALYTICS_DCR_ID: required when LOG_ANALYTICS_ENDPOINT is set"],
    [{ LOG_ANALYTICS_DCR_ID: "dcr-123" }, "LOG_ANALYTICS_DCR_ID: expected a data collection rule immutable id"],
    [{ LOG_ANALYTICS_DCR_ID: `${DCR}0` }, "LOG_ANALYTICS_DCR_ID: expected"],
    [{ LOG_ANALYTICS_STREAM: "MIExposureFindings_CL" }, "LOG_ANALYTICS_STREAM: expected a custom stream name"],
    [{ LOG_ANALYTICS_STREAM: "Custom-My Table" }, "LOG_ANALYTICS_STREAM: expected"],
    [{ LOG_ANALYTICS_SEND: "failures" }, 'LOG_ANALYTICS_SEND: expected "changes" or "all"'],
    [{ LOG_ANALYTICS_CA: PEM }, "LOG_ANALYTICS_CA: only for a local receiver"],
    [
      { LOG_ANALYTICS_ENDPOINT: "https://127.0.0.1:9", LOG_ANALYTICS_CA: "/nonexistent/ca.pem" },
      "LOG_ANALYTICS_CA: cannot read '/nonexistent/ca.pem'",
    ],
    [{ AUDIT_CLOUD: "Mars" }, "AUDIT_CLOUD: unknown cloud 'Mars'"],
  ])("refuse %o with a problem naming the setting", (env, problem) => {
    const setting = logAnalyticsSettingsFromEnv({
      LOG_ANALYTICS_ENDPOINT: ENDPOINT,
      LOG_ANALYTICS_DCR_ID: DCR,
      ...env,
    });
    expect(setting.kind).toBe("invalid");
    expect(setting.kind === "invalid" && setting.problem).toContain(problem);
  });

  it("take the local receiver's CA only for a loopback endpoint, with a token naming the audience asked for", async () => {
    for (const endpoint of ["https://127.0.0.1:8443", "https://localhost:8443", "https://[::1]:8443"]) {
      const setting = logAnalyticsSettingsFromEnv({
        LOG_ANALYTICS_ENDPOINT: endpoint,
        LOG_ANALYTICS_DCR_ID: DCR,
        LOG_ANALYTICS_CA: PEM,
      });
      expect(setting.kind, endpoint).toBe("on");
      if (setting.kind !== "on") continue;
      expect(setting.target.tlsOptions?.ca).toContain("BEGIN CERTIFICATE");
      const token = await setting.target.credential.getToken("https://monitor.azure.com/.default");
      const claims = JSON.parse(Buffer.from(token!.token.split(".")[1]!, "base64url").toString("utf8")) as object;
      expect(claims).toMatchObject({ aud: "https://monitor.azure.com" });
    }
  });
});
