// createException: POST /api/exceptions (admin) records one exception (JSON, the file form's entry); 201 with its
// Location.
import { getServices } from "../app/services";
import { registerHttp } from "../app/function-registration";
import { exceptionEndpoint, exceptionHttpOptions } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, createExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.createException;

export const createException = exceptionEndpoint(route, (input) =>
  createExceptionResponse(exceptionApiOf(getServices()), input),
);

export const createExceptionFunction = registerHttp(route.functionName, exceptionHttpOptions(route, createException));
