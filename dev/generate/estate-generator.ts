// Generates a realistic estate of any size, as Resource Graph rows, for benchmarks and scale tests.
//
// Shape: subscriptions in groups of 40 share a connectivity subscription holding one hub VNet per region (ExpressRoute
// gateway, circuits, connections). Every subscription is cut into landing zones of a few hundred rows: a spoke VNet
// peered to its region's hub (sometimes to another region's, sometimes not at all) with workload, app-integration,
// ASE and MI subnets, and managed instances either in the spoke, in a VNet of their own (isolated or hub-peered), or
// behind an app VNet with a VPN gateway for gateway-required App Service integration. NICs and NSGs dominate, as they
// do in real estates; MIs are about 3% of rows. Around each MI (mi-surroundings.ts): its subnet's route table (and
// rarely a NAT gateway or a private DNS zone of a reserved name), its VNet's flow log and link to the group's corporate
// DNS zone, its private endpoint connections, and creation times for it and every VNet (top-level `createdTime`).
//
// Pass and fail cases come from fixed cycles of variants (see VariantCycle), so even 2,000 rows exercise both outcomes
// of every rule, while the seeded PRNG varies sizes, names, rule counts and addresses. The same options always give
// the same rows in the same order. Rows are produced one landing zone at a time; only the hubs' lists of spoke
// peerings are kept until their group of subscriptions is done, so memory does not grow with the estate.
import { SeededRandom, VariantCycle } from "./seeded-random";
import {
  APP_SUBNET_VARIANTS,
  MI_ENDPOINT_VARIANTS,
  MI_NSG_EXTRAS,
  NIC_VARIANTS,
  WORKLOAD_VARIANTS,
  appSubnetRules,
  drawRuleCount,
  managedInstanceSubnetRules,
  networkInterfaceRules,
  workloadSubnetRules,
  type AppSubnetVariant,
  type MiEndpointVariant,
  type MiNsgExtra,
  type NicVariant,
  type RuleSetContext,
  type WorkloadVariant,
} from "./nsg-rule-sets";
import {
  circuitRow,
  connectionRow,
  gatewayIpConfigurationId,
  gatewayRow,
  networkInterfaceRow,
  networkSecurityGroupRow,
  nicIpConfigurationId,
  publicIpPrefixRow,
  publicIpRow,
  virtualNetworkRow,
  type PeeringSpec,
  type SubnetSpec,
} from "./network-rows";
import { flowLogRow } from "./flow-log-rows";
import {
  CROSS_REGION_ERAS,
  FLOW_LOG_VARIANTS,
  MI_SUBNET_VARIANTS,
  PRIVATE_ENDPOINT_VARIANTS,
  drawEra,
  managedInstanceCreatedTime,
  privateEndpointConnections,
  vnetCreatedTime,
  type CreationEra,
  type FlowLogVariant,
  type MiSubnetVariant,
  type PrivateEndpointVariant,
} from "./mi-surroundings";
import { RESERVED_ZONE_NAMES, privateDnsZoneLinkRow, privateDnsZoneRow } from "./private-dns-rows";
import { resourceId, upperCased, type Placement, type Row } from "./resource-rows";
import {
  natGatewayId,
  natGatewayRow,
  routeTableId,
  routeTableRow,
  subnetToVnetLocalRoute,
} from "./subnet-attachment-rows";
import {
  appServiceEnvironmentRow,
  keyVaultRow,
  managedInstanceRow,
  siteIdentity,
  storageAccountRow,
  webAppRow,
} from "./service-rows";

export interface EstateGeneratorOptions {
  /** Rows to generate, exactly. */
  resources: number;
  /** Default: one per 2,500 rows, at least 2. */
  subscriptions?: number;
  /** Default 1. */
  seed?: number;
}

export const MIN_RESOURCES = 100;
export const MAX_RESOURCES = 50_000_000;
/** A subscription needs room for its share of a connectivity group's hubs plus one landing zone. */
export const MIN_RESOURCES_PER_SUBSCRIPTION = 50;

export function defaultSubscriptions(resources: number): number {
  return Math.max(2, Math.ceil(resources / 2500));
}

/** Problems with the options, each naming the command-line option it concerns; empty when they are usable. */
export function checkGeneratorOptions(options: EstateGeneratorOptions): string[] {
  const problems: string[] = [];
  const { resources, subscriptions, seed } = options;
  if (!Number.isSafeInteger(resources) || resources < MIN_RESOURCES || resources > MAX_RESOURCES) {
    problems.push(
      `--resources must be a whole number from ${MIN_RESOURCES} to ${MAX_RESOURCES}, got ${String(resources)}`,
    );
  }
  if (subscriptions !== undefined) {
    if (!Number.isSafeInteger(subscriptions) || subscriptions < 1) {
      problems.push(`--subscriptions must be a whole number of at least 1, got ${String(subscriptions)}`);
    } else if (Number.isSafeInteger(resources) && subscriptions * MIN_RESOURCES_PER_SUBSCRIPTION > resources) {
      problems.push(
        `--subscriptions ${subscriptions} leaves fewer than ${MIN_RESOURCES_PER_SUBSCRIPTION} resources per subscription for --resources ${resources}; use at most ${Math.floor(resources / MIN_RESOURCES_PER_SUBSCRIPTION)}`,
      );
    }
  }
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff)) {
    problems.push(`--seed must be a whole number from 0 to 4294967295, got ${String(seed)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Variant cycles: what each pass/fail dimension looks like, in the proportions a real estate might show.

type MiPlacement = "spoke" | "hubPeered" | "isolated" | "appGateway";
type SpokePeering = "sameRegion" | "otherRegion" | "none";
type TransitVariant = "correct" | "noRemoteGateways" | "noGatewayTransit" | "miVnetGateway";

const REGIONS = ["westeurope", "northeurope", "eastus2", "southeastasia"] as const;
const SUBSCRIPTION_REGIONS = [
  "westeurope",
  "northeurope",
  "westeurope",
  "eastus2",
  "westeurope",
  "southeastasia",
  "northeurope",
  "eastus2",
] as const;
const ENVIRONMENTS = ["prod", "dev", "test", "prod", "shared"] as const;
const WORKLOADS = [
  "orders",
  "billing",
  "crm",
  "hr",
  "analytics",
  "payments",
  "logistics",
  "portal",
  "identity",
  "search",
  "inventory",
  "marketing",
  "claims",
  "ledger",
];
const TEAMS = ["data-platform", "app-team", "infra", "finance-it", "web"];
const SUBSCRIPTIONS_PER_GROUP = 40;
/** Per hub: VNet, its shared-subnet NSG, gateway, gateway public IP, two circuits, two connections, a VNet flow log. */
const ROWS_PER_HUB = 9;
/** Per group of subscriptions: the corporate private DNS zone and its links to the hubs. */
const GROUP_DNS_ROWS = 1 + REGIONS.length;
const CORPORATE_ZONE = "corp.contoso.com";
const MICROSOFT_PEERING_ENABLED = [
  ["AzurePrivatePeering", "Enabled"],
  ["MicrosoftPeering", "Enabled"],
] as const;
const PRIVATE_PEERING_ONLY = [["AzurePrivatePeering", "Enabled"]] as const;
const MICROSOFT_PEERING_DISABLED = [
  ["AzurePrivatePeering", "Enabled"],
  ["MicrosoftPeering", "Disabled"],
] as const;
// Each hub takes two circuits in turn, so hubs alternate between one with an enabled Microsoft peering among its
// circuits and one without.
const CIRCUIT_PEERINGS: readonly (readonly (readonly [string, string])[])[] = [
  MICROSOFT_PEERING_ENABLED,
  PRIVATE_PEERING_ONLY,
  MICROSOFT_PEERING_DISABLED,
  PRIVATE_PEERING_ONLY,
  MICROSOFT_PEERING_ENABLED,
  MICROSOFT_PEERING_DISABLED,
];
const PEERING_STATES: readonly (readonly [string, string])[] = [
  ["Connected", "FullyInSync"],
  ["Connected", "FullyInSync"],
  ["Connected", "FullyInSync"],
  ["Initiated", "FullyInSync"],
  ["Connected", "FullyInSync"],
  ["Connected", "FullyInSync"],
  ["Disconnected", "LocalNotInSync"],
  ["Connected", "FullyInSync"],
  ["Connected", "RemoteNotInSync"],
  ["Connected", "FullyInSync"],
];
/** Rows an MI placement may add for its surroundings (mi-surroundings.ts) beyond the MIs, NSG, VNets and gateways. */
const MI_EXTRA_ROWS = 7;
const PUBLIC_FIRST_OCTETS = [4, 13, 20, 23, 40, 51, 52, 57, 74, 98, 104, 137, 168, 191];

class Cycles {
  readonly placement = new VariantCycle<MiPlacement>([
    "spoke",
    "hubPeered",
    "isolated",
    "spoke",
    "appGateway",
    "hubPeered",
    "isolated",
    "spoke",
  ]);
  readonly publicEndpoint = new VariantCycle<boolean>([true, false, false, true, false]);
  readonly tls = new VariantCycle<string | undefined>([
    "1.2",
    "1.2",
    "1.1",
    "1.2",
    "None",
    "1.2",
    "1.0",
    "1.2",
    "1.3",
    undefined,
  ]);
  readonly proxy = new VariantCycle<string>(["Proxy", "Redirect", "Default"]);
  readonly entraOnly = new VariantCycle<boolean | undefined>([true, false, true, undefined, true, false]);
  readonly miEndpoint = new VariantCycle<MiEndpointVariant>(MI_ENDPOINT_VARIANTS);
  readonly appSubnet = new VariantCycle<AppSubnetVariant>(APP_SUBNET_VARIANTS);
  readonly workload = new VariantCycle<WorkloadVariant>(WORKLOAD_VARIANTS);
  readonly nic = new VariantCycle<NicVariant>(NIC_VARIANTS);
  readonly identity = new VariantCycle<string | null>([
    "SystemAssigned",
    null,
    "SystemAssigned",
    "UserAssigned",
    "None",
    "SystemAssigned",
  ]);
  readonly spokePeering = new VariantCycle<SpokePeering>([
    "sameRegion",
    "sameRegion",
    "sameRegion",
    "sameRegion",
    "otherRegion",
    "sameRegion",
    "sameRegion",
    "none",
  ]);
  readonly peeringState = new VariantCycle<readonly [string, string]>(PEERING_STATES);
  readonly transit = new VariantCycle<TransitVariant>([
    "correct",
    "noRemoteGateways",
    "correct",
    "noGatewayTransit",
    "miVnetGateway",
  ]);
  readonly ase = new VariantCycle<boolean>([false, true, false]);
  readonly circuit = new VariantCycle<readonly (readonly [string, string])[]>(CIRCUIT_PEERINGS);
  readonly miNsgExtra = new VariantCycle<MiNsgExtra>(MI_NSG_EXTRAS);
  readonly miSubnet = new VariantCycle<MiSubnetVariant>(MI_SUBNET_VARIANTS);
  readonly flowLog = new VariantCycle<FlowLogVariant>(FLOW_LOG_VARIANTS);
  readonly privateEndpoint = new VariantCycle<PrivateEndpointVariant>(PRIVATE_ENDPOINT_VARIANTS);
  readonly crossRegionEra = new VariantCycle<CreationEra>(CROSS_REGION_ERAS);
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

/** Hands out private address blocks, in /24 units aligned to their size, from 10/8, then 100.64/10, then 172.16/12. */
class AddressPlan {
  private static readonly POOLS = [
    { start: ipv4(10, 0, 0, 0), units: 65536 },
    { start: ipv4(100, 64, 0, 0), units: 16384 },
    { start: ipv4(172, 16, 0, 0), units: 4096 },
  ];
  private pool = 0;
  private unit = 0;

  /** A block of `units` /24s (a power of two). After the pools run out, blocks repeat: unpeered VNets may overlap, as in real estates. */
  allocate(units: number): number {
    for (;;) {
      const pool = AddressPlan.POOLS[this.pool]!;
      const aligned = Math.ceil(this.unit / units) * units;
      if (aligned + units <= pool.units) {
        this.unit = aligned + units;
        return pool.start + aligned * 256;
      }
      this.pool = (this.pool + 1) % AddressPlan.POOLS.length;
      this.unit = 0;
    }
  }
}

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function cidr(value: number, length: number): string {
  return `${formatIpv4(value)}/${length}`;
}

function publicAddress(random: SeededRandom): string {
  return `${random.pick(PUBLIC_FIRST_OCTETS)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Plan

interface SubscriptionPlan {
  index: number;
  id: string;
  region: string;
  environment: string;
  /** Rows this subscription produces in its landing zones (its hubs' rows are counted separately). */
  budget: number;
  /** The public egress prefix its MI NSGs trust (emitted as a publicIPPrefixes row in its first zone). */
  ownedPrefix: string;
}

interface SpokeRecord {
  vnetId: string;
  vnetName: string;
  prefixes: string[];
  state: string;
  syncLevel: string;
}

interface Hub {
  place: Placement;
  region: string;
  vnetName: string;
  vnetId: string;
  block: number;
  spokes: SpokeRecord[];
}

interface GeneratorState {
  seed: number;
  cycles: Cycles;
  addresses: AddressPlan;
  /** region → hub of the current group. */
  hubs: Map<string, Hub>;
  /** The current group's corporate private DNS zone (in its connectivity subscription) and how many links it has. */
  dns: { place: Placement; links: number };
}

function planSubscriptions(resources: number, count: number, seed: number): SubscriptionPlan[] {
  const plans: SubscriptionPlan[] = [];
  const share = Math.floor(resources / count);
  const extra = resources % count;
  for (let index = 0; index < count; index += 1) {
    const random = SeededRandom.derive(seed, "subscription", index);
    const hubRows = index % SUBSCRIPTIONS_PER_GROUP === 0 ? REGIONS.length * ROWS_PER_HUB + GROUP_DNS_ROWS : 0;
    plans.push({
      index,
      id: random.guid(),
      region: SUBSCRIPTION_REGIONS[index % SUBSCRIPTION_REGIONS.length]!,
      environment: ENVIRONMENTS[index % ENVIRONMENTS.length]!,
      budget: share + (index < extra ? 1 : 0) - hubRows,
      ownedPrefix: cidr(ipv4(20, random.int(32, 255), random.int(0, 255), random.int(0, 15) * 16), 28),
    });
  }
  return plans;
}

/** Yields `options.resources` rows. Throws a RangeError naming the option when the options are unusable. */
export function* generateEstateRows(options: EstateGeneratorOptions): Generator<Row, void, undefined> {
  const problems = checkGeneratorOptions(options);
  if (problems.length > 0) throw new RangeError(problems.join("; "));
  const seed = options.seed ?? 1;
  const subscriptions = planSubscriptions(
    options.resources,
    options.subscriptions ?? defaultSubscriptions(options.resources),
    seed,
  );
  const state: GeneratorState = {
    seed,
    cycles: new Cycles(),
    addresses: new AddressPlan(),
    hubs: new Map(),
    dns: { place: { subscriptionId: "", resourceGroup: "", location: "global", tags: {} }, links: 0 },
  };
  for (let first = 0; first < subscriptions.length; first += SUBSCRIPTIONS_PER_GROUP) {
    const group = subscriptions.slice(first, first + SUBSCRIPTIONS_PER_GROUP);
    state.hubs = planHubs(state, group[0]!);
    state.dns = {
      place: {
        subscriptionId: group[0]!.id,
        resourceGroup: "rg-dns",
        location: "global",
        tags: { owner: "network-team" },
      },
      links: 0,
    };
    for (const subscription of group) yield* subscriptionRows(state, subscription);
    for (const hub of state.hubs.values()) yield* hubRows(state, hub);
    yield* corporateZoneRows(state);
  }
}

/** The group's corporate zone, linked to every hub (with auto-registration) and to the MI VNets that asked for it. */
function* corporateZoneRows(state: GeneratorState): Generator<Row> {
  const hubs = [...state.hubs.values()];
  yield privateDnsZoneRow(state.dns.place, CORPORATE_ZONE, state.dns.links + hubs.length, hubs.length);
  for (const hub of hubs)
    yield privateDnsZoneLinkRow(state.dns.place, CORPORATE_ZONE, `lnk-${hub.vnetName}`, {
      vnetId: hub.vnetId,
      registrationEnabled: true,
    });
}

/** A flow log of `targetId` under the watcher of its subscription and region, into the subscription's log account. */
function flowLog(place: Placement, name: string, targetId: string, enabled: boolean, random: SeededRandom): Row {
  return flowLogRow(place, name, {
    targetId,
    targetGuid: random.guid(),
    storageId: resourceId(
      { subscriptionId: place.subscriptionId, resourceGroup: "rg-monitoring" },
      "Microsoft.Storage",
      "storageAccounts",
      `stflowlogs${place.location.replace(/[^a-z0-9]/g, "").slice(0, 12)}`,
    ),
    enabled,
    retentionDays: random.pick([30, 90, 90, 365]),
  });
}

function planHubs(state: GeneratorState, connectivity: SubscriptionPlan): Map<string, Hub> {
  const hubs = new Map<string, Hub>();
  for (const region of REGIONS) {
    const place: Placement = {
      subscriptionId: connectivity.id,
      resourceGroup: `rg-connectivity-${region}`,
      location: region,
      tags: { environment: "shared", owner: "network-team" },
    };
    const vnetName = `vnet-hub-${region}`;
    hubs.set(region, {
      place,
      region,
      vnetName,
      vnetId: resourceId(place, "Microsoft.Network", "virtualNetworks", vnetName),
      block: state.addresses.allocate(16),
      spokes: [],
    });
  }
  return hubs;
}

function* hubRows(state: GeneratorState, hub: Hub): Generator<Row> {
  const random = SeededRandom.derive(state.seed, "hub", hub.vnetId);
  const { place } = hub;
  const gatewayName = `vgw-hub-${hub.region}`;
  const pipName = `pip-${gatewayName}`;
  const pipId = resourceId(place, "Microsoft.Network", "publicIPAddresses", pipName);
  const nsgName = `nsg-hub-shared-${hub.region}`;
  const sharedSubnetId = `${hub.vnetId}/subnets/snet-shared`;
  const sharedPrefix = cidr(hub.block + 2 * 256, 24);
  const ruleContext = ruleSetContext(
    random,
    resourceId(place, "Microsoft.Network", "networkSecurityGroups", nsgName),
    hub.region,
    sharedPrefix,
    cidr(ipv4(20, 40, 1, 0), 28),
    place,
  );
  yield listedNsg(
    place,
    nsgName,
    workloadSubnetRules(ruleContext, "vnetOnly", drawRuleCount(random)),
    [sharedSubnetId],
    [],
    true,
  );
  const subnets: SubnetSpec[] = [
    {
      name: "GatewaySubnet",
      prefix: cidr(hub.block, 27),
      ipConfigurationIds: [gatewayIpConfigurationId(place, gatewayName)],
    },
    { name: "AzureFirewallSubnet", prefix: cidr(hub.block + 256, 26), ipConfigurationIds: [] },
    {
      name: "snet-shared",
      prefix: sharedPrefix,
      nsgId: resourceId(place, "Microsoft.Network", "networkSecurityGroups", nsgName),
      ipConfigurationIds: [],
    },
  ];
  const peerings: PeeringSpec[] = hub.spokes.map((spoke) => ({
    name: `peer-hub-to-${spoke.vnetName}`,
    remoteVnetId: spoke.vnetId,
    remotePrefixes: spoke.prefixes,
    state: spoke.state,
    syncLevel: spoke.syncLevel,
    allowGatewayTransit: true,
    useRemoteGateways: false,
  }));
  const extras = SeededRandom.derive(state.seed, "hub-extras", hub.vnetId);
  yield listedVnet(place, hub.vnetName, [cidr(hub.block, 20)], subnets, peerings, vnetCreatedTime(extras, "legacy"));
  yield flowLog(place, `fl-${hub.vnetName}`, hub.vnetId, true, extras);
  yield listedPublicIp(place, pipName, publicAddress(random), gatewayIpConfigurationId(place, gatewayName));
  yield gatewayRow(place, gatewayName, {
    vnetId: hub.vnetId,
    gatewayType: "ExpressRoute",
    publicIpId: pipId,
    listed: true,
  });
  const gatewayId = resourceId(place, "Microsoft.Network", "virtualNetworkGateways", gatewayName);
  for (const role of ["primary", "secondary"]) {
    const circuitName = `er-${hub.region}-${role}`;
    yield circuitRow(place, circuitName, state.cycles.circuit.next());
    yield connectionRow(
      place,
      `conn-${hub.region}-${role}`,
      gatewayId,
      resourceId(place, "Microsoft.Network", "expressRouteCircuits", circuitName),
    );
  }
}

function* subscriptionRows(state: GeneratorState, subscription: SubscriptionPlan): Generator<Row> {
  const random = SeededRandom.derive(state.seed, "zones", subscription.index);
  let left = subscription.budget;
  for (let zone = 0; left > 0; zone += 1) {
    let size = left <= 700 ? left : random.int(250, 600);
    if (left - size < 100) size = left;
    const rows = new LandingZone(state, subscription, zone, size).build();
    if (rows.length !== size)
      throw new Error(`internal: landing zone ${subscription.index}/${zone} made ${rows.length} rows, planned ${size}`);
    yield* rows;
    left -= size;
  }
}

// Rows as Resource Graph lists them: provisioning states, child ids, the platform's defaults.

function listedNsg(
  place: Placement,
  name: string,
  rules: Row[],
  subnetIds: string[],
  nicIds: string[],
  withDefaults: boolean,
): Row {
  return networkSecurityGroupRow(place, name, {
    rules,
    subnetIds,
    nicIds,
    withDefaults,
    provisioningState: "Succeeded",
    listed: true,
  });
}

function listedVnet(
  place: Placement,
  name: string,
  prefixes: string[],
  subnets: SubnetSpec[],
  peerings: PeeringSpec[],
  createdTime: string,
): Row {
  return virtualNetworkRow(place, name, {
    createdTime,
    prefixes,
    subnets,
    peerings: peerings.map((peering) => ({ ...peering, allowVirtualNetworkAccess: true, allowForwardedTraffic: true })),
    provisioningState: "Succeeded",
    enableDdosProtection: false,
    privateEndpointNetworkPolicies: "Disabled",
    listed: true,
  });
}

function listedPublicIp(place: Placement, name: string, address: string | undefined, attachedTo?: string): Row {
  return publicIpRow(place, name, { address, attachedTo, provisioningState: "Succeeded" });
}

/** A row of a type no rule reads (storage account, key vault): real exports contain them and the auditor ignores them. */
function ignoredRow(place: Placement, name: string, storage: boolean): Row {
  return storage
    ? storageAccountRow(place, name, { supportsHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2" })
    : keyVaultRow(place, name, { enableRbacAuthorization: true, publicNetworkAccess: "Disabled" });
}

function ruleSetContext(
  random: SeededRandom,
  nsgId: string,
  region: string,
  subnetPrefix: string,
  ownedPrefix: string,
  place: Placement,
): RuleSetContext {
  return {
    nsgId,
    random,
    region,
    ownedPrefix,
    foreignRange: cidr(ipv4(81, random.int(0, 255), random.int(0, 255), 0), 24),
    subnetPrefix,
    asgId: resourceId(place, "Microsoft.Network", "applicationSecurityGroups", "asg-app"),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Landing zones

interface PendingNsg {
  name: string;
  id: string;
  rules: Row[];
  subnetIds: string[];
  nicIds: string[];
  withDefaults: boolean;
}

interface SpokeSubnet extends SubnetSpec {
  id: string;
  ipConfigurationIds: string[];
  /** First address of the subnet, as a number. */
  base: number;
  role: "workload" | "app" | "managedInstance" | "ase";
}

/** One spoke VNet and everything in it (plus the MI and app VNets that hang off it), in exactly `budget` rows. */
class LandingZone {
  private readonly rows: Row[] = [];
  /** Rows promised to resources not yet written (VNets, whose subnet lists are finished last). */
  private reserved = 0;
  private readonly random: SeededRandom;
  private readonly name: string;
  private readonly spokeBlock: number;
  private readonly spokeName: string;
  private readonly spokeId: string;
  private readonly spokeSubnets: SpokeSubnet[] = [];
  private readonly nsgs: PendingNsg[] = [];
  private readonly workloadSubnets: SpokeSubnet[] = [];
  private readonly spokeMiPrefixes: string[] = [];
  private readonly network: Placement;
  private readonly data: Placement;
  private readonly apps: Placement;
  private readonly compute: Placement;
  private counter = 0;
  /** Draws for the MI surroundings (mi-surroundings.ts), apart from the zone's own stream. */
  private readonly extras: SeededRandom;
  private spokePeerings: { peerings: PeeringSpec[]; crossRegion: boolean } = { peerings: [], crossRegion: false };
  /** Set by the spoke's first MI subnet: the era of the spoke, its creation time and its flow log. */
  private spokeMi?: { era: CreationEra; created: string; flowLog: () => Row | undefined };

  constructor(
    private readonly state: GeneratorState,
    private readonly subscription: SubscriptionPlan,
    private readonly zone: number,
    private readonly budget: number,
  ) {
    this.random = SeededRandom.derive(state.seed, "zone", subscription.index, zone);
    this.extras = SeededRandom.derive(state.seed, "zone-extras", subscription.index, zone);
    this.name = `${this.random.pick(WORKLOADS)}-${subscription.environment}-${String(subscription.index).padStart(3, "0")}${String(zone).padStart(2, "0")}`;
    const place = (group: string): Placement => ({
      subscriptionId: subscription.id,
      resourceGroup: `rg-${group}-${this.name}`,
      location: subscription.region,
      tags: {
        environment: subscription.environment,
        owner: this.random.pick(TEAMS),
        costCenter: `cc-${this.random.int(1000, 9999)}`,
      },
    });
    this.network = place("network");
    this.data = place("data");
    this.apps = place("apps");
    this.compute = place("compute");
    this.spokeBlock = state.addresses.allocate(16);
    this.spokeName = `vnet-${this.name}`;
    this.spokeId = resourceId(this.network, "Microsoft.Network", "virtualNetworks", this.spokeName);
  }

  private get left(): number {
    return this.budget - this.rows.length - this.reserved - this.nsgs.length;
  }

  private fits(rows: number): boolean {
    return this.left >= rows;
  }

  private unique(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.name}-${String(this.counter).padStart(3, "0")}`;
  }

  /** References are spelled as ARM spells them: mostly as the id, now and then with the subscription upper-cased. */
  private ref(id: string): string {
    return this.random.chance(0.05) ? upperCased(id) : id;
  }

  build(): Row[] {
    if (this.budget < 12) {
      // Too small for a landing zone: the leftover rows are resources no rule reads.
      for (let i = 0; i < this.budget; i += 1) this.rows.push(ignoredRow(this.data, `st${this.random.hex(12)}`, true));
      return this.rows;
    }
    this.reserved += 3; // the spoke VNet, its flow log and its link to the corporate DNS zone
    if (this.zone === 0)
      this.rows.push(publicIpPrefixRow(this.network, `ippre-egress-${this.name}`, this.subscription.ownedPrefix));
    // Decided first: whether the spoke is peered across regions decides the creation era of the MIs in it.
    this.spokePeerings = this.hubPeering(this.spokeName, this.spokeId, [cidr(this.spokeBlock, 20)], true);
    // Tiers (web, app, data, management…) each get a subnet, and most subnets an NSG of their own.
    const workloadCount = Math.max(Math.ceil(this.budget / 200), this.random.int(3, 8));
    // Claim the workload subnets' slots first so MIs, ASEs and apps cannot crowd out the NICs.
    const slotsForOthers = 16 - workloadCount;
    this.addManagedInstances(slotsForOthers);
    this.addAppServiceEnvironments(slotsForOthers);
    this.addWebApps(slotsForOthers);
    for (let i = 0; i < workloadCount; i += 1) this.addWorkloadSubnet();
    this.addExtras();
    this.reserved -= 2;
    this.addSpokeFlowLogAndLink();
    this.addNetworkInterfaces();
    this.rows.push(
      ...this.nsgs.map((n) => listedNsg(this.network, n.name, n.rules, n.subnetIds, n.nicIds, n.withDefaults)),
    );
    this.nsgs.length = 0;
    this.reserved -= 1;
    this.rows.push(
      listedVnet(
        this.network,
        this.spokeName,
        [cidr(this.spokeBlock, 20)],
        this.spokeSubnets,
        this.spokePeerings.peerings,
        this.spokeMi?.created ?? vnetCreatedTime(this.extras, undefined),
      ),
    );
    return this.rows;
  }

  /** The spoke's flow log (its MI subnet's variant when it holds MIs, else most spokes have one) and its DNS link. */
  private addSpokeFlowLogAndLink(): void {
    const row = this.spokeMi
      ? this.spokeMi.flowLog()
      : this.extras.chance(0.8)
        ? flowLog(this.network, `fl-${this.spokeName}`, this.spokeId, true, this.extras)
        : undefined;
    if (row !== undefined) this.rows.push(row);
    this.linkToCorporateZone(this.spokeName, this.spokeId);
  }

  private linkToCorporateZone(vnetName: string, vnetId: string): void {
    this.state.dns.links += 1;
    this.rows.push(privateDnsZoneLinkRow(this.state.dns.place, CORPORATE_ZONE, `lnk-${vnetName}`, { vnetId }));
  }

  /** The peering of a VNet to a hub, recorded on the hub's side too (unless it is only Initiated). */
  private hubPeering(
    vnetName: string,
    vnetId: string,
    prefixes: string[],
    allowNone: boolean,
  ): { peerings: PeeringSpec[]; crossRegion: boolean } {
    const kind = this.state.cycles.spokePeering.next();
    if (kind === "none" && allowNone) return { peerings: [], crossRegion: false };
    const regionIndex = REGIONS.indexOf(this.subscription.region as (typeof REGIONS)[number]);
    const hubRegion = kind === "otherRegion" ? REGIONS[(regionIndex + 1) % REGIONS.length]! : this.subscription.region;
    const hub = this.state.hubs.get(hubRegion)!;
    const [state, syncLevel] = this.state.cycles.peeringState.next();
    // An Initiated peering is one whose other side does not exist yet; a Disconnected one lost its other side's link.
    if (state !== "Initiated")
      hub.spokes.push({
        vnetId,
        vnetName,
        prefixes,
        state,
        syncLevel: state === "Disconnected" ? "RemoteNotInSync" : "FullyInSync",
      });
    const peering: PeeringSpec = {
      name: `peer-${vnetName}-to-hub`,
      remoteVnetId: this.ref(hub.vnetId),
      remotePrefixes: [cidr(hub.block, 20)],
      state,
      syncLevel,
      allowGatewayTransit: false,
      useRemoteGateways: true,
    };
    return { peerings: [peering], crossRegion: hubRegion !== this.subscription.region };
  }

  private spokeSubnet(role: SpokeSubnet["role"], nsg: PendingNsg | undefined, delegation?: string): SpokeSubnet {
    const index = this.spokeSubnets.length;
    const name =
      role === "workload"
        ? `snet-workload-${index}`
        : role === "app"
          ? `snet-app-${index}`
          : role === "ase"
            ? `snet-ase-${index}`
            : `snet-sqlmi-${index}`;
    const id = `${this.spokeId}/subnets/${name}`;
    const base = this.spokeBlock + index * 256;
    const subnet: SpokeSubnet = {
      name,
      id,
      role,
      base,
      prefix: cidr(base, 24),
      ipConfigurationIds: [],
      ...(delegation === undefined ? {} : { delegation }),
    };
    if (nsg !== undefined) {
      subnet.nsgId = this.ref(nsg.id);
      nsg.subnetIds.push(id);
    }
    this.spokeSubnets.push(subnet);
    return subnet;
  }

  private newNsg(name: string): PendingNsg {
    const nsg: PendingNsg = {
      name,
      id: resourceId(this.network, "Microsoft.Network", "networkSecurityGroups", name),
      rules: [],
      subnetIds: [],
      nicIds: [],
      withDefaults: !this.random.chance(0.02),
    };
    this.nsgs.push(nsg);
    return nsg;
  }

  private context(nsg: PendingNsg, subnetPrefix: string): RuleSetContext {
    return ruleSetContext(
      this.random,
      nsg.id,
      this.subscription.region,
      subnetPrefix,
      this.subscription.ownedPrefix,
      this.network,
    );
  }

  // ----- managed instances

  private addManagedInstances(slots: number): void {
    let remaining = this.random.round(this.budget * 0.03);
    while (remaining > 0) {
      const count = Math.min(remaining, this.random.int(1, 3));
      let placement = this.state.cycles.placement.next();
      if (placement === "spoke" && this.spokeSubnets.filter((s) => s.role === "managedInstance").length >= 2)
        placement = "isolated";
      if (placement === "spoke" && this.spokeSubnets.length >= slots) placement = "isolated";
      // Rows: the MIs, an NSG, and per placement its VNets and gateways (an app VNet also brings apps and a regional app).
      const cost = count + 1 + { spoke: 0, isolated: 1, hubPeered: 1, appGateway: 9 }[placement];
      // Plus at most MI_EXTRA_ROWS for the surroundings: route table, NAT gateway or reserved zone, flow logs, DNS link.
      if (!this.fits(cost + 8 + MI_EXTRA_ROWS)) return;
      remaining -= count;
      if (placement === "spoke") this.addSpokeManagedInstances(count);
      else if (placement === "appGateway") this.addAppGatewayPair(count);
      else this.addDedicatedManagedInstanceVnet(count, placement === "hubPeered");
    }
  }

  /** The NSG for an MI subnet in the next endpoint variant; undefined for the "no NSG" variant. */
  private managedInstanceNsg(subnetPrefix: string): PendingNsg | undefined {
    const variant = this.state.cycles.miEndpoint.next();
    if (variant === "noNsg") return undefined;
    const nsg = this.newNsg(this.unique("nsg-sqlmi"));
    nsg.rules = managedInstanceSubnetRules(
      this.context(nsg, subnetPrefix),
      variant,
      drawRuleCount(this.random),
      this.state.cycles.miNsgExtra.next(),
    );
    return nsg;
  }

  /**
   * The route table, NAT gateway and reserved private DNS zone of an MI subnet, in the next variant: their rows are
   * written and the subnet entry given its references.
   */
  private miSubnetSurroundings(subnet: SubnetSpec & { id: string }, vnetName: string, vnetId: string): void {
    const variant = this.state.cycles.miSubnet.next();
    if (variant !== "noRouteTable") {
      const name = this.unique("rt-sqlmi");
      this.rows.push(
        routeTableRow(this.network, name, { routes: [subnetToVnetLocalRoute(subnet.prefix)], subnetIds: [subnet.id] }),
      );
      subnet.routeTableId = this.ref(routeTableId(this.network, name));
    }
    if (variant === "natGateway") {
      // Someone wanted a fixed outbound address for the instance; the MI does not support a NAT gateway.
      const name = this.unique("natgw");
      const natId = natGatewayId(this.network, name);
      const pipId = resourceId(this.network, "Microsoft.Network", "publicIPAddresses", `pip-${name}`);
      this.rows.push(
        publicIpRow(this.network, `pip-${name}`, {
          address: publicAddress(this.extras),
          natGatewayId: natId,
          provisioningState: "Succeeded",
        }),
        natGatewayRow(this.network, name, [pipId], [subnet.id]),
      );
      subnet.natGatewayId = this.ref(natId);
    }
    if (variant === "reservedZone") {
      const zone = this.extras.pick(RESERVED_ZONE_NAMES);
      const place = { ...this.network, resourceGroup: `rg-dns-${vnetName}` };
      this.rows.push(
        privateDnsZoneRow(place, zone, 1),
        privateDnsZoneLinkRow(place, zone, `lnk-${vnetName}`, { vnetId }),
      );
    }
  }

  /** The flow log row of a VNet holding MIs, in the next variant (undefined: none). */
  private miVnetFlowLog(
    vnetName: string,
    vnetId: string,
    subnetId: string,
    nsg: PendingNsg | undefined,
  ): Row | undefined {
    const variant = this.state.cycles.flowLog.next();
    switch (variant) {
      case "vnet":
      case "disabled":
        return flowLog(this.network, `fl-${vnetName}`, vnetId, variant === "vnet", this.extras);
      case "subnet":
        return flowLog(this.network, `fl-${vnetName}-snet-sqlmi`, subnetId, true, this.extras);
      case "nsgOnly":
        // A legacy NSG flow log, the only record of the subnet's traffic (or none when the subnet has no NSG).
        return nsg === undefined ? undefined : flowLog(this.network, `${nsg.name}-flowlog`, nsg.id, true, this.extras);
      case "none":
        return undefined;
    }
  }

  /** The creation era of the MIs in a VNet: from a fixed cycle when it is peered across regions. */
  private eraFor(crossRegion: boolean): CreationEra {
    return crossRegion ? this.state.cycles.crossRegionEra.next() : drawEra(this.extras);
  }

  private managedInstances(count: number, subnetId: string, era: CreationEra, vnetCreated: string): void {
    const dnsZone = this.random.hex(12);
    for (let i = 0; i < count; i += 1) {
      const cycles = this.state.cycles;
      const tls = cycles.tls.next();
      const entraOnly = cycles.entraOnly.next();
      const name = this.unique("sqlmi");
      this.rows.push(
        managedInstanceRow(
          this.data,
          name,
          {
            subnetId: this.ref(subnetId),
            publicDataEndpointEnabled: cycles.publicEndpoint.next(),
            proxyOverride: cycles.proxy.next(),
            ...(tls === undefined ? {} : { minimalTlsVersion: tls }),
            ...(entraOnly === undefined ? {} : { entraOnly }),
            privateEndpointConnections: privateEndpointConnections(
              cycles.privateEndpoint.next(),
              this.extras,
              resourceId(this.apps, "Microsoft.Network", "privateEndpoints", `pe-${name}`),
            ),
            createdTime: managedInstanceCreatedTime(this.extras, era, vnetCreated),
          },
          dnsZone,
        ),
      );
    }
  }

  private addSpokeManagedInstances(count: number): void {
    const prefix = cidr(this.spokeBlock + this.spokeSubnets.length * 256, 24);
    const nsg = this.managedInstanceNsg(prefix);
    const subnet = this.spokeSubnet("managedInstance", nsg, "Microsoft.Sql/managedInstances");
    this.spokeMiPrefixes.push(subnet.prefix);
    this.miSubnetSurroundings(subnet, this.spokeName, this.spokeId);
    if (this.spokeMi === undefined) {
      const era = this.eraFor(this.spokePeerings.crossRegion);
      // The variant is drawn now, in MI order; the row is written with the spoke's other rows.
      const row = this.miVnetFlowLog(this.spokeName, this.spokeId, subnet.id, nsg);
      this.spokeMi = { era, created: vnetCreatedTime(this.extras, era), flowLog: () => row };
    }
    this.managedInstances(count, subnet.id, this.spokeMi.era, this.spokeMi.created);
  }

  /** An MI VNet of its own: isolated (the guidance's model) or peered to the hub to reach on-premises. */
  private addDedicatedManagedInstanceVnet(count: number, peered: boolean): void {
    const block = this.state.addresses.allocate(2);
    const vnetName = this.unique("vnet-sqlmi");
    const vnetId = resourceId(this.network, "Microsoft.Network", "virtualNetworks", vnetName);
    const prefix = cidr(block, 24);
    const nsg = this.managedInstanceNsg(prefix);
    const subnetId = `${vnetId}/subnets/snet-sqlmi`;
    if (nsg !== undefined) nsg.subnetIds.push(subnetId);
    const peering = peered
      ? this.hubPeering(vnetName, vnetId, [cidr(block, 23)], false)
      : { peerings: [], crossRegion: false };
    const era = this.eraFor(peering.crossRegion);
    const created = vnetCreatedTime(this.extras, era);
    this.managedInstances(count, subnetId, era, created);
    const subnet = {
      id: subnetId,
      name: "snet-sqlmi",
      prefix,
      delegation: "Microsoft.Sql/managedInstances",
      ipConfigurationIds: [],
      ...(nsg === undefined ? {} : { nsgId: this.ref(nsg.id) }),
    };
    this.miSubnetSurroundings(subnet, vnetName, vnetId);
    this.miVnetSideRows(vnetName, vnetId, subnetId, nsg);
    const { id: _, ...entry } = subnet;
    this.rows.push(listedVnet(this.network, vnetName, [cidr(block, 23)], [entry], peering.peerings, created));
  }

  /** A dedicated MI VNet's flow log and, for most, its link to the corporate DNS zone. */
  private miVnetSideRows(vnetName: string, vnetId: string, subnetId: string, nsg: PendingNsg | undefined): void {
    const row = this.miVnetFlowLog(vnetName, vnetId, subnetId, nsg);
    if (row !== undefined) this.rows.push(row);
    if (this.extras.chance(0.7)) this.linkToCorporateZone(vnetName, vnetId);
  }

  /** An MI VNet peered with an app VNet whose VPN gateway serves apps with gateway-required integration. */
  private addAppGatewayPair(count: number): void {
    const variant = this.state.cycles.transit.next();
    const miBlock = this.state.addresses.allocate(2);
    const appBlock = this.state.addresses.allocate(4);
    const miVnetName = this.unique("vnet-sqlmi");
    const appVnetName = this.unique("vnet-appgw");
    const miVnetId = resourceId(this.network, "Microsoft.Network", "virtualNetworks", miVnetName);
    const appVnetId = resourceId(this.network, "Microsoft.Network", "virtualNetworks", appVnetName);
    const miPrefix = cidr(miBlock, 24);

    const miNsg = this.managedInstanceNsg(miPrefix);
    const miSubnetId = `${miVnetId}/subnets/snet-sqlmi`;
    if (miNsg !== undefined) miNsg.subnetIds.push(miSubnetId);
    const era = this.eraFor(false);
    const miVnetCreated = vnetCreatedTime(this.extras, era);
    this.managedInstances(count, miSubnetId, era, miVnetCreated);
    const miSubnet = {
      id: miSubnetId,
      name: "snet-sqlmi",
      prefix: miPrefix,
      delegation: "Microsoft.Sql/managedInstances",
      ipConfigurationIds: [],
      ...(miNsg === undefined ? {} : { nsgId: this.ref(miNsg.id) }),
    };
    this.miSubnetSurroundings(miSubnet, miVnetName, miVnetId);
    this.miVnetSideRows(miVnetName, miVnetId, miSubnetId, miNsg);
    const { id: _, ...miEntry } = miSubnet;
    const miSubnets: SubnetSpec[] = [miEntry];
    if (variant === "miVnetGateway") {
      const gatewayName = this.unique("vgw-sqlmi");
      miSubnets.push({
        name: "GatewaySubnet",
        prefix: cidr(miBlock + 256, 27),
        ipConfigurationIds: [gatewayIpConfigurationId(this.network, gatewayName)],
      });
      this.gatewayWithIp(gatewayName, miVnetId);
    }
    const miToApp: PeeringSpec = {
      name: `peer-${miVnetName}-to-app`,
      remoteVnetId: this.ref(appVnetId),
      remotePrefixes: [cidr(appBlock, 22)],
      state: "Connected",
      syncLevel: "FullyInSync",
      allowGatewayTransit: false,
      useRemoteGateways: variant === "correct" || variant === "noGatewayTransit",
    };
    const appToMi: PeeringSpec = {
      name: `peer-${appVnetName}-to-sqlmi`,
      remoteVnetId: miVnetId,
      remotePrefixes: [cidr(miBlock, 23)],
      state: "Connected",
      syncLevel: "FullyInSync",
      allowGatewayTransit: variant !== "noGatewayTransit",
      useRemoteGateways: false,
    };
    this.rows.push(listedVnet(this.network, miVnetName, [cidr(miBlock, 23)], miSubnets, [miToApp], miVnetCreated));

    const gatewayName = this.unique("vgw-appgw");
    this.gatewayWithIp(gatewayName, appVnetId);
    const appSubnetPrefix = cidr(appBlock + 256, 24);
    const appSubnetId = `${appVnetId}/subnets/snet-app`;
    const appNsg = this.appSubnetNsg(appSubnetPrefix, [miPrefix]);
    if (appNsg !== undefined) appNsg.subnetIds.push(appSubnetId);
    const appSubnets: SubnetSpec[] = [
      {
        name: "GatewaySubnet",
        prefix: cidr(appBlock + 3 * 256, 27),
        ipConfigurationIds: [gatewayIpConfigurationId(this.network, gatewayName)],
      },
      {
        name: "snet-app",
        prefix: appSubnetPrefix,
        delegation: "Microsoft.Web/serverFarms",
        ipConfigurationIds: [],
        ...(appNsg === undefined ? {} : { nsgId: this.ref(appNsg.id) }),
      },
    ];
    this.rows.push(
      listedVnet(
        this.network,
        appVnetName,
        [cidr(appBlock, 22)],
        appSubnets,
        [appToMi],
        vnetCreatedTime(this.extras, undefined),
      ),
    );
    this.rows.push(flowLog(this.network, `fl-${appVnetName}`, appVnetId, true, this.extras));
    // Gateway-required integration stores the VNet name, often behind a `<guid>_` prefix.
    const gatewayApps = this.random.int(1, 2);
    for (let i = 0; i < gatewayApps; i += 1) {
      const vnetName = this.random.chance(0.5) ? `${this.random.guid()}_${appVnetName}` : appVnetName;
      this.webApp({ vnetName });
    }
    this.webApp({ subnetId: this.ref(appSubnetId) });
  }

  private gatewayWithIp(name: string, vnetId: string): void {
    const pipName = `pip-${name}`;
    this.rows.push(
      listedPublicIp(this.network, pipName, publicAddress(this.random), gatewayIpConfigurationId(this.network, name)),
    );
    this.rows.push(
      gatewayRow(this.network, name, {
        vnetId,
        gatewayType: "Vpn",
        publicIpId: resourceId(this.network, "Microsoft.Network", "publicIPAddresses", pipName),
        listed: true,
      }),
    );
  }

  // ----- App Service

  private appSubnetNsg(subnetPrefix: string, managedInstancePrefixes: string[]): PendingNsg | undefined {
    const variant = this.state.cycles.appSubnet.next();
    if (variant === "noNsg") return undefined;
    const nsg = this.newNsg(this.unique("nsg-app"));
    nsg.rules = appSubnetRules(
      this.context(nsg, subnetPrefix),
      variant,
      managedInstancePrefixes,
      drawRuleCount(this.random),
    );
    return nsg;
  }

  private webApp(integration: { subnetId?: string; vnetName?: string }): void {
    const name = this.unique("app");
    const planId = resourceId(this.apps, "Microsoft.Web", "serverfarms", `plan-${name}`);
    const identity = siteIdentity(this.state.cycles.identity.next());
    this.rows.push(webAppRow(this.apps, name, { ...integration, identity, planId, linux: this.random.chance(0.4) }));
  }

  private addWebApps(slots: number): void {
    let remaining = this.random.round(this.budget * 0.11);
    while (remaining > 0 && this.fits(16)) {
      // A third of apps have no VNet integration; the rest share an integration subnet per App Service plan group.
      if (
        this.random.chance(0.35) ||
        this.spokeSubnets.length >= slots ||
        this.spokeSubnets.filter((s) => s.role === "app").length >= 4
      ) {
        this.webApp({});
        remaining -= 1;
        continue;
      }
      const prefix = cidr(this.spokeBlock + this.spokeSubnets.length * 256, 24);
      const subnet = this.spokeSubnet(
        "app",
        this.appSubnetNsg(prefix, this.spokeMiPrefixes),
        "Microsoft.Web/serverFarms",
      );
      const apps = Math.min(remaining, this.random.int(1, 6));
      for (let i = 0; i < apps; i += 1) this.webApp({ subnetId: this.ref(subnet.id) });
      remaining -= apps;
    }
  }

  private addAppServiceEnvironments(slots: number): void {
    const count = this.random.round(this.budget * 0.006);
    for (let i = 0; i < count && this.spokeSubnets.length < slots && this.fits(12); i += 1) {
      const prefix = cidr(this.spokeBlock + this.spokeSubnets.length * 256, 24);
      const nsg = this.newNsg(this.unique("nsg-ase"));
      nsg.rules = workloadSubnetRules(
        this.context(nsg, prefix),
        this.state.cycles.workload.next(),
        drawRuleCount(this.random),
      );
      const subnet = this.spokeSubnet("ase", nsg, "Microsoft.Web/hostingEnvironments");
      this.rows.push(
        appServiceEnvironmentRow(this.apps, this.unique("ase"), {
          subnetId: this.ref(subnet.id),
          typedReference: true,
          internalLoadBalancingMode: "Web, Publishing",
        }),
      );
      // The failing case: a jump box dropped into the ASE's subnet.
      if (this.state.cycles.ase.next()) this.networkInterface(subnet, 0, undefined, undefined);
    }
  }

  // ----- workloads

  private addWorkloadSubnet(): void {
    const prefix = cidr(this.spokeBlock + this.spokeSubnets.length * 256, 24);
    let nsg: PendingNsg | undefined;
    if (!this.random.chance(0.08)) {
      nsg = this.newNsg(this.unique("nsg-workload"));
      nsg.rules = workloadSubnetRules(
        this.context(nsg, prefix),
        this.state.cycles.workload.next(),
        drawRuleCount(this.random),
      );
    }
    this.workloadSubnets.push(this.spokeSubnet("workload", nsg));
  }

  private addExtras(): void {
    const orphans = this.random.round(this.budget * 0.004);
    for (let i = 0; i < orphans && this.fits(4); i += 1) {
      const nsg = this.newNsg(this.unique("nsg-unused"));
      nsg.rules = workloadSubnetRules(
        this.context(nsg, "10.0.0.0/24"),
        this.state.cycles.workload.next(),
        drawRuleCount(this.random),
      );
    }
    const prefixes = this.random.round(this.budget * 0.002);
    for (let i = 0; i < prefixes && this.fits(4); i += 1) {
      this.rows.push(
        publicIpPrefixRow(
          this.network,
          this.unique("ippre"),
          cidr(
            ipv4(
              this.random.pick(PUBLIC_FIRST_OCTETS),
              this.random.int(0, 255),
              this.random.int(0, 255),
              this.random.int(0, 15) * 16,
            ),
            28,
          ),
        ),
      );
    }
    const ignored = this.random.round(this.budget * 0.02);
    for (let i = 0; i < ignored && this.fits(4); i += 1) {
      const storage = this.random.chance(0.6);
      this.rows.push(ignoredRow(this.data, storage ? `st${this.random.hex(12)}` : this.unique("kv"), storage));
    }
  }

  /** Fills the rest of the budget with NICs (a fifth behind a portal-style NSG of their own) and the public IPs some of them hold. */
  private addNetworkInterfaces(): void {
    const publicIps = Math.min(this.random.round(this.budget * 0.08), Math.floor(this.left * 0.2));
    const rest = this.left - publicIps;
    const withNsg = Math.floor(rest * 0.2);
    const nics = rest - withNsg;
    let unattachedIps = publicIps;
    for (let i = 0; i < nics; i += 1) {
      const subnet = this.workloadSubnets[i % this.workloadSubnets.length]!;
      const slot = Math.floor(i / this.workloadSubnets.length);
      let nsg: PendingNsg | undefined;
      if (i < withNsg) {
        nsg = this.newNsg(`${this.unique("vm")}-nsg`);
        nsg.rules = networkInterfaceRules(
          this.context(nsg, subnet.prefix),
          this.state.cycles.nic.next(),
          drawRuleCount(this.random, 5, 20),
        );
      }
      const withIp =
        unattachedIps > 0 && (nics - i <= unattachedIps || this.random.chance(publicIps / Math.max(1, nics)));
      if (withIp) unattachedIps -= 1;
      this.networkInterface(subnet, slot, nsg, withIp);
    }
    // Public IPs left over sit unattached (or on load balancers this auditor does not read); some have no address yet.
    for (let i = 0; i < unattachedIps; i += 1) {
      this.rows.push(
        listedPublicIp(
          this.network,
          this.unique("pip"),
          this.random.chance(0.1) ? undefined : publicAddress(this.random),
        ),
      );
    }
  }

  private networkInterface(
    subnet: SpokeSubnet,
    slot: number,
    nsg: PendingNsg | undefined,
    withPublicIp: boolean | undefined,
  ): void {
    const vmName = this.unique("vm");
    const nicName = `${vmName}-nic`;
    const nicId = resourceId(this.compute, "Microsoft.Network", "networkInterfaces", nicName);
    const privateIp = formatIpv4(subnet.base + 4 + (slot % 250));
    let publicIpId: string | undefined;
    if (withPublicIp === true) {
      const pipName = `${vmName}-ip`;
      publicIpId = resourceId(this.compute, "Microsoft.Network", "publicIPAddresses", pipName);
      this.rows.push(
        listedPublicIp(
          this.compute,
          pipName,
          this.random.chance(0.1) ? undefined : publicAddress(this.random),
          nicIpConfigurationId(nicId),
        ),
      );
    }
    if (nsg !== undefined) nsg.nicIds.push(nicId);
    subnet.ipConfigurationIds.push(nicIpConfigurationId(nicId));
    this.rows.push(
      networkInterfaceRow(this.compute, nicName, {
        subnetId: this.ref(subnet.id),
        privateIp,
        vmId: resourceId(this.compute, "Microsoft.Compute", "virtualMachines", vmName),
        ...(nsg === undefined ? {} : { nsgId: this.ref(nsg.id) }),
        ...(publicIpId === undefined ? {} : { publicIpId }),
        privateIpAllocation: "Dynamic",
        primary: true,
        acceleratedNetworking: true,
        provisioningState: "Succeeded",
        listed: true,
      }),
    );
  }
}
