// Resource Graph rows of Azure private DNS: zones (which no rule reads) and their VNet links, which decide what a
// VNet's resolver answers. Both are global resources; a link is a child of its zone
// (`.../privateDnsZones/<zone>/virtualNetworkLinks/<link>`).
import { AUDITED_TYPES } from "../../src/model/row";
import { resourceId, resourceRow, type Placement, type Row } from "./resource-rows";

export const PRIVATE_DNS_ZONE_TYPE = "microsoft.network/privatednszones";

/**
 * The zone names the "Networking constraints" of SQL Managed Instance reserve for Microsoft services: a private zone
 * of one of these names linked to an MI's VNet renders the instance unavailable.
 */
export const RESERVED_ZONE_NAMES = [
  "windows.net",
  "database.windows.net",
  "core.windows.net",
  "blob.core.windows.net",
  "table.core.windows.net",
  "management.core.windows.net",
  "monitoring.core.windows.net",
  "queue.core.windows.net",
  "graph.windows.net",
  "login.microsoftonline.com",
  "login.windows.net",
  "servicebus.windows.net",
  "vault.azure.net",
] as const;

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
