// An HTTPS stand-in for Azure Resource Graph and the ARM reads of the enrichment, on 127.0.0.1 only. It makes its
// own CA and server certificate at start and writes the CA to a temp file, so the real SDK clients can be pointed
// at it with `endpoint` + `tlsOptions.ca`. Every request needs a bearer token; the token is the quota's user.

import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerArm, armError } from "./arm-endpoints";
import { answerResourcesList, DEFAULT_ARM_PAGE_SIZE, isResourcesListPath } from "./resources-list-endpoint";
import { generateCertificates } from "./certificates";
import { type Estate, loadEstateFile, parseEstate } from "./estate-file";
import { FaultInjector, type FaultRule, parseFaultSpec } from "./faults";
import {
  DEFAULT_RESULT_CACHE_LIMITS,
  QueryResultCache,
  type ResultCacheLimits,
  type ResultCacheStats,
} from "./query-result-cache";
import {
  answerResourceGraph,
  badRequest,
  DEFAULT_LIMITS,
  type EndpointResponse,
  readResourceGraphRequest,
  type ResourceGraphLimits,
  supportMessage,
} from "./resource-graph-endpoint";
import { DEFAULT_QUOTA_SETTINGS, formatTimeSpan, type QuotaSettings, UserQuota } from "./user-quota";

export interface EmulatorOptions {
  /** An estate document (any snapshot shape, with the extensions of estate-file.ts) or the path of one. */
  estate: unknown;
  /** Side file with managementGroups / subscriptions / arm, when `estate` is a path. */
  sideFile?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  quota?: Partial<QuotaSettings>;
  limits?: Partial<ResourceGraphLimits>;
  /** Rules or a spec string (see faults.ts). */
  faults?: FaultRule[] | string;
  /** Seed of the fault rates. */
  seed?: number;
  /** Bounds of the results kept between pages (query-result-cache.ts). */
  resultCache?: Partial<ResultCacheLimits>;
  /** Items per page of ARM's resources list (resources-list-endpoint.ts); default 1,000. */
  armPageSize?: number;
}

export interface ResourceGraphLogEntry {
  table: string;
  subscriptions?: number;
  managementGroups?: string[];
  page: number;
  /** `$top` and `$skip` as asked (undefined when not given). */
  top?: number;
  skip?: number;
  status: number;
  query: string;
  /** Milliseconds since the emulator started, when the request was counted against the quota. */
  at: number;
  /** Milliseconds until its answer was handed to the socket (injected latency included); -1 until then. */
  ms: number;
  /** The quota left after it. */
  remaining: number;
}

export interface EmulatorStats {
  requests: number;
  resourceGraphRequests: number;
  armRequests: number;
  /** 429s sent, and when (milliseconds since the emulator started; the latest 10,000). */
  throttled: number;
  throttledAt: number[];
  unauthorized: number;
  badRequests: number;
  /** Most requests being handled at one time. */
  maxInFlight: number;
  faults: { error: number; drop: number; latency: number };
  /** Pages after the first served from a kept result (hits) or by running the query again (misses). */
  resultCache: ResultCacheStats;
  /** One entry per Resource Graph request that got past the quota, in order (the latest 10,000). */
  resourceGraphLog: ResourceGraphLogEntry[];
  /** Paths of the ARM GETs with their query parameters but api-version, decoded, in order (the latest 10,000). */
  armLog: string[];
}

export interface RunningEmulator {
  /** `https://127.0.0.1:PORT`, the ARM endpoint to configure. */
  url: string;
  caPem: string;
  caFile: string;
  stats: EmulatorStats;
  close(): Promise<void>;
}

const RESOURCE_GRAPH_PATH = "/providers/microsoft.resourcegraph/resources";
const LOG_LIMIT = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 4 * 60_000;

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const estate: Estate =
    typeof options.estate === "string"
      ? loadEstateFile(options.estate, { sideFile: options.sideFile })
      : parseEstate(options.estate);
  const quota = new UserQuota(withDefaults(DEFAULT_QUOTA_SETTINGS, options.quota));
  const limits = withDefaults(DEFAULT_LIMITS, options.limits);
  const faults = new FaultInjector(
    typeof options.faults === "string" ? parseFaultSpec(options.faults) : (options.faults ?? []),
    options.seed,
  );
  const cache = new QueryResultCache(withDefaults(DEFAULT_RESULT_CACHE_LIMITS, options.resultCache));
  const stats: EmulatorStats = {
    requests: 0,
    resourceGraphRequests: 0,
    armRequests: 0,
    throttled: 0,
    throttledAt: [],
    unauthorized: 0,
    badRequests: 0,
    maxInFlight: 0,
    faults: { error: 0, drop: 0, latency: 0 },
    resultCache: cache.stats,
    resourceGraphLog: [],
    armLog: [],
  };

  const certificates = generateCertificates();
  const directory = mkdtempSync(join(tmpdir(), "mi-audit-emulator-"));
  const caFile = join(directory, "emulator-ca.pem");
  writeFileSync(caFile, certificates.caPem);

  const armPageSize = options.armPageSize ?? DEFAULT_ARM_PAGE_SIZE;
  if (!Number.isInteger(armPageSize) || armPageSize < 1)
    throw new Error(`armPageSize must be a whole number of at least 1 (got ${armPageSize})`);
  const handler = new RequestHandler(estate, quota, limits, faults, stats, cache, armPageSize);
  const server: Server = createServer({ key: certificates.keyPem, cert: certificates.certPem }, (request, response) => {
    handler.handle(request, response).catch((error: unknown) => {
      // A bug in the emulator: answer 500 so the test sees it, and keep serving.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (!response.headersSent)
        send(response, { status: 500, headers: {}, body: { error: { code: "EmulatorBug", message } } });
    });
  });
  // Node closes a keep-alive connection after 5 idle seconds; a client that reuses it at that moment meets
  // ECONNRESET. Azure's front ends keep idle connections for minutes, and a collector waiting out its quota idles
  // for seconds, so the emulator does too.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the emulator did not get a TCP port");

  return {
    url: `https://127.0.0.1:${address.port}`,
    caPem: certificates.caPem,
    caFile,
    stats,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

class RequestHandler {
  private inFlight = 0;
  private readonly started = Date.now();

  constructor(
    private readonly estate: Estate,
    private readonly quota: UserQuota,
    private readonly limits: ResourceGraphLimits,
    private readonly faults: FaultInjector,
    private readonly stats: EmulatorStats,
    private readonly cache: QueryResultCache,
    private readonly armPageSize: number,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.stats.requests += 1;
    this.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
    // "finish" when the answer is handed to the socket, "close" for a dropped one: whichever comes first.
    let released = false;
    const release = () => {
      if (!released) this.inFlight -= 1;
      released = true;
    };
    response.once("finish", release);
    response.once("close", release);
    const url = new URL(request.url ?? "/", "https://127.0.0.1");
    const body = await readBody(request);
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    if (token === undefined) {
      this.stats.unauthorized += 1;
      return send(response, {
        ...armError(
          401,
          "AuthenticationFailed",
          "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
        ),
        headers: {
          "www-authenticate":
            'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
        },
      });
    }
    if (!url.searchParams.has("api-version")) {
      this.stats.badRequests += 1;
      return send(
        response,
        armError(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
        ),
      );
    }
    const path = url.pathname.replace(/\/+$/, "");
    if (request.method === "POST" && path.toLowerCase() === RESOURCE_GRAPH_PATH) {
      return this.resourceGraph(token, body, response);
    }
    if (request.method === "GET" && path.toLowerCase().startsWith("/subscriptions/")) {
      this.stats.armRequests += 1;
      // The query names what a list asks for (`$filter=resourceType eq '…'`): faults can match it, tests can count it.
      const query = [...url.searchParams].filter(([key]) => key !== "api-version");
      const described = query.length === 0 ? path : `${path}?${query.map(([k, v]) => `${k}=${v}`).join("&")}`;
      this.stats.armLog.push(described);
      if (this.stats.armLog.length > LOG_LIMIT) this.stats.armLog.shift();
      if (await this.injectFaults({ target: "arm", text: described }, response)) return;
      if (isResourcesListPath(path)) {
        const origin = `https://${request.headers.host ?? "127.0.0.1"}`;
        return this.answer(response, answerResourcesList(this.estate, url, origin, this.armPageSize));
      }
      return this.answer(response, answerArm(this.estate, path));
    }
    return send(response, armError(404, "NotFound", `The emulator does not serve ${request.method} ${path}.`));
  }

  private async resourceGraph(token: string, body: string, response: ServerResponse): Promise<void> {
    this.stats.resourceGraphRequests += 1;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return this.answer(
        response,
        badRequest("InvalidRequestContent", `The request body is not JSON: ${error.message}`),
      );
    }
    const parsed = readResourceGraphRequest(json);
    if (typeof parsed === "string") return this.answer(response, badRequest("InvalidRequestContent", parsed));

    const decision = this.quota.take(token);
    const quotaHeaders = {
      "x-ms-user-quota-remaining": String(decision.remaining),
      "x-ms-user-quota-resets-after": formatTimeSpan(decision.resetsAfterMs),
    };
    if (!decision.allowed) {
      this.stats.throttled += 1;
      this.stats.throttledAt.push(Date.now() - this.started);
      if (this.stats.throttledAt.length > LOG_LIMIT) this.stats.throttledAt.shift();
      return send(response, {
        status: 429,
        headers: { ...quotaHeaders, "retry-after": String(Math.max(1, Math.ceil(decision.resetsAfterMs / 1000))) },
        body: {
          error: {
            code: "RateLimiting",
            message: supportMessage(),
            details: [
              {
                code: "RateLimiting",
                message:
                  "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.",
              },
            ],
          },
        },
      });
    }

    const table = /^\s*(\w+)/.exec(parsed.query)?.[1]?.toLowerCase() ?? "";
    const entry: ResourceGraphLogEntry = {
      table,
      subscriptions: parsed.subscriptions?.length,
      managementGroups: parsed.managementGroups,
      page: parsed.page,
      top: parsed.top,
      skip: parsed.skip,
      status: 0,
      query: parsed.query,
      at: Date.now() - this.started,
      ms: -1,
      remaining: decision.remaining,
    };
    response.once("finish", () => (entry.ms = Date.now() - this.started - entry.at));
    this.stats.resourceGraphLog.push(entry);
    // A standalone emulator may run for hours: keep the recent log only.
    if (this.stats.resourceGraphLog.length > LOG_LIMIT) this.stats.resourceGraphLog.shift();
    const faulted = await this.injectFaults(
      { target: "resourceGraph", text: parsed.query, page: parsed.page },
      response,
      quotaHeaders,
    );
    if (faulted) {
      entry.status = response.headersSent ? response.statusCode : -1;
      return;
    }
    const answer = answerResourceGraph(this.estate, parsed, this.limits, this.cache);
    entry.status = answer.status;
    return this.answer(response, { ...answer, headers: { ...quotaHeaders, ...answer.headers } });
  }

  /** Applies the faults that fire; true when the request has been answered (or dropped) by one. */
  private async injectFaults(
    request: { target: "resourceGraph" | "arm"; text: string; page?: number },
    response: ServerResponse,
    headers: Record<string, string> = {},
  ): Promise<boolean> {
    const picked = this.faults.pick(request);
    const latency = picked.find((rule) => rule.effect === "latency");
    if (latency !== undefined) {
      this.stats.faults.latency += 1;
      await new Promise((resolve) => setTimeout(resolve, latency.latencyMs ?? 0));
    }
    if (picked.some((rule) => rule.effect === "drop")) {
      this.stats.faults.drop += 1;
      response.socket?.destroy();
      return true;
    }
    const error = picked.find((rule) => rule.effect === "error");
    if (error !== undefined) {
      this.stats.faults.error += 1;
      const status = error.status ?? 500;
      // An injected 429 throttles like ARM does: its own code, and a Retry-After the client must honour.
      const throttled: Record<string, string> = status === 429 ? { "retry-after": "1" } : {};
      send(response, {
        status,
        headers: { ...headers, ...throttled },
        body: {
          error: { code: FAULT_CODES[status] ?? "InternalServerError", message: `Injected fault. ${supportMessage()}` },
        },
      });
      return true;
    }
    return false;
  }

  private answer(response: ServerResponse, answer: EndpointResponse): void {
    if (answer.status === 400) this.stats.badRequests += 1;
    if (answer.status === 200) this.faults.noteSuccess();
    send(response, answer);
  }
}

const FAULT_CODES: Record<number, string> = {
  429: "TooManyRequests",
  503: "ServiceUnavailable",
};

/** `{ ...defaults, ...given }`, except that a key given as undefined keeps its default. */
function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const defined = Object.entries(given ?? {}).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(defined) };
}

function send(response: ServerResponse, answer: EndpointResponse): void {
  const text = answer.bodyText ?? JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "x-ms-request-id": randomUUID(),
    ...answer.headers,
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
