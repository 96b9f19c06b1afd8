// app.managed-identity: apps that can reach an MI should authenticate with a managed identity, not secrets.
import type { Rule } from "../rule";
import { result } from "../rule";
import { get, type WebApp } from "../../model/estate";
import {
  APP_TO_MI_PATH_TYPES,
  issuesAt,
  managedInstancesInVnet,
  reachableVnets,
  vnetOfSubnet,
} from "../network-context";
import { SEED_MANAGED_IDENTITY } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

/** Why the VNet named by gateway-required integration did not resolve: the estate's relation step records several. */
function gatewayVnetProblem(app: WebApp): string {
  const ambiguous = issuesAt(app, "properties.siteConfig.vnetName").find((issue) =>
    / matches \d+ VNets /.test(issue.problem),
  );
  return ambiguous !== undefined
    ? `matches several VNets in subscription ${app.subscriptionId}`
    : `matches no VNet in subscription ${app.subscriptionId} of the audited estate`;
}

export const appManagedIdentity: Rule<"webApp"> = {
  id: "app.managed-identity",
  title: "App that can reach an MI has no managed identity",
  severity: "low",
  appliesTo: "webApp",
  synopsis: "A web app integrated with a VNet that can reach a managed instance should have a managed identity.",
  rationale:
    "Without a managed identity the app must hold a SQL password or other secret in its settings to reach the instance, and secrets leak. " +
    "An app reaches an MI over the two connections the guidance names: peering (Connected on both sides, with virtual network access allowed on both; a peering with access disabled is no path) and VNet-to-VNet VPN connections between the two VNets' gateways, including a hub gateway a VNet uses through gateway transit.",
  source: {
    seed: "003_1e0e24d2e8097ed9.txt",
    article: SEED_MANAGED_IDENTITY,
    quote:
      "Managed identities in App Service make your app more secure by eliminating secrets from your app, such as credentials in the connection strings.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.appServiceManagedIdentity,
      summary:
        "App Service connects to Azure databases without secrets by giving the app a managed identity and granting that identity a database user, instead of keeping a password in the connection string.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.appServiceVnetIntegration,
      summary:
        "Regional VNet integration lets an app call resources in the integrated VNet, in VNets peered with it (global peering included) and across ExpressRoute connections, so an integrated app can be one of the instance's clients.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Enable a system-assigned or user-assigned managed identity on the app, grant it a contained database user, and remove SQL credentials from its settings.",
  references: ["https://learn.microsoft.com/azure/app-service/tutorial-connect-msi-azure-database"],
  controls: [
    { mcsb: "IM-3", relation: "related" },
    { cis: "v2.0.0 9.5", relation: "related" },
    { cis: "v2.1.0 9.4", relation: "related" },
    { cis: "v3.0.0 9.5", relation: "related" },
  ],
  verdictDependsOn: [],
  applicabilityDependsOn: APP_TO_MI_PATH_TYPES,
  evaluate(app, estate) {
    const vnet =
      app.integrationSubnetKey !== undefined
        ? vnetOfSubnet(app.integrationSubnetKey, estate)
        : get(estate, "virtualNetwork", app.gatewayVnetKey);
    if (vnet === undefined) {
      if (app.integrationSubnetKey !== undefined)
        return [
          result(app, "unknown", `The integration subnet of ${app.name} is not in the audited estate.`, {
            integrationSubnet: app.integrationSubnetId,
            dataQuality: ["integration subnet missing"],
          }),
        ];
      // Gateway-required integration names its VNet; a name that matches no VNet, or several, leaves which MIs the
      // app reaches unknown, not "none".
      if (app.gatewayVnetName !== undefined)
        return [
          result(
            app,
            "unknown",
            `The VNet ${app.gatewayVnetName} that ${app.name} integrates with (gateway-required) ${gatewayVnetProblem(app)}, so which managed instances it reaches is unknown.`,
            { gatewayVnetName: app.gatewayVnetName, dataQuality: ["integration VNet unresolved"] },
          ),
        ];
      return [result(app, "notApplicable", `${app.name} is not integrated with a VNet in the estate.`, {})];
    }
    const instances = reachableVnets(vnet, estate).flatMap((v) => managedInstancesInVnet(v, estate));
    if (instances.length === 0)
      return [
        result(app, "notApplicable", `VNet ${vnet.name} of ${app.name} cannot reach any managed instance.`, {
          vnet: vnet.id,
        }),
      ];
    const evidence = {
      vnet: vnet.id,
      identityType: app.identityType ?? null,
      reachableManagedInstances: instances.map((mi) => mi.id),
    };
    if (
      app.identityType === undefined ||
      app.identityType.trim().toLowerCase() === "none" ||
      app.identityType.trim() === ""
    ) {
      return [
        result(
          app,
          "fail",
          `${app.name} can reach ${instances[0]!.name} but has no managed identity, so it must use secrets to connect.`,
          evidence,
        ),
      ];
    }
    return [result(app, "pass", `${app.name} has a ${app.identityType} managed identity.`, evidence)];
  },
};
