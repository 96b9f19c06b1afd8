// mi.subnet.nsg-missing: every MI subnet must carry a network security group.
import type { Rule } from "../rule";
import { result } from "../rule";
import { placeManagedInstance } from "../network-context";
import { SEED_PUBLIC_ENDPOINT } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const miSubnetNsgMissing: Rule<"managedInstance"> = {
  id: "mi.subnet.nsg-missing",
  title: "MI subnet has no network security group",
  severity: "high",
  appliesTo: "managedInstance",
  synopsis: "The subnet of every managed instance must have an NSG associated with it.",
  rationale:
    "The NSG on the MI subnet is the only place where inbound access to the instance's endpoints can be limited. " +
    "Without one, nothing in Azure restricts which sources reach the instance's ports.",
  source: {
    seed: "001_262ff08c551d4caa.txt",
    article: SEED_PUBLIC_ENDPOINT,
    quote: "Limit the access to the managed instance public endpoint on port 3342 by using a Network Security Group.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "Among the network requirements, the instance's subnet must have an NSG associated; the platform keeps its mandatory rules in it through a network intent policy, and customers use it to filter access to the data endpoint on 1433 (and 11000-11999 under redirect).",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.publicEndpointOverview,
      summary:
        "When the public endpoint is used, the subnet's NSG is where access on port 3342 is limited to trusted sources.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Associate a network security group with the managed instance subnet, and keep the rules the MI service requires.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connectivity-architecture-overview#network-requirements",
  ],
  controls: [
    { mcsb: "NS-1", relation: "related" },
    { cis: "v6.0.0 7.11", relation: "related" },
  ],
  verdictDependsOn: ["microsoft.network/virtualnetworks"],
  applicabilityDependsOn: [],
  evaluate(mi, estate) {
    const placement = placeManagedInstance(mi, estate);
    if ("problem" in placement)
      return [
        result(mi, "unknown", `Cannot check the NSG of ${mi.name}'s subnet: ${placement.problem}.`, {
          dataQuality: [placement.problem],
        }),
      ];
    const { subnet } = placement;
    if (subnet.nsgKey === undefined)
      return [
        result(mi, "fail", `Subnet ${subnet.name} of ${mi.name} has no network security group.`, {
          subnet: subnet.id,
          nsg: null,
        }),
      ];
    return [
      result(mi, "pass", `Subnet ${subnet.name} of ${mi.name} has a network security group.`, {
        subnet: subnet.id,
        nsg: subnet.nsgKey,
      }),
    ];
  },
};
