// dashboard: GET /api/dashboard (function key): the server-rendered dashboard, or with ?resource= one resource's
// history. Filters are query parameters; the pages have no script and load nothing from outside (strict CSP).
import { getServices } from "../shared/app/services";
import { htmlResponse } from "../shared/app/http-results";
import { registerHttp } from "../shared/app/function-registration";
import { dashboardCsp, newNonce } from "../shared/report-api/dashboard/dashboard-csp";
import { loadDashboard } from "../shared/report-api/dashboard/dashboard-data";
import { DashboardLinks } from "../shared/report-api/dashboard/dashboard-links";
import { renderDashboard } from "../shared/report-api/dashboard/dashboard-page";
import { renderResourcePage } from "../shared/report-api/dashboard/resource-page";
import { resourceHistory } from "../shared/report-api/report-queries";
import { decodeResourceId } from "../shared/report-api/resource-id";
import { httpOptions, reportEndpoint } from "../shared/report-api/report-endpoint";
import { FUNCTION_KEY_PARAMETER } from "../shared/report-api/request-parsing";
import { REPORT_ROUTES } from "../shared/report-api/report-routes";

const route = REPORT_ROUTES.dashboard;

export const dashboard = reportEndpoint(route, async ({ query, request }) => {
  const nonce = newNonce();
  const links = new DashboardLinks(request.query.get(FUNCTION_KEY_PARAMETER) ?? undefined);
  const page =
    query.resource === undefined
      ? renderDashboard(await loadDashboard(getServices().store, query), links, nonce)
      : renderResourcePage(await resourceHistory(getServices().store, decodeResourceId(query.resource, "resource"), 30), links, nonce);
  return htmlResponse(page, { "content-security-policy": dashboardCsp(nonce), "x-frame-options": "DENY" });
});

export const dashboardFunction = registerHttp(route.functionName, httpOptions(route, dashboard));
