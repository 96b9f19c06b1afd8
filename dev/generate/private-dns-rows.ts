// Resource Graph rows of Azure private DNS: zones (which no rule reads) and their VNet links, which decide what a
// VNet's resolver answers. Both are global resources; a link is a child of its zone
// (`.../privateDnsZones/<zone>/virtualNetworkLinks/<link>`).
import { AUDITED_TYPES } from "../../src/model/row";
import { resourceId, resourceRow, type Placement, type Row } from "./resource-rows";

export const PRIVATE_DNS_ZONE_TYPE = "microsoft.network/privatednszones";

/** The zone names reserved for Microsoft services, as the rule that checks them holds them (one list). */
export { RESERVED_ZONE_NAMES } from "../../src/rules/catalog/mi-network-unsupported-configuration";

/** Zones live in one place; `place.location` is ignored (private DNS zones and links are "global"). */
export function privateDnsZoneRow(place: Placement, zone: string, links: number, registrationLinks = 0): Row {
  return resourceRow(
    PRIVATE_DNS_ZONE_TYPE,
    { ...place, location: "global" },
    zone,
    resourceId(place, "Microsoft.Network", "privateDnsZones", zone),
    {
      provisioningState: "Succeeded",
      maxNumberOfRecordSets: 25000,
      maxNumberOfVirtualNetworkLinks: 1000,
      maxNumberOfVirtualNetworkLinksWithRegistration: 100,
      numberOfRecordSets: 1 + links,
      numberOfVirtualNetworkLinks: links,
      numberOfVirtualNetworkLinksWithRegistration: registrationLinks,
    },
  );
}

export interface ZoneLinkSpec {
  vnetId: string;
  registrationEnabled?: boolean;
  /** Default "Completed". */
  linkState?: "Completed" | "InProgress";
}

export function privateDnsZoneLinkRow(place: Placement, zone: string, name: string, spec: ZoneLinkSpec): Row {
  return resourceRow(
    AUDITED_TYPES.privateDnsZoneLink,
    { ...place, location: "global" },
    name,
    resourceId(place, "Microsoft.Network", "privateDnsZones", zone, "virtualNetworkLinks", name),
    {
      provisioningState: "Succeeded",
      virtualNetwork: { id: spec.vnetId },
      registrationEnabled: spec.registrationEnabled ?? false,
      virtualNetworkLinkState: spec.linkState ?? "Completed",
    },
  );
}
