// Generates the OpenAPI 3.1 document from the route table and the zod schemas the handlers validate with: parameters
// from the request schemas (their input side: what goes on the wire), components from the response schemas.
import { z } from "zod";
import { FUNCTION_KEY_PARAMETER } from "./request-parsing";
import { SIGNED_IN_ROUTE_PREFIX } from "./route-doors";
import { REPORT_ROUTES, type ReportRoute, type RouteResponse } from "./report-routes";
import { ADMIN_ROUTES, type AdminRoute } from "./admin-routes";
import { ErrorBodySchema, reportSchemas } from "./response-schemas";
import {
  EXCEPTION_BODY_MAX_BYTES,
  EXCEPTION_ROUTES,
  JSON_MEDIA_TYPES,
  YAML_MEDIA_TYPES,
  type ExceptionRoute,
} from "./exception-routes";
import { ExceptionProblemsErrorSchema } from "./exception-schemas";

type JsonSchema = Record<string, unknown>;

const COMPONENT_PREFIX = "#/components/schemas/";

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  cached ??= buildDocument();
  return cached;
}

function buildDocument(): JsonSchema {
  const generated = z.toJSONSchema(reportSchemas, {
    io: "output",
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
    unrepresentable: "throw",
  }) as { schemas: Record<string, JsonSchema> };
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) schemas[id] = withoutDialect(schema);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of Object.values(REPORT_ROUTES) as ReportRoute[]) {
    paths[`/${route.route}`] = { get: operation(route) };
  }
  // The exceptions routes share paths (GET and PUT on exceptions/{id}): one operation per method.
  for (const route of [...Object.values(EXCEPTION_ROUTES), ...Object.values(ADMIN_ROUTES)] as Array<
    ExceptionRoute | AdminRoute
  >) {
    (paths[`/${route.route}`] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "MI Exposure Auditor report API",
      version: "1",
      license: { name: "MIT", identifier: "MIT" },
      description:
        "Runs, findings, resource history, the rule catalog and the exceptions of the Azure SQL Managed Instance exposure auditor. Every route but health has two doors (the two servers): `/api` takes a function key (`?code=` or `x-functions-key`; automation), `/api/web` takes a caller signed in through App Service Authentication (people in a browser, or machines sending an Entra access token for this app). Reader routes need the app role REPORT_REQUIRED_ROLE when it is set; a function key alone may read. Admin routes (the exceptions API's writes, POST /runs, POST /alerts/test) need the app role REPORT_ADMIN_ROLE, or, while it is unset, a function key. Every answer is `Cache-Control: no-store` unless its response declares another Cache-Control. A Location is built from REPORT_BASE_URL (else the app's host name), never from the request's Host header.",
    },
    servers: [
      { url: "/api", description: "Key door: a function key (automation)." },
      {
        url: `/api/${SIGNED_IN_ROUTE_PREFIX}`,
        description: "Signed-in door: App Service Authentication (a browser session, or an Entra access token).",
      },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        functionKeyQuery: { type: "apiKey", in: "query", name: FUNCTION_KEY_PARAMETER, description: KEY_DOOR },
        functionKeyHeader: { type: "apiKey", in: "header", name: "x-functions-key", description: KEY_DOOR },
        appServiceAuthentication: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "The signed-in door (/api/web): an Entra ID access token for this app, validated by App Service Authentication, or its session cookie after signing in at /.auth/login/aad.",
        },
      },
    },
  };
}

const KEY_DOOR = "The key door (/api): a function key of the app.";

type AnyRoute = ReportRoute | ExceptionRoute | AdminRoute;

// These answer without reading storage: health reports storage's state in its 200, a test alert only posts a webhook.
const NO_STORAGE = new Set(["health", "alertsTest"]);

function operation(route: AnyRoute): Record<string, unknown> {
  const parameters = [...parametersOf(route.path, "path"), ...parametersOf(route.query, "query")];
  const exceptionRoute = isExceptionRoute(route) ? route : undefined;
  const body = "body" in route ? route.body : undefined;
  if (exceptionRoute?.ifMatch === true)
    parameters.push({
      name: "If-Match",
      in: "header",
      required: false,
      description: "The ETag read before (GET): the change applies only while the exception is still as read (412).",
      schema: { type: "string" },
    });
  if (Object.values(route.responses).some((response) => response.empty === true)) {
    parameters.push({
      name: "If-None-Match",
      in: "header",
      required: false,
      description: "The ETag of a page read before: answered with 304 while the page is unchanged.",
      schema: { type: "string" },
    });
  }
  return {
    operationId: route.functionName,
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    parameters,
    ...(body !== undefined ? { requestBody: requestBody(body) } : {}),
    responses: { ...routeResponses(route), ...errorResponses(route, parameters.length > 0, body !== undefined) },
    security: securityOf(route.access),
  };
}

/** The route's own statuses, with their bodies and the headers they carry. */
function routeResponses(route: AnyRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries<RouteResponse>(route.responses)) {
    const headers = headersOf(route, status, response);
    if (response.empty === true) {
      responses[status] = { description: response.description, ...headers };
      continue;
    }
    const content: Record<string, unknown> = {};
    if (response.json !== undefined) content["application/json"] = { schema: ref(response.json) };
    for (const type of response.text ?? [])
      content[type] ??= { schema: { type: type === "application/json" ? "object" : "string" } };
    if (Object.keys(content).length === 0) content["application/json"] = { schema: ref(ErrorBodySchema) };
    responses[status] = { description: response.description, content, ...headers };
  }
  return responses;
}

/** The statuses every route of a kind can answer: bad input, the host's key check, roles, bodies, failures. */
function errorResponses(route: AnyRoute, hasParameters: boolean, hasBody: boolean): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: ref(ErrorBodySchema) } },
  });
  if (isExceptionRoute(route) && hasBody)
    responses["400"] = {
      description: "A parameter or the body is invalid; the message (and `problems`, one per field) names each.",
      content: { "application/json": { schema: ref(ExceptionProblemsErrorSchema) } },
    };
  else if (hasBody)
    responses["400"] = error("The body is not a JSON object, or a field of it is invalid; the message names it.");
  else if (hasParameters || route.query !== undefined)
    responses["400"] = error("A parameter is invalid or unknown; the message names it.");
  if (route.access !== "public") Object.assign(responses, accessResponses(route, error));
  if (isExceptionRoute(route) && hasBody) {
    responses["413"] = error(`The body is larger than ${EXCEPTION_BODY_MAX_BYTES / 1024 / 1024} MiB.`);
    responses["415"] = error("The Content-Type is not one this route reads.");
  }
  responses["500"] = error("Unexpected failure; see the function log.");
  if (!NO_STORAGE.has(route.functionName)) responses["503"] = error("Storage is unavailable.");
  return responses;
}

/** The answers of the authorization (request-authorization.ts) and of the host's key check. */
function accessResponses(route: AnyRoute, error: (description: string) => JsonSchema): Record<string, JsonSchema> {
  const setting = route.access === "admin" ? "REPORT_ADMIN_ROLE" : "REPORT_REQUIRED_ROLE";
  const responses: Record<string, JsonSchema> = {};
  if (method(route) === "get")
    responses["302"] = {
      description:
        "Signed-in door, a browser (Accept: text/html) that has not signed in: sent to sign in (/.auth/login/aad), then back to this path.",
      headers: { Location: { description: "The sign-in URL.", schema: { type: "string" } } },
    };
  responses["401"] = {
    ...error(
      "Key door: no valid function key (answered by the Functions host). Signed-in door: the caller has not signed in.",
    ),
    headers: {
      "WWW-Authenticate": {
        description:
          "Signed-in door: `Bearer`, an Entra access token for this app (App Service Authentication validates it).",
        schema: { type: "string" },
      },
    },
  };
  responses["403"] = error(
    route.access === "admin"
      ? `The signed-in caller does not hold ${setting}'s role; or ${setting} is set and a function key came alone; or, at the signed-in door, ${setting} is unset.`
      : `${setting} is set and the signed-in caller does not hold that role.`,
  );
  return responses;
}

function method(route: AnyRoute): string {
  return "method" in route ? route.method.toLowerCase() : "get";
}

function isExceptionRoute(route: AnyRoute): route is ExceptionRoute {
  return EXCEPTION_ROUTE_SET.has(route);
}

const EXCEPTION_ROUTE_SET: ReadonlySet<AnyRoute> = new Set(Object.values(EXCEPTION_ROUTES));

function securityOf(access: AnyRoute["access"]): JsonSchema[] {
  if (access === "public") return [];
  return [{ functionKeyQuery: [] }, { functionKeyHeader: [] }, { appServiceAuthentication: [] }];
}

function requestBody(body: NonNullable<ExceptionRoute["body"]> | AdminRoute["body"]): JsonSchema {
  const content: Record<string, unknown> = {};
  for (const type of JSON_MEDIA_TYPES) content[type] = { schema: ref(body.json) };
  // A YAML document is text; its shape is the JSON one.
  if ("yaml" in body && body.yaml === true)
    for (const type of YAML_MEDIA_TYPES) content[type] = { schema: { type: "string" } };
  return { description: body.description, required: "required" in body ? body.required : false, content };
}

/** The headers a response declares: the route's own, and for the exceptions API its ETag and a 201's Location. */
function headersOf(route: AnyRoute, status: string, response: RouteResponse): JsonSchema {
  const headers: Record<string, unknown> = {};
  if (isExceptionRoute(route) && status.startsWith("2")) {
    if (route.etag === true)
      headers.ETag = { description: "The exception's ETag, for If-Match.", schema: { type: "string" } };
    if (status === "201")
      headers.Location = { description: "The URL of what was created.", schema: { type: "string" } };
  }
  for (const [name, description] of Object.entries(response.headers ?? {}))
    headers[name] = { description, schema: { type: "string" } };
  return Object.keys(headers).length === 0 ? {} : { headers };
}

function parametersOf(schema: z.ZodObject | undefined, location: "path" | "query"): JsonSchema[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const input = withoutDialect(z.toJSONSchema(field, { io: "input", unrepresentable: "throw" }));
    const output = withoutDialect(z.toJSONSchema(field, { io: "output", unrepresentable: "any" }));
    // A whole number is read from its decimal text: the document shows the integer, its bounds and its default (what
    // the handler's schema yields), which is how OpenAPI describes a query value; the text's pattern is the handler's.
    const json = output.type === "integer" ? output : input;
    const { description, ...rest } = json;
    return {
      name,
      in: location,
      required: location === "path" || !field.safeParse(undefined).success,
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

function ref(schema: z.ZodType): JsonSchema {
  const id = reportSchemas.get(schema)?.id;
  if (id === undefined) throw new Error("Internal error: a response schema is not registered as a component");
  return { $ref: `${COMPONENT_PREFIX}${id}` };
}

function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}
