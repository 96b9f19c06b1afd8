// Today's Microsoft pages the rules cite, declared once (title + URL without a locale). Rules paraphrase these pages
// in their `guidance` entries and never quote them: only the seed passages are quoted (seed-passages.ts).
import type { GuidancePage } from "./rule";

/** The date the pages below were last read against the rules' paraphrases. */
export const GUIDANCE_CHECKED = "2026-12-04";

const MI = "https://learn.microsoft.com/azure/azure-sql/managed-instance";

export const GUIDANCE_PAGES = {
  connectivityArchitecture: {
    title: "Connectivity architecture for Azure SQL Managed Instance",
    url: `${MI}/connectivity-architecture-overview`,
  },
  connectionTypes: {
    title: "Azure SQL Managed Instance connection types",
    url: `${MI}/connection-types-overview`,
  },
  connectApplication: {
    title: "Connect your application to Azure SQL Managed Instance",
    url: `${MI}/connect-application-instance`,
  },
  managedInstanceFaq: {
    title: "Azure SQL Managed Instance frequently asked questions (FAQ)",
    url: `${MI}/frequently-asked-questions-faq`,
  },
  publicEndpointOverview: {
    title: "Use Azure SQL Managed Instance securely with public endpoints",
    url: `${MI}/public-endpoint-overview`,
  },
  publicEndpointConfigure: {
    title: "Configure public endpoint in Azure SQL Managed Instance",
    url: `${MI}/public-endpoint-configure`,
  },
  minimalTlsVersion: {
    title: "Configure minimal TLS version in Azure SQL Managed Instance",
    url: `${MI}/minimal-tls-version-configure`,
  },
  privateEndpointOverview: {
    title: "Azure Private Link for Azure SQL Managed Instance",
    url: `${MI}/private-endpoint-overview`,
  },
  entraOnlyAuthentication: {
    title: "Microsoft Entra-only authentication with Azure SQL",
    url: "https://learn.microsoft.com/azure/azure-sql/database/authentication-azure-ad-only-authentication",
  },
  appServiceManagedIdentity: {
    title: "Tutorial: Connect to Azure databases from App Service without secrets using a managed identity",
    url: "https://learn.microsoft.com/azure/app-service/tutorial-connect-msi-azure-database",
  },
  appServiceVnetIntegration: {
    title: "Integrate your app with an Azure virtual network",
    url: "https://learn.microsoft.com/azure/app-service/overview-vnet-integration",
  },
  aseNetworking: {
    title: "App Service Environment networking",
    url: "https://learn.microsoft.com/azure/app-service/environment/networking",
  },
  aseAutoMigration: {
    title: "Prevent and resolve issues caused by an auto-migration of an App Service Environment",
    url: "https://learn.microsoft.com/azure/app-service/environment/auto-migration",
  },
  gatewayRequiredVnetIntegration: {
    title: "Configure gateway-required virtual network integration",
    url: "https://learn.microsoft.com/azure/app-service/configure-gateway-required-vnet-integration",
  },
  nsgOverview: {
    title: "Azure network security groups overview",
    url: "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",
  },
  serviceTags: {
    title: "Virtual network service tags",
    url: "https://learn.microsoft.com/azure/virtual-network/service-tags-overview",
  },
  vnetPeering: {
    title: "Virtual network peering",
    url: "https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview",
  },
  vnetManagePeering: {
    title: "Create, change, or delete a virtual network peering",
    url: "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering",
  },
  vpnGatewayTransit: {
    title: "Configure VPN gateway transit for virtual network peering",
    url: "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit",
  },
  vnetFlowLogs: {
    title: "Virtual network flow logs",
    url: "https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview",
  },
  nsgFlowLogs: {
    title: "Flow logging for network security groups",
    url: "https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview",
  },
  sqlPolicyReference: {
    title: "Azure Policy built-in definitions for Azure SQL Database & SQL Managed Instance",
    url: "https://learn.microsoft.com/azure/azure-sql/database/policy-reference",
  },
  expressRoutePeerings: {
    title: "ExpressRoute circuits and peering",
    url: "https://learn.microsoft.com/azure/expressroute/expressroute-circuit-peerings",
  },
} as const satisfies Record<string, GuidancePage>;
