// resourceHistory: GET /api/resources/{id}/history (function key): one resource's results across runs; the id is the
// ARM id, base64url-encoded.
import { getServices } from "../shared/app/services";
import { jsonResponse } from "../shared/app/http-results";
import { registerHttp } from "../shared/app/function-registration";
import { httpOptions, reportEndpoint } from "../shared/report-api/report-endpoint";
import { REPORT_ROUTES } from "../shared/report-api/report-routes";
import { resourceHistory as historyOf } from "../shared/report-api/report-queries";
import { decodeResourceId } from "../shared/report-api/resource-id";

const route = REPORT_ROUTES.resourceHistory;

export const resourceHistory = reportEndpoint(route, async ({ path, query }) =>
  jsonResponse(await historyOf(getServices().store, decodeResourceId(path.id), query.runs ?? 10)),
);

export const resourceHistoryFunction = registerHttp(route.functionName, httpOptions(route, resourceHistory));
