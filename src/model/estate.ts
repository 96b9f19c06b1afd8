// The typed, indexed estate: what the rules read. Built once from Resource Graph rows by build-estate.ts.
// Every cross-reference is a normalised key (see arm-id.ts); lookups go through the maps below, never scans.
import type { PolicyObjects } from "./policy-objects";

export type ResourceKind =
  | "managedInstance"
  | "networkSecurityGroup"
  | "virtualNetwork"
  | "subnet"
  | "virtualNetworkGateway"
  | "connection"
  | "expressRouteCircuit"
  | "publicIpAddress"
  | "publicIpPrefix"
  | "webApp"
  | "appServiceEnvironment"
  | "networkInterface"
  | "localNetworkGateway"
  | "routeTable"
  | "privateDnsZoneLink"
  | "flowLog";

/** A problem with the input data that makes some verdicts about this resource `unknown`. */
export interface DataIssue {
  /** The field path that was missing or malformed, e.g. `properties.securityRules[2].properties.priority`. */
  field: string;
  problem: string;
}

export interface ResourceBase {
  kind: ResourceKind;
  /** The id exactly as Azure spelled it. */
  id: string;
  /** The normalised, case-folded id used for every lookup. */
  key: string;
  name: string;
  /** Resource Graph type, lower case (`microsoft.sql/managedinstances`). */
  type: string;
  location: string;
  subscriptionId: string;
  resourceGroup: string;
  tags: Record<string, string>;
  issues: DataIssue[];
  /**
   * When the resource was created (ISO 8601, as ARM writes it). Only ARM's resources list with `$expand=createdTime`
   * gives it (Resource Graph has no such column): collection asks for it for MIs and VNets; undefined otherwise.
   */
  createdTime?: string;
}

export interface ManagedInstance extends ResourceBase {
  kind: "managedInstance";
  subnetKey?: string;
  subnetId?: string;
  /** undefined when the field is missing or malformed. */
  publicDataEndpointEnabled?: boolean;
  minimalTlsVersion?: string;
  proxyOverride?: string;
  /** Entra-only authentication; undefined when not known. */
  entraOnlyAuthentication?: boolean;
  /** Where `entraOnlyAuthentication` came from. */
  entraOnlySource?: "administrators" | "azureADOnlyAuthentications";
  /** Private endpoint connections to the instance; undefined when the row carries no such field. */
  privateEndpointConnections?: MiPrivateEndpointConnection[];
}

/** A private endpoint connection to a managed instance (`properties.privateEndpointConnections[]`). */
export interface MiPrivateEndpointConnection {
  id: string;
  name: string;
  /** The private endpoint on the client's side (`properties.privateEndpoint.id`). */
  privateEndpointId?: string;
  /** Lower-case subscription of the private endpoint, from its id. */
  privateEndpointSubscriptionId?: string;
  /** `properties.privateLinkServiceConnectionState.status` as written: Approved, Pending, Rejected, Disconnected. */
  status?: string;
  description?: string;
}

export type RuleAccess = "Allow" | "Deny";
export type RuleDirection = "Inbound" | "Outbound";

/** A security rule with singular and plural fields merged. Unparseable values are kept as written and flagged. */
export interface SecurityRule {
  name: string;
  priority: number;
  direction: RuleDirection;
  access: RuleAccess;
  /** `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `*`, as written. */
  protocol: string;
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  sourcePortRanges: string[];
  destinationPortRanges: string[];
  /** Application security group ids (normalised keys); their membership is unknown to the NSG evaluator. */
  sourceApplicationSecurityGroups: string[];
  destinationApplicationSecurityGroups: string[];
  description?: string;
  isDefault: boolean;
  /** Problems found while reading this rule. A rule with issues is treated as uncertain. */
  issues: string[];
}

export interface NetworkSecurityGroup extends ResourceBase {
  kind: "networkSecurityGroup";
  /** Custom plus default rules. Not sorted. */
  rules: SecurityRule[];
  /** True when `defaultSecurityRules` was absent and the six platform defaults were supplied. */
  defaultsAssumed: boolean;
  /** Subnets and NICs this NSG is associated with, as the NSG row lists them. */
  subnetKeys: string[];
  networkInterfaceKeys: string[];
}

export interface Subnet extends ResourceBase {
  kind: "subnet";
  vnetKey: string;
  addressPrefixes: string[];
  nsgKey?: string;
  /** Delegation service names, lower case (`microsoft.sql/managedinstances`). */
  delegations: string[];
  /** Keys of the resources whose ip configurations the subnet lists (NICs, load balancers, gateways). */
  ipConfigurationOwnerKeys: string[];
  /** The route table associated with the subnet (from either side of the reference). */
  routeTableKey?: string;
  routeTableId?: string;
  /** The NAT gateway associated with the subnet (`properties.natGateway.id`). */
  natGatewayKey?: string;
  natGatewayId?: string;
}

export interface Peering {
  name: string;
  id: string;
  remoteVnetKey?: string;
  remoteVnetId?: string;
  peeringState?: string;
  peeringSyncLevel?: string;
  allowGatewayTransit?: boolean;
  useRemoteGateways?: boolean;
  allowForwardedTraffic?: boolean;
  /**
   * Whether VMs of this VNet may reach the remote one. Azure's default when the field is absent is true, so absent
   * reads as true here; false only when the row says so (the remote space then leaves the VirtualNetwork tag);
   * undefined when the field is present but unreadable (a data issue of the VNet).
   */
  allowVirtualNetworkAccess: boolean | undefined;
  /** Address space of the remote VNet as the peering reports it. */
  remoteAddressPrefixes: string[];
}

export interface VirtualNetwork extends ResourceBase {
  kind: "virtualNetwork";
  addressPrefixes: string[];
  subnetKeys: string[];
  /** undefined when the row carried no peerings field at all (enrichment may fill it). */
  peerings?: Peering[];
}

export interface VirtualNetworkGateway extends ResourceBase {
  kind: "virtualNetworkGateway";
  gatewayType?: string;
  vnetKey?: string;
}

export interface Connection extends ResourceBase {
  kind: "connection";
  /** `Vnet2Vnet`, `IPsec`, `ExpressRoute` (or `VPNClient`), as written. */
  connectionType?: string;
  /** Both VNet gateways the connection names (`virtualNetworkGateway1` and, for Vnet2Vnet, `virtualNetworkGateway2`). */
  gatewayKeys: string[];
  gateway1Key?: string;
  gateway2Key?: string;
  /** IPsec (site-to-site): the local network gateway that stands for the on-premises site. */
  localNetworkGatewayKey?: string;
  /** The on-premises space as embedded in the connection's `localNetworkGateway2`, when the row carries it. */
  embeddedLocalAddressPrefixes?: string[];
  circuitKey?: string;
  /** `enableBgp` as written; BGP can announce ranges beyond the local network gateway's address space. */
  enableBgp?: boolean;
  /** `Connected`, `Connecting`, `NotConnected` or `Unknown`, when the row carries it (recorded, not used for paths). */
  connectionStatus?: string;
}

/** An on-premises site of a site-to-site (IPsec) connection. */
export interface LocalNetworkGateway extends ResourceBase {
  kind: "localNetworkGateway";
  /** `properties.localNetworkAddressSpace.addressPrefixes`: the on-premises ranges routed over the tunnel. */
  addressPrefixes: string[];
  /** True when `properties.bgpSettings` is present: the site may announce more ranges over BGP. */
  bgpEnabled: boolean;
}

export interface Route {
  name: string;
  /** A CIDR, or a service tag (Azure accepts tags in routes), as written. */
  addressPrefix?: string;
  nextHopType?: string;
}

export interface RouteTable extends ResourceBase {
  kind: "routeTable";
  /** undefined when the row carried no routes field at all. */
  routes?: Route[];
  disableBgpRoutePropagation?: boolean;
  /** Subnets the route table lists as associated. */
  subnetKeys: string[];
}

export interface CircuitPeering {
  name: string;
  peeringType?: string;
  state?: string;
}

export interface ExpressRouteCircuit extends ResourceBase {
  kind: "expressRouteCircuit";
  /** undefined when the row carried no peerings (enrichment may fill it). */
  peerings?: CircuitPeering[];
  serviceProviderProvisioningState?: string;
}

/** A private DNS zone's link to a VNet: the VNet's resolvers answer the zone's names from the zone. */
export interface PrivateDnsZoneLink extends ResourceBase {
  kind: "privateDnsZoneLink";
  /** The zone's name, lower case, from the link id (`.../privateDnsZones/<zone>/virtualNetworkLinks/<link>`). */
  zoneName: string;
  vnetId?: string;
  vnetKey?: string;
  registrationEnabled?: boolean;
  /** `properties.virtualNetworkLinkState` as written (`Completed`, `InProgress`). */
  linkState?: string;
}

/** A Network Watcher flow log: a VNet flow log (VNet, subnet or NIC target) or a legacy NSG flow log. */
export interface FlowLog extends ResourceBase {
  kind: "flowLog";
  targetResourceId?: string;
  targetKey?: string;
  /**
   * Lower-case ARM type of the target, from its id: `microsoft.network/virtualnetworks`,
   * `microsoft.network/virtualnetworks/subnets`, `microsoft.network/networkinterfaces` or
   * `microsoft.network/networksecuritygroups` (an NSG flow log).
   */
  targetType?: string;
  enabled?: boolean;
  retentionEnabled?: boolean;
  retentionDays?: number;
}

export interface PublicIpAddress extends ResourceBase {
  kind: "publicIpAddress";
  ipAddress?: string;
}

export interface PublicIpPrefix extends ResourceBase {
  kind: "publicIpPrefix";
  ipPrefix?: string;
}

export interface WebApp extends ResourceBase {
  kind: "webApp";
  /** `identity.type` as written; undefined when absent. */
  identityType?: string;
  /** Regional VNet integration subnet. */
  integrationSubnetKey?: string;
  integrationSubnetId?: string;
  /** Gateway-required integration: the VNet name with any `<guid>_` prefix stripped. */
  gatewayVnetName?: string;
  /** The VNet resolved from `gatewayVnetName` within the app's subscription. */
  gatewayVnetKey?: string;
}

export interface AppServiceEnvironment extends ResourceBase {
  kind: "appServiceEnvironment";
  subnetKey?: string;
  subnetId?: string;
}

export interface NetworkInterface extends ResourceBase {
  kind: "networkInterface";
  subnetKeys: string[];
  nsgKey?: string;
  privateIpAddresses: string[];
  /**
   * The application security groups the NIC's ip configurations join, each with the private addresses of those ip
   * configurations. `unreadable` says why an address of a member ip configuration could not be read (the ASG's
   * membership is then not fully known). Empty for most NICs.
   */
  applicationSecurityGroups: ApplicationSecurityGroupMembership[];
}

export interface ApplicationSecurityGroupMembership {
  /** Normalised key of the ASG. */
  key: string;
  addresses: string[];
  unreadable?: string;
}

export type Resource =
  | ManagedInstance
  | NetworkSecurityGroup
  | VirtualNetwork
  | Subnet
  | VirtualNetworkGateway
  | Connection
  | ExpressRouteCircuit
  | PublicIpAddress
  | PublicIpPrefix
  | WebApp
  | AppServiceEnvironment
  | NetworkInterface
  | LocalNetworkGateway
  | RouteTable
  | PrivateDnsZoneLink
  | FlowLog;

export type ResourceOfKind<K extends ResourceKind> = Extract<Resource, { kind: K }>;

/** A type (or family of types) that could not be read for some or all subscriptions. */
export interface CoverageGap {
  /** Resource Graph types that are missing, lower case. */
  types: string[];
  /** Subscriptions affected; `undefined` means every subscription in scope. */
  subscriptionIds?: string[];
  /**
   * When set, only verdicts on these resources are affected (a child read of one resource that failed, such as an
   * MI's Entra-only setting); the subscriptions then only say where they are. Unset: every resource in them.
   */
  resourceIds?: string[];
  reason: string;
}

/** The estate with its relations resolved once. All maps are keyed by normalised ARM id. */
export interface Estate {
  resources: Map<string, Resource>;
  byKind: { [K in ResourceKind]: ResourceOfKind<K>[] };
  /** subnet key → MIs, apps (regional integration), ASEs and NICs in it. */
  managedInstancesBySubnet: Map<string, ManagedInstance[]>;
  appsBySubnet: Map<string, WebApp[]>;
  aseBySubnet: Map<string, AppServiceEnvironment[]>;
  nicsBySubnet: Map<string, NetworkInterface[]>;
  /** NSG key → subnets and NICs associated with it (from both sides of the reference). */
  subnetsByNsg: Map<string, Subnet[]>;
  nicsByNsg: Map<string, NetworkInterface[]>;
  /** VNet key → gateways whose GatewaySubnet ip configuration sits in it. */
  gatewaysByVnet: Map<string, VirtualNetworkGateway[]>;
  /** gateway key → connections that use it; circuit key → connections that attach it. */
  connectionsByGateway: Map<string, Connection[]>;
  connectionsByCircuit: Map<string, Connection[]>;
  /** VNet key → web apps using gateway-required integration into it. */
  gatewayAppsByVnet: Map<string, WebApp[]>;
  /** VNet key → private DNS zone links to it. */
  privateDnsLinksByVnet: Map<string, PrivateDnsZoneLink[]>;
  /** Flow log target key (VNet, subnet, NIC or NSG) → flow logs of it. */
  flowLogsByTarget: Map<string, FlowLog[]>;
  /**
   * Lower-case subscription ids the audit covers: every resource's subscription, plus the subscriptions collection
   * listed in scope (a subscription with nothing audited in it is still inside the scope).
   */
  auditedSubscriptions: ReadonlySet<string>;
  /** Public addresses of the estate (public IPs and prefixes), as CIDR strings. */
  ownedPublicPrefixes: string[];
  coverageGaps: CoverageGap[];
  /** Warnings about rows that could not be used at all (no id, not an object). */
  rowIssues: string[];
  /**
   * Azure Policy exemptions, and the assignments and initiatives they refer to (`policyresources`); absent when the
   * estate was built without any (an estate built by hand in a test).
   */
  policy?: PolicyObjects;
}

export function get<K extends ResourceKind>(
  estate: Estate,
  kind: K,
  key: string | undefined,
): ResourceOfKind<K> | undefined {
  if (key === undefined) return undefined;
  const resource = estate.resources.get(key);
  return resource?.kind === kind ? (resource as ResourceOfKind<K>) : undefined;
}
