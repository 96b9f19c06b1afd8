// Where telemetry goes, from the settings. The authentication string's format is the one Microsoft documents for
// Entra-authenticated Application Insights ingestion: `Authorization=AAD` (system-assigned identity) or
// `Authorization=AAD;ClientId=<client id>` (user-assigned identity).
import { describe, expect, it } from "vitest";
import { parseAuthenticationString, telemetryPlanFromEnv } from "../../src/telemetry/telemetry-settings";

const CONNECTION =
  "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";
const CLIENT = "1c7a4c2e-3b9d-4f1a-8e6b-2d5f0a9c7e31";
const OTHER_CLIENT = "8f0e2d4c-6b1a-4c3e-9d7f-5a2b1c0e9d8f";

describe("parseAuthenticationString", () => {
  it.each([
    ["Authorization=AAD", {}],
    [`Authorization=AAD;ClientId=${CLIENT}`, { clientId: CLIENT }],
    [`ClientId=${CLIENT};Authorization=aad`, { clientId: CLIENT }],
    [` authorization = AAD ; clientid = ${CLIENT} ;`, { clientId: CLIENT }],
  ])("reads %s", (value, expected) => {
    expect(parseAuthenticationString(value)).toEqual(expected);
  });

  it.each([
    ["ClientId=" + CLIENT, /must contain Authorization=AAD/],
    ["Authorization=Key", /must contain Authorization=AAD/],
    ["Authorization=AAD;ClientId=not-a-guid", /ClientId must be a client id \(GUID\), found "not-a-guid"/],
    ["Authorization=AAD;Client=" + CLIENT, /unknown key "Client"/],
    ["AAD", /expected key=value pairs/],
  ])("refuses %s, naming the setting", (value, problem) => {
    expect(() => parseAuthenticationString(value)).toThrow(/^APPLICATIONINSIGHTS_AUTHENTICATION_STRING: /);
    expect(() => parseAuthenticationString(value)).toThrow(problem);
  });
});

describe("telemetryPlanFromEnv", () => {
  it("exports nothing by default, and to the console when TELEMETRY_EXPORTER says so", () => {
    expect(telemetryPlanFromEnv({})).toEqual({ kind: "none" });
    expect(telemetryPlanFromEnv({ TELEMETRY_EXPORTER: "console" })).toEqual({ kind: "console" });
  });

  it("refuses an unknown exporter with an error naming TELEMETRY_EXPORTER", () => {
    expect(() => telemetryPlanFromEnv({ TELEMETRY_EXPORTER: "otlp" })).toThrow(/^TELEMETRY_EXPORTER: .*none.*console/);
  });

  it("sends to Application Insights, and only there, when the connection string is set", () => {
    expect(
      telemetryPlanFromEnv({ APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION, TELEMETRY_EXPORTER: "console" }),
    ).toEqual({ kind: "azureMonitor", connectionString: CONNECTION });
  });

  it("refuses a connection string without an instrumentation key, naming the setting", () => {
    expect(() =>
      telemetryPlanFromEnv({ APPLICATIONINSIGHTS_CONNECTION_STRING: "IngestionEndpoint=https://x" }),
    ).toThrow(/^APPLICATIONINSIGHTS_CONNECTION_STRING: /);
  });

  it("authenticates with the identity the authentication string names, else AZURE_CLIENT_ID's, else the system one", () => {
    const env = { APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION, AZURE_CLIENT_ID: OTHER_CLIENT };
    expect(
      telemetryPlanFromEnv({
        ...env,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${CLIENT}`,
      }),
    ).toMatchObject({ entra: { clientId: CLIENT } });
    expect(
      telemetryPlanFromEnv({ ...env, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD" }),
    ).toMatchObject({
      entra: { clientId: OTHER_CLIENT },
    });
    expect(
      telemetryPlanFromEnv({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD",
      }),
    ).toEqual({ kind: "azureMonitor", connectionString: CONNECTION, entra: {} });
  });
});
