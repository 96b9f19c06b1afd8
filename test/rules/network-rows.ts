// Row builders for the network paths the rule tests need beyond test/support/rows.ts: VNet-to-VNet and site-to-site
// connections, local network gateways, route tables, NICs in application security groups, and peering flags.
import { SUB1, ids, type Row } from "../support/rows";

function base(type: string, id: string, properties: Row): Row {
  const segments = id.split("/");
  return {
    id,
    name: segments[segments.length - 1],
    type,
    location: "westeurope",
    subscriptionId: segments[2],
    resourceGroup: segments[4],
    tags: {},
    properties,
  };
}

export const netIds = {
  site: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/localNetworkGateways/${name}`,
  routeTable: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/${name}`,
  asg: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-vm/providers/Microsoft.Network/applicationSecurityGroups/${name}`,
};

/** A VNet-to-VNet connection from one gateway to another (Azure creates one such resource per side). */
export function vnet2vnetRow(name: string, fromGateway: string, toGateway: string, extra: Row = {}): Row {
  return base("microsoft.network/connections", ids.connection(name), {
    connectionType: "Vnet2Vnet",
    virtualNetworkGateway1: { id: fromGateway },
    virtualNetworkGateway2: { id: toGateway },
    ...extra,
  });
}

/** A site-to-site (IPsec) connection from a gateway to a local network gateway. */
export function siteToSiteRow(name: string, gateway: string, site: string, extra: Row = {}): Row {
  return base("microsoft.network/connections", ids.connection(name), {
    connectionType: "IPsec",
    virtualNetworkGateway1: { id: gateway },
    localNetworkGateway2: { id: site },
    ...extra,
  });
}

export function localNetworkGatewayRow(name: string, prefixes: string[], extra: Row = {}): Row {
  return base("microsoft.network/localnetworkgateways", netIds.site(name), {
    gatewayIpAddress: "203.0.113.7",
    localNetworkAddressSpace: { addressPrefixes: prefixes },
    ...extra,
  });
}

export function routeTableRow(name: string, routes: [string, string][] | null, subnets: string[] = []): Row {
  return base("microsoft.network/routetables", netIds.routeTable(name), {
    ...(routes === null
      ? {}
      : {
          routes: routes.map(([addressPrefix, nextHopType], i) => ({
            name: `r${i}`,
            properties: { addressPrefix, nextHopType },
          })),
        }),
    subnets: subnets.map((id) => ({ id })),
  });
}

/** A NIC whose one ip configuration joins the given ASGs; `ip` null leaves the address out. */
export function asgNicRow(name: string, subnetId: string, ip: string | null, asgs: string[], sub = SUB1): Row {
  return base("microsoft.network/networkinterfaces", ids.nic(name, sub), {
    ipConfigurations: [
      {
        name: "ipconfig1",
        properties: {
          ...(ip === null ? {} : { privateIPAddress: ip }),
          subnet: { id: subnetId },
          applicationSecurityGroups: asgs.map((id) => ({ id })),
        },
      },
    ],
  });
}

/** Sets a property on the named peering of a VNet row (the builders in rows.ts do not cover every flag). */
export function withPeering(row: Row, peeringName: string, properties: Row): Row {
  const peerings = (row["properties"] as Row)["virtualNetworkPeerings"] as Row[];
  const peering = peerings.find((p) => p["name"] === peeringName);
  if (peering === undefined) throw new Error(`no peering ${peeringName}`);
  Object.assign(peering["properties"] as Row, properties);
  return row;
}

/** Puts a route table reference on a subnet of a VNet row. */
export function withRouteTable(row: Row, subnetName: string, routeTableId: string): Row {
  const subnets = (row["properties"] as Row)["subnets"] as Row[];
  const subnet = subnets.find((s) => s["name"] === subnetName);
  if (subnet === undefined) throw new Error(`no subnet ${subnetName}`);
  (subnet["properties"] as Row)["routeTable"] = { id: routeTableId };
  return row;
}
