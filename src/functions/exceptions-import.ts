// importExceptions: POST /api/exceptions/import (admin) imports an exceptions document (YAML or JSON), all or nothing.
import { getServices } from "../app/services";
import { registerRoute } from "../app/function-registration";
import { exceptionEndpoint } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, importExceptionsResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.importExceptions;

const doors = exceptionEndpoint(route, (input) => importExceptionsResponse(exceptionApiOf(getServices()), input));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const importExceptions = doors.key;
export const importExceptionsFunctions = registerRoute(route, doors);
