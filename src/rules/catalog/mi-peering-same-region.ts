// mi.peering.same-region: MI VNets may only be peered within their own region.
import type { Rule } from "../rule";
import { result } from "../rule";
import { get } from "../../model/estate";
import { miPeerings } from "../peering-scope";
import { SEED_CONNECT_APP } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const miPeeringSameRegion: Rule<"managedInstance"> = {
  id: "mi.peering.same-region",
  title: "MI VNet is globally peered",
  severity: "high",
  appliesTo: "managedInstance",
  synopsis: "Every peering of an MI's VNet must connect to a VNet in the same region.",
  rationale:
    "The seed (2018) said clients in a VNet peered across regions cannot reach the managed instance because global peering was not supported for MI, so such a peering gave a false sense of connectivity. " +
    "Microsoft has since lifted that limit except for instances in subnets created before 22 September 2020. The rule enforces the seed as written (baseline `seed-2019`); the `current` baseline replaces it with `mi.peering.global-legacy-subnet`.",
  source: {
    seed: "000_82907967a2c23df9.txt",
    article: SEED_CONNECT_APP,
    quote:
      "VNet peering scenario for Managed Instance is limited to the networks in the same region due to [constraints of the Global Virtual Network peering]",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "Revision: the seed limited peering to one region. Today the Networking constraints name a single limit on global peering: it does not work for instances placed in subnets created before September 2020 (the page says 9 September; other pages say 22 September, which the current baseline uses); the current baseline checks that (mi.peering.global-legacy-subnet) instead of failing every cross-region peering.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.connectApplication,
      summary:
        "Peering is the preferred way to connect an application's VNet; same-region peering is supported, and global peering is supported for instances in subnets created on or after 22 September 2020.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "If the instance's subnet was created before 22 September 2020, replace cross-region peerings of the MI VNet with a same-region peering to a hub, or a VNet-to-VNet VPN connection. " +
    "For newer subnets today's guidance supports global peering: keep it and audit with the `current` baseline.",
  references: ["https://learn.microsoft.com/azure/azure-sql/managed-instance/connect-application-instance"],
  controls: [],
  controlsNote:
    "operational: a cross-region peering fails to connect rather than exposing the instance; no framework control",
  verdictDependsOn: ["microsoft.network/virtualnetworks"],
  applicabilityDependsOn: ["microsoft.network/virtualnetworks"],
  evaluate(mi, estate) {
    const scope = miPeerings(mi, estate);
    if ("done" in scope) return scope.done;
    const crossRegion: { peering: string; remoteVnet: string; remoteLocation: string }[] = [];
    const missing: string[] = [];
    for (const peering of scope.peerings) {
      const remote = get(estate, "virtualNetwork", peering.remoteVnetKey);
      if (remote === undefined) missing.push(peering.remoteVnetId ?? peering.name);
      else if (remote.location !== scope.vnet.location)
        crossRegion.push({ peering: peering.name, remoteVnet: remote.id, remoteLocation: remote.location });
    }
    const evidence = {
      vnet: scope.vnet.id,
      location: scope.vnet.location,
      crossRegionPeerings: crossRegion,
      remoteVnetsNotInEstate: missing,
    };
    if (crossRegion.length > 0) {
      const first = crossRegion[0]!;
      return [
        result(
          mi,
          "fail",
          `VNet ${scope.vnet.name} (${scope.vnet.location}) of ${mi.name} is peered to a VNet in ${first.remoteLocation} via ${first.peering}; global peering is unsupported for MI.`,
          evidence,
        ),
      ];
    }
    if (missing.length > 0)
      return [
        result(
          mi,
          "unknown",
          `The remote VNet(s) ${missing.join(", ")} peered with ${scope.vnet.name} are not in the audited estate, so their region is unknown.`,
          evidence,
        ),
      ];
    return [
      result(
        mi,
        "pass",
        `All ${scope.peerings.length} peering(s) of ${scope.vnet.name} stay in ${scope.vnet.location}.`,
        evidence,
      ),
    ];
  },
};
