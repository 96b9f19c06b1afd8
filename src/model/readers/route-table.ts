// Route tables: their user-defined routes (whose prefixes Azure adds to the VirtualNetwork tag) and their subnets.
import type { ResourceBase, Route, RouteTable } from "../estate";
import { FieldReader, describe, isRecord } from "../field-reader";
import { notePrefix } from "./prefix-warnings";
import { complete, type ReadContext } from "./resource-base";

export function readRouteTable(base: ResourceBase, props: FieldReader, ctx: ReadContext): RouteTable {
  const routes: Route[] | undefined = props.array("routes")?.map((entry, index) => {
    const reader = new FieldReader(entry, `properties.routes[${index}]`, base.issues);
    if (!isRecord(entry))
      base.issues.push({
        field: `properties.routes[${index}]`,
        problem: `expected a route object, found ${describe(entry)}`,
      });
    // Resource Graph nests route fields under `properties`; accept flattened exports too, as for security rules.
    const inner = isRecord(entry) && isRecord(entry["properties"]) ? reader.child("properties") : reader;
    // A route's addressPrefix may also be a service tag.
    const addressPrefix = notePrefix(inner, "addressPrefix", base.issues, ctx.checks, { tags: true });
    if (isRecord(entry) && addressPrefix === undefined) inner.issue("addressPrefix", "is missing");
    return { name: reader.string("name") ?? `route${index}`, addressPrefix, nextHopType: inner.string("nextHopType") };
  });
  const subnetKeys = (props.array("subnets") ?? []).flatMap((entry, index) => {
    const id = new FieldReader({ entry }, `properties.subnets[${index}]`, base.issues).refId("entry");
    return id === undefined ? [] : [ctx.shared.key(id)];
  });
  return complete<RouteTable>(base, {
    kind: "routeTable",
    routes,
    disableBgpRoutePropagation: props.boolean("disableBgpRoutePropagation"),
    subnetKeys,
  });
}
