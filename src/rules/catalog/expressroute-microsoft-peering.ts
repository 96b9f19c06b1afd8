// expressroute.microsoft-peering: on-premises paths to an MI with a public endpoint should use ExpressRoute Microsoft peering.
import type { Rule } from "../rule";
import { result } from "../rule";
import { get, type Estate, type ManagedInstance } from "../../model/estate";
import { gatewayVnetsUsedBy, vnetOfSubnet } from "../network-context";
import { SEED_PUBLIC_ENDPOINT } from "../seed-passages";
import { ARM_CHILD_TYPES } from "../../model/arm-child-types";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

// VNet key → MIs with the public endpoint on that reach on-premises through that VNet's gateway. Built once per estate.
const servedByVnet = new WeakMap<Estate, Map<string, ManagedInstance[]>>();

function publicMisServedBy(estate: Estate): Map<string, ManagedInstance[]> {
  let map = servedByVnet.get(estate);
  if (map !== undefined) return map;
  map = new Map();
  const add = (vnetKey: string, mi: ManagedInstance): void => {
    const list = map.get(vnetKey) ?? [];
    if (!list.includes(mi)) list.push(mi);
    map.set(vnetKey, list);
  };
  for (const mi of estate.byKind.managedInstance) {
    if (mi.publicDataEndpointEnabled !== true) continue;
    const vnet = vnetOfSubnet(mi.subnetKey, estate);
    if (vnet === undefined) continue;
    add(vnet.key, mi);
    // The hub's gateway serves the MI only when the hub allows transit to it (the same paths as VirtualNetwork).
    for (const hub of gatewayVnetsUsedBy(vnet, estate)) add(hub.key, mi);
  }
  servedByVnet.set(estate, map);
  return map;
}

export const expressRouteMicrosoftPeering: Rule<"expressRouteCircuit"> = {
  id: "expressroute.microsoft-peering",
  title: "ExpressRoute path to a public-endpoint MI lacks Microsoft peering",
  severity: "medium",
  appliesTo: "expressRouteCircuit",
  synopsis:
    "A circuit that connects on-premises to the VNet of an MI with a public endpoint must have an enabled Microsoft peering.",
  rationale:
    "Traffic from on-premises to the instance's public endpoint should not cross the public Internet. Microsoft peering carries it over ExpressRoute instead; private peering alone only serves the private endpoint.",
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
        "Revision: the seed recommended ExpressRoute with Microsoft peering; the Networking constraints section now lists Microsoft peering on a circuit peered directly or transitively with the instance's VNet as unsupported, because it disturbs traffic to the services the instance depends on; private connectivity uses private peering.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Configure and enable Microsoft peering on the circuit, with route filters that advertise the MI's region.",
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
    const served = publicMisServedBy(estate);
    const instances = new Set<ManagedInstance>();
    const gateways: string[] = [];
    for (const connection of estate.connectionsByCircuit.get(circuit.key) ?? []) {
      for (const gatewayKey of connection.gatewayKeys) {
        const gateway = get(estate, "virtualNetworkGateway", gatewayKey);
        if (gateway?.vnetKey === undefined) continue;
        const mis = served.get(gateway.vnetKey) ?? [];
        if (mis.length > 0) gateways.push(gateway.id);
        for (const mi of mis) instances.add(mi);
      }
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
