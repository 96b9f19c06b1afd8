// mi.public-endpoint.stale-nsg-opening: with the public endpoint off, the MI subnet's NSG must not still admit untrusted
// sources on TCP 3342.
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { describeIssues } from "../network-context";
import { formatExposureExample, formatRuleRef } from "../../net/nsg-evaluation";
import { miSubnetNsg, publicEndpointFlag, subnetInboundExposure, type MiSubnetTarget } from "../mi-subnet-exposure";
import type { Estate, ManagedInstance } from "../../model/estate";
import type { TrustPolicy } from "../../net/trust";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const miPublicEndpointStaleNsgOpening: Rule<"managedInstance"> = {
  id: "mi.public-endpoint.stale-nsg-opening",
  title: "NSG still open on TCP 3342 after the MI public endpoint was disabled",
  severity: "medium",
  appliesTo: "managedInstance",
  synopsis:
    "When an MI's public endpoint is disabled, its subnet's NSG must no longer admit untrusted sources on TCP 3342.",
  rationale:
    "Enabling the public endpoint is split between two roles: the instance admin turns it on, and a network admin " +
    "opens TCP 3342 in the subnet's NSG. When the endpoint is turned off, Microsoft asks for the 3342 opening to be " +
    "closed as well. An opening left behind admits nobody today, but it means the network admin's half of the " +
    "separation of duties is already done: the day the endpoint is turned back on, the instance is reachable from " +
    "those sources without any network review. " +
    "The NSG is evaluated exactly as for `mi.public-endpoint.untrusted-source` (first match by priority, default " +
    "rules, service tags, application security groups, source ports, the same trusted sources), so an opening only " +
    "for trusted sources passes. With the endpoint on, that rule covers 3342; a subnet without an NSG is " +
    "`mi.subnet.nsg-missing`.",
  guidance: [
    {
      page: GUIDANCE_PAGES.publicEndpointConfigure,
      summary:
        "Enabling the endpoint takes the instance admin (the setting) and a network admin (an inbound allow for TCP 3342 in the subnet's NSG); when the endpoint is disabled again, the page reminds you to close that NSG opening on port 3342 too.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.publicEndpointOverview,
      summary:
        "Access to the public endpoint on port 3342 should be limited with the subnet's NSG to sources with well-known IP addresses.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Delete the inbound rules that allow TCP 3342 from untrusted sources on the MI subnet's NSG: " +
    "`az network nsg rule delete -g <resource-group> --nsg-name <nsg> -n <rule>` (portal: the NSG's Inbound security " +
    "rules). If the endpoint will be turned on again, add the rule back then, for well-known sources only.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/public-endpoint-configure",
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/public-endpoint-overview",
  ],
  controls: [
    { mcsb: "NS-2", relation: "related" },
    { mcsb: "NS-1", relation: "related" },
  ],
  controlsNote: "CIS has no item for a managed instance's NSG; its SQL items target logical servers' firewalls.",
  verdictDependsOn: ["microsoft.network/networksecuritygroups", "microsoft.network/virtualnetworks"],
  applicabilityDependsOn: [],
  evaluate(mi, estate, { trust }) {
    const flag = publicEndpointFlag(mi);
    if ("problem" in flag)
      return [
        result(mi, "unknown", `Cannot tell whether the public endpoint of ${mi.name} is disabled: ${flag.problem}.`, {
          dataQuality: flag.dataQuality,
        }),
      ];
    if (flag.enabled)
      return [
        result(
          mi,
          "notApplicable",
          `The public endpoint of ${mi.name} is enabled, so TCP 3342 is checked by mi.public-endpoint.untrusted-source.`,
          { publicDataEndpointEnabled: true },
        ),
      ];
    const lookup = miSubnetNsg(mi, estate);
    switch (lookup.kind) {
      case "problem":
        return [
          result(mi, "unknown", `Cannot check TCP 3342 on the subnet of ${mi.name}: ${lookup.problem}.`, {
            publicDataEndpointEnabled: false,
            ...lookup.evidence,
          }),
        ];
      case "noNsg":
        return [
          result(
            mi,
            "notApplicable",
            `Subnet ${lookup.subnet.name} of ${mi.name} has no NSG, so there is no 3342 rule to remove; the missing NSG is reported by mi.subnet.nsg-missing.`,
            { publicDataEndpointEnabled: false, subnet: lookup.subnet.id, nsg: null },
          ),
        ];
      case "malformed":
        return [
          result(
            mi,
            "unknown",
            `NSG ${lookup.nsg.name} has malformed rules, so whether it still admits untrusted sources on TCP 3342 to ${mi.name} cannot be decided: ${describeIssues(lookup.issues)}.`,
            { publicDataEndpointEnabled: false, nsg: lookup.nsg.id, dataQuality: lookup.issues },
          ),
        ];
      case "nsg":
        return staleOpeningResults(mi, lookup, estate, trust);
    }
  },
};

function staleOpeningResults(
  mi: ManagedInstance,
  target: MiSubnetTarget,
  estate: Estate,
  trust: TrustPolicy,
): RuleResult[] {
  const { exposure, evidence } = subnetInboundExposure(target, estate, trust, "3342", { port: 3342 });
  const withFlag = { publicDataEndpointEnabled: false, ...evidence };
  const nsg = target.nsg.name;
  switch (exposure.verdict) {
    case "exposed":
      return [
        result(
          mi,
          "fail",
          `The public endpoint of ${mi.name} is disabled, yet NSG ${nsg} still allows TCP 3342 from ${formatExposureExample(exposure.example)}; remove that rule.`,
          withFlag,
        ),
      ];
    case "uncertain":
      return [
        result(
          mi,
          "unknown",
          `Whether NSG ${nsg} still admits untrusted sources on TCP 3342 to ${mi.name} (public endpoint disabled) depends on rules that cannot be resolved: ${exposure.notes.join("; ") || exposure.uncertainRules.map(formatRuleRef).join(", ")}.`,
          withFlag,
        ),
      ];
    case "notExposed":
      return [
        result(
          mi,
          "pass",
          `The public endpoint of ${mi.name} is disabled and NSG ${nsg} admits no untrusted source on TCP 3342.`,
          withFlag,
        ),
      ];
  }
}
