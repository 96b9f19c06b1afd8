// Who may call what: the one authorization edge of every HTTP route (report, exceptions, admin). Each route declares
// its access (public, reader, admin) and is registered at two doors with the same handler (see route-doors.ts):
// - the key door, /api/<route>: the Functions host has already checked a function key. A key alone may read; it may
//   use admin routes only while REPORT_ADMIN_ROLE is unset. A trusted principal that comes with the key is held to the
//   role that is configured for the route.
// - the signed-in door, /api/web/<route>: anonymous at the host, so the app requires a trusted principal (a person
//   signed in through App Service Authentication, or a machine whose Entra token it validated). Readers need
//   REPORT_REQUIRED_ROLE when it is set (any signed-in principal otherwise); admin routes need REPORT_ADMIN_ROLE and
//   are closed while it is unset. A browser without a session is sent to sign in; anyone else gets 401.
// The door is known from the registration, never from the URL, which the caller writes. x-ms-client-principal* is
// trusted only where the platform sets it (ReportSettings.authEnabled); elsewhere it is ignored.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { errorResponse } from "../http/http-results";
import {
  CLIENT_PRINCIPAL_HEADER,
  CLIENT_PRINCIPAL_NAME_HEADER,
  decodeClientPrincipal,
  principalName,
} from "./client-principal";
import { ADMIN_ROLE_SETTING, REQUIRED_ROLE_SETTING, type ReportSettings } from "./report-settings";

export type Access = "public" | "reader" | "admin";
export type Door = "key" | "signedIn";

/** Who the request is from, once authorized. */
export type Caller =
  | { kind: "anonymous" }
  /** A function key (the host checked it) and no trusted principal. */
  | { kind: "key" }
  /** A trusted principal; `name` is its display name when the platform sent one (checked on admin routes). */
  | { kind: "principal"; name: string | undefined };

export type Authorization = { caller: Caller } | { refused: HttpResponseInit };

/** Where App Service Authentication signs a person in with Microsoft Entra ID. */
export const SIGN_IN_PATH = "/.auth/login/aad";

export function authorize(
  request: HttpRequest,
  access: Access,
  door: Door,
  settings: Pick<ReportSettings, "requiredRole" | "adminRole" | "authEnabled">,
): Authorization {
  if (access === "public") return { caller: { kind: "anonymous" } };
  const header = settings.authEnabled === true ? request.headers.get(CLIENT_PRINCIPAL_HEADER)?.trim() : undefined;
  if (header === undefined || header === "") return withoutPrincipal(request, access, door, settings);
  const principal = decodeClientPrincipal(header);
  if ("problem" in principal) return refused(401, "Unauthorized", principal.problem);
  const role = access === "admin" ? settings.adminRole : settings.requiredRole;
  const setting = access === "admin" ? ADMIN_ROLE_SETTING : REQUIRED_ROLE_SETTING;
  if (role === undefined && access === "admin" && door === "signedIn")
    return refused(
      403,
      "Forbidden",
      `Admin routes are closed to signed-in callers while ${ADMIN_ROLE_SETTING} is unset: set it to the app role that may use them (or call /api/... with a function key).`,
    );
  if (role !== undefined && !principal.roles.has(role))
    return refused(
      403,
      "Forbidden",
      `This route needs the app role '${role}' (${setting}), which the signed-in principal does not hold.`,
    );
  // Admin routes record who called (a run's requestedBy, an exception's history): the name is checked before any work.
  const name = principalName(access === "admin" ? request.headers.get(CLIENT_PRINCIPAL_NAME_HEADER) : null);
  if ("problem" in name) return refused(400, "BadRequest", name.problem);
  return { caller: { kind: "principal", name: name.name } };
}

/** A key-door caller with no trusted principal, or a signed-in-door caller who is not signed in. */
function withoutPrincipal(
  request: HttpRequest,
  access: Exclude<Access, "public">,
  door: Door,
  settings: Pick<ReportSettings, "adminRole" | "authEnabled">,
): Authorization {
  if (door === "key") {
    if (access === "admin" && settings.adminRole !== undefined)
      return refused(
        403,
        "Forbidden",
        `${ADMIN_ROLE_SETTING} is set: admin routes need a signed-in principal holding '${settings.adminRole}' (App Service Authentication, or an Entra token); a function key alone is not enough.`,
      );
    return { caller: { kind: "key" } };
  }
  if (settings.authEnabled !== true)
    return refused(
      401,
      "Unauthorized",
      "This route (/api/web/...) is for signed-in callers, and App Service Authentication is off here (WEBSITE_AUTH_ENABLED is not True): call /api/... with a function key instead.",
    );
  if (wantsPage(request)) return { refused: signInRedirect(request) };
  return refused(
    401,
    "Unauthorized",
    `This route needs a signed-in caller and the request carries none (${CLIENT_PRINCIPAL_HEADER}): sign in, send an Entra access token for this app (Authorization: Bearer), or call /api/... with a function key.`,
  );
}

/** A browser navigating: a GET (or HEAD) that accepts HTML. */
function wantsPage(request: HttpRequest): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  return (request.headers.get("accept") ?? "")
    .split(",")
    .some((part) => part.split(";")[0]!.trim().toLowerCase() === "text/html");
}

/**
 * 302 to sign-in, back to the page asked for afterwards. The return address is a path of this app only: the request's
 * path and query, with leading slashes folded to one, so `//other.example/...` cannot turn it into another site.
 */
export function signInRedirect(request: HttpRequest): HttpResponseInit {
  const url = new URL(request.url);
  const back = `/${`${url.pathname}${url.search}`.replace(/^[/\\]+/, "")}`;
  return {
    status: 302,
    headers: {
      location: `${SIGN_IN_PATH}?post_login_redirect_uri=${encodeURIComponent(back)}`,
      "cache-control": "no-store",
    },
  };
}

/** A 401 carries the challenge RFC 9110 requires: an Entra access token for this app (Easy Auth validates it). */
const CHALLENGE = 'Bearer realm="mi-exposure-auditor"';

function refused(status: number, code: string, message: string): Authorization {
  const response = errorResponse(status, code, message);
  if (status === 401)
    response.headers = { ...(response.headers as Record<string, string>), "www-authenticate": CHALLENGE };
  return { refused: response };
}

/** The name a caller is recorded under: its principal's name, or how it came in. */
export function callerName(caller: Caller): string {
  if (caller.kind === "principal") return caller.name ?? "signed-in caller";
  return caller.kind === "key" ? "function key" : "anonymous";
}
