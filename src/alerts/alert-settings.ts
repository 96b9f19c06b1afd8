// The alerting settings, read and validated once by the composition root. Every message names its setting; webhook
// URLs are wrapped in WebhookSecret as soon as they are read and never appear in a message.
import { AuditorError } from "../errors";
import type { Severity } from "../rules/rule";
import { readSetting, SETTINGS } from "../config/settings-catalog";
import { publicBaseUrl } from "../config/public-base-url";
import { readNamedSetting, type SettingEnv } from "../config/setting-declaration";
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
  /** The base of card links: `<reportBaseUrl>/api/web/dashboard`, `…/api/web/dashboard?resource=<base64url id>`. */
  reportBaseUrl: string;
  delivery: DeliveryPolicy;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = {
  maxAttempts: SETTINGS.ALERT_MAX_ATTEMPTS.default,
  retryBaseMs: SETTINGS.ALERT_RETRY_BASE_MS.default,
  maxRetryDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  requestTimeoutMs: 10_000,
  // The documented limit of Teams incoming webhooks; Workflows throttle too.
  requestsPerSecond: 4,
};

/** `undefined` when alerting is off: neither TEAMS_WEBHOOK_URL nor ALERT_ROUTES is set. */
export function alertSettingsFromEnv(env: SettingEnv = process.env): AlertSettings | undefined {
  const defaultUrl = readSetting(env, TEAMS_WEBHOOK_SETTING);
  const routes = parseAlertRoutes(readSetting(env, ALERT_ROUTES_SETTING));
  if (defaultUrl === undefined && routes.length === 0) return undefined;

  const minSeverity: Severity = readSetting(env, "ALERT_MIN_SEVERITY");
  const format: AlertFormat = readSetting(env, "ALERT_FORMAT");
  const channels: AlertChannel[] = [];
  if (defaultUrl !== undefined) {
    channels.push({
      name: DEFAULT_CHANNEL,
      webhookSetting: TEAMS_WEBHOOK_SETTING,
      webhook: parseWebhookUrl(defaultUrl, TEAMS_WEBHOOK_SETTING),
      format,
      minSeverity,
    });
  }
  routes.forEach((route, index) => {
    const where = `${ALERT_ROUTES_SETTING}[${index}] (${route.name}): webhookSetting ${route.webhookSetting}`;
    // The route names the app setting that holds its webhook: a secret, wrapped as soon as it is read.
    const url = readNamedSetting(env, route.webhookSetting);
    if (url === undefined)
      throw new AuditorError("CONFIG_INVALID", `${where}: the app setting ${route.webhookSetting} is not set`);
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
    remindDays: readSetting(env, "ALERT_REMIND_DAYS"),
    dailyDigest: readSetting(env, "ALERT_DAILY_DIGEST"),
    reportBaseUrl: reportBaseUrl(env),
    delivery: {
      ...DEFAULT_DELIVERY,
      retryBaseMs: readSetting(env, "ALERT_RETRY_BASE_MS"),
      maxAttempts: readSetting(env, "ALERT_MAX_ATTEMPTS"),
    },
  };
}

/** REPORT_BASE_URL, else the app's own host name (see config/public-base-url.ts). No trailing slash. */
function reportBaseUrl(env: SettingEnv): string {
  const url = publicBaseUrl(env);
  if (url === undefined) {
    throw new AuditorError(
      "CONFIG_INVALID",
      "REPORT_BASE_URL: required when alerts are configured (cards link to the dashboard), e.g. https://<app>.azurewebsites.net",
    );
  }
  return url;
}
