// createException: POST /api/exceptions (admin) records one exception (JSON, the file form's entry); 201 with its
// Location.
import { getServices } from "../app/services";
import { registerRoute } from "../app/function-registration";
import { exceptionEndpoint } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, createExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.createException;

const doors = exceptionEndpoint(route, (input) => createExceptionResponse(exceptionApiOf(getServices()), input));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const createException = doors.key;
export const createExceptionFunctions = registerRoute(route, doors);
