// mi.vnet.dedicated: an MI with a public endpoint should sit in a dedicated, isolated VNet.
import type { Rule } from "../rule";
import { result } from "../rule";
import { placeManagedInstance } from "../network-context";
import { get } from "../../model/estate";
import { SEED_PUBLIC_ENDPOINT } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

const MI_DELEGATION = "microsoft.sql/managedinstances";

export const miVnetDedicated: Rule<"managedInstance"> = {
  id: "mi.vnet.dedicated",
  title: "MI with public endpoint is not in a dedicated, isolated VNet",
  severity: "low",
  appliesTo: "managedInstance",
  synopsis:
    "An MI with its public endpoint enabled should be in a VNet that holds only MI subnets and has no peerings.",
  rationale:
    "An instance reachable from public addresses is best kept in a VNet used for nothing else, so that a compromise of the endpoint does not sit next to other workloads, and other workloads' routes do not reach it.",
  source: {
    seed: "001_262ff08c551d4caa.txt",
    article: SEED_PUBLIC_ENDPOINT,
    quote:
      "Although not mandatory, the common deployment model for a managed instance with public endpoint access is to create the instance in a dedicated isolated virtual network. In this configuration, the virtual network is used just for virtual cluster isolation.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.publicEndpointOverview,
      summary:
        "For an instance reached through its public endpoint, Microsoft describes (as common practice, not a requirement) placing it in a VNet of its own that serves only to isolate the virtual cluster, so its address space may even overlap corporate ranges.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "Independently of the public endpoint, the instance's subnet must be dedicated: delegated to Microsoft.Sql/managedInstances, not a gateway subnet, and holding only managed instance resources.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Move other workloads out of the MI's VNet and remove its peerings, or move the instance to a VNet of its own.",
  references: ["https://learn.microsoft.com/azure/azure-sql/managed-instance/public-endpoint-overview"],
  controls: [{ mcsb: "NS-1", relation: "related" }],
  verdictDependsOn: ["microsoft.network/virtualnetworks"],
  applicabilityDependsOn: [],
  evaluate(mi, estate) {
    if (mi.publicDataEndpointEnabled !== true) {
      if (mi.publicDataEndpointEnabled === false)
        return [
          result(mi, "notApplicable", `The public endpoint of ${mi.name} is disabled.`, {
            publicDataEndpointEnabled: false,
          }),
        ];
      return [
        result(mi, "unknown", `Cannot tell whether the public endpoint of ${mi.name} is enabled.`, {
          dataQuality: ["publicDataEndpointEnabled is missing or malformed"],
        }),
      ];
    }
    const placement = placeManagedInstance(mi, estate);
    if ("problem" in placement)
      return [
        result(mi, "unknown", `Cannot check the VNet of ${mi.name}: ${placement.problem}.`, {
          dataQuality: [placement.problem],
        }),
      ];
    const { vnet } = placement;
    const sharedSubnets = vnet.subnetKeys
      .map((key) => get(estate, "subnet", key))
      .filter((subnet) => subnet !== undefined && !subnet.delegations.includes(MI_DELEGATION))
      .map((subnet) => subnet!.name);
    const peerings = vnet.peerings?.map((p) => p.name);
    const evidence = { vnet: vnet.id, subnetsNotDelegatedToMi: sharedSubnets, peerings: peerings ?? null };
    if (sharedSubnets.length > 0 || (peerings?.length ?? 0) > 0) {
      const reasons = [
        sharedSubnets.length > 0 ? `subnet(s) not delegated to managed instances: ${sharedSubnets.join(", ")}` : "",
        (peerings?.length ?? 0) > 0 ? `peering(s): ${peerings!.join(", ")}` : "",
      ].filter((s) => s !== "");
      return [result(mi, "fail", `VNet ${vnet.name} of ${mi.name} is not dedicated: ${reasons.join("; ")}.`, evidence)];
    }
    if (peerings === undefined)
      return [
        result(
          mi,
          "unknown",
          `The peerings of VNet ${vnet.name} were not collected, so its isolation cannot be confirmed.`,
          { ...evidence, dataQuality: ["virtualNetworkPeerings missing"] },
        ),
      ];
    return [result(mi, "pass", `VNet ${vnet.name} holds only managed-instance subnets and has no peerings.`, evidence)];
  },
};
