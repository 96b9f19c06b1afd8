// Serves the HTTP functions on 127.0.0.1 under the route prefix (`/api`): finds the route (404, 405), checks the
// key for the auth level (401), drops or passes the client principal headers (authMode), builds a real HttpRequest (method, url, headers, query, route params, body bytes),
// invokes the handler and writes back what it returned. A handler that throws gets a 500 with a JSON error that
// names the invocation; the stack goes to the log only.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest } from "@azure/functions";
import { errorText } from "../errors";
import { isAuthorized, presentedKey, type HostKeys } from "./function-keys";
import { stamp, type HostLog } from "./host-log";
import { prepareResponse, writeResponse, type PreparedResponse } from "./http-response-writer";
import { findRoute, type HttpRoute } from "./http-routes";
import type { Invoker } from "./invocations";

/** The Functions host's request size limit. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;
const HOST = "127.0.0.1";

export interface HttpTriggerServerOptions {
  routes: HttpRoute[];
  routePrefix: string;
  keys: HostKeys;
  invoker: Invoker;
  log: HostLog;
  /** 0 picks a free port. */
  port: number;
  maxRequestBodyBytes?: number;
  /**
   * `keys` (default): the x-ms-client-principal* headers a client sends are dropped, as App Service Authentication drops
   * them, so nobody can pose as a signed-in caller. `principal`: they pass through, as if the platform had set them.
   */
  authMode?: HostAuthMode;
}

export type HostAuthMode = "keys" | "principal";

/** Easy Auth's headers about the caller (x-ms-client-principal, -name, -id, -idp). */
const PRINCIPAL_HEADER = /^x-ms-client-principal/i;

export interface HttpTriggerServer {
  port: number;
  /** `http://127.0.0.1:PORT`, without the route prefix. */
  url: string;
  /** Stops accepting connections; requests still arriving on open connections get 503. */
  stopAccepting(): void;
  /** Closes every remaining connection; resolves when the server is closed. */
  close(): Promise<void>;
}

export class HttpTriggerServerError extends Error {
  override name = "HttpTriggerServerError";
}

/** What a request needs from the server while it is handled. */
interface RequestContext {
  routes: readonly HttpRoute[];
  keys: HostKeys;
  invoker: Invoker;
  log: HostLog;
  prefix: string[];
  maxBodyBytes: number;
  authMode: HostAuthMode;
}

/** A request that found its route, passed the key check and was read whole. */
interface RoutedRequest {
  route: HttpRoute;
  params: Record<string, string>;
  method: string;
  url: URL;
  body: Buffer;
}

/** Finds the route, checks the key and reads the body; answers 400, 404, 405, 401 or 413 itself (then undefined). */
async function routeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  ctx: RequestContext,
): Promise<RoutedRequest | undefined> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = requestUrl(req, port);
  const path = routePath(url.pathname, ctx.prefix);
  if (path === "malformed") {
    sendError(res, 400, "BadRequest", "The request path is not valid percent-encoding.");
    return undefined;
  }
  const lookup = path === undefined ? ({ kind: "notFound" } as const) : findRoute(ctx.routes, path, method);
  if (lookup.kind === "notFound") {
    sendError(res, 404, "NotFound", `No function serves ${url.pathname}.`);
    return undefined;
  }
  if (lookup.kind === "methodNotAllowed") {
    sendError(res, 405, "MethodNotAllowed", `${method} is not allowed here; use ${lookup.allow.join(", ")}.`, {
      allow: lookup.allow.join(", "),
    });
    return undefined;
  }
  const { route, params } = lookup;
  if (!isAuthorized(route.authLevel, presentedKey(req.headers["x-functions-key"], url.searchParams), ctx.keys)) {
    const needed = route.authLevel === "admin" ? "the admin key" : "a function key";
    sendError(
      res,
      401,
      "Unauthorized",
      `This function needs ${needed}: send it in the x-functions-key header or as ?code=.`,
    );
    return undefined;
  }
  const body = await readBody(req, ctx.maxBodyBytes);
  if (body === "tooLarge") {
    sendError(res, 413, "PayloadTooLarge", `The request body is larger than ${ctx.maxBodyBytes} bytes.`, {
      connection: "close",
    });
    return undefined;
  }
  return { route, params, method, url, body };
}

/** Invokes the route's handler with a real HttpRequest and writes back what it returned (500 when it failed). */
async function invokeRoute(
  routed: RoutedRequest,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
): Promise<void> {
  const { route, params, method, url, body } = routed;
  const request = new HttpRequest({
    method,
    url: url.href,
    headers: flattenHeaders(req.headers, ctx.authMode),
    params,
    body: body.length > 0 ? { bytes: body } : undefined,
  });
  const functionName = route.functionName;
  const outcome = await ctx.invoker.invoke(
    {
      functionName,
      trigger: {
        type: "httpTrigger",
        name: "httpTrigger",
        authLevel: route.authLevel,
        methods: route.methods,
        route: route.template.template,
      },
      reason: "This function was programmatically called via the host APIs.",
      extraInputs: route.options.extraInputs,
      extraOutputs: route.options.extraOutputs,
      return: route.options.return,
    },
    (context) => route.options.handler(request, context),
  );
  const invocationHeader = { "x-ms-invocation-id": outcome.invocationId };
  const failed = (): void =>
    sendError(
      res,
      500,
      "InternalError",
      `The function '${functionName}' failed; see the host log for invocation ${outcome.invocationId}.`,
      invocationHeader,
    );
  if (!outcome.ok) {
    failed();
    return;
  }
  let prepared: PreparedResponse;
  try {
    prepared = prepareResponse(outcome.value);
  } catch (error) {
    ctx.log.error(stamp(`[${functionName}] ${errorText(error)}`));
    failed();
    return;
  }
  try {
    await writeResponse(res, prepared, { invocationId: outcome.invocationId, headOnly: method === "HEAD" });
  } catch (error) {
    ctx.log.error(stamp(`[${functionName}] the response body failed: ${errorStack(error)}`));
    if (!res.headersSent) failed();
  }
}

/** The stack of an Error (the host log is for the developer), or the text of anything else. */
function errorStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export async function startHttpTriggerServer(options: HttpTriggerServerOptions): Promise<HttpTriggerServer> {
  const { invoker, log } = options;
  const ctx: RequestContext = {
    routes: options.routes,
    keys: options.keys,
    invoker,
    log,
    prefix: options.routePrefix === "" ? [] : options.routePrefix.split("/"),
    maxBodyBytes: options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES,
    authMode: options.authMode ?? "keys",
  };
  let stopping = false;

  const handle = async (req: IncomingMessage, res: ServerResponse, port: number): Promise<void> => {
    if (stopping) {
      sendError(res, 503, "HostStopping", "The host is stopping.", { connection: "close" });
      return;
    }
    const routed = await routeRequest(req, res, port, ctx);
    if (routed !== undefined) await invokeRoute(routed, req, res, ctx);
  };

  const server = createServer((req, res) => {
    const port = (server.address() as AddressInfo | null)?.port ?? options.port;
    void invoker.track(
      handle(req, res, port).catch((error: unknown) => {
        log.error(stamp(`HTTP ${req.method ?? ""} ${req.url ?? ""} failed in the host: ${errorStack(error)}`));
        if (!res.headersSent)
          sendError(res, 500, "InternalError", "The host failed to handle the request; see the host log.");
        else res.destroy();
      }),
    );
  });
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new HttpTriggerServerError(
              `Port ${options.port} on ${HOST} is in use: stop what uses it or set PORT (PORT=0 picks a free port).`,
            )
          : error,
      );
    });
    server.listen(options.port, HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${HOST}:${port}`,
    stopAccepting: () => {
      if (stopping) return;
      stopping = true;
      server.close();
      server.closeIdleConnections();
    },
    close: async () => {
      stopping = true;
      if (server.listening) server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function requestUrl(req: IncomingMessage, port: number): URL {
  const fallback = `http://${HOST}:${port}`;
  try {
    return new URL(req.url ?? "/", req.headers.host !== undefined ? `http://${req.headers.host}` : fallback);
  } catch (error) {
    // A Host header that is not a valid authority: the request still names a path on this server.
    if (error instanceof TypeError) return new URL(req.url ?? "/", fallback);
    throw error;
  }
}

/**
 * The decoded path segments after the route prefix; undefined when outside the prefix. The whole path is decoded
 * before it is split, as the Functions host in Azure does: an encoded slash (%2F) in a route parameter separates
 * segments there too (a `{*rest}` catch-all takes values with slashes).
 */
function routePath(pathname: string, prefix: string[]): string[] | undefined | "malformed" {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch (error) {
    if (error instanceof URIError) return "malformed";
    throw error;
  }
  const segments = decoded.split("/").slice(1);
  if (segments.length > 0 && segments[segments.length - 1] === "") segments.pop();
  for (const [index, expected] of prefix.entries()) {
    if (segments[index]?.toLowerCase() !== expected.toLowerCase()) return undefined;
  }
  return segments.slice(prefix.length);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | "tooLarge"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return "tooLarge";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) return "tooLarge";
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function flattenHeaders(headers: IncomingHttpHeaders, authMode: HostAuthMode): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || (authMode === "keys" && PRINCIPAL_HEADER.test(name))) continue;
    flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}
