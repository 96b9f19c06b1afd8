// `POST /providers/Microsoft.ResourceGraph/resources`: scopes the estate to the request's subscriptions or
// management groups, runs the KQL subset, and pages the result as Resource Graph does (`$top` ≤ 1000, an opaque
// `$skipToken` bound to the query and scope, `totalRecords`, `count`, `resultTruncated`, `facets`).
//
// Management group and tenant queries reach at most `subscriptionLimit` subscriptions; past it the response covers
// the first ones only and says so in `x-ms-tenant-subscription-limit-hit: true`. The emulator applies that limit to
// the `resources` and `policyresources` tables, so a collector can fall back to listing a group's subscriptions from
// `resourcecontainers` and querying them in explicit batches.
//
// `policyresources` holds the Azure Policy rows of the estate file (types `microsoft.authorization/policy*` and
// `microsoft.policyinsights/*`), which `resources` never returns, as in Resource Graph. By default (AtScopeAndBelow)
// rows of a subscription are scoped like resources, and rows above any subscription (a management group's exemptions
// and assignments, tenant-level definitions) are returned to a query of that group, or of the tenant, never to a
// subscription query; `options.authorizationScopeFilter` widens or narrows that (authorization-scope-filter.ts), and an
// unknown value is refused with 400 in the service's envelope.
//
// A result that spans pages is computed once and kept under a cursor id in its $skipToken (query-result-cache.ts),
// so each later page costs a slice of it, not another pass over the estate.
//
// Like the real service, no single response may be larger than `maxResponseBytes` (16 MiB): a page over it is
// refused with 400 `ResponsePayloadTooLarge` in the envelope Resource Graph uses (a generic BadRequest whose details
// carry the code and "Response payload size is N, and has exceeded the limit of L. …"). Nothing is consumed: the same
// request with a smaller `$top` reads the same rows. `$skip` overrides the offset of a `$skipToken`, as documented for
// QueryRequestOptions, so a client can step over a row no page can carry.

import { createHash, randomUUID } from "node:crypto";
import type { Estate, Row } from "./estate-file";
import { isRecord } from "./estate-file";
import { KqlError, type ParsedQuery, parseQuery, runQuery } from "./kql-subset";
import {
  AUTHORIZATION_SCOPE_FILTERS,
  isAuthorizationScopeFilter,
  policyRowsInScope,
} from "./authorization-scope-filter";
import type { CachedResult, QueryResultCache } from "./query-result-cache";

export interface ResourceGraphLimits {
  subscriptionLimit: number;
  maxSubscriptionsPerRequest: number;
  maxPageSize: number;
  /** Bytes of one response body at most (UTF-8 JSON); Resource Graph's own limit is 16 MiB. */
  maxResponseBytes: number;
}

/** Resource Graph refuses any single response over this (HTTP 400 ResponsePayloadTooLarge). */
export const RESOURCE_GRAPH_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export const DEFAULT_LIMITS: ResourceGraphLimits = {
  subscriptionLimit: 10_000,
  maxSubscriptionsPerRequest: 1_000,
  maxPageSize: 1_000,
  maxResponseBytes: RESOURCE_GRAPH_MAX_RESPONSE_BYTES,
};

export const EMULATOR_TENANT_ID = "72f988bf-0000-4000-8000-00000000e001";

export interface EndpointResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** `body` as JSON, when it was already serialised (to measure it): sent as is instead of serialising it again. */
  bodyText?: string;
}

/** What the request asked for, as far as the emulator's log and fault matching care. */
export interface ParsedResourceGraphRequest {
  query: string;
  subscriptions?: string[];
  managementGroups?: string[];
  top?: number;
  skipToken?: string;
  skip?: number;
  resultFormat?: string;
  /** `options.authorizationScopeFilter` as sent (checked when answering); undefined = AtScopeAndBelow. */
  authorizationScopeFilter?: unknown;
  /** 1-based page implied by the skip token. */
  page: number;
}

/** Reads the body; a string is an error message for a 400. */
export function readResourceGraphRequest(body: unknown): ParsedResourceGraphRequest | string {
  if (!isRecord(body)) return "The request body must be a JSON object.";
  if (typeof body["query"] !== "string" || body["query"].trim() === "") return "The request must contain a query.";
  const options = isRecord(body["options"]) ? body["options"] : {};
  const strings = (value: unknown, name: string): string[] | undefined | string => {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string"))
      return `${name} must be an array of strings.`;
    return value;
  };
  const subscriptions = strings(body["subscriptions"], "subscriptions");
  if (typeof subscriptions === "string") return subscriptions;
  const managementGroups = strings(body["managementGroups"], "managementGroups");
  if (typeof managementGroups === "string") return managementGroups;
  const skipToken = typeof options["$skipToken"] === "string" ? options["$skipToken"] : undefined;
  return {
    query: body["query"],
    subscriptions,
    managementGroups,
    top: typeof options["$top"] === "number" ? options["$top"] : undefined,
    skip: typeof options["$skip"] === "number" ? options["$skip"] : undefined,
    skipToken,
    resultFormat: typeof options["resultFormat"] === "string" ? options["resultFormat"] : undefined,
    authorizationScopeFilter: options["authorizationScopeFilter"] ?? undefined,
    page: skipToken === undefined ? 1 : (decodeSkipToken(skipToken)?.page ?? 1),
  };
}

/**
 * Answers one Resource Graph request. With a `cache`, a result that spans several pages is run once: its rows are kept
 * under a cursor id the $skipToken carries, so every later page is a slice (see query-result-cache.ts).
 */
export function answerResourceGraph(
  estate: Estate,
  request: ParsedResourceGraphRequest,
  limits: ResourceGraphLimits,
  cache?: QueryResultCache,
): EndpointResponse {
  if (request.resultFormat !== undefined && request.resultFormat !== "objectArray") {
    return badRequest(
      "UnsupportedResultFormat",
      `The emulator serves resultFormat objectArray only, not '${request.resultFormat}'.`,
    );
  }
  const top = request.top ?? limits.maxPageSize;
  if (!Number.isInteger(top) || top < 1 || top > limits.maxPageSize) {
    return badRequest("InvalidParameter", `$top must be between 1 and ${limits.maxPageSize}.`);
  }
  const filter = request.authorizationScopeFilter;
  if (filter !== undefined && !isAuthorizationScopeFilter(filter)) {
    return badRequest(
      "InvalidAuthorizationScopeFilter",
      `options.authorizationScopeFilter '${String(filter)}' is not one of ${AUTHORIZATION_SCOPE_FILTERS.join(", ")}.`,
    );
  }
  if (request.subscriptions !== undefined && request.managementGroups !== undefined) {
    return badRequest("InvalidScope", "Specify either subscriptions or managementGroups, not both.");
  }
  if ((request.subscriptions?.length ?? 0) > limits.maxSubscriptionsPerRequest) {
    return badRequest(
      "TooManySubscriptions",
      `The request names ${request.subscriptions?.length} subscriptions; at most ${limits.maxSubscriptionsPerRequest} are allowed.`,
    );
  }

  let parsed;
  try {
    parsed = parseQuery(request.query);
  } catch (error) {
    if (!(error instanceof KqlError)) throw error;
    return invalidQuery(error);
  }

  const fingerprint = fingerprintOf(request);
  let offset = request.skip ?? 0;
  let page = 1;
  let cursor: string | undefined;
  let result: CachedResult | undefined;
  if (request.skipToken !== undefined) {
    const token = decodeSkipToken(request.skipToken);
    if (token === undefined || token.fingerprint !== fingerprint) {
      return badRequest("InvalidSkipToken", "The $skipToken does not belong to this query and scope.");
    }
    // "$skip … overrides the next page offset when $skipToken is present" (QueryRequestOptions).
    offset = request.skip ?? token.offset;
    page = token.page;
    cursor = token.cursor;
    if (cursor !== undefined) result = cache?.get(cursor, fingerprint);
  }
  let computed = false;
  if (result === undefined) {
    const scoped = runScoped(estate, request, parsed, limits);
    if ("status" in scoped) return scoped;
    result = { fingerprint, ...scoped };
    computed = true;
  }

  const data = result.rows.slice(offset, offset + top);
  const more = offset + data.length < result.rows.length;
  // Without the id column Resource Graph cannot page: it truncates instead.
  const canPage = result.hasId;
  const body: Record<string, unknown> = {
    totalRecords: result.rows.length,
    count: data.length,
    resultTruncated: more && !canPage ? "true" : "false",
    facets: [],
    data,
  };
  const nextCursor = more && canPage && cache !== undefined ? (cursor ?? cache.newCursor()) : undefined;
  if (more && canPage) {
    body["$skipToken"] = encodeSkipToken({
      offset: offset + data.length,
      page: page + 1,
      fingerprint,
      cursor: nextCursor,
    });
  }
  // Measured before anything is kept: a refused page leaves no cursor behind but the one its token already named.
  const bodyText = JSON.stringify(body);
  const size = Buffer.byteLength(bodyText);
  if (size > limits.maxResponseBytes) return payloadTooLarge(size, limits.maxResponseBytes);
  if (nextCursor !== undefined) {
    if (computed) cache?.put(nextCursor, result);
  } else if (cursor !== undefined) {
    // The last page: nobody holds a token for this result any more.
    cache?.release(cursor);
  }
  return { status: 200, headers: { "x-ms-tenant-subscription-limit-hit": String(result.limitHit) }, body, bodyText };
}

/** Scopes the estate to the request and runs the query: the whole result, or the 400 for an unknown group. */
function runScoped(
  estate: Estate,
  request: ParsedResourceGraphRequest,
  parsed: ParsedQuery,
  limits: ResourceGraphLimits,
): Omit<CachedResult, "fingerprint"> | EndpointResponse {
  // The subscriptions the request reaches, in a stable order.
  let reached: string[];
  if (request.subscriptions !== undefined) {
    const known = new Set(estate.subscriptions.map((s) => s.subscriptionId));
    reached = [...new Set(request.subscriptions.map((id) => id.toLowerCase()))].filter((id) => known.has(id));
  } else if (request.managementGroups !== undefined) {
    const members = new Set<string>();
    for (const group of request.managementGroups) {
      const ids = estate.managementGroups.get(group.toLowerCase());
      if (ids === undefined)
        return badRequest("ManagementGroupNotFound", `Management group '${group}' was not found or is not accessible.`);
      for (const id of ids) members.add(id);
    }
    reached = [...members].sort();
  } else {
    reached = estate.subscriptions.map((s) => s.subscriptionId);
  }
  let limitHit = false;
  if (
    request.subscriptions === undefined &&
    parsed.table !== "resourcecontainers" &&
    reached.length > limits.subscriptionLimit
  ) {
    reached = reached.slice(0, limits.subscriptionLimit);
    limitHit = true;
  }
  const inScope = new Set(reached);

  let source: Row[];
  if (parsed.table === "resourcecontainers")
    source = estate.subscriptions.filter((s) => inScope.has(s.subscriptionId)).map(subscriptionRow);
  else if (parsed.table === "policyresources") {
    const filter = isAuthorizationScopeFilter(request.authorizationScopeFilter)
      ? request.authorizationScopeFilter
      : "AtScopeAndBelow";
    const positions = positionsOf(estate, typesWanted(parsed)).filter((at) => isPolicyRow(estate.rows[at] as Row));
    const scope = { ...request, filter, tenantRootGroup: EMULATOR_TENANT_ID };
    source = policyRowsInScope(estate, scope, inScope, positions);
  } else source = scopedRows(estate, inScope, typesWanted(parsed)).filter((row) => !isPolicyRow(row));
  const output = runQuery(parsed, source);
  return { rows: output.rows, hasId: output.hasId, limitHit };
}

/** Whether a row belongs to `policyresources` rather than `resources`. */
function isPolicyRow(row: Row): boolean {
  const type = typeof row["type"] === "string" ? row["type"].toLowerCase() : "";
  return type.startsWith("microsoft.authorization/policy") || type.startsWith("microsoft.policyinsights/");
}

/**
 * The rows of the scope, in estate order; only those of `types` (lower case) when given. The query's own `where`
 * still decides: the type index only spares it a pass over every row of the estate.
 */
function scopedRows(estate: Estate, inScope: Set<string>, types: string[] | undefined): Row[] {
  const inScopeAt = (index: number) => inScope.has(estate.rowSubscriptions[index] as string);
  if (types === undefined) return estate.rows.filter((_, index) => inScopeAt(index));
  const rows: Row[] = [];
  for (const at of positionsOf(estate, types)) if (inScopeAt(at)) rows.push(estate.rows[at] as Row);
  return rows;
}

/** Positions of the rows of `types` (lower case), ascending; of every row when undefined. */
function positionsOf(estate: Estate, types: string[] | undefined): number[] {
  if (types === undefined) return estate.rows.map((_, at) => at);
  const index = typeIndexOf(estate);
  const lists = types.map((type) => index.get(type) ?? []);
  return lists.length === 1 ? (lists[0] as number[]) : lists.flat().sort((a, b) => a - b);
}

/** The lower-case types a query's first operation keeps (`where type =~ / == / in~`), or undefined. */
function typesWanted(parsed: ParsedQuery): string[] | undefined {
  const first = parsed.operations[0];
  if (first?.kind !== "where" || first.path.length !== 1 || first.path[0] !== "type") return undefined;
  return [...new Set(first.values.map((value) => value.toLowerCase()))];
}

const typeIndexes = new WeakMap<Estate, Map<string, number[]>>();

/** Lower-case type → row positions, ascending; built on first use, once per estate. */
function typeIndexOf(estate: Estate): Map<string, number[]> {
  let index = typeIndexes.get(estate);
  if (index === undefined) {
    index = new Map();
    estate.rows.forEach((row, at) => {
      const type = typeof row["type"] === "string" ? row["type"].toLowerCase() : "";
      const list = index?.get(type);
      if (list === undefined) index?.set(type, [at]);
      else list.push(at);
    });
    typeIndexes.set(estate, index);
  }
  return index;
}

function subscriptionRow(subscription: Estate["subscriptions"][number]): Row {
  return {
    id: `/subscriptions/${subscription.subscriptionId}`,
    name: subscription.displayName,
    type: "microsoft.resources/subscriptions",
    tenantId: EMULATOR_TENANT_ID,
    kind: "",
    location: "",
    resourceGroup: "",
    subscriptionId: subscription.subscriptionId,
    managementGroupId: "",
    tags: {},
    properties: {
      state: "Enabled",
      // Its groups, the nearest first, then the tenant root group (named after the tenant), as Azure lists them.
      managementGroupAncestorsChain: [
        ...subscription.managementGroups.map((name) => ({ name, displayName: name })),
        { name: EMULATOR_TENANT_ID, displayName: "Tenant Root Group" },
      ],
    },
  };
}

interface SkipToken {
  offset: number;
  page: number;
  fingerprint: string;
  /** The kept result this token pages through (query-result-cache.ts); absent when the emulator keeps none. */
  cursor?: string;
}

function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodeSkipToken(text: string): SkipToken | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (
      isRecord(value) &&
      typeof value["offset"] === "number" &&
      typeof value["page"] === "number" &&
      typeof value["fingerprint"] === "string"
    ) {
      const cursor = typeof value["cursor"] === "string" ? value["cursor"] : undefined;
      return { offset: value["offset"], page: value["page"], fingerprint: value["fingerprint"], cursor };
    }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return undefined;
}

/** A skip token is only valid with the same query and scope. */
function fingerprintOf(request: ParsedResourceGraphRequest): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        request.query,
        request.subscriptions ?? null,
        request.managementGroups ?? null,
        request.authorizationScopeFilter ?? null,
      ]),
    )
    .digest("hex")
    .slice(0, 16);
}

/** Resource Graph's error envelope: a generic BadRequest with the specific code in `details`. */
export function badRequest(code: string, message: string, extra: Record<string, unknown>[] = []): EndpointResponse {
  return {
    status: 400,
    headers: {},
    body: {
      error: {
        code: "BadRequest",
        message: supportMessage(),
        details: [{ code, message }, ...extra],
      },
    },
  };
}

/** The real service's answer to a page over its size limit (see the file comment). */
function payloadTooLarge(size: number, limit: number): EndpointResponse {
  return badRequest(
    "ResponsePayloadTooLarge",
    `Response payload size is ${size}, and has exceeded the limit of ${limit}. ` +
      "Please consider querying less data at a time and make paginated call if needed.",
  );
}

function invalidQuery(error: KqlError): EndpointResponse {
  return badRequest(
    "InvalidQuery",
    "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
    [{ code: "ParserFailure", message: error.message, characterPositionInLine: error.position, token: error.token }],
  );
}

export function supportMessage(): string {
  return `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = ${randomUUID()}.`;
}
