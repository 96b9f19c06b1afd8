// dashboardCompliance: GET /api/dashboard/compliance (function key): the dashboard's framework view of a run (MCSB by
// default; `latest` run unless runId is given). Same CSP and escaping as the dashboard: no script, nothing from outside.
import { getServices } from "../app/services";
import { errorResponse, htmlResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { runCompliance } from "../report-api/compliance-query";
import { dashboardCsp, newNonce } from "../report-api/dashboard/dashboard-csp";
import { DashboardLinks } from "../report-api/dashboard/dashboard-links";
import { renderCompliancePage } from "../report-api/dashboard/compliance-page";
import { reportEndpoint } from "../report-api/report-endpoint";
import { FUNCTION_KEY_PARAMETER } from "../report-api/request-parsing";
import { REPORT_ROUTES } from "../report-api/report-routes";

const route = REPORT_ROUTES.dashboardCompliance;

const doors = reportEndpoint(route, async ({ query, request }) => {
  const found = await runCompliance(getServices().store, query.runId ?? "latest", query.framework ?? "MCSB");
  if (found.kind === "purged")
    return errorResponse(
      410,
      "Gone",
      `The findings of run ${found.runId} were deleted by retention on ${found.findingsDeletedAt}; its summary remains at /api/runs/${found.runId}.`,
    );
  const nonce = newNonce();
  // The page is one level below /api/dashboard: its relative links go up one level first.
  const links = new DashboardLinks(request.query.get(FUNCTION_KEY_PARAMETER) ?? undefined, "../");
  return htmlResponse(renderCompliancePage(found.view, links, nonce), {
    "content-security-policy": dashboardCsp(nonce),
    "x-frame-options": "DENY",
  });
});

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const dashboardCompliance = doors.key;
export const dashboardComplianceFunctions = registerRoute(route, doors);
