// The telemetry settings' declarations (docs/telemetry.md), part of SETTINGS in settings-catalog.ts: kept in a file of
// their own so the catalog stays under the file size limit. The two APPLICATIONINSIGHTS_* names are the platform's
// standard ones, read the way the Functions host and the Azure Monitor distro read them.
import { setting } from "./setting-declaration";
import { matching, oneOf, text } from "./setting-types";

export const TELEMETRY_EXPORTERS = ["none", "console"] as const;

/** The settings docs' section. */
export const TELEMETRY_GROUP = {
  title: "Telemetry",
  intro:
    "OpenTelemetry traces, metrics and run summaries (see docs/telemetry.md): to Application Insights when its connection string is set, else to the console or nowhere.",
};

export const TELEMETRY_SETTINGS = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: setting({
    group: "telemetry",
    azure: "required",
    type: matching(
      /(^|;)\s*InstrumentationKey\s*=\s*[0-9a-f-]{36}\s*(;|$)/i,
      "an Application Insights connection string with InstrumentationKey=<guid>",
      "connection string",
    ),
    defaultText: "(off)",
    // Not a credential by Microsoft's account (ingestion needs Entra ID here), but never quoted, as every connection string.
    secret: true,
    description:
      "Where runs' traces, metrics and summary records go (Azure Monitor OpenTelemetry). Set: `TELEMETRY_EXPORTER` is ignored and everything goes to this Application Insights resource only.",
  }),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: setting({
    group: "telemetry",
    azure: "required",
    type: text("`Authorization=AAD[;ClientId=<guid>]`"),
    description:
      "`Authorization=AAD;ClientId=<client id of the app's user-assigned identity>`: ingestion authenticates with that managed identity (Entra ID; the identity needs Monitoring Metrics Publisher on the resource). Without `ClientId`, `AZURE_CLIENT_ID` names it, else the system-assigned identity.",
  }),
  AZURE_CLIENT_ID: setting({
    group: "telemetry",
    type: matching(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, "a client id (GUID)", "GUID"),
    description:
      "The client id of the user-assigned managed identity the Azure SDK uses by default; Entra-authenticated telemetry uses it when `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` names no `ClientId`.",
  }),
  TELEMETRY_EXPORTER: setting({
    group: "telemetry",
    type: oneOf(TELEMETRY_EXPORTERS),
    default: "none",
    description:
      "Without a connection string: `none` exports nothing; `console` prints spans, metrics and log records to the console (local development).",
  }),
};

/**
 * The Azure Monitor distro reports its own health (statsbeat, SDK stats) to Microsoft's endpoints, not to the
 * configured resource. Telemetry goes to configured endpoints only, so these switches (which the distro reads from
 * the environment, and nowhere else) are turned off unless the operator set them.
 */
const SDK_SELF_REPORTING_OFF: Record<string, string> = {
  APPLICATION_INSIGHTS_NO_STATSBEAT: "true",
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED: "true",
  APPLICATIONINSIGHTS_SDKSTATS_DISABLED: "true",
};

export function turnOffSdkSelfReporting(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(SDK_SELF_REPORTING_OFF)) env[name] ??= value;
}
