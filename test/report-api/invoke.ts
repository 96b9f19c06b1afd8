// Calls an HTTP handler as the Functions host does (HttpRequest in, HttpResponse out) and reads the whole answer.
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";

export type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed when the body is JSON. */
  json: any;
  /** How many chunks a streamed body came in (1 for a buffered one). */
  chunks: number;
  logs: string[];
}

export function principalHeader(roles: string[], roleClaimType = "roles", extra: Record<string, unknown> = {}): string {
  const claims = roles.map((val) => ({ typ: roleClaimType, val }));
  return Buffer.from(
    JSON.stringify({
      auth_typ: "aad",
      claims,
      name_typ: "name",
      role_typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
      ...extra,
    }),
    "utf8",
  ).toString("base64");
}

export async function invoke(
  handler: Handler,
  pathAndQuery: string,
  options: { params?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: "test",
    invocationId: `t-${Math.random()}`,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(" ")}`),
  });
  const request = new HttpRequest({
    method: "GET",
    url: `http://127.0.0.1:7071${pathAndQuery}`,
    params: options.params ?? {},
    headers: options.headers ?? {},
  });
  const init = await handler(request, context);
  const response = new HttpResponse(init);
  let chunks = 0;
  const parts: Uint8Array[] = [];
  if (response.body !== null) {
    const reader = response.body.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      chunks += 1;
      parts.push(next.value as Uint8Array);
    }
  }
  const text = Buffer.concat(parts).toString("utf8");
  const json = (response.headers.get("content-type") ?? "").startsWith("application/json")
    ? JSON.parse(text)
    : undefined;
  return { status: response.status, headers: response.headers, text, json, chunks, logs };
}
