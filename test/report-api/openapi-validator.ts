// Validates values against the generated OpenAPI document with Ajv, a JSON Schema validator independent of zod: the
// document itself is what is checked, not the zod schemas it came from.
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { openApiDocument } from "../../src/report-api/openapi-document";

const DOC_ID = "https://mi-exposure-auditor.invalid/openapi.json";

type Doc = {
  paths: Record<
    string,
    {
      get: {
        parameters: Array<{ name: string; in: string; required: boolean; schema: object }>;
        responses: Record<string, { content: Record<string, { schema: object }> }>;
      };
    }
  >;
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
  responseErrors(path: string, status: number, body: unknown): string[] {
    const operation = this.doc.paths[path]?.get;
    if (operation === undefined) return [`${path} is not in the document`];
    const response = operation.responses[String(status)];
    if (response === undefined) return [`${path} documents no ${status} response`];
    const schema = response.content["application/json"]?.schema;
    if (schema === undefined) return [`${path} ${status} has no JSON schema`];
    return this.errors(`${path} ${status}`, schema, body);
  }

  parameterErrors(path: string, name: string, value: string): string[] {
    const parameter = this.doc.paths[path]?.get.parameters.find((p) => p.name === name);
    if (parameter === undefined) return [`${path} has no parameter ${name}`];
    return this.errors(`${path} ?${name}`, parameter.schema, value);
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

/** `#/components/...` refs point into the document registered under DOC_ID. */
function rebase(schema: object): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as object;
}
