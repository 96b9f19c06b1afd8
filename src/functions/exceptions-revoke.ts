// revokeException: DELETE /api/exceptions/{id} (admin) revokes an exception; it and its history stay.
import { getServices } from "../app/services";
import { registerHttp } from "../app/function-registration";
import { exceptionEndpoint, exceptionHttpOptions } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, revokeExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.revokeException;

export const revokeException = exceptionEndpoint(route, (input) =>
  revokeExceptionResponse(exceptionApiOf(getServices()), input),
);

export const revokeExceptionFunction = registerHttp(route.functionName, exceptionHttpOptions(route, revokeException));
