// expressroute.microsoft-peering: on-premises paths to an MI with a public endpoint should use ExpressRoute Microsoft peering.
import type { Rule } from "../rule";
import { result } from "../rule";
import { get, type Estate, type ExpressRouteCircuit, type ManagedInstance } from "../../model/estate";
import { gatewayVnetsUsedBy, issuesAt, vnetOfSubnet } from "../network-context";
import { SEED_PUBLIC_ENDPOINT } from "../seed-passages";
import { ARM_CHILD_TYPES } from "../../model/arm-child-types";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

/** Per VNet key: the MIs with the public endpoint on that reach on-premises through that VNet's gateway, and the MIs
 * there whose public endpoint setting is missing or unreadable (they may or may not make the rule apply). */
interface ServedMis {
  public: Map<string, ManagedInstance[]>;
  undecided: Map<string, ManagedInstance[]>;
}

const servedByVnet = new WeakMap<Estate, ServedMis>();

function push(map: Map<string, ManagedInstance[]>, vnetKey: string, mi: ManagedInstance): void {
  const list = map.get(vnetKey) ?? [];
  if (!list.includes(mi)) list.push(mi);
  map.set(vnetKey, list);
}

/** Missing data is unknown, not "off": an MI whose setting cannot be read may have its public endpoint on. */
function publicEndpointUndecided(mi: ManagedInstance): boolean {
  return mi.publicDataEndpointEnabled === undefined || issuesAt(mi, "properties.publicDataEndpointEnabled").length > 0;
}

function publicMisServedBy(estate: Estate): ServedMis {
  let served = servedByVnet.get(estate);
  if (served !== undefined) return served;
  served = { public: new Map(), undecided: new Map() };
  for (const mi of estate.byKind.managedInstance) {
    const map = publicEndpointUndecided(mi)
      ? served.undecided
      : mi.publicDataEndpointEnabled === true
        ? served.public
        : undefined;
    if (map === undefined) continue;
    const vnet = vnetOfSubnet(mi.subnetKey, estate);
    if (vnet === undefined) continue;
    push(map, vnet.key, mi);
    // The hub's gateway serves the MI only when the hub allows transit to it (the same paths as VirtualNetwork).
    for (const hub of gatewayVnetsUsedBy(vnet, estate)) push(map, hub.key, mi);
  }
  servedByVnet.set(estate, served);
  return served;
}

/** The MIs the circuit serves through its connections' gateways, and the gateways that serve them. */
function circuitReach(
  circuit: ExpressRouteCircuit,
  estate: Estate,
): { instances: Set<ManagedInstance>; undecided: Set<ManagedInstance>; gateways: string[] } {
  const served = publicMisServedBy(estate);
  const instances = new Set<ManagedInstance>();
  const undecided = new Set<ManagedInstance>();
  const gateways: string[] = [];
  for (const connection of estate.connectionsByCircuit.get(circuit.key) ?? []) {
    for (const gatewayKey of connection.gatewayKeys) {
      const gateway = get(estate, "virtualNetworkGateway", gatewayKey);
      if (gateway?.vnetKey === undefined) continue;
      const mis = served.public.get(gateway.vnetKey) ?? [];
      const maybe = served.undecided.get(gateway.vnetKey) ?? [];
      if (mis.length > 0 || maybe.length > 0) gateways.push(gateway.id);
      for (const mi of mis) instances.add(mi);
      for (const mi of maybe) undecided.add(mi);
    }
  }
  return { instances, undecided, gateways };
}

export const expressRouteMicrosoftPeering: Rule<"expressRouteCircuit"> = {
  id: "expressroute.microsoft-peering",
  title: "ExpressRoute path to a public-endpoint MI lacks Microsoft peering",
  severity: "medium",
  appliesTo: "expressRouteCircuit",
  synopsis:
    "A circuit that connects on-premises to the VNet of an MI with a public endpoint must have an enabled Microsoft peering.",
  rationale:
    "The seed (2019) wanted traffic from on-premises to the instance's public endpoint kept off the public Internet by carrying it over ExpressRoute Microsoft peering. " +
    "Microsoft has reversed this: Microsoft peering on a circuit that reaches the instance's VNet directly or transitively is unsupported, disturbs the instance's traffic to the services it depends on and causes outages. " +
    "The rule enforces the seed as written (baseline `seed-2019`); the `current` baseline replaces it with `mi.expressroute.microsoft-peering-unsupported`.",
  source: {
    seed: "001_262ff08c551d4caa.txt",
    article: SEED_PUBLIC_ENDPOINT,
    quote:
      "If there's a managed instance to an on-premises network connection, it's recommended to use Express Route with Microsoft peering. Express Route will help avoid moving data over the public internet.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "Revision: the seed recommended ExpressRoute with Microsoft peering. Today's Networking constraints list Microsoft peering on a circuit peered directly or transitively with the instance's VNet as unsupported: it disturbs traffic between the instance and the services it depends on, causes outages, and new deployments into such a VNet fail. The current baseline checks that instead (mi.expressroute.microsoft-peering-unsupported).",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.publicEndpointOverview,
      summary:
        "The page still recommends ExpressRoute for on-premises connections so that data avoids the public Internet, but no longer asks for Microsoft peering, and says that only private peering can be used for private connectivity to the instance.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.expressRoutePeerings,
      summary:
        "A circuit can carry private peering, which reaches VNets on their private addresses, and Microsoft peering, which reaches Microsoft's public services over public prefixes.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Do not add Microsoft peering to a circuit that reaches the instance's VNet: today's guidance says it breaks the instance. " +
    "The seed's remedy was to enable Microsoft peering with route filters that advertise the MI's region; review this finding under the `current` baseline instead.",
  references: ["https://learn.microsoft.com/azure/expressroute/expressroute-circuit-peerings"],
  // NS-9 asks for private connections such as ExpressRoute between on-premises and Azure, which this rule checks.
  controls: [{ mcsb: "NS-9", relation: "related" }],
  verdictDependsOn: [ARM_CHILD_TYPES.circuitPeerings],
  applicabilityDependsOn: [
    "microsoft.sql/managedinstances",
    "microsoft.network/connections",
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/virtualnetworks",
    ARM_CHILD_TYPES.virtualNetworkPeerings,
  ],
  evaluate(circuit, estate) {
    const { instances, undecided, gateways } = circuitReach(circuit, estate);
    if (instances.size === 0 && undecided.size > 0) {
      const names = [...undecided].map((mi) => mi.name).join(", ");
      return [
        result(
          circuit,
          "unknown",
          `Circuit ${circuit.name} reaches the VNet of ${names}, whose public endpoint setting is missing or unreadable, so whether the rule applies is unknown.`,
          {
            undecidedManagedInstances: [...undecided].map((mi) => mi.id),
            gateways,
            dataQuality: ["publicDataEndpointEnabled missing or unreadable"],
          },
        ),
      ];
    }
    if (instances.size === 0)
      return [
        result(
          circuit,
          "notApplicable",
          `Circuit ${circuit.name} does not connect to the VNet of any MI with a public endpoint.`,
          {},
        ),
      ];
    const evidence = {
      managedInstances: [...instances].map((mi) => mi.id),
      gateways,
      peerings:
        circuit.peerings?.map((p) => ({ name: p.name, peeringType: p.peeringType ?? null, state: p.state ?? null })) ??
        null,
    };
    if (circuit.peerings === undefined)
      return [
        result(circuit, "unknown", `The peerings of circuit ${circuit.name} were not collected.`, {
          ...evidence,
          dataQuality: ["peerings missing"],
        }),
      ];
    const microsoft = circuit.peerings.find((p) => p.peeringType?.toLowerCase() === "microsoftpeering");
    if (microsoft !== undefined && microsoft.state?.toLowerCase() === "enabled")
      return [result(circuit, "pass", `Circuit ${circuit.name} has Microsoft peering enabled.`, evidence)];
    const mi = [...instances][0]!;
    const reason =
      microsoft === undefined
        ? "has no Microsoft peering"
        : `has Microsoft peering in state ${microsoft.state ?? "unknown"}`;
    return [
      result(
        circuit,
        "fail",
        `Circuit ${circuit.name} connects on-premises to ${mi.name} (public endpoint on) but ${reason}.`,
        evidence,
      ),
    ];
  },
};
