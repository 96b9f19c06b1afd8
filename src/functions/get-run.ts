// getRun: GET /api/runs/{runId} (function key) returns a run's precomputed summary and its alert delivery; `latest` is
// the newest completed or partial run.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { runDetail } from "../report-api/report-queries";
import { alertDeliveryForRun } from "../alerts/run-delivery";

const route = REPORT_ROUTES.getRun;

const doors = reportEndpoint(route, async ({ path }) =>
  jsonResponse(await runDetail(getServices().store, path.runId, alertDeliveryForRun(getServices().alerts))),
);

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const getRun = doors.key;
export const getRunFunctions = registerRoute(route, doors);
