// Reads the estate the emulator serves. Any snapshot shape works: a plain array of rows, the
// `az graph query -o json` object `{ count, data, skip_token, total_records }`, or the REST response
// `{ totalRecords, count, data, $skipToken }`. The object shapes may carry emulator-only extensions:
//
//   managementGroups: { "<group name>": ["<subscription id>", ...] }
//       Membership for `managementGroups` scopes; a subscription may sit in several groups.
//   managementGroupParents: { "<group name>": "<parent group name>" }
//       The group hierarchy; a group without an entry sits directly under the tenant root group. As in Azure, a
//       group's query reaches the subscriptions of the groups beneath it, and a subscription's
//       `managementGroupAncestorsChain` lists its group, then that group's ancestors, nearest first, then the tenant
//       root group.
//   subscriptions: ["<subscription id>" | { subscriptionId, displayName? }, ...]
//       Subscriptions with no resources; every subscription of a row or a group exists without this.
//   arm: {
//     azureADOnlyAuthentications: { "<managed instance id>": true | false | null },
//         The `azureADOnlyAuthentications/Default` child; null means the child does not exist (404).
//         Without an entry the child mirrors `properties.administrators.azureADOnlyAuthentication`, and is
//         missing (404) when that is not a boolean.
//     virtualNetworkPeerings: { "<vnet id>": [peering, ...] },
//     expressRouteCircuitPeerings: { "<circuit id>": [peering, ...] }
//         What ARM lists for the resource; without an entry ARM lists the row's own `properties.virtualNetworkPeerings`
//         / `properties.peerings`, or nothing. Overrides let a row lack a field Resource Graph did not return.
//   }
//
// A row's top-level `createdTime` (ISO 8601, as ARM writes it) is served by ARM's resources list with
// `$expand=createdTime` (resources-list-endpoint.ts) and never by Resource Graph, which has no such column: the rows
// the emulator serves are copies without it.
//
// A side file can supply the same extensions: `loadEstateFile(path, { sideFile })`; its keys win over the estate's.

import { readFileSync } from "node:fs";
import { errorMessage } from "../../src/errors";

export type Row = Record<string, unknown>;

export interface SubscriptionEntry {
  /** Lower case. */
  subscriptionId: string;
  displayName: string;
  /** Names of the management groups above it (as the estate file writes them), the nearest first. */
  managementGroups: string[];
}

export interface Estate {
  /** The rows as Resource Graph serves them: without `createdTime`. */
  rows: Row[];
  /** Lower-case subscription id of each row, parallel to `rows` ("" when it has none). */
  rowSubscriptions: string[];
  /** Lower-case ARM id → row. */
  rowsById: Map<string, Row>;
  /** Lower-case ARM id → the row's `createdTime`, for the rows that have one. */
  createdTimes: Map<string, string>;
  /** Sorted by id. */
  subscriptions: SubscriptionEntry[];
  /** Lower-case group name → lower-case subscription ids: its own and those of the groups beneath it. */
  managementGroups: Map<string, string[]>;
  /** Lower-case group name → lower-case names of the group and its ancestors, the group first. */
  managementGroupLines: Map<string, string[]>;
  arm: {
    azureADOnlyAuthentications: Map<string, boolean | null>;
    virtualNetworkPeerings: Map<string, unknown[]>;
    expressRouteCircuitPeerings: Map<string, unknown[]>;
  };
}

export class EstateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EstateFileError";
  }
}

export function loadEstateFile(path: string, options: { sideFile?: string } = {}): Estate {
  const document = readJson(path);
  const side = options.sideFile === undefined ? {} : readJson(options.sideFile);
  if (!isRecord(side))
    throw new EstateFileError(`${options.sideFile}: expected an object with managementGroups, subscriptions or arm`);
  return parseEstate(isRecord(document) ? { ...document, ...side } : { data: document, ...side });
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new EstateFileError(`${path}: ${errorMessage(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EstateFileError(`${path}: not JSON: ${errorMessage(error)}`);
  }
}

export function parseEstate(document: unknown): Estate {
  const record = isRecord(document) ? document : {};
  const data = Array.isArray(document) ? document : record["data"];
  if (!Array.isArray(data)) throw new EstateFileError("expected an array of rows or an object with a `data` array");
  const createdTimes = new Map<string, string>();
  const rows = data.flatMap((row: unknown, index) =>
    isRecord(row) ? [withoutCreatedTime(row, index, createdTimes)] : [],
  );

  const groups = readGroups(record);
  const groupsOf = groups.chains;

  const displayNames = new Map<string, string>();
  const listed = record["subscriptions"];
  for (const entry of Array.isArray(listed) ? listed : []) {
    if (typeof entry === "string") displayNames.set(entry.toLowerCase(), entry);
    else if (isRecord(entry) && typeof entry["subscriptionId"] === "string") {
      const id = entry["subscriptionId"].toLowerCase();
      displayNames.set(id, typeof entry["displayName"] === "string" ? entry["displayName"] : id);
    }
  }

  const rowSubscriptions = rows.map(subscriptionOf);
  const ids = new Set([...rowSubscriptions.filter((id) => id !== ""), ...groupsOf.keys(), ...displayNames.keys()]);
  const subscriptions = [...ids].sort().map((id) => ({
    subscriptionId: id,
    displayName: displayNames.get(id) ?? `Subscription ${id.slice(0, 8)}`,
    managementGroups: groupsOf.get(id) ?? [],
  }));

  const rowsById = new Map<string, Row>();
  for (const row of rows) if (typeof row["id"] === "string") rowsById.set(row["id"].toLowerCase(), row);

  const arm = recordAt(record, "arm");
  return {
    rows,
    rowSubscriptions,
    rowsById,
    createdTimes,
    subscriptions,
    managementGroups: groups.members,
    managementGroupLines: groups.lines,
    arm: {
      azureADOnlyAuthentications: keyedMap(recordAt(arm, "azureADOnlyAuthentications"), (value, key) => {
        if (value === null || typeof value === "boolean") return value;
        throw new EstateFileError(`arm.azureADOnlyAuthentications.${key}: expected true, false or null`);
      }),
      virtualNetworkPeerings: keyedMap(recordAt(arm, "virtualNetworkPeerings"), (value, key) =>
        arrayOf(value, `arm.virtualNetworkPeerings.${key}`),
      ),
      expressRouteCircuitPeerings: keyedMap(recordAt(arm, "expressRouteCircuitPeerings"), (value, key) =>
        arrayOf(value, `arm.expressRouteCircuitPeerings.${key}`),
      ),
    },
  };
}

interface Groups {
  /** Lower-case subscription id → the names of the groups above it, as written, the nearest first. */
  chains: Map<string, string[]>;
  members: Map<string, string[]>;
  lines: Map<string, string[]>;
}

/** The management groups: direct membership, the hierarchy, and from both each subscription's chain. */
function readGroups(record: Record<string, unknown>): Groups {
  const written = new Map<string, string>();
  const direct = new Map<string, string[]>();
  for (const [name, members] of Object.entries(recordAt(record, "managementGroups"))) {
    if (!Array.isArray(members))
      throw new EstateFileError(`managementGroups.${name}: expected an array of subscription ids`);
    written.set(name.toLowerCase(), name);
    direct.set(
      name.toLowerCase(),
      members.map((id) => String(id).toLowerCase()),
    );
  }
  const parents = new Map<string, string>();
  for (const [name, parent] of Object.entries(recordAt(record, "managementGroupParents"))) {
    if (typeof parent !== "string" || parent === "")
      throw new EstateFileError(`managementGroupParents.${name}: expected the parent group's name`);
    if (!written.has(name.toLowerCase())) written.set(name.toLowerCase(), name);
    if (!written.has(parent.toLowerCase())) written.set(parent.toLowerCase(), parent);
    parents.set(name.toLowerCase(), parent.toLowerCase());
  }
  const lines = new Map<string, string[]>();
  for (const group of written.keys()) {
    const line = [group];
    for (let parent = parents.get(group); parent !== undefined; parent = parents.get(parent)) {
      if (line.includes(parent)) throw new EstateFileError(`managementGroupParents: ${group} is its own ancestor`);
      line.push(parent);
    }
    lines.set(group, line);
  }
  const chains = new Map<string, string[]>();
  const members = new Map<string, string[]>([...written.keys()].map((group) => [group, []]));
  for (const [group, ids] of direct)
    for (const id of ids) chains.set(id, [...(chains.get(id) ?? []), ...(lines.get(group) ?? [])]);
  for (const [id, above] of chains) {
    // Nearest first: a group deeper in the hierarchy lies below the ones it descends from.
    const chain = [...new Set(above)].sort((a, b) => (lines.get(b)?.length ?? 0) - (lines.get(a)?.length ?? 0));
    for (const group of chain) members.get(group)?.push(id);
    chains.set(
      id,
      chain.map((group) => written.get(group) ?? group),
    );
  }
  return { chains, members, lines };
}

/**
 * The row as Resource Graph serves it: a copy without `createdTime` when it has one (the caller's document is never
 * changed), whose value goes to `createdTimes` under the row's lower-case id.
 */
function withoutCreatedTime(row: Row, index: number, createdTimes: Map<string, string>): Row {
  if (!("createdTime" in row)) return row;
  const { createdTime, ...rest } = row;
  if (typeof createdTime !== "string" || Number.isNaN(Date.parse(createdTime)))
    throw new EstateFileError(`data[${index}].createdTime: expected an ISO 8601 timestamp string`);
  if (typeof row["id"] !== "string") throw new EstateFileError(`data[${index}].createdTime: the row has no id`);
  createdTimes.set(row["id"].toLowerCase(), createdTime);
  return rest;
}

/** The row's subscription: its `subscriptionId`, or the one in its id. Lower case; "" when neither. */
function subscriptionOf(row: Row): string {
  if (typeof row["subscriptionId"] === "string" && row["subscriptionId"] !== "")
    return row["subscriptionId"].toLowerCase();
  const match = typeof row["id"] === "string" ? /^\/subscriptions\/([^/]+)/i.exec(row["id"]) : null;
  return match?.[1]?.toLowerCase() ?? "";
}

function keyedMap<T>(record: Record<string, unknown>, read: (value: unknown, key: string) => T): Map<string, T> {
  return new Map(Object.entries(record).map(([key, value]) => [key.toLowerCase(), read(value, key)]));
}

function arrayOf(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new EstateFileError(`${where}: expected an array`);
  return value;
}

function recordAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  if (value === undefined) return {};
  if (!isRecord(value)) throw new EstateFileError(`${key}: expected an object`);
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
