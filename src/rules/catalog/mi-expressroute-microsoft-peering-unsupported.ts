// mi.expressroute.microsoft-peering-unsupported: no ExpressRoute circuit that reaches the MI's VNet has Microsoft peering enabled.
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";
import type { Estate, ExpressRouteCircuit, ManagedInstance } from "../../model/estate";
import { AUDITED_TYPES } from "../../model/row";
import { ARM_CHILD_TYPES } from "../../model/arm-child-types";
import { coverageGap, describeIssues, issuesAt, placeManagedInstance } from "../network-context";
import { circuitsReaching, type CircuitPath } from "../circuit-reach";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

// "Networking constraints" (connectivity-architecture-overview): Microsoft peering enabled on a circuit "peered directly
// or transitively" with the MI's VNet disturbs traffic between the instance and the services it depends on. A circuit
// is peered with a VNet through a connection to a gateway: directly when the gateway sits in the MI's VNet,
// transitively when it sits in a hub whose gateway the MI's VNet uses by gateway transit (the circuit's routes then
// reach the MI's subnet). A VNet-to-VNet tunnel or a plain peering without gateway transit does not carry the
// circuit's routes to the MI's VNet, so they are not followed; Virtual WAN hubs and Route Server are not collected.

type CircuitState =
  { state: "enabled"; peering: string } | { state: "clear"; note?: string } | { state: "unknown"; reason: string };

/** Whether a circuit has an enabled Microsoft peering, as far as its collected peerings say. */
function microsoftPeeringOf(circuit: ExpressRouteCircuit, estate: Estate): CircuitState {
  const peerings = circuit.peerings ?? [];
  const microsoft = peerings.filter((p) => p.peeringType?.toLowerCase() === "microsoftpeering");
  const enabled = microsoft.find((p) => p.state?.toLowerCase() === "enabled");
  // An enabled Microsoft peering in the collected data fails whatever else is missing.
  if (enabled !== undefined) return { state: "enabled", peering: enabled.name };
  if (circuit.peerings === undefined)
    return { state: "unknown", reason: `the peerings of ${circuit.name} were not collected` };
  const gap = coverageGap(estate, ARM_CHILD_TYPES.circuitPeerings, circuit.subscriptionId);
  if (gap !== undefined)
    return { state: "unknown", reason: `the peerings of ${circuit.name} could not be read (${gap.reason})` };
  const broken = issuesAt(circuit, "properties.peerings");
  if (broken.length > 0)
    return { state: "unknown", reason: `the peerings of ${circuit.name} are malformed: ${describeIssues(broken)}` };
  // A peering with no type may be the Microsoft one; a Microsoft peering with no state may be enabled.
  const untyped = peerings.find((p) => p.peeringType === undefined);
  if (untyped !== undefined)
    return { state: "unknown", reason: `peering ${untyped.name} of ${circuit.name} has no type` };
  const stateless = microsoft.find((p) => p.state === undefined);
  if (stateless !== undefined)
    return {
      state: "unknown",
      reason: `the state of Microsoft peering ${stateless.name} of ${circuit.name} is not known`,
    };
  if (microsoft.length > 0)
    return { state: "clear", note: `Microsoft peering of ${circuit.name} is ${microsoft[0]!.state ?? "not enabled"}` };
  return { state: "clear" };
}

function pathEvidence(path: CircuitPath, vnetKey: string, state: CircuitState): Record<string, unknown> {
  return {
    circuit: path.circuit.id,
    connection: path.connection.id,
    gateway: path.gateway.id,
    gatewayVnet: path.gatewayVnet.id,
    viaGatewayTransit: path.gatewayVnet.key !== vnetKey,
    peerings:
      path.circuit.peerings?.map((p) => ({
        name: p.name,
        peeringType: p.peeringType ?? null,
        state: p.state ?? null,
      })) ?? null,
    microsoftPeering: state.state,
  };
}

function verdict(mi: ManagedInstance, estate: Estate): RuleResult {
  const placement = placeManagedInstance(mi, estate);
  if ("problem" in placement)
    return result(mi, "unknown", `Cannot tell which ExpressRoute circuits reach ${mi.name}: ${placement.problem}.`, {
      dataQuality: [placement.problem],
    });
  const { vnet } = placement;
  const reach = circuitsReaching(vnet, estate);
  const states = reach.paths.map((path) => ({ path, state: microsoftPeeringOf(path.circuit, estate) }));
  const evidence = {
    vnet: vnet.id,
    circuits: states.map(({ path, state }) => pathEvidence(path, vnet.key, state)),
    ...(reach.problems.length > 0 ? { pathProblems: reach.problems } : {}),
  };
  const failing = states.find(({ state }) => state.state === "enabled");
  if (failing !== undefined) {
    const { path } = failing;
    const how =
      path.gatewayVnet.key === vnet.key
        ? `the gateway ${path.gateway.name} in ${vnet.name}`
        : `the gateway ${path.gateway.name} of hub ${path.gatewayVnet.name}, which ${vnet.name} uses by gateway transit`;
    return result(
      mi,
      "fail",
      `Circuit ${path.circuit.name} has Microsoft peering enabled and reaches ${mi.name} through ${how} (connection ${path.connection.name}); Microsoft peering on such a circuit is unsupported and makes the instance unavailable: disable it or unlink the circuit.`,
      evidence,
    );
  }
  const unknowns = [
    ...reach.problems,
    ...states.flatMap(({ state }) => (state.state === "unknown" ? [state.reason] : [])),
  ];
  if (unknowns.length > 0)
    return result(
      mi,
      "unknown",
      `Cannot tell whether a circuit with Microsoft peering reaches ${mi.name}: ${unknowns.slice(0, 3).join("; ")}.`,
      { ...evidence, dataQuality: unknowns },
    );
  if (states.length === 0)
    return result(mi, "notApplicable", `No ExpressRoute circuit reaches VNet ${vnet.name} of ${mi.name}.`, evidence);
  const names = states.map(({ path }) => path.circuit.name).join(", ");
  return result(
    mi,
    "pass",
    `No ExpressRoute circuit reaching ${mi.name} (${names}) has Microsoft peering enabled.`,
    evidence,
  );
}

export const miExpressRouteMicrosoftPeeringUnsupported: Rule<"managedInstance"> = {
  id: "mi.expressroute.microsoft-peering-unsupported",
  title: "ExpressRoute circuit reaching the MI's VNet has Microsoft peering enabled",
  severity: "high",
  appliesTo: "managedInstance",
  synopsis:
    "No ExpressRoute circuit connected to the MI's VNet, directly or through the hub gateway it uses by gateway transit, may have Microsoft peering enabled.",
  rationale:
    "Microsoft peering on a circuit whose routes reach the instance's VNet diverts the traffic between the instance's components and the Azure services they depend on, so the instance becomes unavailable, and new deployments into the VNet fail. " +
    "Today's guidance reverses the seed's advice to use Microsoft peering: private connectivity to the instance uses private peering only.",
  guidance: [
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "The Networking constraints section lists Microsoft peering as not supported: enabled on a circuit peered directly or transitively with the instance's VNet, it disturbs the traffic between the instance and the services it depends on and causes availability issues; deployments into a VNet that already has it fail.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.expressRoutePeerings,
      summary:
        "A circuit has two routing domains: private peering connects the VNets linked to it, Microsoft peering reaches Microsoft's public services; each is enabled or disabled on its own.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Disable or remove the Microsoft peering of the circuit (`az network express-route peering delete --circuit-name <circuit> -g <rg> --name MicrosoftPeering`, or Portal: ExpressRoute circuit > Peerings > Azure Microsoft > Delete), or move the MI's VNet off the gateway the circuit is connected to; reach the instance over private peering.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connectivity-architecture-overview#networking-constraints",
    "https://learn.microsoft.com/azure/expressroute/expressroute-circuit-peerings",
  ],
  controls: [],
  controlsNote:
    "availability: an unsupported configuration that breaks the instance rather than exposing it; no framework control",
  // A pass says no reaching circuit has Microsoft peering: every hop of the walk, and the circuits' peerings, count.
  verdictDependsOn: [
    ARM_CHILD_TYPES.circuitPeerings,
    AUDITED_TYPES.expressRouteCircuit,
    AUDITED_TYPES.connection,
    AUDITED_TYPES.virtualNetworkGateway,
    AUDITED_TYPES.virtualNetwork,
    ARM_CHILD_TYPES.virtualNetworkPeerings,
  ],
  applicabilityDependsOn: [
    AUDITED_TYPES.connection,
    AUDITED_TYPES.virtualNetworkGateway,
    AUDITED_TYPES.virtualNetwork,
    ARM_CHILD_TYPES.virtualNetworkPeerings,
  ],
  evaluate(mi, estate) {
    return [verdict(mi, estate)];
  },
};
