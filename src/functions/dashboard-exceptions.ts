// dashboardExceptions: GET /api/dashboard/exceptions (function key): the dashboard's Exceptions page (every stored
// exception with its standing, and what the latest run's exceptions did), or with ?id= one exception and its history.
// Same CSP and escaping as the dashboard: no script, nothing from outside; justifications are people's text.
import { getServices } from "../app/services";
import { errorResponse, htmlResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { exceptionPolicyOf } from "../config/audit-settings";
import { dashboardCsp, newNonce } from "../report-api/dashboard/dashboard-csp";
import { DashboardLinks } from "../report-api/dashboard/dashboard-links";
import { loadExceptionDetail, loadExceptionsPage } from "../report-api/dashboard/exceptions-data";
import { renderExceptionDetail, renderExceptionsPage } from "../report-api/dashboard/exceptions-page";
import { reportEndpoint } from "../report-api/report-endpoint";
import { FUNCTION_KEY_PARAMETER } from "../report-api/request-parsing";
import { REPORT_ROUTES } from "../report-api/report-routes";

const route = REPORT_ROUTES.dashboardExceptions;

const doors = reportEndpoint(route, async ({ query, request }) => {
  const services = getServices();
  const options = { at: new Date(), warnDays: exceptionPolicyOf(services.settings.audit).warnDays };
  const nonce = newNonce();
  // The page is one level below /api/dashboard: its relative links go up one level first.
  const links = new DashboardLinks(request.query.get(FUNCTION_KEY_PARAMETER) ?? undefined, "../");
  let page: string;
  if (query.id === undefined) {
    const standing = query.standing ?? "all";
    page = renderExceptionsPage(
      await loadExceptionsPage(services.exceptions, services.store, { ...options, standing }),
      links,
      nonce,
    );
  } else {
    const detail = await loadExceptionDetail(services.exceptions, query.id, options);
    if (detail === undefined) return errorResponse(404, "NotFound", `No exception has the id ${query.id}.`);
    page = renderExceptionDetail(detail, links, nonce);
  }
  return htmlResponse(page, { "content-security-policy": dashboardCsp(nonce), "x-frame-options": "DENY" });
});

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const dashboardExceptions = doors.key;
export const dashboardExceptionsFunctions = registerRoute(route, doors);
