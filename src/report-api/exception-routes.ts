// The exceptions API's route table: one entry per HTTP function, with the schemas its handler validates with, the
// body it reads and the responses it gives. The functions register from these entries and the OpenAPI document is
// generated from them, beside the report routes. Reads are reader routes like the report routes; writes are admin
// routes like POST /api/runs (see request-authorization.ts).
import type { z } from "zod";
import type { RouteResponse } from "./report-routes";
import {
  ExceptionDetailSchema,
  ExceptionImportResultSchema,
  ExceptionInputSchema,
  ExceptionListSchema,
  ExceptionsDocumentSchema,
  ExceptionViewSchema,
  exceptionPath,
  listExceptionsQuery,
  noExceptionQuery,
  revokeBody,
  revokeQuery,
} from "./exception-schemas";

/** Bodies larger than this are refused (413) before they are parsed: 5,000 entries of a document fit in it. */
export const EXCEPTION_BODY_MAX_BYTES = 1024 * 1024;

export const JSON_MEDIA_TYPES = ["application/json"] as const;
export const YAML_MEDIA_TYPES = ["application/yaml", "text/yaml", "application/x-yaml"] as const;

export interface ExceptionRouteBody {
  description: string;
  required: boolean;
  /** The documented JSON shape (the handler checks bodies with readExceptionInput or the schema itself). */
  json: z.ZodType;
  /** Also a YAML document (the import). */
  yaml?: true;
}

export interface ExceptionRoute {
  functionName: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Functions route template, under /api. */
  route: string;
  /** Who may call it (reads: reader, writes: admin): see request-authorization.ts. */
  access: "reader" | "admin";
  summary: string;
  description?: string;
  path?: z.ZodObject;
  query: z.ZodObject;
  body?: ExceptionRouteBody;
  /** The route honours If-Match (412 when it no longer matches). */
  ifMatch?: true;
  /** Success responses carry the exception's ETag header. */
  etag?: true;
  /** 2xx and route-specific statuses; 400, 401, 403, 413, 415, 500 and 503 are added where they apply. */
  responses: Record<string, RouteResponse>;
}

const NOT_FOUND = { description: "No exception has this id; the message names it." };

export const EXCEPTION_ROUTES = {
  listExceptions: {
    functionName: "listExceptions",
    method: "GET",
    route: "exceptions",
    access: "reader",
    summary: "The stored exceptions, with their standing",
    description:
      "Every exception of the app's store (not the CLI's files, nor Azure Policy exemptions, which runs read from the estate), sorted by id, each with its standing now and the days it has left. Default: every exception not revoked.",
    query: listExceptionsQuery,
    responses: { "200": { description: "The exceptions.", json: ExceptionListSchema } },
  },
  getException: {
    functionName: "getException",
    method: "GET",
    route: "exceptions/{id}",
    access: "reader",
    summary: "One exception and its history",
    description:
      "The exception's present state, standing and whole append-only history (who created, changed or revoked it, when, and the state after each action), oldest first. The ETag header is what a PUT's If-Match takes.",
    path: exceptionPath,
    query: noExceptionQuery,
    etag: true,
    responses: { "200": { description: "The exception.", json: ExceptionDetailSchema }, "404": NOT_FOUND },
  },
  createException: {
    functionName: "createException",
    method: "POST",
    route: "exceptions",
    access: "admin",
    summary: "Record an exception",
    description:
      "The body is one exception in the file form. Its expiry must be today or later and at most EXCEPTION_MAX_DAYS ahead: the API never records an exception that is already expired. createdBy is the caller (its signed-in principal's name, or `function key`).",
    query: noExceptionQuery,
    body: { description: "One exception (application/json).", required: true, json: ExceptionInputSchema },
    etag: true,
    responses: {
      "201": { description: "Recorded; Location is its URL.", json: ExceptionViewSchema },
      "409": { description: "An exception with this id exists (or existed: revoked ids are not reused)." },
    },
  },
  changeException: {
    functionName: "changeException",
    method: "PUT",
    route: "exceptions/{id}",
    access: "admin",
    summary: "Change an exception",
    description:
      "The body is the whole exception in the file form (its `id` absent or equal to the path's); the history records the change and the state after it. With If-Match, the change applies only if the exception is still as read.",
    path: exceptionPath,
    query: noExceptionQuery,
    body: { description: "The exception (application/json).", required: true, json: ExceptionInputSchema },
    ifMatch: true,
    etag: true,
    responses: {
      "200": { description: "Changed.", json: ExceptionViewSchema },
      "404": NOT_FOUND,
      "409": { description: "The exception is revoked; a revoked exception is never changed." },
      "412": { description: "If-Match no longer matches: someone changed it since it was read. Nothing changed." },
    },
  },
  revokeException: {
    functionName: "revokeException",
    method: "DELETE",
    route: "exceptions/{id}",
    access: "admin",
    summary: "Revoke an exception",
    description:
      'The exception stops applying from the next run; it and its history stay (standing `revoked`). The reason comes as `?reason=` or a JSON body `{ "reason": ... }`. Revoking a revoked exception changes nothing.',
    path: exceptionPath,
    query: revokeQuery,
    body: { description: "Optional: `{ reason }` (application/json).", required: false, json: revokeBody },
    etag: true,
    responses: { "200": { description: "Revoked.", json: ExceptionViewSchema }, "404": NOT_FOUND },
  },
  importExceptions: {
    functionName: "importExceptions",
    method: "POST",
    route: "exceptions/import",
    access: "admin",
    summary: "Import an exceptions document (YAML or JSON)",
    description:
      "The body is the document teams keep in git (`exceptions:` with a list, or a bare list), as application/yaml, text/yaml or application/json. All or nothing: one bad entry (or an expired one) refuses the whole document, naming the entry and the field, and nothing is written. Then each id is created, changed (its declared fields differ) or left unchanged; exceptions not in the document are left as they are.",
    query: noExceptionQuery,
    body: {
      description: "An exceptions document.",
      required: true,
      json: ExceptionsDocumentSchema,
      yaml: true,
    },
    responses: {
      "200": { description: "Imported.", json: ExceptionImportResultSchema },
      "409": { description: "The document changes a revoked exception. Nothing was written." },
    },
  },
} as const satisfies Record<string, ExceptionRoute>;

export type ExceptionRouteName = keyof typeof EXCEPTION_ROUTES;
