// alertsTest: POST /api/alerts/test (admin) posts a test card to one alert channel now, so a team can check its webhook.
// Body `{ "route": "<name>" }`; without it, the default channel (TEAMS_WEBHOOK_URL). 200 when the webhook accepted it,
// 502 with the reason when it did not.
import { describeZodError } from "../errors";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { getServices } from "../app/services";
import { errorResponse, handled, jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import {
  ADMIN_ROUTES,
  AlertTestRequestSchema,
  adminHttpOptions,
  type AlertTestDeliverySchema,
} from "../report-api/admin-routes";
import { parseJsonObjectBody } from "../report-api/request-parsing";

const route = ADMIN_ROUTES.alertsTest;

export async function sendTestAlert(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return handled(context, async () => {
    const parsed = AlertTestRequestSchema.safeParse(parseJsonObjectBody(await request.text()) ?? {});
    if (!parsed.success) return errorResponse(400, "BadRequest", `body: ${describeZodError(parsed.error)}`);
    const alerts = getServices().alerts;
    if (alerts === undefined)
      return errorResponse(
        409,
        "AlertsNotConfigured",
        "Alerting is off: set TEAMS_WEBHOOK_URL or ALERT_ROUTES (see docs/alerts.md).",
      );
    const result = await alerts.sendTest(
      parsed.data.route,
      request.headers.get("x-ms-client-principal-name") ?? "admin-key",
    );
    context.log(
      `alertsTest: ${result.route} (webhook ${result.webhook}): ${result.state} after ${result.attempts} attempt(s)${result.reason ? `: ${result.reason}` : ""}`,
    );
    // Typed as the documented shape, so the service's result and the document cannot drift apart.
    const body: z.output<typeof AlertTestDeliverySchema> = result;
    return jsonResponse(body, result.state === "delivered" ? 200 : 502);
  });
}

export const alertsTestFunction = registerHttp(route.functionName, adminHttpOptions(route, sendTestAlert));
