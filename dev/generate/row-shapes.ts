// Resource Graph rows for the generated estate, one builder per type, in the shapes samples/build-sample-estate.mjs
// documents (`type` lower case, ids in Azure's own mixed case, `resourceGroup` lower case, relations as `{ id }`).
import { AUDITED_TYPES } from "../../src/model/row";
import { defaultSecurityRules, type RuleRow } from "./nsg-rule-sets";

export type Row = Record<string, unknown>;

/** Where a resource lives: subscription, resource group, region and tags. */
export interface Placement {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
}

export function resourceId(place: Placement, provider: string, ...path: string[]): string {
  return `/subscriptions/${place.subscriptionId}/resourceGroups/${place.resourceGroup}/providers/${provider}/${path.join("/")}`;
}

/** The same id with subscription and resource group upper-cased, as some ARM payloads spell references. */
export function upperCased(id: string): string {
  return id.replace(/^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/, (_, s: string, g: string) => `/subscriptions/${s.toUpperCase()}/resourceGroups/${g.toUpperCase()}`);
}

function base(type: string, place: Placement, name: string, id: string, extra: { properties: Row; identity?: unknown; sku?: unknown; kind?: string }): Row {
  return {
    id,
    name,
    type,
    location: place.location,
    subscriptionId: place.subscriptionId,
    resourceGroup: place.resourceGroup.toLowerCase(),
    tags: place.tags,
    identity: extra.identity ?? null,
    sku: extra.sku ?? null,
    kind: extra.kind ?? "",
    properties: extra.properties,
  };
}

export interface SubnetSpec {
  name: string;
  prefix: string;
  nsgId?: string;
  delegation?: string;
  /** ids of ip configurations in the subnet (NICs, gateways), as the VNet row lists them. */
  ipConfigurationIds: string[];
}

export interface PeeringSpec {
  name: string;
  remoteVnetId: string;
  remotePrefixes: string[];
  state: string;
  syncLevel: string;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
}

export function virtualNetworkRow(place: Placement, name: string, prefixes: string[], subnets: SubnetSpec[], peerings: PeeringSpec[]): Row {
  const id = resourceId(place, "Microsoft.Network", "virtualNetworks", name);
  return base(AUDITED_TYPES.virtualNetwork, place, name, id, {
    properties: {
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: prefixes },
      enableDdosProtection: false,
      subnets: subnets.map((s) => ({
        name: s.name,
        id: `${id}/subnets/${s.name}`,
        properties: {
          provisioningState: "Succeeded",
          addressPrefix: s.prefix,
          ...(s.nsgId === undefined ? {} : { networkSecurityGroup: { id: s.nsgId } }),
          delegations: s.delegation === undefined ? [] : [{ name: "delegation", properties: { serviceName: s.delegation } }],
          ipConfigurations: s.ipConfigurationIds.map((configId) => ({ id: configId })),
          privateEndpointNetworkPolicies: "Disabled",
        },
      })),
      virtualNetworkPeerings: peerings.map((p) => ({
        name: p.name,
        id: `${id}/virtualNetworkPeerings/${p.name}`,
        properties: {
          peeringState: p.state,
          peeringSyncLevel: p.syncLevel,
          remoteVirtualNetwork: { id: p.remoteVnetId },
          allowVirtualNetworkAccess: true,
          allowForwardedTraffic: true,
          allowGatewayTransit: p.allowGatewayTransit,
          useRemoteGateways: p.useRemoteGateways,
          remoteAddressSpace: { addressPrefixes: p.remotePrefixes },
        },
      })),
    },
  });
}

export function networkSecurityGroupRow(place: Placement, name: string, rules: RuleRow[], subnetIds: string[], nicIds: string[], withDefaults = true): Row {
  const id = resourceId(place, "Microsoft.Network", "networkSecurityGroups", name);
  return base(AUDITED_TYPES.networkSecurityGroup, place, name, id, {
    properties: {
      provisioningState: "Succeeded",
      securityRules: rules,
      ...(withDefaults ? { defaultSecurityRules: defaultSecurityRules(id) } : {}),
      subnets: subnetIds.map((s) => ({ id: s })),
      networkInterfaces: nicIds.map((n) => ({ id: n })),
    },
  });
}

export interface ManagedInstanceSpec {
  subnetId: string;
  publicDataEndpointEnabled: boolean;
  proxyOverride: string;
  /** undefined: the property is absent. */
  minimalTlsVersion?: string;
  /** undefined: no `administrators` block. */
  entraOnly?: boolean;
}

export function managedInstanceRow(place: Placement, name: string, spec: ManagedInstanceSpec, dnsZone: string): Row {
  return base(AUDITED_TYPES.managedInstance, place, name, resourceId(place, "Microsoft.Sql", "managedInstances", name), {
    sku: { name: "GP_Gen5", tier: "GeneralPurpose", family: "Gen5", capacity: 8 },
    identity: { type: "SystemAssigned", principalId: "00000000-0000-0000-0000-000000000000" },
    properties: {
      provisioningState: "Succeeded",
      state: "Ready",
      fullyQualifiedDomainName: `${name}.${dnsZone}.database.windows.net`,
      administratorLogin: "miadmin",
      subnetId: spec.subnetId,
      vCores: 8,
      storageSizeInGB: 256,
      licenseType: "LicenseIncluded",
      collation: "SQL_Latin1_General_CP1_CI_AS",
      dnsZone,
      publicDataEndpointEnabled: spec.publicDataEndpointEnabled,
      proxyOverride: spec.proxyOverride,
      ...(spec.minimalTlsVersion === undefined ? {} : { minimalTlsVersion: spec.minimalTlsVersion }),
      ...(spec.entraOnly === undefined
        ? {}
        : {
            administrators: {
              administratorType: "ActiveDirectory",
              principalType: "Group",
              login: "sql-admins",
              sid: "11111111-2222-3333-4444-555555555555",
              tenantId: "99999999-8888-7777-6666-555555555555",
              azureADOnlyAuthentication: spec.entraOnly,
            },
          }),
    },
  });
}

export interface WebAppSpec {
  /** Regional VNet integration. */
  subnetId?: string;
  /** Gateway-required integration: the VNet name as App Service stores it. */
  vnetName?: string;
  /** null: no identity block at all. */
  identityType: string | null;
  planId: string;
}

export function webAppRow(place: Placement, name: string, spec: WebAppSpec, linux: boolean): Row {
  return base(AUDITED_TYPES.webApp, place, name, resourceId(place, "Microsoft.Web", "sites", name), {
    kind: linux ? "app,linux" : "app",
    identity: spec.identityType === null ? null : { type: spec.identityType, ...(spec.identityType === "None" ? {} : { principalId: "aaaaaaaa-0000-0000-0000-000000000001" }) },
    properties: {
      state: "Running",
      enabled: true,
      httpsOnly: true,
      serverFarmId: spec.planId,
      ...(spec.subnetId === undefined ? {} : { virtualNetworkSubnetId: spec.subnetId }),
      ...(spec.vnetName === undefined ? {} : { siteConfig: { vnetName: spec.vnetName } }),
    },
  });
}

export function appServiceEnvironmentRow(place: Placement, name: string, subnetId: string): Row {
  return base(AUDITED_TYPES.appServiceEnvironment, place, name, resourceId(place, "Microsoft.Web", "hostingEnvironments", name), {
    kind: "ASEV3",
    properties: { provisioningState: "Succeeded", virtualNetwork: { id: subnetId, type: "Microsoft.Network/virtualNetworks/subnets" }, internalLoadBalancingMode: "Web, Publishing" },
  });
}

export interface NicSpec {
  subnetId: string;
  privateIp: string;
  nsgId?: string;
  publicIpId?: string;
  vmId: string;
}

export function nicIpConfigurationId(nicId: string): string {
  return `${nicId}/ipConfigurations/ipconfig1`;
}

export function networkInterfaceRow(place: Placement, name: string, spec: NicSpec): Row {
  const id = resourceId(place, "Microsoft.Network", "networkInterfaces", name);
  return base(AUDITED_TYPES.networkInterface, place, name, id, {
    properties: {
      provisioningState: "Succeeded",
      ipConfigurations: [
        {
          name: "ipconfig1",
          id: nicIpConfigurationId(id),
          properties: {
            privateIPAddress: spec.privateIp,
            privateIPAllocationMethod: "Dynamic",
            primary: true,
            subnet: { id: spec.subnetId },
            ...(spec.publicIpId === undefined ? {} : { publicIPAddress: { id: spec.publicIpId } }),
          },
        },
      ],
      ...(spec.nsgId === undefined ? {} : { networkSecurityGroup: { id: spec.nsgId } }),
      virtualMachine: { id: spec.vmId },
      enableAcceleratedNetworking: true,
    },
  });
}

export function publicIpRow(place: Placement, name: string, address: string | undefined, attachedTo?: string): Row {
  return base(AUDITED_TYPES.publicIpAddress, place, name, resourceId(place, "Microsoft.Network", "publicIPAddresses", name), {
    sku: { name: "Standard", tier: "Regional" },
    properties: {
      provisioningState: "Succeeded",
      publicIPAllocationMethod: address === undefined ? "Dynamic" : "Static",
      publicIPAddressVersion: "IPv4",
      ...(address === undefined ? {} : { ipAddress: address }),
      ...(attachedTo === undefined ? {} : { ipConfiguration: { id: attachedTo } }),
    },
  });
}

export function publicIpPrefixRow(place: Placement, name: string, prefix: string): Row {
  return base(AUDITED_TYPES.publicIpPrefix, place, name, resourceId(place, "Microsoft.Network", "publicIPPrefixes", name), {
    sku: { name: "Standard", tier: "Regional" },
    properties: { prefixLength: Number(prefix.split("/")[1]), publicIPAddressVersion: "IPv4", ipPrefix: prefix },
  });
}

export function gatewayRow(place: Placement, name: string, vnetId: string, gatewayType: "ExpressRoute" | "Vpn", publicIpId: string): Row {
  const id = resourceId(place, "Microsoft.Network", "virtualNetworkGateways", name);
  return base(AUDITED_TYPES.virtualNetworkGateway, place, name, id, {
    properties: {
      gatewayType,
      vpnType: "RouteBased",
      sku: gatewayType === "ExpressRoute" ? { name: "ErGw1AZ", tier: "ErGw1AZ" } : { name: "VpnGw1", tier: "VpnGw1" },
      ipConfigurations: [
        { name: "default", id: `${id}/ipConfigurations/default`, properties: { subnet: { id: `${vnetId}/subnets/GatewaySubnet` }, publicIPAddress: { id: publicIpId }, privateIPAllocationMethod: "Dynamic" } },
      ],
    },
  });
}

export function gatewayIpConfigurationId(place: Placement, name: string): string {
  return `${resourceId(place, "Microsoft.Network", "virtualNetworkGateways", name)}/ipConfigurations/default`;
}

export function circuitRow(place: Placement, name: string, peerings: readonly (readonly [string, string])[]): Row {
  return base(AUDITED_TYPES.expressRouteCircuit, place, name, resourceId(place, "Microsoft.Network", "expressRouteCircuits", name), {
    sku: { name: "Standard_MeteredData", tier: "Standard", family: "MeteredData" },
    properties: {
      circuitProvisioningState: "Enabled",
      serviceProviderProvisioningState: "Provisioned",
      serviceProviderProperties: { serviceProviderName: "Equinix", peeringLocation: "Amsterdam", bandwidthInMbps: 1000 },
      peerings: peerings.map(([peeringType, state]) => ({
        name: peeringType,
        properties: { peeringType, state, azureASN: 12076, peerASN: 65010, vlanId: peeringType === "MicrosoftPeering" ? 300 : 200 },
      })),
    },
  });
}

export function connectionRow(place: Placement, name: string, gatewayId: string, circuitId: string): Row {
  return base(AUDITED_TYPES.connection, place, name, resourceId(place, "Microsoft.Network", "connections", name), {
    properties: { connectionType: "ExpressRoute", virtualNetworkGateway1: { id: gatewayId }, peer: { id: circuitId }, routingWeight: 0, connectionStatus: "Connected" },
  });
}

/** A row of a type no rule reads (storage account, key vault): real exports contain them and the auditor ignores them. */
export function ignoredRow(place: Placement, name: string, storage: boolean): Row {
  return storage
    ? base("microsoft.storage/storageaccounts", place, name, resourceId(place, "Microsoft.Storage", "storageAccounts", name), { kind: "StorageV2", properties: { supportsHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2" } })
    : base("microsoft.keyvault/vaults", place, name, resourceId(place, "Microsoft.KeyVault", "vaults", name), { properties: { enableRbacAuthorization: true, publicNetworkAccess: "Disabled" } });
}
