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
    "Apps in an ASE cannot reach VMs or other endpoints in the ASE's own subnet, so anything placed there is silently unreachable from the apps. " +
    "The seed describes ASE v1/v2, which are retired; an ASE v3 subnet is delegated to the environment and nothing else can be deployed into it, so another resource there is a misconfiguration either way.",
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
        "An App Service Environment (v3) is deployed into one subnet, delegated to Microsoft.Web/hostingEnvironments, that must be empty: nothing else can be deployed into it.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.aseAutoMigration,
      summary:
        "Revision: App Service Environment v1 and v2 are retired and unsupported; since 1 September 2024 Microsoft migrates the remaining ones to v3 in their existing subnet (or deletes them when it cannot). The seed passage describes the older versions.",
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
