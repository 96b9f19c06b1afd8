// The HTTP edge shared by the report routes: who may call (request-authorization.ts, told its door by the
// registration), then the path and query through the route's schemas, then the work; coded errors become statuses in
// one place (http-results.ts).
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { handled } from "../http/http-results";
import { authorize, type Access, type Caller, type Door } from "./request-authorization";
import { getReportSettings } from "./report-settings";
import { perDoor } from "./route-doors";
import { parsePath, parseQuery } from "./request-parsing";
import type { ReportRoute } from "./report-routes";
import type { AdminRoute } from "./admin-routes";

/** The parsed path parameters of a route (none when it has no path schema). */
export type PathOf<R> = R extends { path: infer P extends z.ZodObject } ? z.output<P> : Record<string, never>;

export interface EndpointInput<R extends ReportRoute> {
  query: z.output<R["query"]>;
  path: PathOf<R>;
  request: HttpRequest;
  context: InvocationContext;
  caller: Caller;
}

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** The work of a route once its caller passed the door's authorization. */
export type AuthorizedWork = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller,
) => Promise<HttpResponseInit>;

/**
 * A route's handler at each door: who may call (told the door by its registration), then the work; coded errors
 * become statuses (http-results.ts). Every kind of endpoint (report, exceptions, admin) is built on this.
 */
export function authorizedHandlers(access: Access, work: AuthorizedWork): Record<Door, HttpHandler> {
  return perDoor(
    (door) => (request, context) =>
      handled(context, async () => {
        const authorization = authorize(request, access, door, getReportSettings());
        if ("refused" in authorization) return authorization.refused;
        return work(request, context, authorization.caller);
      }),
  );
}

/** A report route's handler at each door: the path and query through the route's schemas, then the work. */
export function reportEndpoint<R extends ReportRoute>(
  route: R,
  work: (input: EndpointInput<R>) => Promise<HttpResponseInit>,
): Record<Door, HttpHandler> {
  return authorizedHandlers(route.access, (request, context, caller) => {
    const path = (route.path === undefined ? {} : parsePath(route.path, request.params)) as PathOf<R>;
    const query = parseQuery(route.query, request.query, {
      emptyMeansAbsent: route.emptyMeansAbsent === true,
    }) as z.output<R["query"]>;
    return work({ query, path, request, context, caller });
  });
}

/** An admin route's handler at each door: who may call, then the work (which reads its own body). */
export function adminEndpoint(
  route: AdminRoute,
  work: (input: { request: HttpRequest; context: InvocationContext; caller: Caller }) => Promise<HttpResponseInit>,
): Record<Door, HttpHandler> {
  return authorizedHandlers(route.access, (request, context, caller) => work({ request, context, caller }));
}
