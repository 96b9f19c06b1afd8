// Private DNS zone links: which zones a VNet's resolvers answer from. The zone's name is the link id's parent segment,
// so a link row alone says which zone it brings into the VNet.
import { armIdParts } from "../arm-id";
import type { PrivateDnsZoneLink, ResourceBase } from "../estate";
import type { FieldReader } from "../field-reader";
import { complete, type ReadContext } from "./resource-base";

export function readPrivateDnsZoneLink(base: ResourceBase, props: FieldReader, ctx: ReadContext): PrivateDnsZoneLink {
  const vnetId = props.refId("virtualNetwork");
  const zoneName = zoneOf(base.id);
  if (zoneName === undefined)
    base.issues.push({ field: "id", problem: "does not name a privateDnsZones/<zone>/virtualNetworkLinks parent" });
  return complete<PrivateDnsZoneLink>(base, {
    kind: "privateDnsZoneLink",
    zoneName: zoneName ?? "",
    vnetId,
    vnetKey: vnetId === undefined ? undefined : ctx.shared.key(vnetId),
    registrationEnabled: props.boolean("registrationEnabled"),
    linkState: props.string("virtualNetworkLinkState"),
  });
}

/** `.../privateDnsZones/Blob.Core.Windows.NET/virtualNetworkLinks/l` → `blob.core.windows.net` (a trailing dot dropped). */
function zoneOf(id: string): string | undefined {
  const segments = id.split("/").filter((s) => s.length > 0);
  const at = segments.findIndex((s) => s.toLowerCase() === "privatednszones");
  const zone = at >= 0 ? segments[at + 1] : undefined;
  if (zone === undefined || armIdParts(id).name === zone) return undefined;
  return zone.toLowerCase().replace(/\.$/, "");
}
