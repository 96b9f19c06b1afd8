// A minimal node:http adapter that serves function handlers for the browser tests: route templates like
// `runs/{runId}` under /api, HttpRequest in, HttpResponse out, bodies streamed. No key checks (the local host's job).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest, HttpResponse, InvocationContext } from "@azure/functions";
import type { Handler } from "../report-api/invoke";

export interface ServedRoute {
  route: string;
  handler: Handler;
}

export interface HandlerServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

function matcher(route: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = route.split("/").map((segment) => {
    const param = /^\{(\w+)\}$/.exec(segment);
    if (param === null) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    names.push(param[1]!);
    return "([^/]+)";
  });
  const regex = new RegExp(`^/api/${pattern.join("/")}$`, "i");
  return (path) => {
    const match = regex.exec(path);
    if (match === null) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
  };
}

export async function serveHandlers(routes: ServedRoute[]): Promise<HandlerServer> {
  const table = routes.map((r) => ({ match: matcher(r.route), handler: r.handler }));
  const requests: string[] = [];
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    requests.push(url.pathname + url.search);
    for (const { match, handler } of table) {
      const params = match(url.pathname);
      if (params === undefined) continue;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
      const request = new HttpRequest({ method: req.method ?? "GET", url: url.toString(), headers, params });
      const context = new InvocationContext({ functionName: "browser-test", invocationId: `b-${Math.random()}` });
      const response = new HttpResponse(await handler(request, context));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body !== null) for await (const chunk of response.body) res.write(chunk);
      res.end();
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
