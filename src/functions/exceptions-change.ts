// changeException: PUT /api/exceptions/{id} (admin) replaces an exception's declared fields; If-Match guards
// against a concurrent change.
import { getServices } from "../app/services";
import { registerRoute } from "../app/function-registration";
import { exceptionEndpoint } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, changeExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.changeException;

const doors = exceptionEndpoint(route, (input) => changeExceptionResponse(exceptionApiOf(getServices()), input));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const changeException = doors.key;
export const changeExceptionFunctions = registerRoute(route, doors);
