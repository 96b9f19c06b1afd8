// listRuns: GET /api/runs (function key) pages through runs, newest first.
import { getServices } from "../shared/app/services";
import { jsonResponse } from "../shared/app/http-results";
import { registerHttp } from "../shared/app/function-registration";
import { httpOptions, reportEndpoint } from "../shared/report-api/report-endpoint";
import { REPORT_ROUTES } from "../shared/report-api/report-routes";
import { listRunsPage } from "../shared/report-api/report-queries";

const route = REPORT_ROUTES.listRuns;

export const listRuns = reportEndpoint(route, async ({ query }) => jsonResponse(await listRunsPage(getServices().store, query)));

export const listRunsFunction = registerHttp(route.functionName, httpOptions(route, listRuns));
