// getException: GET /api/exceptions/{id} (function key) returns one exception, its standing and its append-only
// history, with its ETag.
import { getServices } from "../app/services";
import { registerRoute } from "../app/function-registration";
import { exceptionEndpoint } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, getExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.getException;

const doors = exceptionEndpoint(route, (input) => getExceptionResponse(exceptionApiOf(getServices()), input));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const getException = doors.key;
export const getExceptionFunctions = registerRoute(route, doors);
