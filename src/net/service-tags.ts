// Azure NSG service tags. Rules are written with tags in any letter case and with regional suffixes
// (`Sql.WestEurope`); the evaluator needs one canonical spelling per tag so that `sql.westeurope` and
// `Sql.WestEurope` are the same address atom, and it needs to tell a known tag (whose addresses are shared by every
// Azure customer) from a typo (whose meaning is unknown, so the rule is uncertain).
// The platform default rules are model data: model/default-security-rules.ts.

/**
 * Base names of the service tags usable in NSG rules (Microsoft Learn, "Virtual network service tags").
 * Spelled as Azure publishes them. Three of them are special and never become address atoms:
 * `Internet`, `VirtualNetwork` and `AzureLoadBalancer` (see nsg-evaluation.ts).
 */
export const SERVICE_TAG_NAMES: readonly string[] = [
  "ActionGroup",
  "ApiManagement",
  "AppConfiguration",
  "AppService",
  "AppServiceManagement",
  "AzureActiveDirectory",
  "AzureActiveDirectoryDomainServices",
  "AzureAdvancedThreatProtection",
  "AzureArcInfrastructure",
  "AzureAttestation",
  "AzureBackup",
  "AzureBotService",
  "AzureCloud",
  "AzureCognitiveSearch",
  "AzureConnectors",
  "AzureContainerAppsService",
  "AzureContainerRegistry",
  "AzureCosmosDB",
  "AzureDatabricks",
  "AzureDataExplorerManagement",
  "AzureDataLake",
  "AzureDevOps",
  "AzureDevSpaces",
  "AzureDigitalTwins",
  "AzureEventGrid",
  "AzureFrontDoor.Backend",
  "AzureFrontDoor.FirstParty",
  "AzureFrontDoor.Frontend",
  "AzureHealthcareAPIs",
  "AzureInformationProtection",
  "AzureIoTHub",
  "AzureKeyVault",
  "AzureLoadBalancer",
  "AzureLoadTestingInstanceManagement",
  "AzureMachineLearning",
  "AzureMachineLearningInference",
  "AzureManagedGrafana",
  "AzureMonitor",
  "AzureOpenDatasets",
  "AzurePlatformDNS",
  "AzurePlatformIMDS",
  "AzurePlatformLKM",
  "AzureResourceManager",
  "AzureSentinel",
  "AzureSignalR",
  "AzureSiteRecovery",
  "AzureSphere",
  "AzureSpringCloud",
  "AzureStack",
  "AzureTrafficManager",
  "AzureUpdateDelivery",
  "AzureWebPubSub",
  "BatchNodeManagement",
  "ChaosStudio",
  "CognitiveServicesFrontend",
  "CognitiveServicesManagement",
  "DataFactory",
  "DataFactoryManagement",
  "Dynamics365BusinessCentral",
  "Dynamics365ForMarketingEmail",
  "EOPExternalPublishedIPs",
  "EventHub",
  "GatewayManager",
  "GuestAndHybridManagement",
  "HDInsight",
  "Internet",
  "KustoAnalytics",
  "LogicApps",
  "LogicAppsManagement",
  "M365ManagementActivityApi",
  "M365ManagementActivityApiWebhook",
  "Marketplace",
  "MicrosoftAzureFluidRelay",
  "MicrosoftCloudAppSecurity",
  "MicrosoftContainerRegistry",
  "MicrosoftDefenderForEndpoint",
  "MicrosoftPurviewPolicyDistribution",
  "PowerBI",
  "PowerPlatformInfra",
  "PowerPlatformPlex",
  "PowerQueryOnline",
  "Scuba",
  "SerialConsole",
  "ServiceBus",
  "ServiceFabric",
  "Sql",
  "SqlManagement",
  "Storage",
  "StorageMover",
  "StorageSyncService",
  "VideoIndexer",
  "VirtualNetwork",
  "WindowsAdminCenter",
  "WindowsVirtualDesktop",
];

/** Tags that stand for something other than "a set of Azure public addresses" and have no regional form. */
const NON_REGIONAL = new Set(["internet", "virtualnetwork", "azureloadbalancer"]);

/** Azure region names, for a readable canonical spelling of regional tags. Unknown regions are still accepted. */
const REGION_NAMES: readonly string[] = [
  "AustraliaCentral",
  "AustraliaCentral2",
  "AustraliaEast",
  "AustraliaSoutheast",
  "AustriaEast",
  "BelgiumCentral",
  "BrazilSouth",
  "BrazilSoutheast",
  "CanadaCentral",
  "CanadaEast",
  "CentralIndia",
  "CentralUS",
  "CentralUSEUAP",
  "ChileCentral",
  "ChinaEast",
  "ChinaEast2",
  "ChinaEast3",
  "ChinaNorth",
  "ChinaNorth2",
  "ChinaNorth3",
  "DenmarkEast",
  "EastAsia",
  "EastUS",
  "EastUS2",
  "EastUS2EUAP",
  "FranceCentral",
  "FranceSouth",
  "GermanyNorth",
  "GermanyWestCentral",
  "IndonesiaCentral",
  "IsraelCentral",
  "ItalyNorth",
  "JapanEast",
  "JapanWest",
  "JioIndiaCentral",
  "JioIndiaWest",
  "KoreaCentral",
  "KoreaSouth",
  "MalaysiaWest",
  "MexicoCentral",
  "NewZealandNorth",
  "NorthCentralUS",
  "NorthEurope",
  "NorwayEast",
  "NorwayWest",
  "PolandCentral",
  "QatarCentral",
  "SouthAfricaNorth",
  "SouthAfricaWest",
  "SouthCentralUS",
  "SouthIndia",
  "SoutheastAsia",
  "SpainCentral",
  "SwedenCentral",
  "SwedenSouth",
  "SwitzerlandNorth",
  "SwitzerlandWest",
  "UAECentral",
  "UAENorth",
  "UKSouth",
  "UKWest",
  "USDoDCentral",
  "USDoDEast",
  "USGovArizona",
  "USGovTexas",
  "USGovVirginia",
  "WestCentralUS",
  "WestEurope",
  "WestIndia",
  "WestUS",
  "WestUS2",
  "WestUS3",
];

const BASE_BY_FOLDED = new Map(SERVICE_TAG_NAMES.map((name) => [name.toLowerCase(), name]));
const REGION_BY_FOLDED = new Map(REGION_NAMES.map((name) => [name.toLowerCase(), name]));

/** A service tag split into its base and optional region; `region` is lower case (the comparison key). */
export interface ServiceTagRef {
  /** Canonical full name, e.g. `Sql.WestEurope`. */
  name: string;
  /** Canonical base name, e.g. `Sql` or `AzureFrontDoor.Backend`. */
  base: string;
  region?: string;
}

/** Readable spelling of a region key. AzureCloud's regional tags are published in lower case, the rest in PascalCase. */
export function regionDisplayName(base: string, regionKey: string): string {
  if (base === "AzureCloud") return regionKey;
  return REGION_BY_FOLDED.get(regionKey) ?? regionKey;
}

/** Case-insensitive lookup; undefined for anything that is not a known tag or a known tag with a `.region` suffix. */
export function parseServiceTag(text: string): ServiceTagRef | undefined {
  const folded = text.trim().toLowerCase();
  const whole = BASE_BY_FOLDED.get(folded);
  // Whole-name match first: `AzureFrontDoor.Backend` contains a dot but is a base name, not a region.
  if (whole !== undefined) return { name: whole, base: whole };
  const dot = folded.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const base = BASE_BY_FOLDED.get(folded.slice(0, dot));
  const region = folded.slice(dot + 1);
  if (base === undefined || NON_REGIONAL.has(base.toLowerCase()) || !/^[a-z][a-z0-9]*$/.test(region)) return undefined;
  return { name: `${base}.${regionDisplayName(base, region)}`, base, region };
}

/** Canonical name of a service tag (`sql.westeurope` → `Sql.WestEurope`), or undefined when unknown. */
export function canonicalServiceTag(text: string): string | undefined {
  return parseServiceTag(text)?.name;
}
