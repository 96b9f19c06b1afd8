// openApi: GET /api/openapi.json (function key): the OpenAPI 3.1 document, generated from the handlers' own schemas.
import { jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { openApiDocument } from "../report-api/openapi-document";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";

const route = REPORT_ROUTES.openApi;

const doors = reportEndpoint(route, async () => jsonResponse(openApiDocument()));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const openApi = doors.key;
export const openApiFunctions = registerRoute(route, doors);
