// One row, read by the reader of its kind. Most kinds yield one resource; a VNet yields itself and its subnets, which
// are read from the VNet's row (`subnet` has no row type of its own, see AUDITED_TYPES).
import type { Resource, ResourceBase, ResourceKind } from "../estate";
import type { FieldReader } from "../field-reader";
import type { ResourceRow } from "../row";
import {
  readConnection,
  readExpressRouteCircuit,
  readLocalNetworkGateway,
  readVirtualNetworkGateway,
} from "./hybrid-connectivity";
import { readManagedInstance } from "./managed-instance";
import { readNetworkInterface } from "./network-interface";
import { readPublicIpAddress, readPublicIpPrefix } from "./public-ip";
import type { ReadContext } from "./resource-base";
import { readRouteTable } from "./route-table";
import { readFlowLog } from "./flow-log";
import { readPrivateDnsZoneLink } from "./private-dns";
import { readNsg } from "./security-rules";
import { readVirtualNetwork } from "./virtual-network";
import { readAppServiceEnvironment, readWebApp } from "./web-apps";

export function readResource(
  kind: ResourceKind,
  base: ResourceBase,
  props: FieldReader,
  row: ResourceRow,
  ctx: ReadContext,
): Resource[] {
  switch (kind) {
    case "managedInstance":
      return [readManagedInstance(base, props, row, ctx)];
    case "networkSecurityGroup":
      return [readNsg(base, props, ctx)];
    case "virtualNetwork":
      return readVirtualNetwork(base, props, ctx);
    case "virtualNetworkGateway":
      return [readVirtualNetworkGateway(base, props, ctx)];
    case "connection":
      return [readConnection(base, props, ctx)];
    case "localNetworkGateway":
      return [readLocalNetworkGateway(base, props, ctx)];
    case "routeTable":
      return [readRouteTable(base, props, ctx)];
    case "expressRouteCircuit":
      return [readExpressRouteCircuit(base, props)];
    case "publicIpAddress":
      return [readPublicIpAddress(base, props, ctx)];
    case "publicIpPrefix":
      return [readPublicIpPrefix(base, props, ctx)];
    case "webApp":
      return [readWebApp(base, props, row, ctx)];
    case "appServiceEnvironment":
      return [readAppServiceEnvironment(base, props, ctx)];
    case "networkInterface":
      return [readNetworkInterface(base, props, ctx)];
    case "privateDnsZoneLink":
      return [readPrivateDnsZoneLink(base, props, ctx)];
    case "flowLog":
      return [readFlowLog(base, props, ctx)];
    case "subnet":
      return [];
  }
}
