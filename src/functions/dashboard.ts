// dashboard: GET /api/dashboard (function key): the server-rendered dashboard, or with ?resource= one resource's
// history. Filters are query parameters; the pages have no script and load nothing from outside (strict CSP).
import { getServices } from "../app/services";
import { htmlResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { dashboardCsp, newNonce } from "../report-api/dashboard/dashboard-csp";
import { loadDashboard } from "../report-api/dashboard/dashboard-data";
import { DashboardLinks } from "../report-api/dashboard/dashboard-links";
import { renderDashboard } from "../report-api/dashboard/dashboard-page";
import { renderResourcePage } from "../report-api/dashboard/resource-page";
import { resourceHistory } from "../report-api/report-queries";
import { decodeResourceId } from "../report-api/resource-id";
import { reportEndpoint } from "../report-api/report-endpoint";
import { FUNCTION_KEY_PARAMETER } from "../report-api/request-parsing";
import { REPORT_ROUTES } from "../report-api/report-routes";

const route = REPORT_ROUTES.dashboard;

const doors = reportEndpoint(route, async ({ query, request }) => {
  const nonce = newNonce();
  const links = new DashboardLinks(request.query.get(FUNCTION_KEY_PARAMETER) ?? undefined);
  const page =
    query.resource === undefined
      ? renderDashboard(await loadDashboard(getServices().store, query), links, nonce)
      : renderResourcePage(
          await resourceHistory(getServices().store, decodeResourceId(query.resource, "resource"), 30),
          links,
          nonce,
        );
  return htmlResponse(page, { "content-security-policy": dashboardCsp(nonce), "x-frame-options": "DENY" });
});

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const dashboard = doors.key;
export const dashboardFunctions = registerRoute(route, doors);
