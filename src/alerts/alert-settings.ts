// The alerting settings, read and validated once by the composition root. Every message names its setting; webhook
// URLs are wrapped in WebhookSecret as soon as they are read and never appear in a message.
import { AuditorError } from "../errors";
import { SEVERITIES, type Severity } from "../rules/rule";
import { ALERT_ROUTES_SETTING, DEFAULT_CHANNEL, parseAlertRoutes, type RouteMatch } from "./alert-routes";
import { parseWebhookUrl, type WebhookSecret } from "./webhook-secret";

export const TEAMS_WEBHOOK_SETTING = "TEAMS_WEBHOOK_URL";

export type AlertFormat = "teams" | "json";

export interface AlertChannel {
  /** `default` for TEAMS_WEBHOOK_URL, else the route's name. Also the outbox and ledger key. */
  name: string;
  /** The app setting the webhook came from: what messages may name. */
  webhookSetting: string;
  webhook: WebhookSecret;
  format: AlertFormat;
  minSeverity: Severity;
  /** Routes only; absent for the default channel and for a route without `match` (every finding). */
  match?: RouteMatch;
  /** Routes only. */
  mode?: "additional" | "instead";
}

export interface DeliveryPolicy {
  /** Attempts per delivery pass (the first try included). A transient failure after the last one stays pending for the next run. */
  maxAttempts: number;
  /** Exponential backoff base: waits are about base, 2×base, 4×base… with jitter, capped by maxRetryDelayMs. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
  /** A Retry-After longer than this ends the pass; the entry waits for the next run. */
  maxRetryAfterMs: number;
  requestTimeoutMs: number;
  /** Per webhook. */
  requestsPerSecond: number;
}

export interface AlertSettings {
  /** The default channel (if TEAMS_WEBHOOK_URL is set) first, then the routes in order. Never empty. */
  channels: AlertChannel[];
  minSeverity: Severity;
  /** 0: no reminders. */
  remindDays: number;
  dailyDigest: boolean;
  /** Card links: `<reportBaseUrl>/api/dashboard`, `/api/runs/<id>`, `/api/resources/<base64url id>/history`. */
  reportBaseUrl: string;
  delivery: DeliveryPolicy;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = {
  maxAttempts: 5,
  retryBaseMs: 1_000,
  maxRetryDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  requestTimeoutMs: 10_000,
  // The documented limit of Teams incoming webhooks; Workflows throttle too.
  requestsPerSecond: 4,
};

/** `undefined` when alerting is off: neither TEAMS_WEBHOOK_URL nor ALERT_ROUTES is set. */
export function alertSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AlertSettings | undefined {
  const defaultUrl = env[TEAMS_WEBHOOK_SETTING]?.trim() ?? "";
  const routes = parseAlertRoutes(env[ALERT_ROUTES_SETTING]);
  if (defaultUrl === "" && routes.length === 0) return undefined;

  const minSeverity = parseSeverity(env["ALERT_MIN_SEVERITY"], "ALERT_MIN_SEVERITY", "high");
  const format = parseFormat(env["ALERT_FORMAT"]);
  const channels: AlertChannel[] = [];
  if (defaultUrl !== "") {
    channels.push({ name: DEFAULT_CHANNEL, webhookSetting: TEAMS_WEBHOOK_SETTING, webhook: parseWebhookUrl(defaultUrl, TEAMS_WEBHOOK_SETTING), format, minSeverity });
  }
  routes.forEach((route, index) => {
    const where = `${ALERT_ROUTES_SETTING}[${index}] (${route.name}): webhookSetting ${route.webhookSetting}`;
    const url = env[route.webhookSetting]?.trim() ?? "";
    if (url === "") throw new AuditorError("CONFIG_INVALID", `${where}: the app setting ${route.webhookSetting} is not set`);
    const channel: AlertChannel = {
      name: route.name,
      webhookSetting: route.webhookSetting,
      webhook: parseWebhookUrl(url, where),
      format: route.format ?? format,
      minSeverity: route.minSeverity ?? minSeverity,
      mode: route.mode,
    };
    if (route.match !== undefined) channel.match = route.match;
    channels.push(channel);
  });

  return {
    channels,
    minSeverity,
    remindDays: parseWholeNumber(env["ALERT_REMIND_DAYS"], "ALERT_REMIND_DAYS", 7, 0, 365),
    dailyDigest: parseBoolean(env["ALERT_DAILY_DIGEST"], "ALERT_DAILY_DIGEST", false),
    reportBaseUrl: parseReportBaseUrl(env),
    delivery: {
      ...DEFAULT_DELIVERY,
      retryBaseMs: parseWholeNumber(env["ALERT_RETRY_BASE_MS"], "ALERT_RETRY_BASE_MS", DEFAULT_DELIVERY.retryBaseMs, 1, 60_000),
      maxAttempts: parseWholeNumber(env["ALERT_MAX_ATTEMPTS"], "ALERT_MAX_ATTEMPTS", DEFAULT_DELIVERY.maxAttempts, 1, 10),
    },
  };
}

export function parseSeverity(value: string | undefined, setting: string, fallback: Severity): Severity {
  const raw = value?.trim().toLowerCase() ?? "";
  if (raw === "") return fallback;
  if ((SEVERITIES as readonly string[]).includes(raw)) return raw as Severity;
  throw new AuditorError("CONFIG_INVALID", `${setting}: expected one of ${SEVERITIES.join(", ")}, found ${JSON.stringify(value)}`);
}

function parseFormat(value: string | undefined): AlertFormat {
  const raw = value?.trim().toLowerCase() ?? "";
  if (raw === "" || raw === "teams") return "teams";
  if (raw === "json") return "json";
  throw new AuditorError("CONFIG_INVALID", `ALERT_FORMAT: expected teams or json, found ${JSON.stringify(value)}`);
}

function parseBoolean(value: string | undefined, setting: string, fallback: boolean): boolean {
  const raw = value?.trim().toLowerCase() ?? "";
  if (raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new AuditorError("CONFIG_INVALID", `${setting}: expected true or false, found ${JSON.stringify(value)}`);
}

function parseWholeNumber(value: string | undefined, setting: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new AuditorError("CONFIG_INVALID", `${setting}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(value)}`);
  return n;
}

/** REPORT_BASE_URL, else the app's own host name (App Service sets WEBSITE_HOSTNAME). No trailing slash. */
function parseReportBaseUrl(env: NodeJS.ProcessEnv): string {
  const explicit = env["REPORT_BASE_URL"]?.trim() ?? "";
  const host = env["WEBSITE_HOSTNAME"]?.trim() ?? "";
  const raw = explicit !== "" ? explicit : host !== "" ? `https://${host}` : "";
  if (raw === "") {
    throw new AuditorError("CONFIG_INVALID", "REPORT_BASE_URL: required when alerts are configured (cards link to the dashboard), e.g. https://<app>.azurewebsites.net");
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new AuditorError("CONFIG_INVALID", `REPORT_BASE_URL: not a URL: ${JSON.stringify(raw)}`, { cause: error });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new AuditorError("CONFIG_INVALID", `REPORT_BASE_URL: expected an http(s) URL, found ${JSON.stringify(raw)}`);
  if (url.search !== "" || url.hash !== "") throw new AuditorError("CONFIG_INVALID", "REPORT_BASE_URL: expected a base URL without query or fragment");
  return url.toString().replace(/\/+$/, "");
}
