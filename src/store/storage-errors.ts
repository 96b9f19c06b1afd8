// Narrows SDK errors into coded AuditorErrors. STORAGE_UNAVAILABLE: the service could not be reached or is overloaded,
// so trying again later may work. STORAGE_FAILED: it answered and refused. Messages name the operation and never
// carry keys, SAS signatures or connection strings.
import { RestError } from "@azure/data-tables";
import { AuditorError } from "../errors";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
  RestError.REQUEST_SEND_ERROR,
]);

// 408 timeout, 429 throttled (Cosmos), 500 internal, 502/503 busy, 504 gateway timeout.
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** The service's error code (`EntityAlreadyExists`, `UpdateConditionNotSatisfied`, ...) or the socket's. */
export function codeOf(error: unknown): string | undefined {
  if (error instanceof RestError) {
    if (error.code !== undefined) return error.code;
    const body = (error.response as { parsedBody?: { odataError?: { code?: string } } } | undefined)?.parsedBody;
    return body?.odataError?.code;
  }
  if (error instanceof Error && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}

/** Strips anything that looks like a secret from a message the service or the socket produced. */
export function scrub(text: string): string {
  return text
    .replace(/AccountKey=[^;\s]*/gi, "AccountKey=<redacted>")
    .replace(/SharedAccessSignature=[^;\s]*/gi, "SharedAccessSignature=<redacted>")
    .replace(/([?&]sig=)[^&\s]*/gi, "$1<redacted>")
    .replace(/Bearer\s+[A-Za-z0-9._~+/-]+=*/g, "Bearer <redacted>");
}

function firstLine(text: string): string {
  return scrub(text.split(/\r?\n/)[0] ?? "").trim();
}

/** `operation` reads as a gerund phrase: "writing findings of run X". */
export function toStorageError(error: unknown, operation: string): AuditorError {
  if (error instanceof AuditorError) return error;
  const status = statusOf(error);
  const code = codeOf(error);
  const detail = error instanceof Error ? firstLine(error.message) : firstLine(String(error));
  if (error instanceof Error && error.name === "AbortError") {
    return new AuditorError(
      "STORAGE_UNAVAILABLE",
      `Table Storage did not answer in time while ${operation} (request aborted).`,
      { cause: error },
    );
  }
  if (status === undefined && code !== undefined && NETWORK_CODES.has(code)) {
    return new AuditorError(
      "STORAGE_UNAVAILABLE",
      `Table Storage is unreachable while ${operation} (${code}). Check that the account endpoint is reachable; locally, that Azurite is running.`,
      { cause: error },
    );
  }
  if (status !== undefined && TRANSIENT_STATUS.has(status)) {
    return new AuditorError(
      "STORAGE_UNAVAILABLE",
      `Table Storage is unavailable while ${operation} (HTTP ${status}${code ? ` ${code}` : ""}); try again later.`,
      { cause: error },
    );
  }
  if (status === 401 || status === 403) {
    return new AuditorError(
      "STORAGE_FAILED",
      `Table Storage refused access while ${operation} (HTTP ${status}${code ? ` ${code}` : ""}). Check the identity's role (Storage Table Data Contributor) or the account key.`,
      { cause: error },
    );
  }
  const what = status !== undefined ? `HTTP ${status}${code ? ` ${code}` : ""}` : (code ?? "error");
  return new AuditorError("STORAGE_FAILED", `Table Storage failed while ${operation} (${what}): ${detail}`, {
    cause: error,
  });
}
