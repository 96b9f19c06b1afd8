// The admin routes beside the exceptions API: POST /api/runs (queue an audit) and POST /api/alerts/test (a test card
// to one alert channel). One entry per HTTP function, with the body schema its handler validates with and the
// responses it gives; the functions register from these entries and the OpenAPI document is generated from them.
// Both are admin routes (see request-authorization.ts); neither reads query parameters.
import { z } from "zod";
import { routeSchema } from "../alerts/alert-routes";
import { scopeOverrideSchema } from "../audit/audit-request";
import type { RouteResponse } from "./report-routes";
import { named } from "./schema-registry";

export interface AdminRoute {
  functionName: string;
  method: "POST";
  /** Functions route template, under /api. */
  route: string;
  /** Admin routes: see request-authorization.ts. */
  access: "admin";
  summary: string;
  description?: string;
  /** No path or query parameters (an unknown query parameter is ignored, as the Functions host does). */
  path?: undefined;
  query?: undefined;
  /** An optional JSON object: an empty body means `{}`; anything but an object is refused (400). */
  body: { description: string; json: z.ZodType };
  /** 2xx and route-specific statuses; 400, 401, 500 and 503 are added. */
  responses: Record<string, RouteResponse>;
}

export const RunRequestSchema = named(
  "RunRequest",
  scopeOverrideSchema,
  "Narrows this run to some subscriptions or management groups (ids checked as the CLI's `--subscription` and `--management-group`); an empty body audits the configured scope.",
);

export const RunQueuedSchema = named(
  "RunQueued",
  z.object({
    runId: z.string(),
    scope: z.string().meta({ description: "The scope's lock key: `tenant`, `subscriptions:…`, `managementGroups:…`." }),
    statusUrl: z.string().meta({ description: "GET it to follow the run (also the Location header)." }),
  }),
);

export const AlertTestRequestSchema = named(
  "AlertTestRequest",
  z.strictObject({
    route: routeSchema.shape.name
      .optional()
      .meta({ description: "The channel: `default` (TEAMS_WEBHOOK_URL) or the name of an ALERT_ROUTES route." }),
  }),
);

export const AlertTestDeliverySchema = named(
  "AlertTestDelivery",
  z.object({
    route: z.string(),
    webhook: z.string().meta({ description: "The webhook URL's hash (`sha256:…`); the URL itself is a secret." }),
    format: z.enum(["teams", "json"]),
    state: z.enum(["delivered", "failed", "pending"]),
    attempts: z.int().min(0),
    httpStatus: z.int().optional().meta({ description: "The webhook's last HTTP status, when it answered." }),
    reason: z.string().optional().meta({ description: "Why it was not delivered (or what the webhook said)." }),
  }),
);

export const ADMIN_ROUTES = {
  startAudit: {
    functionName: "startAudit",
    method: "POST",
    route: "runs",
    access: "admin",
    summary: "Queue an audit now",
    description:
      "Queues a run (the nightly timer's work, now) and answers at once; the run's progress is at the Location (GET /api/runs/{runId}). Location and `statusUrl` are built from REPORT_BASE_URL (else the app's host name), never from the request's Host header.",
    body: { description: "Optional scope override (application/json).", json: RunRequestSchema },
    responses: {
      "202": {
        description: "Queued; Location is the run's URL.",
        json: RunQueuedSchema,
        headers: { Location: "The run's URL (GET /api/runs/{runId})." },
      },
    },
  },
  alertsTest: {
    functionName: "alertsTest",
    method: "POST",
    route: "alerts/test",
    access: "admin",
    summary: "Send a test alert to one channel",
    description:
      "Posts a test card (or JSON document, per the channel's format) to one alert channel now, so a team can check its webhook. Without a body, the default channel (TEAMS_WEBHOOK_URL).",
    body: { description: "Optional: the channel (application/json).", json: AlertTestRequestSchema },
    responses: {
      "200": { description: "The webhook accepted it.", json: AlertTestDeliverySchema },
      "409": { description: "Alerting is off: neither TEAMS_WEBHOOK_URL nor ALERT_ROUTES is set." },
      "502": {
        description: "The webhook refused it or could not be reached; `reason` says why.",
        json: AlertTestDeliverySchema,
      },
    },
  },
} as const satisfies Record<string, AdminRoute>;
