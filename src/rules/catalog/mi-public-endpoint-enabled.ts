// mi.public-endpoint.enabled: inventory of managed instances whose public data endpoint is on (as Azure Policy 9dfea752).
import type { Rule } from "../rule";
import { result } from "../rule";
import { publicEndpointFlag } from "../mi-subnet-exposure";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";
import { POLICY_MI_PUBLIC_ENDPOINT } from "../policy-definitions";

export const miPublicEndpointEnabled: Rule<"managedInstance"> = {
  id: "mi.public-endpoint.enabled",
  title: "MI public endpoint enabled",
  severity: "low",
  appliesTo: "managedInstance",
  synopsis: "Lists every managed instance whose public data endpoint (TCP 3342) is enabled.",
  rationale:
    "An enabled public endpoint gives the instance an Internet-resolvable name that accepts TDS on port 3342, so " +
    "the subnet's NSG is then all that stands between the Internet and a login attempt. " +
    'This rule is an inventory: it fails exactly where Azure Policy 9dfea752 ("Azure SQL Managed Instances should ' +
    'disable public network access", which audits `publicDataEndpointEnabled` equal to true, under MCSB NS-2) reports ' +
    "the instance non-compliant, so its results agree with Defender for Cloud. " +
    "Whether the endpoint is actually reachable from untrusted sources is `mi.public-endpoint.untrusted-source`. " +
    "Where the flag is missing from the row the policy would count the instance compliant; this rule reports unknown, " +
    "since a missing flag justifies no pass.",
  guidance: [
    {
      page: GUIDANCE_PAGES.publicEndpointOverview,
      summary:
        "The instance is reachable only from inside its virtual network by default, which gives the most isolation; the public endpoint is meant for the few scenarios that need it (multi-tenant PaaS integration, more throughput than a VPN allows, policies that keep PaaS out of corporate networks).",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.publicEndpointConfigure,
      summary:
        "The endpoint is turned on by the instance admin (`publicDataEndpointEnabled`) and only carries traffic once a network admin allows TCP 3342 in the subnet's NSG; it is turned off with the same setting.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "If no client needs the public endpoint, disable it: `az sql mi update -g <resource-group> -n <instance> " +
    "--public-data-endpoint-enabled false` (portal: the instance's Networking page, Public endpoint (data): Disable), " +
    "then remove the NSG rule that allows TCP 3342. If it is needed, keep it and check that " +
    "mi.public-endpoint.untrusted-source passes.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/public-endpoint-overview",
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/public-endpoint-configure",
    "https://learn.microsoft.com/azure/azure-sql/database/policy-reference",
  ],
  controls: [
    { mcsb: "NS-2", relation: "primary" },
    { cis: "v3.0.0 5.1.7", relation: "analogue" },
  ],
  verdictDependsOn: [],
  applicabilityDependsOn: [],
  evaluate(mi) {
    const flag = publicEndpointFlag(mi);
    if ("problem" in flag)
      return [
        result(mi, "unknown", `Cannot tell whether the public endpoint of ${mi.name} is enabled: ${flag.problem}.`, {
          dataQuality: flag.dataQuality,
        }),
      ];
    if (flag.enabled)
      return [
        result(
          mi,
          "fail",
          `The public data endpoint of ${mi.name} is enabled (TCP 3342); disable it unless clients outside the virtual network need it.`,
          { publicDataEndpointEnabled: true, port: 3342, policyDefinition: POLICY_MI_PUBLIC_ENDPOINT },
        ),
      ];
    return [
      result(mi, "pass", `The public data endpoint of ${mi.name} is disabled.`, {
        publicDataEndpointEnabled: false,
        policyDefinition: POLICY_MI_PUBLIC_ENDPOINT,
      }),
    ];
  },
};
