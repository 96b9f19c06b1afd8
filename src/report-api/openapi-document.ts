// Generates the OpenAPI 3.1 document from the route table and the zod schemas the handlers validate with: parameters
// from the request schemas (their input side: what goes on the wire), components from the response schemas.
import { z } from "zod";
import { FUNCTION_KEY_PARAMETER } from "./request-parsing";
import { REPORT_ROUTES, type ReportRoute } from "./report-routes";
import { ErrorBodySchema, reportSchemas } from "./response-schemas";

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
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "MI Exposure Auditor report API",
      version: "1",
      description:
        "Runs, findings, resource history and the rule catalog of the Azure SQL Managed Instance exposure auditor. Function-level routes need a function key (`?code=` or `x-functions-key`); with REPORT_REQUIRED_ROLE set they also need that app role in App Service Authentication's x-ms-client-principal.",
    },
    servers: [{ url: "/api" }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        functionKeyQuery: { type: "apiKey", in: "query", name: FUNCTION_KEY_PARAMETER },
        functionKeyHeader: { type: "apiKey", in: "header", name: "x-functions-key" },
      },
    },
  };
}

function operation(route: ReportRoute): Record<string, unknown> {
  const parameters = [...parametersOf(route.path, "path"), ...parametersOf(route.query, "query")];
  if (Object.values(route.responses).some((response) => response.empty === true)) {
    parameters.push({
      name: "If-None-Match",
      in: "header",
      required: false,
      description: "The ETag of a page read before: answered with 304 while the page is unchanged.",
      schema: { type: "string" },
    });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    if (response.empty === true) {
      responses[status] = { description: response.description };
      continue;
    }
    const content: Record<string, unknown> = {};
    if (response.json !== undefined) content["application/json"] = { schema: ref(response.json) };
    for (const type of response.text ?? [])
      content[type] ??= { schema: { type: type === "application/json" ? "object" : "string" } };
    if (Object.keys(content).length === 0) content["application/json"] = { schema: ref(ErrorBodySchema) };
    responses[status] = { description: response.description, content };
  }
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: ref(ErrorBodySchema) } },
  });
  if (parameters.length > 0 || route.query !== undefined)
    responses["400"] = error("A parameter is invalid or unknown; the message names it.");
  if (route.authLevel === "function")
    responses["401"] = error("No valid function key (answered by the Functions host).");
  if (route.requiresRole)
    responses["403"] = error(
      "REPORT_REQUIRED_ROLE is set and the caller's x-ms-client-principal does not hold that role.",
    );
  responses["500"] = error("Unexpected failure; see the function log.");
  if (route.functionName !== "health") responses["503"] = error("Storage is unavailable.");
  return {
    operationId: route.functionName,
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    parameters,
    responses,
    security: route.authLevel === "function" ? [{ functionKeyQuery: [] }, { functionKeyHeader: [] }] : [],
  };
}

function parametersOf(schema: z.ZodObject | undefined, location: "path" | "query"): JsonSchema[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const json = withoutDialect(z.toJSONSchema(field, { io: "input", unrepresentable: "throw" }));
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
