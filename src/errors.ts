// Coded errors. Adapters throw these; only the edges (CLI, HTTP) turn a code into an exit code or a status.
import type { z } from "zod";

export type ErrorCode =
  | "INPUT_UNREADABLE"
  | "INPUT_INVALID_JSON"
  | "INPUT_UNKNOWN_SHAPE"
  | "INPUT_INVALID_REQUEST"
  | "CONFIG_INVALID"
  | "COLLECTION_FAILED"
  | "STORAGE_UNAVAILABLE"
  | "STORAGE_FAILED"
  | "NOT_FOUND"
  /** The request conflicts with what is stored (an id already used, a revoked exception changed). */
  | "CONFLICT"
  /** An If-Match ETag no longer matches what is stored. */
  | "PRECONDITION_FAILED";

export class AuditorError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = "AuditorError";
  }
}

/** Input and configuration errors are the user's to fix (exit 2 / HTTP 400); the rest are ours or the platform's. */
export function isUsageError(error: unknown): error is AuditorError {
  return error instanceof AuditorError && (error.code.startsWith("INPUT_") || error.code === "CONFIG_INVALID");
}

/** One line for a log or a message: the code and message of a coded error, the message of any other. */
export function errorText(error: unknown): string {
  if (error instanceof AuditorError) return `${error.code}: ${error.message}`;
  return errorMessage(error);
}

/** The message of an Error (without its code), the text of anything else: for messages that name the problem. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first five problems zod found, each with the path it found it at. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}
