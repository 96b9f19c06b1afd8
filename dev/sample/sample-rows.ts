// The sample estate's vocabulary: its subscriptions, id helpers, the MI management rules every MI NSG starts with,
// and SampleRows, which collects the rows in the order they are written with one short call per resource.
import {
  circuitRow,
  connectionRow,
  gatewayRow,
  networkSecurityGroupRow,
  securityRule,
  virtualNetworkRow,
  type PeeringSpec,
  type SecurityRuleSpec,
  type SubnetSpec,
} from "../generate/network-rows";
import { flowLogRow, networkWatcherRow } from "../generate/flow-log-rows";
import { privateDnsZoneLinkRow, privateDnsZoneRow } from "../generate/private-dns-rows";
import { resourceId, type Placement, type Row } from "../generate/resource-rows";
import { SeededRandom } from "../generate/seeded-random";
import { managedInstanceRow, storageAccountRow, webAppRow, type ManagedInstanceSpec } from "../generate/service-rows";
import { natGatewayRow, routeTableId, routeTableRow, subnetToVnetLocalRoute } from "../generate/subnet-attachment-rows";

export const SUB = {
  prod: "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
  dev: "7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f",
  conn: "8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60",
};
export const DNS_ZONE = "a1b2c3d4e5f6";

export const at = (
  subscriptionId: string,
  resourceGroup: string,
  location: string,
  tags: Record<string, string> = {},
): Placement => ({ subscriptionId, resourceGroup, location, tags });
export const id = (sub: string, rg: string, provider: string, ...path: string[]): string =>
  resourceId({ subscriptionId: sub, resourceGroup: rg }, provider, ...path);
export const vnetId = (sub: string, rg: string, name: string): string =>
  id(sub, rg, "Microsoft.Network", "virtualNetworks", name);
export const subnetId = (sub: string, rg: string, vnetName: string, name: string): string =>
  `${vnetId(sub, rg, vnetName)}/subnets/${name}`;

type Direction = SecurityRuleSpec["direction"];
type Access = SecurityRuleSpec["access"];
export const rule = (
  name: string,
  priority: number,
  direction: Direction,
  access: Access,
  protocol: string,
  source: string | string[] | undefined,
  destination: string | string[],
  ports: string | string[],
  more: Pick<SecurityRuleSpec, "description" | "sourceAsgs"> = {},
): Row => securityRule({ name, priority, direction, access, protocol, source, destination, ports, ...more });

export const miManagementRules = [
  rule(
    "allow_management_inbound",
    100,
    "Inbound",
    "Allow",
    "Tcp",
    "SqlManagement",
    "*",
    ["9000", "9003", "1438", "1440", "1452"],
    { description: "MI management traffic" },
  ),
  rule("allow_misubnet_inbound", 200, "Inbound", "Allow", "*", "10.10.0.0/24", "*", "*"),
  rule("allow_health_probe_inbound", 300, "Inbound", "Allow", "*", "AzureLoadBalancer", "*", "*"),
];

export const subnet = (name: string, prefix: string, more: Omit<SubnetSpec, "name" | "prefix"> = {}): SubnetSpec => ({
  name,
  prefix,
  ipConfigurationIds: [],
  ...more,
});
export const peering = (
  name: string,
  remoteVnetId: string,
  remotePrefixes: string[],
  more: Partial<PeeringSpec> = {},
): PeeringSpec => ({
  name,
  remoteVnetId,
  remotePrefixes,
  state: "Connected",
  syncLevel: "FullyInSync",
  allowVirtualNetworkAccess: true,
  allowForwardedTraffic: false,
  allowGatewayTransit: false,
  useRemoteGateways: false,
  ...more,
});

/** The rows in the order they are written, and one short call per resource. */
export class SampleRows {
  readonly rows: Row[] = [];

  nsg(
    sub: string,
    rg: string,
    name: string,
    location: string,
    rules: unknown[],
    subnets: string[] = [],
    nics: string[] = [],
    tags: Record<string, string> = {},
  ): string {
    this.rows.push(
      networkSecurityGroupRow(at(sub, rg, location, tags), name, {
        rules,
        subnetIds: subnets,
        nicIds: nics,
        withDefaults: true,
        provisioningState: "Succeeded",
      }),
    );
    return id(sub, rg, "Microsoft.Network", "networkSecurityGroups", name);
  }

  vnet(
    sub: string,
    rg: string,
    name: string,
    location: string,
    prefixes: string[],
    subnets: SubnetSpec[],
    peerings: PeeringSpec[],
    createdTime: string,
  ): string {
    this.rows.push(
      virtualNetworkRow(at(sub, rg, location), name, {
        prefixes,
        subnets,
        peerings,
        provisioningState: "Succeeded",
        createdTime,
      }),
    );
    return vnetId(sub, rg, name);
  }

  mi(
    sub: string,
    rg: string,
    name: string,
    location: string,
    spec: ManagedInstanceSpec,
    tags: Record<string, string> = { owner: "data-platform" },
  ): void {
    this.rows.push(managedInstanceRow(at(sub, rg, location, tags), name, spec, DNS_ZONE));
  }

  site(
    sub: string,
    rg: string,
    name: string,
    location: string,
    integration: { subnetId?: string; vnetName?: string },
    identity: unknown,
  ): void {
    this.rows.push(
      webAppRow(at(sub, rg, location), name, {
        planId: id(sub, rg, "Microsoft.Web", "serverfarms", `plan-${name}`),
        ...integration,
        identity,
      }),
    );
  }

  gateway(
    sub: string,
    rg: string,
    name: string,
    location: string,
    vnetRef: string,
    gatewayType: "ExpressRoute" | "Vpn" = "ExpressRoute",
  ): string {
    // Written with the ExpressRoute SKU whatever the type; no rule reads it.
    this.rows.push(
      gatewayRow(at(sub, rg, location), name, {
        vnetId: vnetRef,
        gatewayType,
        sku: { name: "ErGw1AZ", tier: "ErGw1AZ" },
      }),
    );
    return id(sub, rg, "Microsoft.Network", "virtualNetworkGateways", name);
  }

  circuit(sub: string, rg: string, name: string, location: string, peerings: [string, string][]): string {
    this.rows.push(circuitRow(at(sub, rg, location), name, peerings));
    return id(sub, rg, "Microsoft.Network", "expressRouteCircuits", name);
  }

  connection(sub: string, rg: string, name: string, location: string, gatewayId: string, circuitId: string): void {
    this.rows.push(connectionRow(at(sub, rg, location), name, gatewayId, circuitId));
  }

  /** A managed instance subnet's route table, holding the one route the platform always adds. */
  miRouteTable(sub: string, rg: string, name: string, location: string, subnetPrefix: string, subnet: string): string {
    const place = at(sub, rg, location);
    this.rows.push(routeTableRow(place, name, { routes: [subnetToVnetLocalRoute(subnetPrefix)], subnetIds: [subnet] }));
    return routeTableId(place, name);
  }

  natGateway(sub: string, rg: string, name: string, location: string, publicIps: string[], subnets: string[]): void {
    this.rows.push(natGatewayRow(at(sub, rg, location), name, publicIps, subnets));
  }

  /** A private DNS zone and its links, each `[link name, VNet id, auto-registration]`. */
  privateDnsZone(sub: string, rg: string, zone: string, links: [string, string, boolean][]): void {
    const place = at(sub, rg, "global");
    this.rows.push(privateDnsZoneRow(place, zone, links.length, links.filter(([, , auto]) => auto).length));
    for (const [name, vnet, registrationEnabled] of links)
      this.rows.push(privateDnsZoneLinkRow(place, zone, name, { vnetId: vnet, registrationEnabled }));
  }

  networkWatcher(sub: string, location: string): void {
    this.rows.push(networkWatcherRow(at(sub, "NetworkWatcherRG", location)));
  }

  /** A flow log of `target` (a VNet, subnet or NSG of `sub` in `location`) into `storage`, kept 90 days. */
  flowLog(sub: string, location: string, name: string, target: string, storage: string, enabled = true): void {
    this.rows.push(
      flowLogRow(at(sub, "NetworkWatcherRG", location), name, {
        targetId: target,
        targetGuid: SeededRandom.derive(0, "sample-resource-guid", target.toLowerCase()).guid(),
        storageId: storage,
        enabled,
        retentionDays: 90,
      }),
    );
  }

  /** A storage account (a type no rule reads); returns its id. */
  storage(sub: string, rg: string, name: string, location: string): string {
    this.rows.push(storageAccountRow(at(sub, rg, location), name));
    return id(sub, rg, "Microsoft.Storage", "storageAccounts", name);
  }

  add(row: Row): void {
    this.rows.push(row);
  }
}
