// mi.peering.app-gateway-transit: an app with gateway-required integration into a VNet peered with the MI VNet needs gateway transit.
import type { Rule } from "../rule";
import { result } from "../rule";
import { get } from "../../model/estate";
import { miPeerings } from "../peering-scope";
import { SEED_CONNECT_APP } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const miPeeringAppGatewayTransit: Rule<"managedInstance"> = {
  id: "mi.peering.app-gateway-transit",
  title: "Gateway transit misconfigured for App Service reaching the MI through a peered VNet",
  severity: "medium",
  appliesTo: "managedInstance",
  synopsis:
    "When an app with gateway-required VNet integration uses a VNet peered with the MI VNet, the MI VNet must have no gateway and use remote gateways, and the app VNet must allow gateway transit.",
  rationale:
    "Gateway-required integration brings the app in over a point-to-site tunnel that terminates on the app VNet's gateway. " +
    "Its traffic reaches the MI only if the MI VNet routes through that gateway, which needs exactly this trio of settings.",
  source: {
    seed: "000_82907967a2c23df9.txt",
    article: SEED_CONNECT_APP,
    quote:
      "A special case of connecting Azure App Service to Managed Instance is when you integrated Azure App Service to a network peered to Managed Instance VNet. That case requires the following configuration to be set up: - Managed Instance VNet must NOT have gateway - Managed Instance VNet must have Use remote gateways option set - Peered VNet must have Allow gateway transit option set",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.connectApplication,
      summary:
        "For an App Service app integrated with a VNet peered to the instance's VNet, the page still requires that the instance's VNet have no gateway and use remote gateways, and that the peered VNet allow gateway transit.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.gatewayRequiredVnetIntegration,
      summary:
        "Gateway-required integration (Windows plans only, a point-to-site VPN to the integrated VNet's gateway) reaches a peered VNet only when that VNet's peering allows gateway transit and the other side uses remote gateways; Microsoft now recommends regional VNet integration instead.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.vpnGatewayTransit,
      summary:
        "Gateway transit lets a VNet use the VPN gateway of a peered VNet; the VNet that uses the remote gateway cannot have a gateway of its own.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Remove any gateway from the MI VNet, enable `useRemoteGateways` on the MI VNet's peering to the app VNet, and enable `allowGatewayTransit` on the app VNet's peering back.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connect-application-instance#connect-inside-a-different-vnet",
  ],
  controls: [{ mcsb: "NS-9", relation: "weak" }],
  verdictDependsOn: ["microsoft.network/virtualnetworkgateways", "microsoft.network/virtualnetworks"],
  applicabilityDependsOn: ["microsoft.web/sites", "microsoft.network/virtualnetworks"],
  evaluate(mi, estate) {
    const scope = miPeerings(mi, estate);
    if ("done" in scope) return scope.done;
    const problems: string[] = [];
    const unknowns: string[] = [];
    const appVnets: string[] = [];
    const ownGateways = estate.gatewaysByVnet.get(scope.vnet.key) ?? [];
    for (const peering of scope.peerings) {
      const apps =
        peering.remoteVnetKey === undefined ? [] : (estate.gatewayAppsByVnet.get(peering.remoteVnetKey) ?? []);
      if (apps.length === 0) continue;
      const appVnet = get(estate, "virtualNetwork", peering.remoteVnetKey)!;
      // A peering that allows no virtual network access on either side is no path for the app's traffic (Azure
      // leaves the other VNet out of VirtualNetwork there), so the gateway settings on it do not matter.
      const backAccess = appVnet.peerings?.find((p) => p.remoteVnetKey === scope.vnet.key)?.allowVirtualNetworkAccess;
      // An unreadable flag (undefined) is checked like a path: skipping it could hide a misconfiguration.
      if (peering.allowVirtualNetworkAccess === false || backAccess === false) continue;
      appVnets.push(appVnet.id);
      if (peering.useRemoteGateways !== true)
        problems.push(`peering ${peering.name} to ${appVnet.name} does not use remote gateways`);
      if (appVnet.peerings === undefined) {
        unknowns.push(`the peerings of app VNet ${appVnet.name} were not collected`);
        continue;
      }
      const back = appVnet.peerings.find((p) => p.remoteVnetKey === scope.vnet.key);
      if (back === undefined) problems.push(`app VNet ${appVnet.name} has no peering back to ${scope.vnet.name}`);
      else if (back.allowGatewayTransit !== true)
        problems.push(`peering ${back.name} of app VNet ${appVnet.name} does not allow gateway transit`);
    }
    if (appVnets.length === 0)
      return [
        result(
          mi,
          "notApplicable",
          `No app with gateway-required VNet integration uses a VNet peered with ${scope.vnet.name}.`,
          { vnet: scope.vnet.id },
        ),
      ];
    if (ownGateways.length > 0)
      problems.unshift(`MI VNet ${scope.vnet.name} has its own gateway ${ownGateways.map((g) => g.name).join(", ")}`);
    const evidence = {
      vnet: scope.vnet.id,
      appVnets,
      miVnetGateways: ownGateways.map((g) => g.id),
      problems,
      dataQuality: unknowns,
    };
    if (problems.length > 0)
      return [result(mi, "fail", `Apps reach ${mi.name} through a peered VNet, but ${problems.join("; ")}.`, evidence)];
    if (unknowns.length > 0)
      return [
        result(mi, "unknown", `Gateway transit for ${mi.name} cannot be confirmed: ${unknowns.join("; ")}.`, evidence),
      ];
    return [
      result(
        mi,
        "pass",
        `Gateway transit from the app VNet(s) to ${scope.vnet.name} is configured as required.`,
        evidence,
      ),
    ];
  },
};
