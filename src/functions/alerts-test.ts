// alertsTest: POST /api/alerts/test (admin route) posts a test card to one alert channel now, so a team can check its webhook.
// Body `{ "route": "<name>" }`; without it, the default channel (TEAMS_WEBHOOK_URL). 200 when the webhook accepted it,
// 502 with the reason when it did not.
import { describeZodError } from "../errors";
import type { z } from "zod";
import { getServices } from "../app/services";
import { errorResponse, jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { ADMIN_ROUTES, AlertTestRequestSchema, type AlertTestDeliverySchema } from "../report-api/admin-routes";
import { adminEndpoint } from "../report-api/report-endpoint";
import { callerName } from "../report-api/request-authorization";
import { parseJsonObjectBody } from "../report-api/request-parsing";

const route = ADMIN_ROUTES.alertsTest;

const doors = adminEndpoint(route, async ({ request, context, caller }) => {
  const parsed = AlertTestRequestSchema.safeParse(parseJsonObjectBody(await request.text()) ?? {});
  if (!parsed.success) return errorResponse(400, "BadRequest", `body: ${describeZodError(parsed.error)}`);
  const alerts = getServices().alerts;
  if (alerts === undefined)
    return errorResponse(
      409,
      "AlertsNotConfigured",
      "Alerting is off: set TEAMS_WEBHOOK_URL or ALERT_ROUTES (see docs/alerts.md).",
    );
  const result = await alerts.sendTest(parsed.data.route, callerName(caller));
  context.log(
    `alertsTest: ${result.route} (webhook ${result.webhook}): ${result.state} after ${result.attempts} attempt(s)${result.reason ? `: ${result.reason}` : ""}`,
  );
  // Typed as the documented shape, so the service's result and the document cannot drift apart.
  const body: z.output<typeof AlertTestDeliverySchema> = result;
  return jsonResponse(body, result.state === "delivered" ? 200 : 502);
});

/** The key door's handler: what the Functions host runs for /api/alerts/test (tests call it directly). */
export const sendTestAlert = doors.key;
export const alertsTestFunctions = registerRoute(route, doors);
