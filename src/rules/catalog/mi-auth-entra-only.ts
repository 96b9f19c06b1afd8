// mi.auth.entra-only: the MI must accept Microsoft Entra authentication only, never SQL logins.
import type { Rule } from "../rule";
import { result } from "../rule";
import { describeIssues, issuesAt } from "../network-context";
import { SEED_MANAGED_IDENTITY } from "../seed-passages";
import { ARM_CHILD_TYPES } from "../../model/arm-child-types";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const miAuthEntraOnly: Rule<"managedInstance"> = {
  id: "mi.auth.entra-only",
  title: "MI allows SQL authentication",
  severity: "medium",
  appliesTo: "managedInstance",
  synopsis: "Microsoft Entra-only authentication must be enabled on the managed instance.",
  rationale:
    "While SQL authentication stays enabled, passwords in connection strings remain a way in, and they leak. " +
    "The guidance removes secrets from applications by connecting with managed identities, which only works as a control when the instance refuses SQL logins. " +
    "The `azureADOnlyAuthentications/Default` child resource is authoritative; the `administrators` block only reflects how the instance was created.",
  source: {
    seed: "003_1e0e24d2e8097ed9.txt",
    article: SEED_MANAGED_IDENTITY,
    quote:
      "Managed identities in App Service make your app more secure by eliminating secrets from your app, such as credentials in the connection strings.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.entraOnlyAuthentication,
      summary:
        "With Microsoft Entra-only authentication enabled on a managed instance, SQL authentication is switched off, the SQL admin login included, so only Microsoft Entra identities can sign in.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.appServiceManagedIdentity,
      summary:
        "An App Service app reaches Azure SQL without stored secrets by signing in with its managed identity, which is granted a database user; nothing secret needs to sit in the connection string.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Enable Microsoft Entra-only authentication on the instance (`az sql mi ad-only-auth enable`) once applications connect with Entra identities.",
  references: ["https://learn.microsoft.com/azure/azure-sql/database/authentication-azure-ad-only-authentication"],
  controls: [
    { mcsb: "IM-1", relation: "related" },
    { cis: "v2.0.0 4.1.4", relation: "analogue" },
    { cis: "v3.0.0 5.1.4", relation: "analogue" },
  ],
  verdictDependsOn: [ARM_CHILD_TYPES.entraOnlyAuthentication],
  applicabilityDependsOn: [],
  evaluate(mi) {
    const issues = issuesAt(mi, "properties.administrators", "azureADOnlyAuthentications/Default");
    if (mi.entraOnlyAuthentication === undefined && issues.length > 0) {
      return [
        result(
          mi,
          "unknown",
          `Cannot tell whether ${mi.name} enforces Entra-only authentication: ${describeIssues(issues)}.`,
          { dataQuality: issues },
        ),
      ];
    }
    const source = mi.entraOnlySource ?? "administrators";
    if (mi.entraOnlyAuthentication === true)
      return [
        result(mi, "pass", `${mi.name} accepts Microsoft Entra authentication only.`, {
          azureADOnlyAuthentication: true,
          source,
        }),
      ];
    if (mi.entraOnlyAuthentication === false)
      return [
        result(mi, "fail", `${mi.name} still accepts SQL authentication (Entra-only authentication is off).`, {
          azureADOnlyAuthentication: false,
          source,
        }),
      ];
    return [
      result(
        mi,
        "fail",
        `${mi.name} has no Entra administrator settings, so Entra-only authentication is not enabled.`,
        { azureADOnlyAuthentication: null, source },
      ),
    ];
  },
};
