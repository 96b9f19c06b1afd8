// Small builders for Resource Graph rows, so rule tests read as the estate they describe. The rows carry only the
// fields a rule reads (no provisioning states, SKUs or platform defaults); NSG rules, subnets and peerings come from
// the typed builders the generator and the sample estate use (dev/generate/network-rows.ts).
import { peeringEntry, securityRule as ruleRow, subnetEntry } from "../../dev/generate/network-rows";
export const SUB1 = "11111111-1111-1111-1111-111111111111";
export const SUB2 = "22222222-2222-2222-2222-222222222222";

export type Row = Record<string, unknown>;

export const ids = {
  vnet: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/${name}`,
  subnet: (vnet: string, name: string, sub = SUB1) => `${ids.vnet(vnet, sub)}/subnets/${name}`,
  nsg: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/${name}`,
  mi: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/${name}`,
  gateway: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworkGateways/${name}`,
  circuit: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/expressRouteCircuits/${name}`,
  connection: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/connections/${name}`,
  site: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-app/providers/Microsoft.Web/sites/${name}`,
  ase: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-app/providers/Microsoft.Web/hostingEnvironments/${name}`,
  nic: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-vm/providers/Microsoft.Network/networkInterfaces/${name}`,
  natGateway: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/natGateways/${name}`,
  privateEndpoint: (name: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-pe/providers/Microsoft.Network/privateEndpoints/${name}`,
  dnsLink: (zone: string, link: string, sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/${zone}/virtualNetworkLinks/${link}`,
  flowLog: (name: string, region = "westeurope", sub = SUB1) =>
    `/subscriptions/${sub}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_${region}/flowLogs/${name}`,
};

function base(type: string, id: string, extra: Row = {}): Row {
  const segments = id.split("/");
  return {
    id,
    name: segments[segments.length - 1],
    type,
    location: "westeurope",
    subscriptionId: segments[2],
    resourceGroup: segments[4],
    tags: {},
    ...extra,
  };
}

export interface RuleSpec {
  name: string;
  priority: number;
  direction?: "Inbound" | "Outbound";
  access?: "Allow" | "Deny";
  protocol?: string;
  source?: string | string[];
  destination?: string | string[];
  ports?: string | string[];
  extra?: Row;
}

/** An Inbound Allow Tcp rule from anywhere to anywhere on any port unless the spec says otherwise; `extra` overrides any field, malformed values included. */
export function securityRule(spec: RuleSpec): Row {
  const row = ruleRow({
    name: spec.name,
    priority: spec.priority,
    direction: spec.direction ?? "Inbound",
    access: spec.access ?? "Allow",
    protocol: spec.protocol ?? "Tcp",
    source: spec.source ?? "*",
    destination: spec.destination ?? "*",
    ports: spec.ports ?? "*",
  });
  return { ...row, properties: { ...(row["properties"] as Row), ...spec.extra } };
}

export function nsgRow(
  name: string,
  rules: unknown[],
  opts: { subnets?: string[]; nics?: string[]; sub?: string } = {},
): Row {
  return base("microsoft.network/networksecuritygroups", ids.nsg(name, opts.sub), {
    properties: {
      securityRules: rules.map((r) =>
        r !== null && typeof r === "object" && "priority" in r && "name" in r ? securityRule(r as RuleSpec) : r,
      ),
      subnets: (opts.subnets ?? []).map((id) => ({ id })),
      networkInterfaces: (opts.nics ?? []).map((id) => ({ id })),
    },
  });
}

export interface SubnetSpec {
  name: string;
  prefix: string;
  nsg?: string;
  delegation?: string;
  ipConfigurations?: string[];
  /** NAT gateway id, as `properties.natGateway.id` (route tables: withRouteTable in test/rules/network-rows.ts). */
  natGateway?: string;
}

export interface PeeringSpec {
  name?: string;
  remote: string;
  state?: string;
  sync?: string;
  useRemoteGateways?: boolean;
  allowGatewayTransit?: boolean;
  remotePrefixes?: string[];
}

export function vnetRow(
  name: string,
  prefixes: string[],
  subnets: SubnetSpec[],
  peerings: PeeringSpec[] | null = [],
  opts: { sub?: string; location?: string } = {},
): Row {
  const vnetId = ids.vnet(name, opts.sub);
  const properties: Row = {
    addressSpace: { addressPrefixes: prefixes },
    subnets: subnets.map((s) => {
      const entry = subnetEntry(vnetId, {
        name: s.name,
        prefix: s.prefix,
        nsgId: s.nsg || undefined,
        delegation: s.delegation || undefined,
        ipConfigurationIds: s.ipConfigurations,
      }) as { properties: Row };
      if (s.natGateway !== undefined) entry.properties["natGateway"] = { id: s.natGateway };
      return entry;
    }),
  };
  if (peerings !== null) {
    properties["virtualNetworkPeerings"] = peerings.map((p, i) =>
      peeringEntry({
        name: p.name ?? `peering${i}`,
        remoteVnetId: p.remote,
        remotePrefixes: p.remotePrefixes ?? [],
        state: p.state ?? "Connected",
        syncLevel: p.sync,
        allowGatewayTransit: p.allowGatewayTransit ?? false,
        useRemoteGateways: p.useRemoteGateways ?? false,
      }),
    );
  }
  return base("microsoft.network/virtualnetworks", vnetId, { location: opts.location ?? "westeurope", properties });
}

export function miRow(name: string, subnetId: string | undefined, props: Row = {}, extra: Row = {}): Row {
  return base("microsoft.sql/managedinstances", ids.mi(name), {
    properties: {
      ...(subnetId === undefined ? {} : { subnetId }),
      publicDataEndpointEnabled: false,
      minimalTlsVersion: "1.2",
      proxyOverride: "Default",
      administrators: { azureADOnlyAuthentication: true },
      ...props,
    },
    ...extra,
  });
}

export function siteRow(name: string, props: Row, identity: Row | null = { type: "SystemAssigned" }, sub = SUB1): Row {
  return base("microsoft.web/sites", ids.site(name, sub), { properties: props, identity });
}

export function gatewayRow(name: string, vnetId: string, gatewayType = "ExpressRoute"): Row {
  return base("microsoft.network/virtualnetworkgateways", ids.gateway(name), {
    properties: {
      gatewayType,
      ipConfigurations: [{ name: "default", properties: { subnet: { id: `${vnetId}/subnets/GatewaySubnet` } } }],
    },
  });
}

export function circuitRow(name: string, peerings: [string, string][] | null): Row {
  return base("microsoft.network/expressroutecircuits", ids.circuit(name), {
    properties:
      peerings === null
        ? {}
        : {
            peerings: peerings.map(([peeringType, state]) => ({
              name: peeringType,
              properties: { peeringType, state },
            })),
          },
  });
}

export function connectionRow(name: string, gatewayId: string, circuitId: string): Row {
  return base("microsoft.network/connections", ids.connection(name), {
    properties: { connectionType: "ExpressRoute", virtualNetworkGateway1: { id: gatewayId }, peer: { id: circuitId } },
  });
}

export function aseRow(name: string, subnetId: string | undefined): Row {
  return base("microsoft.web/hostingenvironments", ids.ase(name), {
    properties: subnetId === undefined ? {} : { virtualNetwork: { id: subnetId } },
  });
}

export function nicRow(name: string, subnetId: string, ip: string, nsgId?: string): Row {
  return base("microsoft.network/networkinterfaces", ids.nic(name), {
    properties: {
      ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
      ipConfigurations: [{ name: "ipconfig1", properties: { privateIPAddress: ip, subnet: { id: subnetId } } }],
    },
  });
}

export function publicIpRow(name: string, ipAddress: string): Row {
  return base(
    "microsoft.network/publicipaddresses",
    `/subscriptions/${SUB1}/resourceGroups/rg-net/providers/Microsoft.Network/publicIPAddresses/${name}`,
    { properties: { ipAddress } },
  );
}

/** A private DNS zone's link to a VNet, as Resource Graph returns it (location `global`). */
export function dnsLinkRow(zone: string, link: string, vnetId: string, props: Row = {}, sub = SUB1): Row {
  return base("microsoft.network/privatednszones/virtualnetworklinks", ids.dnsLink(zone, link, sub), {
    location: "global",
    properties: {
      virtualNetwork: { id: vnetId },
      registrationEnabled: false,
      virtualNetworkLinkState: "Completed",
      provisioningState: "Succeeded",
      ...props,
    },
  });
}

/** A Network Watcher flow log of `targetId` (a VNet, subnet, NIC or, for the legacy kind, an NSG). */
export function flowLogRow(name: string, targetId: string, props: Row = {}): Row {
  return base("microsoft.network/networkwatchers/flowlogs", ids.flowLog(name), {
    properties: {
      targetResourceId: targetId,
      storageId: `/subscriptions/${SUB1}/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/flowlogs`,
      enabled: true,
      retentionPolicy: { days: 90, enabled: true },
      format: { type: "JSON", version: 2 },
      ...props,
    },
  });
}

/** An entry of an MI's `properties.privateEndpointConnections`, from the private endpoint `endpointId`. */
export function privateEndpointConnection(miName: string, name: string, endpointId: string, status: string): Row {
  return {
    id: `${ids.mi(miName)}/privateEndpointConnections/${name}`,
    properties: {
      privateEndpoint: { id: endpointId },
      privateLinkServiceConnectionState: { status, description: "", actionsRequired: "None" },
      provisioningState: "Ready",
    },
  };
}
