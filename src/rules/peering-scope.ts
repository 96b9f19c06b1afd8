// The three peering rules share their applicability: an MI whose VNet has peerings.
import type { Estate, ManagedInstance, Peering, VirtualNetwork } from "../model/estate";
import { placeManagedInstance } from "./network-context";
import { result, type RuleResult } from "./rule";

export type PeeringScope = { vnet: VirtualNetwork; peerings: Peering[] } | { done: RuleResult[] };

/** The MI's VNet and its peerings, or the finished notApplicable/unknown result when there is nothing to check. */
export function miPeerings(mi: ManagedInstance, estate: Estate): PeeringScope {
  const placement = placeManagedInstance(mi, estate);
  if ("problem" in placement)
    return {
      done: [
        result(mi, "unknown", `Cannot check the peerings of ${mi.name}: ${placement.problem}.`, {
          dataQuality: [placement.problem],
        }),
      ],
    };
  const { vnet } = placement;
  if (vnet.peerings === undefined) {
    return {
      done: [
        result(mi, "unknown", `The peerings of VNet ${vnet.name} were not collected.`, {
          vnet: vnet.id,
          dataQuality: ["virtualNetworkPeerings missing"],
        }),
      ],
    };
  }
  if (vnet.peerings.length === 0)
    return {
      done: [result(mi, "notApplicable", `VNet ${vnet.name} of ${mi.name} has no peerings.`, { vnet: vnet.id })],
    };
  return { vnet, peerings: vnet.peerings };
}
