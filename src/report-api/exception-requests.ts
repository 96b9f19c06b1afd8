// What each exceptions route does with its checked request: read or write the exception store, and answer with the
// exception's view (its stored state, its standing now, the days it has left). Every body is checked whole before the
// store is touched (readExceptionInput for one exception, readExceptionsDocument for an import), so a refused request
// changes nothing; the store's own refusals (CONFLICT, PRECONDITION_FAILED, NOT_FOUND) become statuses at the edge.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { z } from "zod";
import type { ExceptionStore, StoredException } from "../audit/exception-store";
import { exceptionPolicyOf, type AuditSettings, type ExceptionPolicy } from "../config/audit-settings";
import { apiUrl } from "../config/public-base-url";
import { readExceptionsDocument } from "../config/exceptions-document";
import { AuditorError } from "../errors";
import { readExceptionInput } from "../engine/exception-input";
import { daysUntilExpiry, exceptionStanding, type AuditException } from "../engine/exceptions";
import { jsonResponse } from "../http/http-results";
import {
  ExceptionProblemsError,
  parseJsonText,
  readBodyText,
  readJsonBody,
  type ExceptionEndpointInput,
} from "./exception-endpoint";
import type { EXCEPTION_ROUTES } from "./exception-routes";
import { callerName } from "./request-authorization";
import { getReportSettings } from "./report-settings";
import type { ExceptionViewSchema, ExceptionViewStanding } from "./exception-schemas";
import { revokeBody } from "./exception-schemas";

/** The store the routes use, the policy that bounds expiry and says when an exception is expiring, and the clock. */
export interface ExceptionApi {
  store: ExceptionStore;
  policy: Pick<ExceptionPolicy, "maxDays" | "warnDays">;
  now?: () => Date;
  /** The base of a 201's Location (REPORT_BASE_URL, else the app's host name); undefined: a relative Location. */
  publicBaseUrl?: string;
}

/** The API over the app's services (the composition root's `exceptions` store and audit settings). */
export function exceptionApiOf(services: {
  exceptions: ExceptionStore;
  settings: { audit: AuditSettings };
}): ExceptionApi {
  const base = getReportSettings().publicBaseUrl;
  return {
    store: services.exceptions,
    policy: exceptionPolicyOf(services.settings.audit),
    ...(base !== undefined ? { publicBaseUrl: base } : {}),
  };
}

type Routes = typeof EXCEPTION_ROUTES;
type Input<K extends keyof Routes> = ExceptionEndpointInput<Routes[K]>;
export type ExceptionView = z.output<typeof ExceptionViewSchema>;

/** Revoked, else what its expiry makes of it at `at`. */
export function viewStanding(exception: StoredException, at: Date, warnDays: number): ExceptionViewStanding {
  return exception.revokedAt !== undefined ? "revoked" : exceptionStanding(exception, at, warnDays);
}

export function exceptionView(exception: StoredException, at: Date, warnDays: number): ExceptionView {
  const { etag: _etag, ...state } = exception;
  return {
    ...state,
    ruleIds: [...state.ruleIds],
    ...(state.tags !== undefined ? { tags: { ...state.tags } } : {}),
    standing: viewStanding(exception, at, warnDays),
    daysLeft: daysUntilExpiry(exception, at) ?? null,
  };
}

export async function listExceptionsResponse(
  api: ExceptionApi,
  { query }: Input<"listExceptions">,
): Promise<HttpResponseInit> {
  const at = clock(api);
  const standing = query.standing;
  const stored = await api.store.listExceptions({ includeRevoked: standing === "revoked" || standing === "all" });
  const items = stored
    .map((exception) => exceptionView(exception, at, api.policy.warnDays))
    .filter((view) => standing === undefined || standing === "all" || view.standing === standing);
  return jsonResponse({ items });
}

export async function getExceptionResponse(
  api: ExceptionApi,
  { path }: Input<"getException">,
): Promise<HttpResponseInit> {
  const found = await api.store.getException(path.id);
  if (found === undefined) throw notFound(path.id);
  const view = exceptionView(found.exception, clock(api), api.policy.warnDays);
  return jsonResponse({ ...view, history: found.history }, 200, { etag: found.exception.etag });
}

export async function createExceptionResponse(
  api: ExceptionApi,
  { request, caller }: Input<"createException">,
): Promise<HttpResponseInit> {
  const exception = checkedException(api, await requiredJsonBody(request));
  const stored = await api.store.createException(exception, { by: callerName(caller), via: "api" });
  // From the configured base URL: the request's Host header is the caller's to choose.
  const location = apiUrl(api.publicBaseUrl, `exceptions/${encodeURIComponent(stored.id)}`);
  return jsonResponse(exceptionView(stored, clock(api), api.policy.warnDays), 201, {
    location,
    etag: stored.etag,
  });
}

export async function changeExceptionResponse(
  api: ExceptionApi,
  { path, request, caller }: Input<"changeException">,
): Promise<HttpResponseInit> {
  const body = await requiredJsonBody(request);
  // The path names the exception; a body id, when given, must agree (ids compare case-insensitively).
  if (isObject(body) && body.id !== undefined && (typeof body.id !== "string" || !sameId(body.id, path.id)))
    throw problems([{ field: "id", message: `must be ${path.id} (the id in the path) or be left out` }]);
  const exception = checkedException(api, isObject(body) ? { ...body, id: path.id } : body);
  // The id keeps the case it was created with, whatever case the path uses.
  const current = await api.store.getException(path.id);
  if (current === undefined) throw notFound(path.id);
  const ifMatch = request.headers.get("if-match")?.trim();
  const stored = await api.store.changeException(
    path.id,
    { ...exception, id: current.exception.id },
    { by: callerName(caller), via: "api" },
    // `*` asks only that the exception exists, which changing it requires anyway.
    ifMatch === undefined || ifMatch === "" || ifMatch === "*" ? {} : { ifMatch },
  );
  return jsonResponse(exceptionView(stored, clock(api), api.policy.warnDays), 200, { etag: stored.etag });
}

export async function revokeExceptionResponse(
  api: ExceptionApi,
  { path, query, request, caller }: Input<"revokeException">,
): Promise<HttpResponseInit> {
  const body = await readJsonBody(request);
  let reason = query.reason;
  if (body !== undefined) {
    const parsed = revokeBody.safeParse(body);
    if (!parsed.success)
      throw problems(
        parsed.error.issues.map((issue) => ({
          field:
            issue.code === "unrecognized_keys" ? issue.keys.join(", ") : issue.path.map(String).join(".") || "body",
          message:
            issue.code === "unrecognized_keys" ? "is not a field of a revocation (expected reason)" : issue.message,
        })),
      );
    if (parsed.data.reason !== undefined && reason !== undefined)
      throw problems([{ field: "reason", message: "is given both as ?reason= and in the body; give it once" }]);
    reason ??= parsed.data.reason;
  }
  const stored = await api.store.revokeException(path.id, { by: callerName(caller), via: "api" }, reason);
  return jsonResponse(exceptionView(stored, clock(api), api.policy.warnDays), 200, { etag: stored.etag });
}

export async function importExceptionsResponse(
  api: ExceptionApi,
  { request, caller }: Input<"importExceptions">,
): Promise<HttpResponseInit> {
  const body = await readBodyText(request, { yaml: true });
  if (body === undefined)
    throw problems([{ field: "body", message: "is empty; expected an exceptions document (YAML or JSON)" }]);
  // A JSON media type promises JSON: YAML that happens to parse is refused rather than guessed at.
  if (body.kind === "json") parseJsonText(body.text);
  const document = readExceptionsDocument(body.text, {
    name: "body",
    source: "store",
    now: clock(api),
    maxDays: api.policy.maxDays,
    allowExpired: false,
  });
  const result = await api.store.importExceptions(document.exceptions, { by: callerName(caller), via: "import" });
  return jsonResponse(result);
}

/** One exception's fields, checked as the CLI's files are, except that an expired date is refused. */
function checkedException(api: ExceptionApi, body: unknown): AuditException {
  const result = readExceptionInput(body, {
    source: "store",
    now: clock(api),
    maxDays: api.policy.maxDays,
    allowExpired: false,
  });
  // The API has no entries: what the file form calls the entry is the request body.
  if (!result.ok) throw problems(result.problems.map((p) => (p.field === "entry" ? { ...p, field: "body" } : p)));
  return result.exception;
}

async function requiredJsonBody(request: HttpRequest): Promise<unknown> {
  const body = await readJsonBody(request);
  if (body === undefined) throw problems([{ field: "body", message: "is required: one exception as a JSON object" }]);
  return body;
}

function problems(list: ReadonlyArray<{ field: string; message: string }>): ExceptionProblemsError {
  return new ExceptionProblemsError(list.map((p) => `${p.field}: ${p.message}`).join("; "), list);
}

function notFound(id: string): AuditorError {
  return new AuditorError("NOT_FOUND", `No exception has the id ${id}.`);
}

function clock(api: ExceptionApi): Date {
  return api.now?.() ?? new Date();
}

function sameId(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
