// openApi: GET /api/openapi.json (function key): the OpenAPI 3.1 document, generated from the handlers' own schemas.
import { jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { openApiDocument } from "../report-api/openapi-document";
import { httpOptions, reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";

const route = REPORT_ROUTES.openApi;

export const openApi = reportEndpoint(route, async () => jsonResponse(openApiDocument()));

export const openApiFunction = registerHttp(route.functionName, httpOptions(route, openApi));
