// Reads a request's path and query parameters through their zod schemas. Unknown query parameters and repeated ones
// are refused; every message starts with the parameter's name. `code` is the function key, consumed by the host.
import { z } from "zod";
import { AuditorError, errorMessage } from "../errors";

/** The Functions host reads the function key from `?code=`; it is never an API parameter. */
export const FUNCTION_KEY_PARAMETER = "code";

/** `emptyMeansAbsent`: an HTML form submits unset fields as `name=`; for the dashboard that means "no filter". */
export function parseQuery<S extends z.ZodObject>(
  schema: S,
  query: URLSearchParams,
  options: { emptyMeansAbsent?: boolean } = {},
): z.output<S> {
  const values: Record<string, string> = {};
  for (const [name, value] of query) {
    if (name === FUNCTION_KEY_PARAMETER) continue;
    if (options.emptyMeansAbsent === true && value === "") continue;
    if (Object.prototype.hasOwnProperty.call(values, name))
      throw invalid(`${name}: given more than once; pass several values comma-separated`);
    values[name] = value;
  }
  return parseWith(schema, values, "query parameter");
}

export function parsePath<S extends z.ZodObject>(schema: S, params: Record<string, string>): z.output<S> {
  return parseWith(schema, { ...params }, "path parameter");
}

function parseWith<S extends z.ZodObject>(schema: S, values: Record<string, string>, kind: string): z.output<S> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const accepted = Object.keys(schema.shape);
    throw invalid(
      `${issue.keys[0]}: unknown ${kind}${accepted.length > 0 ? ` (accepted: ${accepted.join(", ")})` : " (this route takes none)"}`,
    );
  }
  const name = issue.path.length > 0 ? issue.path.map(String).join(".") : "(request)";
  throw invalid(`${name}: ${issue.message}`);
}

function invalid(message: string): AuditorError {
  return new AuditorError("INPUT_INVALID_REQUEST", message);
}

/**
 * A JSON request body that must be an object: blank is undefined; text that is not JSON, or JSON that is not an
 * object (an array, a number, a string, true, null), is refused naming `body` and what it found.
 */
export function parseJsonObjectBody(text: string): Record<string, unknown> | undefined {
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`body: not valid JSON (${errorMessage(error)})`);
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw invalid(`body: expected a JSON object, found ${jsonKind(value)}`);
}

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? "a string" : typeof value === "number" ? "a number" : "a boolean";
}
