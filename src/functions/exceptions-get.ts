// getException: GET /api/exceptions/{id} (function key) returns one exception, its standing and its append-only
// history, with its ETag.
import { getServices } from "../app/services";
import { registerHttp } from "../app/function-registration";
import { exceptionEndpoint, exceptionHttpOptions } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, getExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.getException;

export const getException = exceptionEndpoint(route, (input) =>
  getExceptionResponse(exceptionApiOf(getServices()), input),
);

export const getExceptionFunction = registerHttp(route.functionName, exceptionHttpOptions(route, getException));
