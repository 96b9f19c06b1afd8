// changeException: PUT /api/exceptions/{id} (admin) replaces an exception's declared fields; If-Match guards
// against a concurrent change.
import { getServices } from "../app/services";
import { registerHttp } from "../app/function-registration";
import { exceptionEndpoint, exceptionHttpOptions } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, changeExceptionResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.changeException;

export const changeException = exceptionEndpoint(route, (input) =>
  changeExceptionResponse(exceptionApiOf(getServices()), input),
);

export const changeExceptionFunction = registerHttp(route.functionName, exceptionHttpOptions(route, changeException));
