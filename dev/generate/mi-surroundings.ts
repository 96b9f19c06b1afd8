// What surrounds a generated managed instance beyond its NSG, for the rules of today's guidance: the route table and
// NAT gateway of its subnet, the private DNS zones linked to its VNet, the flow logs that record its traffic, the
// private endpoint connections to it, and when it and its VNet were created. Variants come in fixed cycles (see
// VariantCycle) in the proportions of a real estate: most MI subnets have a route table and a VNet flow log, few a NAT
// gateway or a reserved DNS zone, most MIs no private endpoint connection. Draws come from a PRNG of their own, so the
// rest of the estate does not shift when these proportions change.
import type { SeededRandom } from "./seeded-random";
import type { PrivateEndpointConnectionSpec } from "./service-rows";

/** What an MI subnet is associated with besides its NSG. Every variant but `noRouteTable` has the route table. */
export type MiSubnetVariant = "routeTable" | "noRouteTable" | "natGateway" | "reservedZone";

export const MI_SUBNET_VARIANTS: readonly MiSubnetVariant[] = [
  ...Array<MiSubnetVariant>(7).fill("routeTable"),
  "natGateway",
  ...Array<MiSubnetVariant>(7).fill("routeTable"),
  "noRouteTable",
  ...Array<MiSubnetVariant>(7).fill("routeTable"),
  "reservedZone",
];

/** How a VNet holding an MI is covered by Network Watcher flow logs. */
export type FlowLogVariant = "vnet" | "subnet" | "nsgOnly" | "disabled" | "none";

export const FLOW_LOG_VARIANTS: readonly FlowLogVariant[] = [
  "vnet",
  "vnet",
  "vnet",
  "nsgOnly",
  "vnet",
  "vnet",
  "subnet",
  "vnet",
  "vnet",
  "none",
  "vnet",
  "vnet",
  "vnet",
  "disabled",
  "vnet",
  "subnet",
  "vnet",
  "vnet",
  "nsgOnly",
  "vnet",
];

/** Private endpoint connections of an MI. */
export type PrivateEndpointVariant = "none" | "approvedInternal" | "pending" | "approvedExternal" | "rejectedExternal";

export const PRIVATE_ENDPOINT_VARIANTS: readonly PrivateEndpointVariant[] = [
  "none",
  "none",
  "approvedInternal",
  "none",
  "none",
  "pending",
  "none",
  "none",
  "approvedExternal",
  "none",
  "rejectedExternal",
  "none",
];

/**
 * When the VNet of an MI and the MI were created, relative to 22 September 2020 (before it, an MI's subnet cannot use
 * global VNet peering): `legacy` both before, `modern` both after, `mixed` an MI created after in an older VNet.
 */
export type CreationEra = "legacy" | "modern" | "mixed";

/** VNets peered across regions take their era from this cycle, so every outcome of the global-peering rule occurs. */
export const CROSS_REGION_ERAS: readonly CreationEra[] = ["legacy", "modern", "mixed", "modern"];

const DAY = 86_400_000;
const FIRST_VNET = Date.UTC(2018, 0, 8);
const GLOBAL_PEERING_CUTOFF = Date.UTC(2020, 8, 22);
const LAST_VNET = Date.UTC(2026, 5, 30);
const LAST_MI = Date.UTC(2026, 9, 31);

/** An era for a VNet that is not peered across regions: a third of estates' MIs predate the cutoff. */
export function drawEra(random: SeededRandom): CreationEra {
  const draw = random.next();
  return draw < 0.3 ? "legacy" : draw < 0.45 ? "mixed" : "modern";
}

/** A timestamp as ARM writes `createdTime`: UTC, seven fractional digits. */
function armTime(random: SeededRandom, from: number, to: number): string {
  const at = from + Math.floor(random.next() * Math.max(1, to - from));
  const fraction = String(random.int(0, 9_999_999)).padStart(7, "0");
  return `${new Date(at).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** A VNet's creation time in its era; `undefined` era: any time. */
export function vnetCreatedTime(random: SeededRandom, era: CreationEra | undefined): string {
  if (era === undefined) return armTime(random, FIRST_VNET, LAST_VNET);
  return era === "modern"
    ? armTime(random, GLOBAL_PEERING_CUTOFF + 10 * DAY, LAST_VNET)
    : armTime(random, FIRST_VNET, GLOBAL_PEERING_CUTOFF - 21 * DAY);
}

/** An MI's creation time: after its VNet's, and before the cutoff only in the legacy era. */
export function managedInstanceCreatedTime(random: SeededRandom, era: CreationEra, vnetCreated: string): string {
  const vnet = Date.parse(vnetCreated);
  if (era === "legacy") return armTime(random, vnet + DAY, GLOBAL_PEERING_CUTOFF - DAY);
  const from = era === "mixed" ? Math.max(vnet, GLOBAL_PEERING_CUTOFF) + DAY : vnet + DAY;
  return armTime(random, from, Math.min(LAST_MI, from + random.int(20, 900) * DAY));
}

/** The connections of one MI in a variant; `internalEndpoint` is a private endpoint id in the MI's own subscription. */
export function privateEndpointConnections(
  variant: PrivateEndpointVariant,
  random: SeededRandom,
  internalEndpoint: string,
): PrivateEndpointConnectionSpec[] {
  const external = () =>
    `/subscriptions/${random.guid()}/resourceGroups/rg-partner/providers/Microsoft.Network/privateEndpoints/pe-sqlmi`;
  switch (variant) {
    case "none":
      return [];
    case "approvedInternal":
      return [{ privateEndpointId: internalEndpoint, status: "Approved", description: "Auto-approved" }];
    case "pending":
      return [{ privateEndpointId: internalEndpoint, status: "Pending", description: "Requested by the app team" }];
    case "approvedExternal":
      return [{ privateEndpointId: external(), status: "Approved", description: "Partner integration" }];
    case "rejectedExternal":
      return [
        { privateEndpointId: internalEndpoint, status: "Approved", description: "Auto-approved" },
        { privateEndpointId: external(), status: "Rejected", description: "Unknown requester" },
      ];
  }
}
