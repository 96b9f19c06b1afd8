// listExceptions: GET /api/exceptions (function key) lists the stored exceptions with their standing now;
// ?standing= filters.
import { getServices } from "../app/services";
import { registerRoute } from "../app/function-registration";
import { exceptionEndpoint } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, listExceptionsResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.listExceptions;

const doors = exceptionEndpoint(route, (input) => listExceptionsResponse(exceptionApiOf(getServices()), input));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const listExceptions = doors.key;
export const listExceptionsFunctions = registerRoute(route, doors);
