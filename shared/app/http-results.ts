// Maps outcomes to HTTP responses. Only this edge turns coded errors into status codes: bad input 400, unknown
// run or resource 404, storage down 503, anything else 500 — always `{ error: { code, message } }`, never a stack.
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { AuditorError, isUsageError } from "../errors";

export function errorResponse(status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } }, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers } };
}

export function toErrorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof AuditorError) {
    if (error.code === "INPUT_INVALID_REQUEST" || (isUsageError(error) && error.code !== "CONFIG_INVALID")) return errorResponse(400, "BadRequest", error.message);
    if (error.code === "NOT_FOUND") return errorResponse(404, "NotFound", error.message);
    if (error.code === "STORAGE_UNAVAILABLE") {
      context.error(error.message);
      return errorResponse(503, "StorageUnavailable", "Storage is unavailable; try again shortly.");
    }
    context.error(`${error.code}: ${error.message}`);
    return errorResponse(500, error.code === "CONFIG_INVALID" ? "Misconfigured" : "InternalError", error.code === "CONFIG_INVALID" ? error.message : "The request failed; see the function log.");
  }
  context.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return errorResponse(500, "InternalError", "The request failed; see the function log.");
}

export async function handled(context: InvocationContext, work: () => Promise<HttpResponseInit>): Promise<HttpResponseInit> {
  try {
    return await work();
  } catch (error) {
    return toErrorResponse(error, context);
  }
}

/** Logger adapter for the audit service. */
export function contextLogger(context: InvocationContext): { info(m: string): void; warn(m: string): void; error(m: string): void } {
  return { info: (m) => context.log(m), warn: (m) => context.warn(m), error: (m) => context.error(m) };
}
