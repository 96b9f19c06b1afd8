// The route table of the HTTP functions: each registration's route template (the function name when it has none),
// methods (GET and POST when it lists none) and auth level (anonymous when unset), ordered most specific first.
// Finding a route tells apart "no such route" (404) from "route exists, not for this method" (405).
import type { HttpFunctionOptions } from "@azure/functions";
import type { AuthLevel } from "./function-keys";
import {
  compareRoutePrecedence,
  matchRoute,
  parseRouteTemplate,
  RouteTemplateError,
  type RouteTemplate,
} from "./route-template";

export interface HttpRoute {
  functionName: string;
  options: HttpFunctionOptions;
  template: RouteTemplate;
  /** Upper-case method names. */
  methods: string[];
  authLevel: AuthLevel;
}

export type RouteLookup =
  | { kind: "found"; route: HttpRoute; params: Record<string, string> }
  | { kind: "notFound" }
  | { kind: "methodNotAllowed"; allow: string[] };

const DEFAULT_METHODS = ["GET", "POST"];

export function buildHttpRoutes(functions: ReadonlyArray<{ name: string; options: HttpFunctionOptions }>): HttpRoute[] {
  const routes = functions.map(({ name, options }): HttpRoute => {
    let template: RouteTemplate;
    try {
      template = parseRouteTemplate(options.route ?? name);
    } catch (error) {
      if (error instanceof RouteTemplateError) throw new RouteTemplateError(`Function '${name}': ${error.message}`);
      throw error;
    }
    // Azure reserves /admin for the host's own API and refuses such routes at start-up.
    const first = template.segments[0];
    if (first?.kind === "literal" && first.text.toLowerCase() === "admin") {
      throw new RouteTemplateError(
        `Function '${name}': route ${JSON.stringify(template.template)} starts with 'admin', which the Functions host reserves for its own API.`,
      );
    }
    const methods = (options.methods ?? DEFAULT_METHODS).map((method) => method.toUpperCase());
    return {
      functionName: name,
      options,
      template,
      methods: methods.length > 0 ? methods : DEFAULT_METHODS,
      authLevel: options.authLevel ?? "anonymous",
    };
  });
  // Array.prototype.sort is stable: routes of equal precedence keep their registration order.
  return routes.sort((a, b) => compareRoutePrecedence(a.template, b.template));
}

export function findRoute(routes: readonly HttpRoute[], path: string[], method: string): RouteLookup {
  const allow = new Set<string>();
  for (const route of routes) {
    const params = matchRoute(route.template, path);
    if (params === undefined) continue;
    if (route.methods.includes(method.toUpperCase())) return { kind: "found", route, params };
    route.methods.forEach((allowed) => allow.add(allowed));
  }
  return allow.size > 0 ? { kind: "methodNotAllowed", allow: [...allow] } : { kind: "notFound" };
}
