// ase.dedicated-subnet: an App Service environment must have its subnet to itself.
import type { Rule } from "../rule";
import { result } from "../rule";
import { get } from "../../model/estate";
import { SEED_ASE_BACKEND } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

const NIC_TYPE_SEGMENT = "/providers/microsoft.network/networkinterfaces/";

export const aseDedicatedSubnet: Rule<"appServiceEnvironment"> = {
  id: "ase.dedicated-subnet",
  title: "App Service environment shares its subnet",
  severity: "low",
  appliesTo: "appServiceEnvironment",
  synopsis: "No other resources (NICs) may sit in an App Service environment's subnet.",
  rationale:
    "Apps in an ASE cannot reach VMs or other endpoints in the ASE's own subnet, so anything placed there is silently unreachable from the apps.",
  source: {
    seed: "004_19729dddbfbb050e.txt",
    article: SEED_ASE_BACKEND,
    quote:
      "App Service Environments cannot reach endpoints of virtual machines located in the **same** subnet as the App Service Environment.  This normally should not be a problem as long as App Service Environments are deployed into a subnet reserved for exclusive use by only the App Service Environment.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.aseNetworking,
      summary:
        "An App Service Environment is deployed into its own subnet of the customer's virtual network, and that subnet must not hold other resources.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.aseAutoMigration,
      summary:
        "Revision: App Service Environment v1 and v2 are retired; Microsoft has migrated them to v3 since 1 September 2024.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation: "Move the other resources to a different subnet, so the ASE's subnet is reserved for it alone.",
  references: ["https://learn.microsoft.com/azure/app-service/environment/networking"],
  controls: [{ mcsb: "NS-1", relation: "weak" }],
  verdictDependsOn: ["microsoft.network/networkinterfaces", "microsoft.network/virtualnetworks"],
  applicabilityDependsOn: [],
  evaluate(ase, estate) {
    if (ase.subnetKey === undefined)
      return [
        result(ase, "unknown", `${ase.name} does not report its subnet (properties.virtualNetwork.id).`, {
          dataQuality: ["properties.virtualNetwork.id missing"],
        }),
      ];
    const subnet = get(estate, "subnet", ase.subnetKey);
    if (subnet === undefined)
      return [
        result(ase, "unknown", `The subnet ${ase.subnetId} of ${ase.name} is not in the audited estate.`, {
          dataQuality: ["subnet missing"],
        }),
      ];
    const others = new Set<string>();
    for (const nic of estate.nicsBySubnet.get(subnet.key) ?? []) others.add(nic.id);
    for (const owner of subnet.ipConfigurationOwnerKeys)
      if (owner.includes(NIC_TYPE_SEGMENT)) others.add(estate.resources.get(owner)?.id ?? owner);
    for (const mi of estate.managedInstancesBySubnet.get(subnet.key) ?? []) others.add(mi.id);
    const evidence = { subnet: subnet.id, otherResources: [...others].slice(0, 20), otherResourceCount: others.size };
    if (others.size > 0)
      return [
        result(
          ase,
          "fail",
          `Subnet ${subnet.name} of ${ase.name} also hosts ${others.size} other resource(s), e.g. ${[...others][0]}; the ASE cannot reach them.`,
          evidence,
        ),
      ];
    return [result(ase, "pass", `Subnet ${subnet.name} is used by ${ase.name} alone.`, evidence)];
  },
};
