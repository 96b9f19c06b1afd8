// resourceHistory: GET /api/resources/{id}/history (function key): one resource's results across runs; the id is the
// ARM id, base64url-encoded.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { httpOptions, reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { resourceHistory as historyOf } from "../report-api/report-queries";
import { decodeResourceId } from "../report-api/resource-id";

const route = REPORT_ROUTES.resourceHistory;

export const resourceHistory = reportEndpoint(route, async ({ path, query }) =>
  jsonResponse(await historyOf(getServices().store, decodeResourceId(path.id), query.runs ?? 10)),
);

export const resourceHistoryFunction = registerHttp(route.functionName, httpOptions(route, resourceHistory));
