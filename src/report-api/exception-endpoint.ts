// The HTTP edge of the exceptions API: who may call (request-authorization.ts: reads are reader routes, writes admin
// routes), the path and query through the route's schemas, the body (bounded, by media type), then the work.
// Refused bodies answer 400 with every problem named by field; coded errors become statuses in http-results.ts.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { AuditorError, errorMessage } from "../errors";
import type { ExceptionProblem } from "../engine/exception-input";
import { errorResponse } from "../http/http-results";
import type { Caller, Door } from "./request-authorization";
import { EXCEPTION_BODY_MAX_BYTES, JSON_MEDIA_TYPES, YAML_MEDIA_TYPES, type ExceptionRoute } from "./exception-routes";
import { authorizedHandlers, type HttpHandler, type PathOf } from "./report-endpoint";
import { parsePath, parseQuery } from "./request-parsing";

export interface ExceptionEndpointInput<R extends ExceptionRoute> {
  query: z.output<R["query"]>;
  path: PathOf<R>;
  request: HttpRequest;
  context: InvocationContext;
  caller: Caller;
}

/** A refused body: answered 400 with its problems, each naming its field. */
export class ExceptionProblemsError extends AuditorError {
  constructor(
    message: string,
    readonly problems: readonly ExceptionProblem[],
  ) {
    super("INPUT_INVALID_REQUEST", message);
  }
}

/** A body the route cannot take at all: too large (413) or of a media type it does not read (415). */
class BodyRefusedError extends Error {
  constructor(
    readonly status: 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

export function exceptionEndpoint<R extends ExceptionRoute>(
  route: R,
  work: (input: ExceptionEndpointInput<R>) => Promise<HttpResponseInit>,
): Record<Door, HttpHandler> {
  return authorizedHandlers(route.access, async (request, context, caller) => {
    try {
      const path = (route.path === undefined ? {} : parsePath(route.path, request.params)) as PathOf<R>;
      const query = parseQuery(route.query, request.query) as z.output<R["query"]>;
      return await work({ query, path, request, context, caller });
    } catch (error) {
      if (error instanceof ExceptionProblemsError) return problemsResponse(error);
      if (error instanceof BodyRefusedError)
        return errorResponse(
          error.status,
          error.status === 413 ? "PayloadTooLarge" : "UnsupportedMediaType",
          error.message,
        );
      throw error;
    }
  });
}

function problemsResponse(error: ExceptionProblemsError): HttpResponseInit {
  const response = errorResponse(400, "BadRequest", error.message);
  const body = response.jsonBody as { error: Record<string, unknown> };
  body.error.problems = error.problems;
  return response;
}

export type BodyKind = "json" | "yaml";

/**
 * The body as text and how to read it, or undefined when there is none. JSON routes take application/json (or no
 * Content-Type); `yaml` routes also take application/yaml, text/yaml and application/x-yaml. Bounded: larger bodies
 * are refused before they are read whole.
 */
export async function readBodyText(
  request: HttpRequest,
  options: { yaml?: boolean } = {},
): Promise<{ text: string; kind: BodyKind } | undefined> {
  const kind = bodyKind(request.headers.get("content-type"), options.yaml === true);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > EXCEPTION_BODY_MAX_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const chunk = next.value as Uint8Array;
      size += chunk.byteLength;
      if (size > EXCEPTION_BODY_MAX_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text.trim() === "" ? undefined : { text, kind };
}

/** A JSON body's value; a body that is not JSON is refused naming `body`. */
export async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const body = await readBodyText(request);
  if (body === undefined) return undefined;
  return parseJsonText(body.text);
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = `not valid JSON (${errorMessage(error)})`;
    throw new ExceptionProblemsError(`body: ${message}`, [{ field: "body", message }]);
  }
}

function bodyKind(contentType: string | null, yaml: boolean): BodyKind {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "" || (JSON_MEDIA_TYPES as readonly string[]).includes(type)) return "json";
  if (yaml && (YAML_MEDIA_TYPES as readonly string[]).includes(type)) return "yaml";
  const accepted = [...JSON_MEDIA_TYPES, ...(yaml ? YAML_MEDIA_TYPES : [])].join(", ");
  throw new BodyRefusedError(415, `Content-Type ${type} is not accepted here (accepted: ${accepted}).`);
}

function tooLarge(): BodyRefusedError {
  return new BodyRefusedError(
    413,
    `The body is larger than ${EXCEPTION_BODY_MAX_BYTES} bytes (${EXCEPTION_BODY_MAX_BYTES / 1024 / 1024} MiB).`,
  );
}
