// The Log Analytics settings' declarations (LOG_ANALYTICS_*, docs/log-analytics.md), part of SETTINGS in
// settings-catalog.ts: kept in a file of their own so the catalog stays under the file size limit.
import { setting } from "./setting-declaration";
import { matching, oneOf, text, url } from "./setting-types";

export const LOG_ANALYTICS_SETTINGS = {
  LOG_ANALYTICS_ENDPOINT: setting({
    group: "logAnalytics",
    type: url({ https: true, base: true, example: "https://<dce>.<region>-1.ingest.monitor.azure.com" }),
    defaultText: "(off)",
    description:
      "The data collection endpoint, or the DCR's logs ingestion endpoint, that receives the run's results. Empty: nothing is sent.",
  }),
  LOG_ANALYTICS_DCR_ID: setting({
    group: "logAnalytics",
    type: matching(
      /^dcr-[0-9a-f]{32}$/i,
      "a data collection rule immutable id: dcr- and 32 hex digits",
      "`dcr-` + 32 hex",
    ),
    description:
      "The immutable id of the data collection rule (its Overview page, or `immutableId` in its JSON); required with the endpoint.",
  }),
  LOG_ANALYTICS_STREAM: setting({
    group: "logAnalytics",
    type: matching(
      /^Custom-[A-Za-z][A-Za-z0-9_]{0,62}$/,
      "a custom stream name: Custom- and a name of letters, digits and underscores that starts with a letter",
      "`Custom-<name>`",
    ),
    default: "Custom-MIExposureFindings_CL",
    description: "The stream the data collection rule declares for the results (its `streamDeclarations`).",
  }),
  LOG_ANALYTICS_SEND: setting({
    group: "logAnalytics",
    type: oneOf(["changes", "all"]),
    default: "changes",
    description:
      "`changes`: every fail, unknown and error result, and every result whose rule × resource moved this run (new, regressed, resolved, still failing). `all`: every result, passes and not applicable included.",
  }),
  LOG_ANALYTICS_CA: setting({
    group: "logAnalytics",
    azure: "local",
    type: text("file path"),
    description:
      "PEM file of the CA of a local test receiver; only with an endpoint on a loopback address, which then gets a local token naming the Monitor audience. Leave it empty in Azure.",
  }),
};
