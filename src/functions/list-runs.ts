// listRuns: GET /api/runs (function key) pages through runs, newest first.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { httpOptions, reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { listRunsPage } from "../report-api/report-queries";

const route = REPORT_ROUTES.listRuns;

export const listRuns = reportEndpoint(route, async ({ query }) =>
  jsonResponse(await listRunsPage(getServices().store, query)),
);

export const listRunsFunction = registerHttp(route.functionName, httpOptions(route, listRuns));
