// Maps outcomes to HTTP responses. Only this edge turns coded errors into status codes: bad input 400, unknown
// run or resource 404, storage down 503, anything else 500 — always `{ error: { code, message } }`, never a stack.
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { AuditorError, isUsageError } from "../errors";

export function errorResponse(status: number, code: string, message: string): HttpResponseInit {
  return {
    status,
    jsonBody: { error: { code, message } },
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    jsonBody: body,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  };
}

/** A streamed body (an async iterable of chunks): the Functions host writes it as it comes, never buffering it all. */
export function streamResponse(
  body: AsyncIterable<Uint8Array>,
  contentType: string,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status: 200,
    body,
    headers: {
      "content-type": contentType,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  };
}

/** An HTML page with the given security headers (the caller sets its Content-Security-Policy). */
export function htmlResponse(html: string, headers: Record<string, string>, status = 200): HttpResponseInit {
  return {
    status,
    body: html,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...headers,
    },
  };
}

export function toErrorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof AuditorError) {
    if (error.code === "INPUT_INVALID_REQUEST" || (isUsageError(error) && error.code !== "CONFIG_INVALID"))
      return errorResponse(400, "BadRequest", error.message);
    if (error.code === "NOT_FOUND") return errorResponse(404, "NotFound", error.message);
    if (error.code === "CONFLICT") return errorResponse(409, "Conflict", error.message);
    if (error.code === "PRECONDITION_FAILED") return errorResponse(412, "PreconditionFailed", error.message);
    if (error.code === "STORAGE_UNAVAILABLE") {
      context.error(error.message);
      return errorResponse(503, "StorageUnavailable", "Storage is unavailable; try again shortly.");
    }
    context.error(`${error.code}: ${error.message}`);
    return errorResponse(
      500,
      error.code === "CONFIG_INVALID" ? "Misconfigured" : "InternalError",
      error.code === "CONFIG_INVALID" ? error.message : "The request failed; see the function log.",
    );
  }
  context.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return errorResponse(500, "InternalError", "The request failed; see the function log.");
}

export async function handled(
  context: InvocationContext,
  work: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await work();
  } catch (error) {
    return toErrorResponse(error, context);
  }
}

/** Logger adapter for the audit service. */
export function contextLogger(context: InvocationContext): {
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
} {
  return { info: (m) => context.log(m), warn: (m) => context.warn(m), error: (m) => context.error(m) };
}
