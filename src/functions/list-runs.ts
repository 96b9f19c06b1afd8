// listRuns: GET /api/runs (function key) pages through runs, newest first.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { listRunsPage } from "../report-api/report-queries";

const route = REPORT_ROUTES.listRuns;

const doors = reportEndpoint(route, async ({ query }) => jsonResponse(await listRunsPage(getServices().store, query)));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const listRuns = doors.key;
export const listRunsFunctions = registerRoute(route, doors);
