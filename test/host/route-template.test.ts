// Route templates as the Functions host reads them: which paths match, with which parameters, which route wins
// when several match, and which templates are refused.
import { describe, expect, it } from "vitest";
import { buildHttpRoutes, findRoute } from "../../src/host/http-routes";
import { matchRoute, parseRouteTemplate } from "../../src/host/route-template";

const segments = (path: string): string[] => (path === "" ? [] : path.split("/"));

describe("matchRoute", () => {
  it.each([
    ["runs", "runs", {}],
    ["runs", "RUNS", {}],
    ["runs", "runs/x", undefined],
    ["runs", "", undefined],
    ["runs/{runId}", "runs/r1", { runId: "r1" }],
    ["runs/{runId}", "runs", undefined],
    ["runs/{runId}", "runs/r1/x", undefined],
    ["resources/{id}/history", "resources/vm1/history", { id: "vm1" }],
    ["resources/{id}/history", "resources/vm1/historyx", undefined],
    ["resources/{id}/history", "resources//history", undefined],
    ["findings/{runId?}", "findings", {}],
    ["findings/{runId?}", "findings/r2", { runId: "r2" }],
    ["a/{x?}/{y?}", "a/1", { x: "1" }],
    ["a/{x?}/{y?}", "a/1/2", { x: "1", y: "2" }],
    ["page/{n=1}", "page", { n: "1" }],
    ["page/{n=1}", "page/3", { n: "3" }],
    ["files/{*path}", "files/a/b/c.txt", { path: "a/b/c.txt" }],
    ["files/{*path}", "files", {}],
    ["items/{id:int}", "items/42", { id: "42" }],
    ["items/{id:int}", "items/-3", { id: "-3" }],
    ["items/{id:int}", "items/4x", undefined],
    ["items/{id:guid}", "items/2b0d6a7e-3f55-4a57-9f2c-5b1a4d2c9e10", { id: "2b0d6a7e-3f55-4a57-9f2c-5b1a4d2c9e10" }],
    ["items/{id:guid}", "items/nope", undefined],
    ["items/{name:alpha:maxlength(3)}", "items/abc", { name: "abc" }],
    ["items/{name:alpha:maxlength(3)}", "items/abcd", undefined],
    ["items/{name:alpha:maxlength(3)}", "items/ab1", undefined],
    ["items/{n:range(1,5)}", "items/5", { n: "5" }],
    ["items/{n:range(1,5)}", "items/6", undefined],
    ["items/{code:regex(^r-\\d+$)}", "items/r-12", { code: "r-12" }],
    ["items/{code:regex(^r-\\d+$)}", "items/r-x", undefined],
    ["", "", {}],
  ])("%s against %j", (template, path, expected) => {
    expect(matchRoute(parseRouteTemplate(template), segments(path))).toEqual(expected);
  });
});

describe("parseRouteTemplate refuses", () => {
  it.each([
    ["runs//x", /empty segment/],
    ["runs/{id}.json", /mixes text and parameters/],
    ["files/{*path}/x", /catch-all \{\*path\} must be the last segment/],
    ["a/{x?}/b", /only optional segments may follow an optional parameter/],
    ["a/{x}/{X}", /parameter \{X\} appears twice/],
    ["a/{1x}", /no valid parameter name/],
    ["a/{x:weird}", /unknown route constraint "weird"/],
    ["a/{x?=1}", /cannot be both optional and have a default/],
    ["a/{code:regex(^[a-z]{2}$)}", /braces inside a parameter/],
  ])("%s", (template, message) => {
    expect(() => parseRouteTemplate(template)).toThrow(message);
  });
});

describe("route table", () => {
  const handler = (): { status: number } => ({ status: 200 });
  const routes = buildHttpRoutes([
    { name: "catchAll", options: { route: "runs/{*rest}", methods: ["GET"], handler } },
    { name: "byId", options: { route: "runs/{runId}", methods: ["GET", "DELETE"], handler } },
    { name: "byNumber", options: { route: "runs/{runId:int}", methods: ["GET"], handler } },
    { name: "latest", options: { route: "runs/latest", methods: ["GET"], handler } },
    { name: "list", options: { route: "runs", handler } },
  ]);
  const winner = (path: string, method = "GET"): string => {
    const found = findRoute(routes, segments(path), method);
    return found.kind === "found" ? found.route.functionName : found.kind;
  };

  it("lets the most specific route win: literal, then constrained, then plain parameter, then catch-all", () => {
    expect(winner("runs/latest")).toBe("latest");
    expect(winner("runs/7")).toBe("byNumber");
    expect(winner("runs/r-7")).toBe("byId");
    expect(winner("runs/r-7/findings")).toBe("catchAll");
    expect(winner("runs")).toBe("list");
  });

  it("falls through to a less specific route that allows the method", () => {
    expect(winner("runs/7", "DELETE")).toBe("byId");
  });

  it("tells 405 (with the allowed methods) from 404", () => {
    expect(findRoute(routes, segments("runs/latest"), "PUT")).toEqual({
      kind: "methodNotAllowed",
      allow: ["GET", "DELETE"],
    });
    expect(findRoute(routes, segments("nothing/here"), "GET")).toEqual({ kind: "notFound" });
  });

  it("defaults to the function name as route and to GET and POST", () => {
    const [route] = buildHttpRoutes([{ name: "health", options: { handler } }]);
    expect(route).toMatchObject({ methods: ["GET", "POST"], authLevel: "anonymous" });
    expect(route?.template.template).toBe("health");
  });

  it("refuses routes under /admin, which Azure reserves", () => {
    expect(() => buildHttpRoutes([{ name: "purge", options: { route: "admin/purge", handler } }])).toThrow(
      /Function 'purge': route "admin\/purge" starts with 'admin'/,
    );
  });

  it("names the function whose template is wrong", () => {
    expect(() => buildHttpRoutes([{ name: "broken", options: { route: "a/{x", handler } }])).toThrow(
      /Function 'broken': route "a\/\{x"/,
    );
  });
});
