// Turns what an HTTP handler returned into bytes on the socket, as the Functions host's HTTP stream proxy does: the
// value becomes an HttpResponse (so `jsonBody`, string, bytes, Blob, ReadableStream, Node Readable and async
// iterables all work the same way), hop-by-hop headers are dropped, cookies become Set-Cookie, and a streamed body
// is written chunk by chunk with backpressure instead of being buffered.
import type { ServerResponse } from "node:http";
import { HttpResponse, type Cookie, type HttpResponseInit } from "@azure/functions";
import { errorMessage } from "../errors";

export class HttpResultError extends Error {
  override name = "HttpResultError";
}

/** Hop-by-hop headers belong to one connection; the Functions host drops them from a handler's response too. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "trailers",
  "transfer-encoding",
  "upgrade",
]);

export interface PreparedResponse {
  response: HttpResponse | undefined;
  /** The whole body is already in memory (a string, bytes or jsonBody): send it with a Content-Length. */
  buffered: boolean;
}

/** Validates the handler's result; throws HttpResultError before anything was sent when it cannot be a response. */
export function prepareResponse(result: unknown): PreparedResponse {
  if (result === undefined || result === null) return { response: undefined, buffered: true };
  if (typeof result !== "object") {
    throw new HttpResultError(
      `The HTTP response must be an object with optional properties "body", "jsonBody", "status", "headers" and "cookies"; got ${typeof result}.`,
    );
  }
  if (result instanceof HttpResponse) return { response: result, buffered: false };
  const init = result as HttpResponseInit;
  let response: HttpResponse;
  try {
    response = new HttpResponse(init);
  } catch (error) {
    throw new HttpResultError(`The HTTP response is not valid: ${errorMessage(error)}`, { cause: error });
  }
  const body = init.body;
  const buffered =
    init.jsonBody !== undefined ||
    body === undefined ||
    body === null ||
    typeof body === "string" ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body);
  return { response, buffered };
}

export interface WriteOptions {
  invocationId: string;
  /** HEAD: headers only. */
  headOnly: boolean;
}

/**
 * Writes the response. A body stream that fails before its first chunk throws before the status line went out (the
 * caller can still answer 500); one that fails later destroys the connection, so the client sees a cut-off
 * response rather than a complete-looking one.
 */
export async function writeResponse(
  res: ServerResponse,
  prepared: PreparedResponse,
  options: WriteOptions,
): Promise<void> {
  const { response } = prepared;
  if (response === undefined) {
    // The handler returned nothing: no content.
    res.writeHead(204, { "x-ms-invocation-id": options.invocationId });
    res.end();
    return;
  }
  const headers = responseHeaders(response, options.invocationId);
  if (prepared.buffered || response.body === null) {
    const bytes = Buffer.from(await response.arrayBuffer());
    if (!headers.some(([name]) => name.toLowerCase() === "content-length"))
      headers.push(["content-length", String(bytes.length)]);
    res.writeHead(response.status, headers.flat());
    res.end(options.headOnly ? undefined : bytes);
    return;
  }

  const reader = response.body.getReader();
  const first = await reader.read();
  res.writeHead(response.status, headers.flat());
  if (options.headOnly || first.done) {
    if (!first.done) await reader.cancel();
    res.end();
    return;
  }
  try {
    let chunk: Awaited<ReturnType<typeof reader.read>> = first;
    while (!chunk.done) {
      if (!(await write(res, chunk.value as Uint8Array))) {
        // The client went away: stop producing.
        await reader.cancel();
        return;
      }
      chunk = await reader.read();
    }
    res.end();
  } catch (error) {
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/** Writes one chunk and waits for the socket to drain when it is full; false when the connection closed. */
async function write(res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
  return !res.destroyed;
}

function responseHeaders(response: HttpResponse, invocationId: string): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (const [name, value] of response.headers) {
    if (HOP_BY_HOP.has(name.toLowerCase()) || name.toLowerCase() === "set-cookie") continue;
    headers.push([name, value]);
  }
  for (const cookie of response.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  for (const cookie of response.cookies) headers.push(["set-cookie", serializeCookie(cookie)]);
  headers.push(["x-ms-invocation-id", invocationId]);
  return headers;
}

export function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`];
  if (cookie.domain !== undefined) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path !== undefined) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(cookie.maxAge)}`);
  if (cookie.secure === true) parts.push("Secure");
  if (cookie.httpOnly === true) parts.push("HttpOnly");
  if (cookie.sameSite !== undefined) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join("; ");
}
