// revokeException: DELETE /api/exceptions/{id} (admin) revokes an exception; it and its history stay.
import { getServices } from "../app/services";
import { registerRoute } from "../app/function-registration";
import { exceptionEndpoint } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, revokeExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.revokeException;

const doors = exceptionEndpoint(route, (input) => revokeExceptionResponse(exceptionApiOf(getServices()), input));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const revokeException = doors.key;
export const revokeExceptionFunctions = registerRoute(route, doors);
