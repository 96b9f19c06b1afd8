// startAudit: POST /api/runs (admin) queues an audit and answers 202 with where to follow it.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { getServices } from "../app/services";
import { parseScopeOverride } from "../audit/audit-request";
import { apiUrl } from "../config/public-base-url";
import { handled, jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { ADMIN_ROUTES, adminHttpOptions, type RunQueuedSchema } from "../report-api/admin-routes";
import { parseJsonObjectBody } from "../report-api/request-parsing";
import { getReportSettings } from "../report-api/report-settings";

const route = ADMIN_ROUTES.startAudit;

export async function startAudit(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return handled(context, async () => {
    const scope = parseScopeOverride(parseJsonObjectBody(await request.text()));
    const { runId, scope: scopeKey } = await getServices().audits.requestAudit({
      trigger: "http",
      scope,
      requestedBy: `http:${request.headers.get("x-ms-client-principal-name") ?? "admin-key"}`,
    });
    // From the configured base URL: the request's Host header is the caller's to choose.
    const statusUrl = apiUrl(getReportSettings().publicBaseUrl, `runs/${runId}`);
    context.log(`startAudit queued run ${runId} for ${scopeKey}`);
    const body: z.output<typeof RunQueuedSchema> = { runId, scope: scopeKey, statusUrl };
    return jsonResponse(body, 202, { location: statusUrl });
  });
}

export const startAuditFunction = registerHttp(route.functionName, adminHttpOptions(route, startAudit));
