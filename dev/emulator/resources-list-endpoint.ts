// `GET /subscriptions/{subscriptionId}/resources` (Resources_List), answered from the estate the way ARM answers it:
// `{ value: GenericResourceExpanded[], nextLink? }`, whose items carry `id, name, type, location` (and `tags`, `kind`,
// `sku`, `identity` when the row has them), the type in ARM's spelling (`Microsoft.Sql/managedInstances`, from the id),
// and `createdTime` only when `$expand` asks for it (azure-rest-api-specs, Microsoft.Resources 2021-04-01).
//
// What the collector relies on is served faithfully, and the rest is refused rather than ignored, since answering
// more than was asked would hide a client bug:
// - `$filter` is `resourceType eq '<type>'`, the type compared case-insensitively; any other filter gets ARM's 400
//   `InvalidFilterInQueryString` ("Invalid $filter '…' specified in the query string.").
// - `$expand` is a comma-separated list; `createdTime` and `provisioningState` are served, `changedTime` is not kept
//   by the estate file and stays absent.
// - An unknown subscription gets ARM's 404 `SubscriptionNotFound`.
// - ARM chooses the page size and says only `nextLink`, which a client must follow: `pageSize` (default 1,000) is
//   small in tests so that paging is exercised. The link carries the query and a `$skiptoken`, like ARM's.

import type { Estate, Row } from "./estate-file";
import { isRecord } from "./estate-file";
import { armError } from "./arm-endpoints";
import type { EndpointResponse } from "./resource-graph-endpoint";

export const DEFAULT_ARM_PAGE_SIZE = 1_000;

const LIST_PATH = /^\/subscriptions\/([^/]+)\/resources$/i;
const TYPE_FILTER = /^\s*resourceType\s+eq\s+'([^']+)'\s*$/i;

export function isResourcesListPath(path: string): boolean {
  return LIST_PATH.test(path);
}

/** Answers one page of the list; `origin` (`https://host:port`) starts the `nextLink`. */
export function answerResourcesList(estate: Estate, url: URL, origin: string, pageSize: number): EndpointResponse {
  const subscriptionId = (LIST_PATH.exec(url.pathname.replace(/\/+$/, ""))?.[1] ?? "").toLowerCase();
  if (!estate.subscriptions.some((entry) => entry.subscriptionId === subscriptionId))
    return armError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
  const filter = url.searchParams.get("$filter");
  const type = filter === null ? undefined : TYPE_FILTER.exec(filter)?.[1]?.toLowerCase();
  if (filter !== null && type === undefined)
    return armError(400, "InvalidFilterInQueryString", `Invalid $filter '${filter}' specified in the query string.`);
  const expand = new Set(
    (url.searchParams.get("$expand") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ""),
  );
  const skipToken = url.searchParams.get("$skiptoken");
  const offset = skipToken === null ? 0 : decodeOffset(skipToken);
  if (offset === undefined) return armError(400, "InvalidSkipToken", `The $skiptoken '${skipToken}' is not valid.`);

  const listed = estate.rows.filter(
    (row, index) => estate.rowSubscriptions[index] === subscriptionId && (type === undefined || typeOf(row) === type),
  );
  const page = listed.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = { value: page.map((row) => listItem(row, expand, estate)) };
  if (offset + page.length < listed.length) {
    const next = new URL(url.pathname, origin);
    for (const [key, value] of url.searchParams) if (key !== "$skiptoken") next.searchParams.set(key, value);
    next.searchParams.set("$skiptoken", encodeOffset(offset + page.length));
    body["nextLink"] = next.toString();
  }
  return { status: 200, headers: {}, body };
}

/** A GenericResourceExpanded item: the row's envelope, never its properties (the list does not carry them). */
function listItem(row: Row, expand: Set<string>, estate: Estate): Record<string, unknown> {
  const id = typeof row["id"] === "string" ? row["id"] : "";
  const item: Record<string, unknown> = {
    id,
    name: row["name"],
    type: armTypeOf(id) ?? row["type"],
    location: row["location"],
  };
  for (const key of ["kind", "managedBy"]) if (typeof row[key] === "string") item[key] = row[key];
  for (const key of ["tags", "sku", "identity", "plan"]) if (isRecord(row[key])) item[key] = row[key];
  const createdTime = estate.createdTimes.get(id.toLowerCase());
  if (expand.has("createdtime") && createdTime !== undefined) item["createdTime"] = createdTime;
  const properties = isRecord(row["properties"]) ? row["properties"] : {};
  if (expand.has("provisioningstate") && typeof properties["provisioningState"] === "string")
    item["provisioningState"] = properties["provisioningState"];
  return item;
}

function typeOf(row: Row): string {
  return typeof row["type"] === "string" ? row["type"].toLowerCase() : "";
}

/**
 * The type in ARM's spelling, from the id: `.../providers/Microsoft.Network/privateDnsZones/z/virtualNetworkLinks/l`
 * → `Microsoft.Network/privateDnsZones/virtualNetworkLinks`.
 */
function armTypeOf(id: string): string | undefined {
  const at = id.toLowerCase().lastIndexOf("/providers/");
  if (at < 0) return undefined;
  const [namespace, ...rest] = id
    .slice(at + "/providers/".length)
    .split("/")
    .filter((segment) => segment !== "");
  const types = rest.filter((_, index) => index % 2 === 0);
  return namespace === undefined || types.length === 0 ? undefined : [namespace, ...types].join("/");
}

function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function decodeOffset(token: string): number | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (isRecord(value) && Number.isInteger(value["offset"]) && (value["offset"] as number) >= 0)
      return value["offset"] as number;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return undefined;
}
