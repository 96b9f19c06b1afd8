// The report API's parameters as zod schemas. Handlers validate requests with exactly these, and the OpenAPI document
// is generated from them, so the two cannot drift. Every value is checked against an allow-list or a pattern before it
// reaches the store, which puts it into filters with the `odata` tag: a value is only ever a value.
import { z } from "zod";
import { RULES } from "../rules/catalog";
import { COMPLIANCE_FRAMEWORKS } from "../report/compliance";
import { SEVERITIES, STATUSES, type Severity } from "../rules/rule";
import { BASELINE_IDS } from "../rules/baselines";
import { exceptionPath, listExceptionsQuery } from "./exception-schemas";
import { EXCEPTED_FILTERS } from "../audit/audit-store";

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A comma-separated list whose items match `item` (a regex source), split into an array. */
function list(item: string, what: string, description: string, maxItems = 14) {
  const pattern = new RegExp(`^(?:${item})(?:,(?:${item}))*$`, "u");
  return z
    .string()
    .regex(pattern, `expected ${what}, comma-separated`)
    .transform((value) => value.split(","))
    .pipe(z.array(z.string()).max(maxItems, `at most ${maxItems} values`))
    .meta({ description: `${description} Comma-separated for several.` });
}

/**
 * A whole number 1..max, written in decimal without a sign or leading zeros. The document shows the output side (an
 * integer with its bounds and default, as a query parameter's value is read); the regex keeps out what Number() would
 * also take (`1e3`, `0x10`, ` 1`).
 */
function wholeNumber(max: number, fallback: number, description: string) {
  const message = `expected a whole number from 1 to ${max}`;
  return z
    .string()
    .regex(/^[1-9][0-9]{0,6}$/, message)
    .transform(Number)
    .pipe(z.int().min(1, message).max(max, message))
    .optional()
    .meta({ description: `${description} 1–${max}, default ${fallback}.`, default: fallback });
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-z]{1,64}$/;

export const runIdSchema = z
  .string()
  .regex(/^(?:latest|\d{8}T\d{6}Z-[0-9a-z]{1,64})$/, 'expected "latest" or a run id such as 20261122T020000Z-a1b2c3')
  .meta({ description: '"latest" (the newest completed or partial run) or a run id.' });

const continuationToken = z
  .string()
  .regex(/^[\x21-\x7e]{1,4096}$/, "expected the continuationToken of a previous page")
  .optional()
  .meta({ description: "From the previous page; omit for the first page." });

const statuses = list(STATUSES.join("|"), STATUSES.join(" | "), "Result status.");
const severities = list(SEVERITIES.join("|"), SEVERITIES.join(" | "), "Severity.");
const ruleIds = list(RULES.map((rule) => escapeRegex(rule.id)).join("|"), "a rule id of GET /api/rules", "Rule id.");
const subscriptionIds = list(
  "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
  "a subscription id (GUID)",
  "Subscription id (case-insensitive).",
);
// Resource group names: letters, digits, `_ - . ( )`, up to 90; anything else cannot match and is refused early.
const resourceGroups = list("[\\p{L}\\p{N}_().-]{1,90}", "a resource group name", "Resource group (case-insensitive).");
const resourceTypes = list(
  "[A-Za-z0-9.]{1,100}(?:/[A-Za-z0-9.]{1,100}){1,4}",
  "a resource type such as microsoft.sql/managedinstances",
  "Resource type (case-insensitive).",
);
const textSearch = z
  .string()
  .regex(/^[^\x00-\x1f\x7f]{1,100}$/, "expected 1 to 100 characters of text")
  .optional()
  .meta({ description: "Case-insensitive text searched for in resource names." });

export const MIN_SEVERITY_SCHEMA = z.enum(SEVERITIES as [Severity, ...Severity[]]);

/** The finding filters shared by GET /api/findings and the dashboard. */
export const findingFilterShape = {
  status: statuses.optional(),
  severity: severities.optional(),
  minSeverity: MIN_SEVERITY_SCHEMA.optional().meta({ description: "This severity and above (instead of `severity`)." }),
  ruleId: ruleIds.optional(),
  subscriptionId: subscriptionIds.optional(),
  resourceGroup: resourceGroups.optional(),
  resourceType: resourceTypes.optional(),
  q: textSearch,
  excepted: z
    .enum(EXCEPTED_FILTERS, { error: `expected one of ${EXCEPTED_FILTERS.join(", ")}` })
    .optional()
    .meta({
      description:
        "Results an exception in force covers (`exception.effect` applied): include (default) lists them with the rest, exclude leaves them out, only lists nothing else. Expired and no-longer-needed exceptions do not make a result excepted.",
    }),
};

export const listRunsQuery = z.strictObject({
  top: wholeNumber(100, 20, "Page size."),
  continuationToken,
  status: list(
    ["queued", "running", "completed", "partial", "failed", "skipped"].join("|"),
    "a run status",
    "Run status.",
    6,
  ).optional(),
});

export const getRunPath = z.strictObject({ runId: runIdSchema });
export const noQuery = z.strictObject({});

export const listFindingsQuery = z.strictObject({
  runId: runIdSchema.optional().meta({ description: 'The run; default "latest".' }),
  ...findingFilterShape,
  top: wholeNumber(1000, 100, "Page size (format=json)."),
  continuationToken,
  format: z.enum(["json", "csv"]).optional().meta({
    description:
      "json (default): one page. csv: every matching finding, streamed, RFC 4180; top and continuationToken do not apply.",
  }),
});

export const resourceHistoryPath = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,6000}$/, "expected a base64url-encoded resource id")
    .meta({ description: "The ARM resource id, base64url-encoded (no padding)." }),
});

export const resourceHistoryQuery = z.strictObject({
  runs: wholeNumber(100, 10, "How many recent runs to include."),
});

export const dashboardQuery = z.strictObject({
  ...findingFilterShape,
  continuationToken,
  resource: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,6000}$/, "expected a base64url-encoded resource id")
    .optional()
    .meta({ description: "Show this resource's history instead (the ARM id, base64url-encoded)." }),
  status: list(
    [...STATUSES, "any"].join("|"),
    `${STATUSES.join(" | ")} | any`,
    "Result status; default fail.",
  ).optional(),
});

/** GET /api/compliance and the dashboard's framework page. */
export const complianceQuery = z.strictObject({
  framework: z
    .enum(COMPLIANCE_FRAMEWORKS, { error: `expected one of ${COMPLIANCE_FRAMEWORKS.join(", ")}` })
    .meta({ description: "The framework whose controls group the results (NIST SP 800-53 through MCSB)." }),
  runId: runIdSchema.optional().meta({ description: 'The run; default "latest".' }),
  format: z.enum(["json", "csv"]).optional().meta({
    description:
      "json (default, unless `Accept` asks for text/csv): the view. csv: one row per control × failing resource, or one per control when none fails (RFC 4180).",
  }),
});

/** The dashboard's framework page: MCSB unless another framework is chosen. */
export const dashboardComplianceQuery = complianceQuery.omit({ format: true }).extend({
  framework: complianceQuery.shape.framework.optional().meta({ description: "The framework; default MCSB." }),
});

/** The dashboard's Exceptions page: every stored exception (or one standing), or with `id` one exception's history. */
export const dashboardExceptionsQuery = listExceptionsQuery.extend({
  standing: listExceptionsQuery.shape.standing.meta({
    description: "Only exceptions in this standing (active, expiring, expired, revoked), or all (the default).",
  }),
  id: exceptionPath.shape.id.optional().meta({ description: "Show this exception and its history instead." }),
});

export const listRulesQuery = z.strictObject({
  baseline: z
    .enum(BASELINE_IDS)
    .optional()
    .meta({ description: "Only the rules of this baseline (`current` or `seed-2019`); default every rule." }),
});

export type ListRunsQuery = z.output<typeof listRunsQuery>;
export type ListFindingsQuery = z.output<typeof listFindingsQuery>;
export type DashboardQuery = z.output<typeof dashboardQuery>;
