// resourceHistory: GET /api/resources/{id}/history (function key): one resource's results across runs; the id is the
// ARM id, base64url-encoded.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { resourceHistory as historyOf } from "../report-api/report-queries";
import { decodeResourceId } from "../report-api/resource-id";

const route = REPORT_ROUTES.resourceHistory;

const doors = reportEndpoint(route, async ({ path, query }) =>
  jsonResponse(await historyOf(getServices().store, decodeResourceId(path.id), query.runs ?? 10)),
);

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const resourceHistory = doors.key;
export const resourceHistoryFunctions = registerRoute(route, doors);
