// getRun: GET /api/runs/{runId} (function key) returns a run's precomputed summary and its alert delivery; `latest` is
// the newest completed or partial run.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { httpOptions, reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { runDetail } from "../report-api/report-queries";
import { alertDeliveryForRun } from "../alerts/run-delivery";

const route = REPORT_ROUTES.getRun;

export const getRun = reportEndpoint(route, async ({ path }) =>
  jsonResponse(await runDetail(getServices().store, path.runId, alertDeliveryForRun(getServices().alerts))),
);

export const getRunFunction = registerHttp(route.functionName, httpOptions(route, getRun));
