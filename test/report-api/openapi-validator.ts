// Validates values against the generated OpenAPI document with Ajv, a JSON Schema validator independent of zod: the
// document itself is what is checked, not the zod schemas it came from.
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { openApiDocument } from "../../src/report-api/openapi-document";

const DOC_ID = "https://mi-exposure-auditor.invalid/openapi.json";

type Operation = {
  parameters: Array<{ name: string; in: string; required: boolean; schema: object }>;
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content: Record<string, { schema: object }> }>;
};

type Method = "get" | "post" | "put" | "delete";

type Doc = {
  paths: Record<string, { get: Operation } & Partial<Record<Method, Operation>>>;
  components: object;
};

export class OpenApiValidator {
  readonly doc = openApiDocument() as unknown as Doc;
  private readonly ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    // The components are not a schema keyword; they only hold the schemas that responses $ref into.
    this.ajv.addKeyword("components");
    this.ajv.addSchema({ $id: DOC_ID, components: this.doc.components });
  }

  /** Errors of `body` against the documented JSON response of `path` for `status` (empty when valid). */
  responseErrors(path: string, status: number, body: unknown, method: Method = "get"): string[] {
    const operation = this.doc.paths[path]?.[method];
    if (operation === undefined) return [`${method} ${path} is not in the document`];
    const response = operation.responses[String(status)];
    if (response === undefined) return [`${method} ${path} documents no ${status} response`];
    const schema = response.content["application/json"]?.schema;
    if (schema === undefined) return [`${method} ${path} ${status} has no JSON schema`];
    return this.errors(`${method} ${path} ${status}`, schema, body);
  }

  /** Errors of `body` against the documented JSON request body of `method path`. */
  requestBodyErrors(path: string, method: Method, body: unknown): string[] {
    const schema = this.doc.paths[path]?.[method]?.requestBody?.content["application/json"]?.schema;
    if (schema === undefined) return [`${method} ${path} documents no JSON request body`];
    return this.errors(`${method} ${path} request`, schema, body);
  }

  parameterErrors(path: string, name: string, value: string, method: Method = "get"): string[] {
    const parameter = this.doc.paths[path]?.[method]?.parameters.find((p) => p.name === name);
    if (parameter === undefined) return [`${method} ${path} has no parameter ${name}`];
    return this.errors(`${method} ${path} ?${name}`, parameter.schema, wireValue(parameter.schema, value));
  }

  private errors(key: string, schema: object, value: unknown): string[] {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(key, validate);
    }
    return validate(value)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath || "(root)"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
        );
  }
}

/**
 * A query value as a client generated from the document sends it: an integer parameter's value is the integer in
 * decimal (no sign for positives, no leading zeros, no exponent); other text stays text, and fails `type: integer`.
 */
function wireValue(schema: object, value: string): unknown {
  return (schema as { type?: string }).type === "integer" && /^-?(?:0|[1-9][0-9]*)$/.test(value)
    ? Number(value)
    : value;
}

/** `#/components/...` refs point into the document registered under DOC_ID. */
function rebase(schema: object): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as object;
}
