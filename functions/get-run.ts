// getRun: GET /api/runs/{runId} (function key) returns a run's precomputed summary; `latest` is the newest completed
// or partial run.
import { getServices } from "../shared/app/services";
import { jsonResponse } from "../shared/app/http-results";
import { registerHttp } from "../shared/app/function-registration";
import { httpOptions, reportEndpoint } from "../shared/report-api/report-endpoint";
import { REPORT_ROUTES } from "../shared/report-api/report-routes";
import { runDetail } from "../shared/report-api/report-queries";

const route = REPORT_ROUTES.getRun;

export const getRun = reportEndpoint(route, async ({ path }) => jsonResponse(await runDetail(getServices().store, path.runId)));

export const getRunFunction = registerHttp(route.functionName, httpOptions(route, getRun));
