// Resource Graph rows of what a subnet is associated with besides its NSG: route tables and NAT gateways. A subnet
// entry names them (`properties.routeTable`, `properties.natGateway`, see network-rows.ts subnetEntry) and the
// resource lists the subnet back (`properties.subnets`), as ARM writes both sides.
import { AUDITED_TYPES } from "../../src/model/row";
import { defined, resourceId, resourceRow, type Placement, type Row } from "./resource-rows";

/** Resource Graph's type for NAT gateways; no rule reads the row (the subnet's reference is what counts). */
export const NAT_GATEWAY_TYPE = "microsoft.network/natgateways";

export interface RouteSpec {
  name: string;
  /** A CIDR prefix or a service tag. */
  addressPrefix: string;
  nextHopType: "VnetLocal" | "Internet" | "VirtualAppliance" | "VirtualNetworkGateway" | "None";
  nextHopIpAddress?: string;
}

export interface RouteTableSpec {
  routes: RouteSpec[];
  subnetIds: string[];
  disableBgpRoutePropagation?: boolean;
}

export function routeTableId(place: Placement, name: string): string {
  return resourceId(place, "Microsoft.Network", "routeTables", name);
}

/**
 * The route a managed instance subnet's table always holds (service-aided subnet configuration, "Mandatory routes"):
 * the subnet's own prefix to the virtual network. Its prefix is already in the VNet's space, so it widens no
 * VirtualNetwork tag.
 */
export function subnetToVnetLocalRoute(subnetPrefix: string): RouteSpec {
  return { name: "subnet-to-vnetlocal", addressPrefix: subnetPrefix, nextHopType: "VnetLocal" };
}

export function routeTableRow(place: Placement, name: string, spec: RouteTableSpec): Row {
  const id = routeTableId(place, name);
  return resourceRow(AUDITED_TYPES.routeTable, place, name, id, {
    provisioningState: "Succeeded",
    disableBgpRoutePropagation: spec.disableBgpRoutePropagation ?? false,
    routes: spec.routes.map((route) => ({
      name: route.name,
      id: `${id}/routes/${route.name}`,
      type: "Microsoft.Network/routeTables/routes",
      properties: defined({
        provisioningState: "Succeeded",
        addressPrefix: route.addressPrefix,
        nextHopType: route.nextHopType,
        nextHopIpAddress: route.nextHopIpAddress,
        hasBgpOverride: false,
      }),
    })),
    subnets: spec.subnetIds.map((subnetId) => ({ id: subnetId })),
  });
}

export function natGatewayId(place: Placement, name: string): string {
  return resourceId(place, "Microsoft.Network", "natGateways", name);
}

export function natGatewayRow(place: Placement, name: string, publicIpIds: string[], subnetIds: string[]): Row {
  return resourceRow(
    NAT_GATEWAY_TYPE,
    place,
    name,
    natGatewayId(place, name),
    {
      provisioningState: "Succeeded",
      idleTimeoutInMinutes: 4,
      publicIpAddresses: publicIpIds.map((id) => ({ id })),
      subnets: subnetIds.map((id) => ({ id })),
    },
    { sku: { name: "Standard", tier: "Regional" } },
  );
}
