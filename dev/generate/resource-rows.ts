// The frame every Resource Graph row shares (id, name, type, placement, identity, sku, kind, properties) and the ARM
// ids it is built from. The typed row builders of network-rows.ts and service-rows.ts, used by the estate generator,
// the sample builder (dev/sample) and the test helpers, all start here. `type` is lower case as Resource Graph writes
// it, ids keep Azure's own mixed case, `resourceGroup` is lower case, relations are `{ id }`.
export type Row = Record<string, unknown>;

/** Where a resource lives: subscription, resource group, region and tags. */
export interface Placement {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
}

export function resourceId(
  place: Pick<Placement, "subscriptionId" | "resourceGroup">,
  provider: string,
  ...path: string[]
): string {
  return `/subscriptions/${place.subscriptionId}/resourceGroups/${place.resourceGroup}/providers/${provider}/${path.join("/")}`;
}

/** The same id with subscription and resource group upper-cased, as some ARM payloads spell references. */
export function upperCased(id: string): string {
  return id.replace(
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/,
    (_, s: string, g: string) => `/subscriptions/${s.toUpperCase()}/resourceGroups/${g.toUpperCase()}`,
  );
}

/** Top-level columns besides `properties`; Resource Graph writes null (or "" for kind) when a resource has none. */
export interface RowColumns {
  identity?: unknown;
  sku?: unknown;
  kind?: string;
  /**
   * When the resource was created (ISO 8601, as ARM writes it). Only ARM's resources list with `$expand=createdTime`
   * serves it, never Resource Graph; snapshot rows may carry it (the emulator serves it from ARM only).
   */
  createdTime?: string;
}

export function resourceRow(
  type: string,
  place: Placement,
  name: string,
  id: string,
  properties: Row,
  columns: RowColumns = {},
): Row {
  return {
    id,
    name,
    type,
    location: place.location,
    subscriptionId: place.subscriptionId,
    resourceGroup: place.resourceGroup.toLowerCase(),
    tags: place.tags,
    identity: columns.identity ?? null,
    sku: columns.sku ?? null,
    kind: columns.kind ?? "",
    properties,
    ...(columns.createdTime === undefined ? {} : { createdTime: columns.createdTime }),
  };
}

/** `{ ...object }` without the keys whose value is undefined, so optional fields are absent rather than undefined. */
export function defined<T extends Row>(object: T): T {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}
