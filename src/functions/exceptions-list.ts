// listExceptions: GET /api/exceptions (function key) lists the stored exceptions with their standing now;
// ?standing= filters.
import { getServices } from "../app/services";
import { registerHttp } from "../app/function-registration";
import { exceptionEndpoint, exceptionHttpOptions } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, listExceptionsResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.listExceptions;

export const listExceptions = exceptionEndpoint(route, (input) =>
  listExceptionsResponse(exceptionApiOf(getServices()), input),
);

export const listExceptionsFunction = registerHttp(route.functionName, exceptionHttpOptions(route, listExceptions));
