// startAudit: POST /api/runs (admin) queues an audit and answers 202 with where to follow it.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { getServices } from "../app/services";
import { parseScopeOverride } from "../audit/audit-request";
import { errorResponse, handled, jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { errorMessage } from "../errors";

export async function startAudit(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return handled(context, async () => {
    const text = await request.text();
    let body: unknown;
    try {
      body = text.trim() === "" ? undefined : JSON.parse(text);
    } catch (error) {
      return errorResponse(400, "BadRequest", `body: not valid JSON (${errorMessage(error)})`);
    }
    const scope = parseScopeOverride(body);
    const { runId, scope: scopeKey } = await getServices().audits.requestAudit({
      trigger: "http",
      scope,
      requestedBy: `http:${request.headers.get("x-ms-client-principal-name") ?? "admin-key"}`,
    });
    const statusUrl = new URL(`runs/${runId}`, new URL("/api/", request.url)).toString();
    context.log(`startAudit queued run ${runId} for ${scopeKey}`);
    return jsonResponse({ runId, scope: scopeKey, statusUrl }, 202, { location: statusUrl });
  });
}

export const startAuditFunction = registerHttp("startAudit", {
  methods: ["POST"],
  route: "runs",
  authLevel: "admin",
  handler: startAudit,
});
