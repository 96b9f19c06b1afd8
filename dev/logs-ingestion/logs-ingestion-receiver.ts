// A local stand-in for the Azure Monitor Logs Ingestion API, on 127.0.0.1 over HTTPS with a throwaway CA (the
// emulator's certificates), speaking the API's contract as learn.microsoft.com describes it:
//   POST {endpoint}/dataCollectionRules/{dcrImmutableId}/streams/{streamName}?api-version=2023-01-01
//   Authorization: Bearer <token for https://monitor.azure.com (or the sovereign cloud's audience)>
//   Content-Type: application/json, optionally Content-Encoding: gzip; the body a JSON array of records
//   204 on success; 401 without a token or with another audience; 404 for an unknown DCR; 400 for an unknown stream
//   or a body that is not a JSON array of objects; 413 over 1 MB (compressed or not); 429 with Retry-After when cued.
// It is stricter than the service in one way, on purpose: a record with a column the stream does not declare, or a
// value that does not fit the column's type, is a 400 naming it (the service drops or nulls it), so a row that drifts
// from the documented table fails a test instead of vanishing. Fields over 64 KB (which the service truncates) are
// accepted and listed in `oversizedFields`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { generateCertificates } from "../emulator/certificates";

export const API_VERSION = "2023-01-01";
/** "Maximum size of API call: 1 MB, both compressed and uncompressed data" (Azure Monitor service limits). */
export const MAX_CALL_BYTES = 1024 * 1024;
/** "Maximum size for field values: 64 KB. Fields longer than 64 KB are truncated." */
export const MAX_FIELD_BYTES = 64 * 1024;

export type StreamColumns = ReadonlyArray<{ name: string; type: string }>;

export interface ReceiverOptions {
  /** DCR immutable id -> stream name -> the stream's declared columns. */
  rules: Record<string, Record<string, StreamColumns>>;
  /** The audience tokens must name; default Azure public cloud's. */
  audience?: string;
}

/** A fault for the next call(s), used in order: an answer of that status (429 gets Retry-After), or a dropped socket. */
export type Cue = { status: number; retryAfter?: string } | "drop";

export interface ReceivedCall {
  dcrId: string;
  stream: string;
  status: number;
  gzip: boolean;
  /** Bytes on the wire, and of the JSON after gunzip. */
  wireBytes: number;
  jsonBytes: number;
  records: number;
  error?: string;
}

export interface LogsIngestionReceiver {
  url: string;
  caPem: string;
  caFile: string;
  calls: ReceivedCall[];
  /** Every record of every accepted call, in the order they were accepted. */
  records: Array<Record<string, unknown>>;
  oversizedFields: string[];
  cue(...cues: Cue[]): void;
  close(): Promise<void>;
}

export async function startLogsIngestionReceiver(options: ReceiverOptions): Promise<LogsIngestionReceiver> {
  const certificates = generateCertificates();
  const directory = mkdtempSync(join(tmpdir(), "mi-audit-logs-ingestion-"));
  const caFile = join(directory, "receiver-ca.pem");
  writeFileSync(caFile, certificates.caPem);
  const state = {
    calls: [] as ReceivedCall[],
    records: [] as Array<Record<string, unknown>>,
    oversized: [] as string[],
  };
  const cues: Cue[] = [];
  const audience = (options.audience ?? "https://monitor.azure.com").replace(/\/+$/, "");
  const server: Server = createServer({ key: certificates.keyPem, cert: certificates.certPem }, (request, response) => {
    void readBody(request).then(
      (body) => answer({ request, response, body, cue: cues.shift(), options, audience, state }),
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the receiver did not get a TCP port");
  return {
    url: `https://127.0.0.1:${address.port}`,
    caPem: certificates.caPem,
    caFile,
    calls: state.calls,
    records: state.records,
    oversizedFields: state.oversized,
    cue: (...more) => cues.push(...more),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  cue: Cue | undefined;
  options: ReceiverOptions;
  audience: string;
  state: { calls: ReceivedCall[]; records: Array<Record<string, unknown>>; oversized: string[] };
}

function answer(exchange: Exchange): void {
  const { request, response, body, state } = exchange;
  const url = new URL(request.url ?? "/", "https://127.0.0.1");
  const match = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
  const call: ReceivedCall = {
    dcrId: decodeURIComponent(match?.[1] ?? ""),
    stream: decodeURIComponent(match?.[2] ?? ""),
    status: 0,
    gzip: /gzip/i.test(request.headers["content-encoding"] ?? ""),
    wireBytes: body.length,
    jsonBytes: 0,
    records: 0,
  };
  state.calls.push(call);
  if (exchange.cue === "drop") {
    response.socket?.destroy();
    return;
  }
  const verdict = judge(exchange, match !== null, call);
  call.status = verdict.status;
  if (verdict.status !== 204) call.error = verdict.message;
  const headers: Record<string, string> = {};
  if (verdict.retryAfter !== undefined) headers["retry-after"] = verdict.retryAfter;
  if (verdict.status === 401)
    headers["www-authenticate"] = `Bearer authorization_uri="", resource="${exchange.audience}"`;
  if (verdict.status === 204) {
    response.writeHead(204, headers).end();
    return;
  }
  const error = { error: { code: verdict.code, message: verdict.message } };
  response.writeHead(verdict.status, { ...headers, "content-type": "application/json" }).end(JSON.stringify(error));
}

interface Verdict {
  status: number;
  code: string;
  message: string;
  retryAfter?: string;
}

/** The checks in the order the service makes them: route, token, size, DCR, stream, body. */
function judge(exchange: Exchange, routed: boolean, call: ReceivedCall): Verdict {
  const { request, body, options } = exchange;
  const url = new URL(request.url ?? "/", "https://127.0.0.1");
  if (request.method !== "POST" || !routed)
    return refuse(404, "NotFound", `no such operation: ${request.method} ${url.pathname}`);
  if (url.searchParams.get("api-version") !== API_VERSION)
    return refuse(
      400,
      "InvalidApiVersion",
      `api-version must be ${API_VERSION}, found ${url.searchParams.get("api-version")}`,
    );
  const denied = checkToken(request.headers.authorization, exchange.audience);
  if (denied !== undefined) return refuse(401, "InvalidToken", denied);
  if (typeof exchange.cue === "object")
    return {
      ...refuse(exchange.cue.status, "Injected", `injected ${exchange.cue.status}`),
      ...retryAfterOf(exchange.cue),
    };
  if (body.length > MAX_CALL_BYTES)
    return refuse(413, "ContentLengthLimitExceeded", `${body.length} bytes on the wire`);
  let json: Buffer;
  try {
    json = call.gzip ? gunzipSync(body, { maxOutputLength: MAX_CALL_BYTES + 1 }) : body;
  } catch (error) {
    const tooLarge = error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    if (tooLarge) return refuse(413, "ContentLengthLimitExceeded", `over ${MAX_CALL_BYTES} bytes once decompressed`);
    return refuse(400, "InvalidContentEncoding", `the gzip body could not be read: ${String(error)}`);
  }
  call.jsonBytes = json.length;
  if (json.length > MAX_CALL_BYTES) return refuse(413, "ContentLengthLimitExceeded", `${json.length} bytes of JSON`);
  const streams = Object.entries(options.rules).find(([id]) => id.toLowerCase() === call.dcrId.toLowerCase())?.[1];
  if (streams === undefined) return refuse(404, "DcrNotFound", `no data collection rule ${call.dcrId}`);
  const columns = streams[call.stream];
  if (columns === undefined) return refuse(400, "InvalidStream", `the rule declares no stream ${call.stream}`);
  const records = parseRecords(json, columns, exchange.state.oversized);
  if (typeof records === "string") return refuse(400, "InvalidPayload", records);
  call.records = records.length;
  exchange.state.records.push(...records);
  return { status: 204, code: "", message: "" };
}

function refuse(status: number, code: string, message: string): Verdict {
  return { status, code, message };
}

function retryAfterOf(cue: { status: number; retryAfter?: string }): { retryAfter?: string } {
  if (cue.retryAfter !== undefined) return { retryAfter: cue.retryAfter };
  return cue.status === 429 ? { retryAfter: "1" } : {};
}

/** A JWT's payload is read, not verified: what is checked is that the client asked for Monitor's audience. */
function checkToken(header: string | undefined, audience: string): string | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
  if (token === undefined) return "no bearer token";
  const payload = token.split(".")[1];
  let claims: { aud?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as typeof claims;
  } catch {
    return "the token is not a JWT";
  }
  const aud = typeof claims.aud === "string" ? claims.aud.replace(/\/+$/, "") : "";
  if (aud !== audience) return `the token's audience is ${JSON.stringify(claims.aud)}, not ${audience}`;
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) return "the token has expired";
  return undefined;
}

/** The records, or what is wrong with them (the first problem). */
function parseRecords(
  json: Buffer,
  columns: StreamColumns,
  oversized: string[],
): Array<Record<string, unknown>> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString("utf8"));
  } catch (error) {
    return `the body is not JSON: ${String(error)}`;
  }
  if (!Array.isArray(parsed)) return "the body must be a JSON array of records";
  const types = new Map(columns.map((column) => [column.name, column.type]));
  for (const [index, record] of parsed.entries()) {
    if (typeof record !== "object" || record === null || Array.isArray(record))
      return `record ${index} is not an object`;
    for (const [name, value] of Object.entries(record as Record<string, unknown>)) {
      const type = types.get(name);
      if (type === undefined) return `record ${index}: the stream declares no column ${name}`;
      if (!fitsType(value, type))
        return `record ${index}: ${name} is not a ${type}: ${JSON.stringify(value).slice(0, 80)}`;
      const size = Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value), "utf8");
      if (size > MAX_FIELD_BYTES) oversized.push(`record ${index}: ${name} has ${size} bytes`);
    }
  }
  return parsed as Array<Record<string, unknown>>;
}

function fitsType(value: unknown, type: string): boolean {
  if (value === null) return true;
  switch (type) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "int":
    case "long":
      return Number.isInteger(value);
    case "real":
      return typeof value === "number";
    case "datetime":
      return typeof value === "string" && !Number.isNaN(Date.parse(value));
    default:
      return true;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
