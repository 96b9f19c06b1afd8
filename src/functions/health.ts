// health: GET /api/health (anonymous): liveness, and whether Table Storage answers. Always 200 while the app runs.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { httpOptions, reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { checkHealth } from "../report-api/report-queries";

const route = REPORT_ROUTES.health;

// getServices() inside the probe: a configuration error is reported as storage not reachable, not as a crash.
export const health = reportEndpoint(route, async () =>
  jsonResponse(await checkHealth(() => getServices().store.listRuns({ top: 1 }))),
);

export const healthFunction = registerHttp(route.functionName, httpOptions(route, health));
