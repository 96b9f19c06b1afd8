// Every app setting, declared once: name, type and range, default, whether it is a secret, description, and the
// docs section it belongs to. Every reader reads through readSetting; docs/settings.md and the descriptions of
// local.settings.sample.json are generated from this table (npm run docs:settings), and tests hold both to it.
import { SEVERITIES } from "../rules/rule";
import { BASELINE_IDS, DEFAULT_BASELINE } from "../rules/baselines";
import {
  parseDeclared,
  setting,
  type SettingDeclaration,
  type SettingEnv,
  type SettingGroup,
} from "./setting-declaration";
import { list, matching, ncrontab, oneOf, shaped, text, url, wholeNumber, yesNo } from "./setting-types";
import { parseTrustedPrefixList } from "./trusted-prefixes";
import { LOG_ANALYTICS_SETTINGS } from "./log-analytics-settings";
import { FIRST_START_SETTINGS } from "./first-start-settings";
import { TELEMETRY_GROUP, TELEMETRY_SETTINGS } from "./telemetry-settings";
import { LOCAL_HOST_SETTINGS } from "./local-host-settings";

export const CLOUD_NAMES = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/** Resource Graph takes at most 1,000 subscriptions per request; a shard never needs a second batch per family. */
export const MAX_SHARD_SUBSCRIPTIONS = 1_000;

/** An Entra app role's value, as App Service Authentication forwards it in x-ms-client-principal. */
const appRole = matching(
  /^[\x21-\x7e]{1,120}$/,
  "an app role value (1-120 printable characters, no spaces)",
  "app role value",
);

/** AUDIT_SOURCE: snapshot files, or live collection. */
export type AuditSourceKind = { kind: "snapshot"; files: string[] } | { kind: "resourceGraph" };

const auditSource = shaped<AuditSourceKind>("`resourceGraph` or `snapshot:<file>[,<file>]`", (value) => {
  if (value.toLowerCase() === "resourcegraph") return { kind: "resourceGraph" };
  if (!value.toLowerCase().startsWith("snapshot:"))
    return { problem: `expected "resourceGraph" or "snapshot:<file>", found ${JSON.stringify(value)}` };
  const files = value
    .slice("snapshot:".length)
    .split(",")
    .map((file) => file.trim())
    .filter((file) => file !== "");
  if (files.length === 0) return { problem: "snapshot: needs a file, e.g. snapshot:samples/estate.json" };
  return { kind: "snapshot", files };
});

/** The docs' sections, in order. */
export const SETTING_GROUPS: Record<SettingGroup, { title: string; intro: string }> = {
  audit: {
    title: "Audit",
    intro: "What is audited when, and which sources are trusted. The trust settings apply to the CLI too.",
  },
  collection: {
    title: "Live collection (Resource Graph)",
    intro: "Where and how the estate is collected live; the CLI reads these too, and its flags win.",
  },
  storage: { title: "Storage", intro: "Where the Functions app keeps its queue and tables, and what each run stores." },
  alerts: {
    title: "Alerts",
    intro:
      "Alerting is off when neither `TEAMS_WEBHOOK_URL` nor `ALERT_ROUTES` is set; the other alert settings are read only when it is on.",
  },
  logAnalytics: {
    title: "Log Analytics / Microsoft Sentinel",
    intro:
      "Each run's results sent to a Log Analytics custom table through the Logs Ingestion API (see docs/log-analytics.md). Off when `LOG_ANALYTICS_ENDPOINT` is unset; a bad value is logged at every run, naming the setting, and sends nothing.",
  },
  fanout: {
    title: "Fan-out",
    intro: "When a live run is split into shards, and how (see docs/operations.md, Scale and fan-out).",
  },
  report: { title: "Report API", intro: "The report API and the dashboard." },
  telemetry: TELEMETRY_GROUP,
  host: {
    title: "Local host (npm start)",
    intro: "Read by the local Functions host only; in Azure the Functions host has its own.",
  },
};

export const SETTINGS = {
  // audit
  FUNCTIONS_WORKER_RUNTIME: setting({
    group: "audit",
    azure: "platform",
    type: text("`node`"),
    description: "Always `node` (read by the Functions host).",
  }),
  AUDIT_SCHEDULE: setting({
    group: "audit",
    type: ncrontab(),
    default: "0 0 2 * * *",
    description:
      "When the nightly audit is requested: NCRONTAB with seconds first, UTC (`WEBSITE_TIME_ZONE` changes that on Windows plans). An invalid schedule stops the app from indexing its functions.",
  }),
  AUDIT_SOURCE: setting({
    group: "audit",
    type: auditSource,
    default: { kind: "resourceGraph" },
    defaultText: "`resourceGraph`",
    description:
      "Empty or `resourceGraph`: collect live (locally from the emulator `npm start` runs). `snapshot:<file>[,<file>]`: audit snapshot files instead.",
  }),
  TRUSTED_SOURCE_PREFIXES: setting({
    group: "audit",
    type: shaped("comma-separated IP prefixes", parseTrustedPrefixList),
    default: [],
    defaultText: "(none)",
    description:
      "Extra well-known source prefixes, separated by commas; each must be valid and no broader than /8 (IPv4) or /32 (IPv6). An empty entry (a doubled, leading or trailing comma) is refused. The CLI's `--trusted` adds to it.",
  }),
  TRUST_OWNED_PUBLIC_IPS: setting({
    group: "audit",
    type: yesNo(),
    default: true,
    description:
      "Whether the estate's own public IPs and public IP prefixes count as well-known sources. The CLI's `--no-trust-owned-ips` turns it off.",
  }),
  AUDIT_BASELINE: setting({
    group: "audit",
    type: oneOf(BASELINE_IDS, { noun: "baseline" }),
    default: DEFAULT_BASELINE,
    description:
      "Which rules a run evaluates: `current` (today's guidance) or `seed-2019` (the 2018-2019 seed articles' rules, to compare with audits made before). A fanned-out run keeps the baseline it was requested with. The CLI's `--baseline` wins.",
  }),
  EXCEPTION_MAX_DAYS: setting({
    group: "audit",
    type: wholeNumber(1, 3650, "days"),
    default: 180,
    description:
      "How far ahead an exception's `expiresOn` may be. A file entry or API request beyond it is refused, naming the entry and the field.",
  }),
  EXCEPTION_WARN_DAYS: setting({
    group: "audit",
    type: wholeNumber(0, 365, "days"),
    default: 14,
    description:
      "An exception this close to its expiry is reported as expiring: in the run summary, the CLI and the Teams card.",
  }),
  EXCEPTIONS_AFFECT_SCORE: setting({
    group: "audit",
    type: yesNo(),
    default: false,
    description:
      "Whether excepted failures lower the headline score. Either way the run summary carries both scores, and excepted failures never trip a gate or alert as new.",
  }),
  AUDIT_LOCK_MINUTES: setting({
    group: "audit",
    type: wholeNumber(1, 24 * 60),
    default: 120,
    description: "How long a run holds its scope before another run may take it over (a crashed run's lock expires).",
  }),
  // first start (declared in its own file, as Log Analytics')
  ...FIRST_START_SETTINGS,
  // collection
  AUDIT_SUBSCRIPTIONS: setting({
    group: "collection",
    azure: "required",
    type: list("comma-separated subscription ids"),
    default: [],
    defaultText: "(none)",
    description:
      "Subscription ids (GUIDs) to audit. With `AUDIT_MANAGEMENT_GROUPS` empty too: every subscription the identity can read. CLI: `--subscriptions`.",
  }),
  AUDIT_MANAGEMENT_GROUPS: setting({
    group: "collection",
    azure: "required",
    type: list("comma-separated names"),
    default: [],
    defaultText: "(none)",
    description: "Management group names to audit, instead of `AUDIT_SUBSCRIPTIONS`. CLI: `--management-groups`.",
  }),
  AUDIT_ARM_ENDPOINT: setting({
    group: "collection",
    azure: "local",
    type: text("https URL"),
    description:
      "ARM endpoint override (an emulator or a proxy); must be https and needs `AUDIT_ARM_CA`. `npm start` points it at the emulator when empty. Leave it empty in Azure. CLI: `--arm-endpoint`.",
  }),
  AUDIT_ARM_CA: setting({
    group: "collection",
    azure: "local",
    type: text("file path"),
    description:
      "PEM file of the CA that signed the certificate of `AUDIT_ARM_ENDPOINT`; required with it, refused without it. CLI: `--arm-ca`.",
  }),
  AUDIT_CLOUD: setting({
    group: "collection",
    azure: "required",
    type: oneOf(CLOUD_NAMES, { noun: "cloud" }),
    default: "AzureCloud",
    description:
      "The cloud: ARM endpoint, token audience and authority, and the storage endpoints built from `AzureWebJobsStorage__accountName`. CLI: `--cloud`.",
  }),
  AUDIT_ARM_CONCURRENCY: setting({
    group: "collection",
    type: wholeNumber(1, 64),
    default: 8,
    description: "ARM enrichment requests in flight at a time.",
  }),
  // storage
  AzureWebJobsStorage: setting({
    group: "storage",
    azure: "local",
    type: text("connection string"),
    secret: true,
    description:
      "Functions storage: the audit queues and, by default, the audit tables. Unset or `UseDevelopmentStorage=true` makes `npm start` run Azurite (data in `.azurite/`). In Azure prefer `AzureWebJobsStorage__accountName` (managed identity).",
  }),
  AzureWebJobsStorage__accountName: setting({
    group: "storage",
    azure: "required",
    type: text("storage account name"),
    description:
      "Identity-based Functions storage: the account of the queues and, by default, the tables, reached with the managed identity. Grant it Storage Blob Data Owner, Storage Queue Data Contributor and Storage Table Data Contributor.",
  }),
  AzureWebJobsStorage__tableServiceUri: setting({
    group: "storage",
    azure: "required",
    type: text("URL"),
    defaultText: "from the account name",
    description:
      "Identity-based storage: the table endpoint, when it is not `https://<account>.table.<suffix>` (the suffix of `AUDIT_CLOUD`: `core.windows.net`, `core.usgovcloudapi.net`, `core.chinacloudapi.cn`).",
  }),
  AzureWebJobsStorage__queueServiceUri: setting({
    group: "storage",
    azure: "required",
    type: text("URL"),
    defaultText: "from the account name",
    description:
      "Identity-based storage: the queue endpoint, when it is not `https://<account>.queue.<suffix>` (the suffix of `AUDIT_CLOUD`).",
  }),
  AzureWebJobsStorage__clientId: setting({
    group: "storage",
    azure: "required",
    type: text("client id"),
    description:
      "Identity-based storage with a user-assigned identity: its client id (set `AzureWebJobsStorage__credential=managedidentity` too).",
  }),
  AzureWebJobsStorage__credential: setting({
    group: "storage",
    azure: "required",
    type: text("`managedidentity`"),
    description:
      "`managedidentity` for identity-based storage with a user-assigned identity (read by the Functions host).",
  }),
  AUDIT_STORAGE_CONNECTION_STRING: setting({
    group: "storage",
    azure: "local",
    type: text("connection string"),
    secret: true,
    description:
      "Optional: a separate storage account for the audit tables, as a connection string (local Azurite). Wins over `AUDIT_STORAGE_ACCOUNT_URL`.",
  }),
  AUDIT_STORAGE_ACCOUNT_URL: setting({
    group: "storage",
    type: url({ https: true, example: "https://<account>.table.core.windows.net" }),
    description:
      "Optional: a separate table endpoint, `https://<account>.table.core.windows.net`, reached with `DefaultAzureCredential` (the managed identity).",
  }),
  FINDINGS_ARCHIVE: setting({
    group: "storage",
    type: oneOf(["changes", "all"]),
    default: "changes",
    description:
      "`changes`: a run stores its fail, unknown and error results and the results whose rule × resource changed, plus a compact posture record naming its unchanged pairs and the earlier run that holds their identical results, so nightly writes follow failures plus changes and `GET /api/findings` still lists every result of the run. `all`: every result of every run in its own partition.",
  }),
  FINDINGS_RETENTION_DAYS: setting({
    group: "storage",
    type: wholeNumber(1, 36_500),
    default: 90,
    description: "Findings of runs older than this are deleted after nightly runs; run summaries are kept.",
  }),
  // alerts
  TEAMS_WEBHOOK_URL: setting({
    group: "alerts",
    type: text("https URL"),
    secret: true,
    defaultText: "(off)",
    description:
      "The default channel's Teams Workflows webhook URL (https; plain http only to a loopback address). In Azure a Key Vault reference (`@Microsoft.KeyVault(SecretUri=...)`). Empty: no default channel.",
  }),
  ALERT_ROUTES: setting({
    group: "alerts",
    type: text("JSON array"),
    defaultText: "`[]`",
    description:
      "Extra channels: a JSON array of routes (see docs/alerts.md, ALERT_ROUTES). Each route names the app setting that holds its webhook URL, so this setting holds no secret.",
  }),
  ALERT_MIN_SEVERITY: setting({
    group: "alerts",
    type: oneOf(SEVERITIES),
    default: "high",
    description:
      "The lowest severity alerted: the threshold of the default channel and of any route without its own `minSeverity`.",
  }),
  ALERT_REMIND_DAYS: setting({
    group: "alerts",
    type: wholeNumber(0, 365),
    default: 7,
    description: "Re-announce still-failing findings every N days; `0` turns reminders off.",
  }),
  ALERT_DAILY_DIGEST: setting({
    group: "alerts",
    type: yesNo(),
    default: false,
    description: "Send a one-card daily summary of open failures when a run has nothing to announce.",
  }),
  ALERT_FORMAT: setting({
    group: "alerts",
    type: oneOf(["teams", "json"]),
    default: "teams",
    description:
      "`teams` (Adaptive Card) or `json` (a plain JSON document for generic webhooks): the default channel's format, and that of any route without `format`.",
  }),
  REPORT_BASE_URL: setting({
    group: "alerts",
    type: url({ base: true, example: "https://<app>.azurewebsites.net" }),
    defaultText: "`https://$WEBSITE_HOSTNAME`",
    description:
      "Public base URL of the app: the links in alerts and the `Location` of `POST /api/runs` and `POST /api/exceptions` (never built from a request's Host header). Required when alerts are on and `WEBSITE_HOSTNAME` is not set; set it behind Front Door or a custom domain. No query string: a function key must never end up in a Teams message.",
  }),
  ALERT_RETRY_BASE_MS: setting({
    group: "alerts",
    type: wholeNumber(1, 60_000),
    default: 1_000,
    description: "Backoff base of webhook retries, in milliseconds: waits are about base, 2×base, 4×base… with jitter.",
  }),
  ALERT_MAX_ATTEMPTS: setting({
    group: "alerts",
    type: wholeNumber(1, 10),
    default: 5,
    description: "Attempts per delivery pass; a transient failure after the last one stays pending for the next run.",
  }),
  WEBSITE_HOSTNAME: setting({
    group: "alerts",
    azure: "platform",
    type: text("host name"),
    defaultText: "set by App Service",
    description:
      "The app's host name, set by App Service (Core Tools and the local host set their loopback `host:port`); the default of `REPORT_BASE_URL`, over https (http on loopback).",
  }),
  // Log Analytics (declared in their own file: this one stays under the size limit)
  ...LOG_ANALYTICS_SETTINGS,
  ...TELEMETRY_SETTINGS,
  // fan-out
  AUDIT_FANOUT_MIN_SUBSCRIPTIONS: setting({
    group: "fanout",
    type: wholeNumber(1, 1_000_000),
    default: 500,
    description:
      "A live run over more subscriptions than this is split into shards run by parallel workers; a very large value turns fan-out off. With `AUDIT_SHARD_SUBSCRIPTIONS=1`, a value of 1 fans out the 3-subscription sample under `npm start`.",
  }),
  AUDIT_SHARD_SUBSCRIPTIONS: setting({
    group: "fanout",
    type: wholeNumber(1, MAX_SHARD_SUBSCRIPTIONS),
    default: 250,
    description:
      "Subscriptions per shard (one Resource Graph batch at most), and at most `AUDIT_FANOUT_MIN_SUBSCRIPTIONS`. Shards are balanced: 501 subscriptions make 3 shards of 167.",
  }),
  AUDIT_SHARD_CONCURRENCY: setting({
    group: "fanout",
    type: wholeNumber(1, 50),
    default: 3,
    description:
      "Shards collecting from Resource Graph at the same time (they share the identity's quota); the others wait for a slot.",
  }),
  // report API
  REPORT_REQUIRED_ROLE: setting({
    group: "report",
    azure: "required",
    type: appRole,
    defaultText: "(none)",
    description:
      "App role a signed-in caller needs for reader routes (every route but health and the admin routes); a function key alone may read. Empty: any signed-in caller. Refused in App Service when authentication is off.",
  }),
  REPORT_ADMIN_ROLE: setting({
    group: "report",
    azure: "required",
    type: appRole,
    defaultText: "(none)",
    description:
      "App role admin routes (`POST /api/runs`, `POST /api/alerts/test`, the exceptions API's writes) require of a signed-in caller; once set, a function key alone no longer may use them. Empty: a function key only (the signed-in door refuses them). Refused in App Service when authentication is off.",
  }),
  REPORT_FINDINGS_CACHE_MB: setting({
    group: "report",
    type: wholeNumber(0, 1024, "megabytes"),
    default: 64,
    description:
      "Bound of each instance's in-memory cache of findings pages of completed and partial runs (pages of queued or running runs are never cached); `0` turns it off.",
  }),
  WEBSITE_SITE_NAME: setting({
    group: "report",
    azure: "platform",
    type: text("app name"),
    defaultText: "set by App Service",
    description:
      "Set by App Service: the app runs in App Service, where `x-ms-client-principal` is trusted only with authentication on.",
  }),
  WEBSITE_AUTH_ENABLED: setting({
    group: "report",
    azure: "platform",
    type: yesNo(),
    default: false,
    defaultText: "set by App Service",
    description:
      "Set by App Service: whether App Service Authentication is on. Only then are `x-ms-client-principal*` headers trusted (the platform sets them and drops copies a client sends); `REPORT_REQUIRED_ROLE` and `REPORT_ADMIN_ROLE` need it.",
  }),
  ...LOCAL_HOST_SETTINGS,
};

export type SettingName = keyof typeof SETTINGS;
/** What reading a setting gives: its type, or `undefined` too when it has no default. */
export type SettingValue<K extends SettingName> =
  (typeof SETTINGS)[K] extends SettingDeclaration<infer T, infer D> ? T | D : never;

export function isDeclaredSetting(name: string): name is SettingName {
  return Object.prototype.hasOwnProperty.call(SETTINGS, name);
}

/** Reads and validates one setting; blank is the default. `as` names it in a message when the user spelled it otherwise. */
export function readSetting<K extends SettingName>(env: SettingEnv, name: K, as: string = name): SettingValue<K> {
  return parseSetting(name, env[name], as);
}

/** Validates text given for a setting some other way (a CLI flag, a derived default); blank is the default. */
export function parseSetting<K extends SettingName>(
  name: K,
  raw: string | undefined,
  as: string = name,
): SettingValue<K> {
  return parseDeclared(SETTINGS[name] as SettingDeclaration<unknown, unknown>, raw, as) as SettingValue<K>;
}
