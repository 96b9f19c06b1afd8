// ALERT_ROUTES: which findings go to which extra channels. A JSON array of routes, validated with zod; every message
// names ALERT_ROUTES and the path of the bad value. The webhook of a route is never inline: the route names the app
// setting that holds it (in Azure, a Key Vault reference), so the JSON itself holds no secret.
//
//   [
//     { "name": "platform", "webhookSetting": "ALERT_WEBHOOK_PLATFORM", "mode": "instead",
//       "match": { "subscriptions": ["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"] } },
//     { "name": "dba", "webhookSetting": "ALERT_WEBHOOK_DBA", "match": { "ruleIdPrefixes": ["mi."] }, "minSeverity": "medium" }
//   ]
//
// Within `match` every given criterion must hold (AND); within one criterion any listed value will do (OR).
import { z } from "zod";
import type { Finding } from "../engine/finding";
import { AuditorError, errorMessage } from "../errors";
import { SEVERITIES, type Severity } from "../rules/rule";

export const ALERT_ROUTES_SETTING = "ALERT_ROUTES";
export const DEFAULT_CHANNEL = "default";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const nonEmptyList = (item: z.ZodString) =>
  z.array(item).min(1, "give at least one value, or leave the criterion out").max(500);

export const routeMatchSchema = z
  .object({
    /** Subscription ids (GUIDs). */
    subscriptions: nonEmptyList(z.string().regex(GUID, "expected a subscription id (GUID)")).optional(),
    /** Resource group names, or `<subscriptionId>/<resourceGroup>` to pin one subscription's group. Case-insensitive. */
    resourceGroups: nonEmptyList(z.string().min(1).max(200)).optional(),
    /** Tag name → value, a list of values, or "*" for any value. Names case-insensitive, values exact. */
    tags: z
      .record(
        z.string().min(1).max(512),
        z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).min(1).max(100)]),
      )
      .refine((tags) => Object.keys(tags).length > 0, "give at least one tag, or leave tags out")
      .optional(),
    /** Rule id prefixes, e.g. `mi.` for every managed-instance rule. */
    ruleIdPrefixes: nonEmptyList(z.string().min(1).max(200)).optional(),
    /** Resource types, e.g. `microsoft.sql/managedinstances`. Case-insensitive. */
    resourceTypes: nonEmptyList(
      z
        .string()
        .regex(/^[A-Za-z0-9.]+\/[A-Za-z0-9./]+$/, "expected a resource type such as microsoft.sql/managedinstances"),
    ).optional(),
  })
  .strict()
  .refine(
    (match) => Object.values(match).some((value) => value !== undefined),
    "give at least one criterion, or leave match out to route every finding",
  );

export const routeSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,39}$/,
        "expected 1-40 lower-case letters, digits or hyphens, starting with a letter or digit",
      ),
    /** The app setting holding this route's webhook URL (in Azure a Key Vault reference). */
    webhookSetting: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "expected the name of an app setting, e.g. ALERT_WEBHOOK_DBA"),
    /** Absent: every finding. */
    match: routeMatchSchema.optional(),
    /** `additional` (default): the default channel gets the finding too. `instead`: the default channel does not. */
    mode: z.enum(["additional", "instead"]).default("additional"),
    /** This channel's threshold; default ALERT_MIN_SEVERITY. */
    minSeverity: z.enum(SEVERITIES as [Severity, ...Severity[]]).optional(),
    /** This channel's payload; default ALERT_FORMAT. */
    format: z.enum(["teams", "json"]).optional(),
  })
  .strict();

export const alertRoutesSchema = z
  .array(routeSchema)
  .max(50, "at most 50 routes")
  .superRefine((routes, ctx) => {
    const seen = new Set<string>();
    routes.forEach((route, index) => {
      if (route.name === DEFAULT_CHANNEL)
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `"${DEFAULT_CHANNEL}" is the TEAMS_WEBHOOK_URL channel; choose another name`,
        });
      else if (seen.has(route.name))
        ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate route name "${route.name}"` });
      seen.add(route.name);
    });
  });

export type RouteMatch = z.infer<typeof routeMatchSchema>;
export type AlertRoute = z.infer<typeof routeSchema>;

/** Parses ALERT_ROUTES; empty means no routes. Errors name ALERT_ROUTES and the JSON path, e.g. `ALERT_ROUTES[1].match.subscriptions[0]`. */
export function parseAlertRoutes(raw: string | undefined, setting = ALERT_ROUTES_SETTING): AlertRoute[] {
  if (raw === undefined || raw.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new AuditorError(
      "CONFIG_INVALID",
      `${setting}: not valid JSON (${errorMessage(error)}); expected an array of routes, see docs/alerts.md`,
      { cause: error },
    );
  }
  const parsed = alertRoutesSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${setting}${jsonPath(issue.path)}: ${issue.message}`);
    throw new AuditorError("CONFIG_INVALID", `${problems.join("; ")} (see docs/alerts.md)`);
  }
  return parsed.data;
}

function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
}

/** Does the finding satisfy every criterion of `match`? */
export function routeMatches(match: RouteMatch | undefined, finding: Finding): boolean {
  if (match === undefined) return true;
  const { subscriptions, resourceGroups, tags, ruleIdPrefixes, resourceTypes } = match;
  const subscription = finding.subscriptionId.toLowerCase();
  if (subscriptions !== undefined && !subscriptions.some((s) => s.toLowerCase() === subscription)) return false;
  if (resourceGroups !== undefined) {
    const group = finding.resourceGroup.toLowerCase();
    const ok = resourceGroups.some((entry) => {
      const value = entry.toLowerCase();
      const slash = value.indexOf("/");
      return slash < 0 ? value === group : value.slice(0, slash) === subscription && value.slice(slash + 1) === group;
    });
    if (!ok) return false;
  }
  if (ruleIdPrefixes !== undefined && !ruleIdPrefixes.some((prefix) => finding.ruleId.startsWith(prefix))) return false;
  if (
    resourceTypes !== undefined &&
    !resourceTypes.some((type) => type.toLowerCase() === finding.resourceType.toLowerCase())
  )
    return false;
  if (tags !== undefined) {
    // ARM tag names are case-insensitive; values are not.
    const byName = new Map(Object.entries(finding.tags ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    for (const [name, wanted] of Object.entries(tags)) {
      const actual = byName.get(name.toLowerCase());
      if (actual === undefined) return false;
      const values = Array.isArray(wanted) ? wanted : [wanted];
      if (!values.some((value) => value === "*" || value === actual)) return false;
    }
  }
  return true;
}
