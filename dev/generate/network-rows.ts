// Resource Graph rows of the Microsoft.Network types the auditor reads, one typed builder per type (plus the NSG rule
// and the subnet and peering inside a VNet). A field is written only when its spec gives it: the generator asks for
// everything Resource Graph lists (provisioning states, child ids, platform defaults), the sample estate for what it
// was written with, the test helpers for the bare fields a rule reads. `listed` means child objects carry the ids
// Resource Graph gives them.
import { DEFAULT_SECURITY_RULES } from "../../src/model/default-security-rules";
import { AUDITED_TYPES } from "../../src/model/row";
import { defined, resourceId, resourceRow, type Placement, type Row } from "./resource-rows";

export interface SecurityRuleSpec {
  name: string;
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  protocol: string;
  /** One value is written in the singular field, a list in the plural one; left out when ASGs stand in. */
  source?: string | string[];
  destination?: string | string[];
  ports: string | string[];
  sourceAsgs?: string[];
  destinationAsgs?: string[];
  description?: string;
}

/**
 * One NSG rule. Given the NSG's id, the rule is written as Resource Graph lists it: with its id, type and
 * provisioningState, and the empty plural list next to a singular value.
 */
export function securityRule(spec: SecurityRuleSpec, listedUnder?: string): Row {
  const listed = listedUnder !== undefined;
  const field = (value: string | string[] | undefined, singular: string, plural: string): Row =>
    value === undefined
      ? {}
      : Array.isArray(value)
        ? { [plural]: value }
        : listed
          ? { [singular]: value, [plural]: [] }
          : { [singular]: value };
  const properties: Row = {
    ...(listed ? { provisioningState: "Succeeded" } : {}),
    protocol: spec.protocol,
    sourcePortRange: "*",
    ...(spec.sourceAsgs === undefined ? field(spec.source, "sourceAddressPrefix", "sourceAddressPrefixes") : {}),
    ...(spec.destinationAsgs === undefined
      ? field(spec.destination, "destinationAddressPrefix", "destinationAddressPrefixes")
      : {}),
    ...field(spec.ports, "destinationPortRange", "destinationPortRanges"),
    access: spec.access,
    priority: spec.priority,
    direction: spec.direction,
    ...(spec.sourceAsgs === undefined
      ? {}
      : { sourceApplicationSecurityGroups: spec.sourceAsgs.map((id) => ({ id })) }),
    ...(spec.destinationAsgs === undefined
      ? {}
      : { destinationApplicationSecurityGroups: spec.destinationAsgs.map((id) => ({ id })) }),
    ...(spec.description === undefined ? {} : { description: spec.description }),
  };
  return listed
    ? {
        name: spec.name,
        id: `${listedUnder}/securityRules/${spec.name}`,
        type: "Microsoft.Network/networkSecurityGroups/securityRules",
        properties,
      }
    : { name: spec.name, properties };
}

/**
 * The six platform rules (DEFAULT_SECURITY_RULES) under `defaultSecurityRules`, each value in its singular field; given
 * the NSG's id, with ids as Resource Graph lists them.
 */
export function defaultSecurityRules(listedUnder?: string): Row[] {
  return DEFAULT_SECURITY_RULES.map((rule) => {
    const properties = {
      description: rule.description,
      protocol: rule.protocol,
      sourcePortRange: rule.sourcePortRanges[0],
      destinationPortRange: rule.destinationPortRanges[0],
      sourceAddressPrefix: rule.sourceAddressPrefixes[0],
      destinationAddressPrefix: rule.destinationAddressPrefixes[0],
      access: rule.access,
      priority: rule.priority,
      direction: rule.direction,
    };
    const name = rule.name;
    return listedUnder === undefined
      ? { name, properties }
      : {
          name,
          id: `${listedUnder}/defaultSecurityRules/${name}`,
          type: "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
          properties: { provisioningState: "Succeeded", ...properties },
        };
  });
}

export interface NetworkSecurityGroupSpec {
  /** Rows from securityRule; anything else is a corrupted rule, as half-finished deployments leave them. */
  rules: readonly unknown[];
  subnetIds?: readonly string[];
  nicIds?: readonly string[];
  /** Write the six platform rules under `defaultSecurityRules`. */
  withDefaults?: boolean;
  provisioningState?: string;
  /** The platform rules carry their ids. */
  listed?: boolean;
}

export function networkSecurityGroupRow(place: Placement, name: string, spec: NetworkSecurityGroupSpec): Row {
  const id = resourceId(place, "Microsoft.Network", "networkSecurityGroups", name);
  return resourceRow(
    AUDITED_TYPES.networkSecurityGroup,
    place,
    name,
    id,
    defined({
      provisioningState: spec.provisioningState,
      securityRules: spec.rules,
      defaultSecurityRules:
        spec.withDefaults === true ? defaultSecurityRules(spec.listed === true ? id : undefined) : undefined,
      subnets: (spec.subnetIds ?? []).map((subnetId) => ({ id: subnetId })),
      networkInterfaces: (spec.nicIds ?? []).map((nicId) => ({ id: nicId })),
    }),
  );
}

export interface SubnetSpec {
  name: string;
  prefix: string;
  nsgId?: string;
  delegation?: string;
  /** ids of ip configurations in the subnet (NICs, gateways), as the VNet row lists them; absent: no such property. */
  ipConfigurationIds?: string[];
  routeTableId?: string;
  natGatewayId?: string;
}

export interface PeeringSpec {
  name: string;
  remoteVnetId: string;
  remotePrefixes: string[];
  state: string;
  syncLevel?: string;
  /** Absent: the access cannot be read, which the auditor does not take for Azure's default. */
  allowVirtualNetworkAccess?: boolean;
  allowForwardedTraffic?: boolean;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
}

export interface VirtualNetworkSpec {
  prefixes: string[];
  subnets: SubnetSpec[];
  /** null: no `virtualNetworkPeerings` property at all. */
  peerings: PeeringSpec[] | null;
  /** The VNet's and its subnets'. */
  provisioningState?: string;
  enableDdosProtection?: boolean;
  /** Every subnet's. */
  privateEndpointNetworkPolicies?: string;
  /** Peerings carry their ids. */
  listed?: boolean;
  /** Top-level `createdTime` (ISO 8601), which only ARM serves. */
  createdTime?: string;
}

export function subnetEntry(
  vnetId: string,
  subnet: SubnetSpec,
  common: Pick<VirtualNetworkSpec, "provisioningState" | "privateEndpointNetworkPolicies"> = {},
): Row {
  return {
    name: subnet.name,
    id: `${vnetId}/subnets/${subnet.name}`,
    properties: defined({
      provisioningState: common.provisioningState,
      addressPrefix: subnet.prefix,
      networkSecurityGroup: subnet.nsgId === undefined ? undefined : { id: subnet.nsgId },
      routeTable: subnet.routeTableId === undefined ? undefined : { id: subnet.routeTableId },
      natGateway: subnet.natGatewayId === undefined ? undefined : { id: subnet.natGatewayId },
      delegations:
        subnet.delegation === undefined ? [] : [{ name: "delegation", properties: { serviceName: subnet.delegation } }],
      ipConfigurations: subnet.ipConfigurationIds?.map((configId) => ({ id: configId })),
      privateEndpointNetworkPolicies: common.privateEndpointNetworkPolicies,
    }),
  };
}

export function peeringEntry(peering: PeeringSpec, listedUnder?: string): Row {
  return defined({
    name: peering.name,
    id: listedUnder === undefined ? undefined : `${listedUnder}/virtualNetworkPeerings/${peering.name}`,
    properties: defined({
      peeringState: peering.state,
      peeringSyncLevel: peering.syncLevel,
      remoteVirtualNetwork: { id: peering.remoteVnetId },
      allowVirtualNetworkAccess: peering.allowVirtualNetworkAccess,
      allowForwardedTraffic: peering.allowForwardedTraffic,
      allowGatewayTransit: peering.allowGatewayTransit,
      useRemoteGateways: peering.useRemoteGateways,
      remoteAddressSpace: { addressPrefixes: peering.remotePrefixes },
    }),
  });
}

export function virtualNetworkRow(place: Placement, name: string, spec: VirtualNetworkSpec): Row {
  const id = resourceId(place, "Microsoft.Network", "virtualNetworks", name);
  return resourceRow(
    AUDITED_TYPES.virtualNetwork,
    place,
    name,
    id,
    defined({
      provisioningState: spec.provisioningState,
      addressSpace: { addressPrefixes: spec.prefixes },
      enableDdosProtection: spec.enableDdosProtection,
      subnets: spec.subnets.map((subnet) => subnetEntry(id, subnet, spec)),
      virtualNetworkPeerings: spec.peerings?.map((peering) =>
        peeringEntry(peering, spec.listed === true ? id : undefined),
      ),
    }),
    spec.createdTime === undefined ? {} : { createdTime: spec.createdTime },
  );
}

export interface NetworkInterfaceSpec {
  subnetId: string;
  privateIp: string;
  nsgId?: string;
  publicIpId?: string;
  vmId?: string;
  privateIpAllocation?: "Dynamic" | "Static";
  primary?: boolean;
  acceleratedNetworking?: boolean;
  provisioningState?: string;
  /** The ip configuration carries its id. */
  listed?: boolean;
}

export function nicIpConfigurationId(nicId: string): string {
  return `${nicId}/ipConfigurations/ipconfig1`;
}

export function networkInterfaceRow(place: Placement, name: string, spec: NetworkInterfaceSpec): Row {
  const id = resourceId(place, "Microsoft.Network", "networkInterfaces", name);
  const ipConfiguration = defined({
    name: "ipconfig1",
    id: spec.listed === true ? nicIpConfigurationId(id) : undefined,
    properties: defined({
      privateIPAddress: spec.privateIp,
      privateIPAllocationMethod: spec.privateIpAllocation,
      primary: spec.primary,
      subnet: { id: spec.subnetId },
      publicIPAddress: spec.publicIpId === undefined ? undefined : { id: spec.publicIpId },
    }),
  });
  return resourceRow(
    AUDITED_TYPES.networkInterface,
    place,
    name,
    id,
    defined({
      provisioningState: spec.provisioningState,
      networkSecurityGroup: spec.nsgId === undefined ? undefined : { id: spec.nsgId },
      ipConfigurations: [ipConfiguration],
      virtualMachine: spec.vmId === undefined ? undefined : { id: spec.vmId },
      enableAcceleratedNetworking: spec.acceleratedNetworking,
    }),
  );
}

export interface PublicIpSpec {
  /** Absent: a dynamic address not allocated yet. */
  address?: string;
  /** The ip configuration it is attached to. */
  attachedTo?: string;
  /** The public IP prefix it was allocated from. */
  prefixId?: string;
  /** The NAT gateway that uses it for outbound traffic. */
  natGatewayId?: string;
  provisioningState?: string;
}

export function publicIpRow(place: Placement, name: string, spec: PublicIpSpec): Row {
  return resourceRow(
    AUDITED_TYPES.publicIpAddress,
    place,
    name,
    resourceId(place, "Microsoft.Network", "publicIPAddresses", name),
    defined({
      provisioningState: spec.provisioningState,
      publicIPAllocationMethod: spec.address === undefined ? "Dynamic" : "Static",
      publicIPAddressVersion: "IPv4",
      ipAddress: spec.address,
      ipConfiguration: spec.attachedTo === undefined ? undefined : { id: spec.attachedTo },
      publicIPPrefix: spec.prefixId === undefined ? undefined : { id: spec.prefixId },
      natGateway: spec.natGatewayId === undefined ? undefined : { id: spec.natGatewayId },
    }),
    { sku: { name: "Standard", tier: "Regional" } },
  );
}

export function publicIpPrefixRow(place: Placement, name: string, prefix: string): Row {
  return resourceRow(
    AUDITED_TYPES.publicIpPrefix,
    place,
    name,
    resourceId(place, "Microsoft.Network", "publicIPPrefixes", name),
    { prefixLength: Number(prefix.split("/")[1]), publicIPAddressVersion: "IPv4", ipPrefix: prefix },
    { sku: { name: "Standard", tier: "Regional" } },
  );
}

export interface GatewaySpec {
  vnetId: string;
  gatewayType: "ExpressRoute" | "Vpn";
  publicIpId?: string;
  /** Default: ErGw1AZ for ExpressRoute, VpnGw1 for VPN. */
  sku?: { name: string; tier: string };
  /** The ip configuration carries its id. */
  listed?: boolean;
}

export function gatewayIpConfigurationId(place: Placement, name: string): string {
  return `${resourceId(place, "Microsoft.Network", "virtualNetworkGateways", name)}/ipConfigurations/default`;
}

export function gatewayRow(place: Placement, name: string, spec: GatewaySpec): Row {
  const ipConfiguration = defined({
    name: "default",
    id: spec.listed === true ? gatewayIpConfigurationId(place, name) : undefined,
    properties: defined({
      subnet: { id: `${spec.vnetId}/subnets/GatewaySubnet` },
      publicIPAddress: spec.publicIpId === undefined ? undefined : { id: spec.publicIpId },
      privateIPAllocationMethod: "Dynamic",
    }),
  });
  return resourceRow(
    AUDITED_TYPES.virtualNetworkGateway,
    place,
    name,
    resourceId(place, "Microsoft.Network", "virtualNetworkGateways", name),
    {
      gatewayType: spec.gatewayType,
      vpnType: "RouteBased",
      sku:
        spec.sku ??
        (spec.gatewayType === "ExpressRoute"
          ? { name: "ErGw1AZ", tier: "ErGw1AZ" }
          : { name: "VpnGw1", tier: "VpnGw1" }),
      ipConfigurations: [ipConfiguration],
    },
  );
}

/** `peerings`: [peeringType, state] pairs, e.g. ["AzurePrivatePeering", "Enabled"]. */
export function circuitRow(place: Placement, name: string, peerings: readonly (readonly [string, string])[]): Row {
  return resourceRow(
    AUDITED_TYPES.expressRouteCircuit,
    place,
    name,
    resourceId(place, "Microsoft.Network", "expressRouteCircuits", name),
    {
      circuitProvisioningState: "Enabled",
      serviceProviderProvisioningState: "Provisioned",
      serviceProviderProperties: {
        serviceProviderName: "Equinix",
        peeringLocation: "Amsterdam",
        bandwidthInMbps: 1000,
      },
      peerings: peerings.map(([peeringType, state]) => ({
        name: peeringType,
        properties: {
          peeringType,
          state,
          azureASN: 12076,
          peerASN: 65010,
          vlanId: peeringType === "MicrosoftPeering" ? 300 : 200,
        },
      })),
    },
    { sku: { name: "Standard_MeteredData", tier: "Standard", family: "MeteredData" } },
  );
}

export function connectionRow(place: Placement, name: string, gatewayId: string, circuitId: string): Row {
  return resourceRow(
    AUDITED_TYPES.connection,
    place,
    name,
    resourceId(place, "Microsoft.Network", "connections", name),
    {
      connectionType: "ExpressRoute",
      virtualNetworkGateway1: { id: gatewayId },
      peer: { id: circuitId },
      routingWeight: 0,
      connectionStatus: "Connected",
    },
  );
}
