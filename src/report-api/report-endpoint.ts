// The HTTP edge shared by the report routes: the role check (when REPORT_REQUIRED_ROLE is set), then the path and
// query through the route's schemas, then the work; coded errors become statuses in one place (http-results.ts).
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { errorResponse, handled } from "../http/http-results";
import { checkRole, CLIENT_PRINCIPAL_HEADER } from "./client-principal";
import { getReportSettings } from "./report-settings";
import { parsePath, parseQuery } from "./request-parsing";
import type { ReportRoute } from "./report-routes";

/** The parsed path parameters of a route (none when it has no path schema). */
export type PathOf<R> = R extends { path: infer P extends z.ZodObject } ? z.output<P> : Record<string, never>;

export interface EndpointInput<R extends ReportRoute> {
  query: z.output<R["query"]>;
  path: PathOf<R>;
  request: HttpRequest;
  context: InvocationContext;
}

export function reportEndpoint<R extends ReportRoute>(
  route: R,
  work: (input: EndpointInput<R>) => Promise<HttpResponseInit>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return (request, context) =>
    handled(context, async () => {
      if (route.requiresRole) {
        const role = getReportSettings().requiredRole;
        if (role !== undefined) {
          const check = checkRole(request.headers.get(CLIENT_PRINCIPAL_HEADER), role);
          if (!check.allowed) return errorResponse(403, "Forbidden", check.reason);
        }
      }
      const path = (route.path === undefined ? {} : parsePath(route.path, request.params)) as PathOf<R>;
      const query = parseQuery(route.query, request.query, {
        emptyMeansAbsent: route.emptyMeansAbsent === true,
      }) as z.output<R["query"]>;
      return work({ query, path, request, context });
    });
}

/** The registration options of a report route; the handler is the route's endpoint. */
export function httpOptions(
  route: ReportRoute,
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
) {
  return { methods: ["GET" as const], route: route.route, authLevel: route.authLevel, handler };
}
