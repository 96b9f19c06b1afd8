// importExceptions: POST /api/exceptions/import (admin) imports an exceptions document (YAML or JSON), all or nothing.
import { getServices } from "../app/services";
import { registerHttp } from "../app/function-registration";
import { exceptionEndpoint, exceptionHttpOptions } from "../report-api/exception-endpoint";
import { EXCEPTION_ROUTES } from "../report-api/exception-routes";
import { exceptionApiOf, importExceptionsResponse } from "../report-api/exception-requests";

const route = EXCEPTION_ROUTES.importExceptions;

export const importExceptions = exceptionEndpoint(route, (input) =>
  importExceptionsResponse(exceptionApiOf(getServices()), input),
);

export const importExceptionsFunction = registerHttp(route.functionName, exceptionHttpOptions(route, importExceptions));
