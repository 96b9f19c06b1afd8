// startAudit: POST /api/runs (admin route) queues an audit and answers 202 with where to follow it.
import type { z } from "zod";
import { getServices } from "../app/services";
import { parseScopeOverride } from "../audit/audit-request";
import { apiUrl } from "../config/public-base-url";
import { jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { ADMIN_ROUTES, type RunQueuedSchema } from "../report-api/admin-routes";
import { adminEndpoint } from "../report-api/report-endpoint";
import { callerName } from "../report-api/request-authorization";
import { parseJsonObjectBody } from "../report-api/request-parsing";
import { getReportSettings } from "../report-api/report-settings";

const route = ADMIN_ROUTES.startAudit;

const doors = adminEndpoint(route, async ({ request, context, caller }) => {
  const scope = parseScopeOverride(parseJsonObjectBody(await request.text()));
  const { runId, scope: scopeKey } = await getServices().audits.requestAudit({
    trigger: "http",
    scope,
    requestedBy: `http:${callerName(caller)}`,
  });
  // From the configured base URL: the request's Host header is the caller's to choose.
  const statusUrl = apiUrl(getReportSettings().publicBaseUrl, `runs/${runId}`);
  context.log(`startAudit queued run ${runId} for ${scopeKey}`);
  const body: z.output<typeof RunQueuedSchema> = { runId, scope: scopeKey, statusUrl };
  return jsonResponse(body, 202, { location: statusUrl });
});

/** The key door's handler: what the Functions host runs for /api/runs (tests call it directly). */
export const startAudit = doors.key;
export const startAuditFunctions = registerRoute(route, doors);
