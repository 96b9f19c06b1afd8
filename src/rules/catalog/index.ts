// The rule catalog, in the order reports list it. IDs are stable and never reused.
import type { AnyRule } from "../rule";
import { miPublicEndpointUntrustedSource } from "./mi-public-endpoint-untrusted-source";
import { miSubnetNsgMissing } from "./mi-subnet-nsg-missing";
import { miTlsMinimumVersion } from "./mi-tls-minimum-version";
import { miAuthEntraOnly } from "./mi-auth-entra-only";
import { miVnetDedicated } from "./mi-vnet-dedicated";
import { miPeeringSameRegion } from "./mi-peering-same-region";
import { miPeeringConnected } from "./mi-peering-connected";
import { miPeeringAppGatewayTransit } from "./mi-peering-app-gateway-transit";
import { nsgSqlInboundInternet } from "./nsg-sql-inbound-internet";
import { nsgAppSubnetSqlOutbound } from "./nsg-app-subnet-sql-outbound";
import { appManagedIdentity } from "./app-managed-identity";
import { aseDedicatedSubnet } from "./ase-dedicated-subnet";
import { expressRouteMicrosoftPeering } from "./expressroute-microsoft-peering";
import { miExpressRouteMicrosoftPeeringUnsupported } from "./mi-expressroute-microsoft-peering-unsupported";
import { miPeeringGlobalLegacySubnet } from "./mi-peering-global-legacy-subnet";
import { miPublicEndpointEnabled } from "./mi-public-endpoint-enabled";
import { miPublicEndpointStaleNsgOpening } from "./mi-public-endpoint-stale-nsg-opening";
import { miSubnetRedirectInboundUntrusted } from "./mi-subnet-redirect-inbound-untrusted";
import { miNetworkUnsupportedConfiguration } from "./mi-network-unsupported-configuration";
import { miPrivateEndpointConnections } from "./mi-private-endpoint-connections";
import { miVnetFlowLogs } from "./mi-vnet-flow-logs";

export const RULES: readonly AnyRule[] = [
  miPublicEndpointUntrustedSource,
  miSubnetNsgMissing,
  miTlsMinimumVersion,
  miAuthEntraOnly,
  miVnetDedicated,
  miPeeringSameRegion,
  miPeeringConnected,
  miPeeringAppGatewayTransit,
  nsgSqlInboundInternet,
  nsgAppSubnetSqlOutbound,
  appManagedIdentity,
  aseDedicatedSubnet,
  expressRouteMicrosoftPeering,
  miExpressRouteMicrosoftPeeringUnsupported,
  miPeeringGlobalLegacySubnet,
  miPublicEndpointEnabled,
  miPublicEndpointStaleNsgOpening,
  miSubnetRedirectInboundUntrusted,
  miNetworkUnsupportedConfiguration,
  miPrivateEndpointConnections,
  miVnetFlowLogs,
];

export function findRule(id: string): AnyRule | undefined {
  return RULES.find((rule) => rule.id === id);
}
