// mi.subnet.redirect-inbound-untrusted: the MI subnet's NSG must not admit untrusted sources on the redirect range
// (TCP 11000-11999).
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { describeIssues } from "../network-context";
import { formatExposureExample, formatRuleRef } from "../../net/nsg-evaluation";
import {
  admittedPortRanges,
  formatAdmitted,
  miSubnetNsg,
  subnetInboundExposure,
  type MiSubnetTarget,
} from "../mi-subnet-exposure";
import type { Estate, ManagedInstance } from "../../model/estate";
import type { TrustPolicy } from "../../net/trust";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

const REDIRECT_FIRST = 11000;
const REDIRECT_LAST = 11999;
const REDIRECT_PORTS = `${REDIRECT_FIRST}-${REDIRECT_LAST}`;

export const miSubnetRedirectInboundUntrusted: Rule<"managedInstance"> = {
  id: "mi.subnet.redirect-inbound-untrusted",
  title: "MI redirect ports reachable from untrusted sources",
  severity: "high",
  appliesTo: "managedInstance",
  synopsis: `The MI subnet's NSG must admit TCP ${REDIRECT_PORTS} (the redirect range) only from trusted sources.`,
  rationale:
    "With the redirect connection type, a client first reaches the instance on 1433 and is then sent straight to the " +
    `node that hosts its database, on a port of ${REDIRECT_PORTS}; from there on the TDS session, logins and data ` +
    "included, runs on that port and bypasses the gateway. An NSG that admits untrusted sources on any of these " +
    "ports lets them talk to the database nodes directly. Microsoft's range is 11000-11999 (the seeds' 12000 is not " +
    "part of it). The NSG is evaluated as for the public endpoint: first match by priority, default rules, service " +
    "tags, application security groups and source ports, with the same trusted sources; the VirtualNetwork tag is " +
    "expanded as Azure does. The verdict does not depend on the instance's connection type: the instance admin can " +
    "switch it to Redirect at any time without a network change, so an opening is judged as if redirect were in use.",
  guidance: [
    {
      page: GUIDANCE_PAGES.connectionTypes,
      summary: `Redirect, the recommended connection type for the VNet-local endpoint, sends clients straight to the node hosting the database after the first connection, so NSG rules must allow 1433 and ${REDIRECT_PORTS} inbound; public and private endpoints always use proxy.`,
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.nsgOverview,
      summary:
        "Security rules are processed in priority order and the first match decides; the default rules admit traffic from VirtualNetwork and AzureLoadBalancer and deny the rest.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    `Limit the inbound rules on the MI subnet's NSG that allow TCP ${REDIRECT_PORTS} to the networks your clients ` +
    "come from (the VNet, peered or connected networks, or named prefixes), e.g. `az network nsg rule update -g " +
    "<resource-group> --nsg-name <nsg> -n <rule> --source-address-prefixes VirtualNetwork`, or delete them " +
    "(`az network nsg rule delete`). Keep a Deny for everything else.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connection-types-overview",
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connectivity-architecture-overview",
    "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",
  ],
  controls: [
    { mcsb: "NS-1", relation: "primary" },
    { mcsb: "NS-2", relation: "related" },
  ],
  controlsNote: "CIS has no item for a managed instance's NSG; its SQL items target logical servers' firewalls.",
  verdictDependsOn: ["microsoft.network/networksecuritygroups", "microsoft.network/virtualnetworks"],
  applicabilityDependsOn: [],
  evaluate(mi, estate, { trust }) {
    // Every MI sits in a subnet, so there is no "not in a subnet" case: a subnet we cannot find is missing data.
    const lookup = miSubnetNsg(mi, estate);
    switch (lookup.kind) {
      case "problem":
        return [
          result(mi, "unknown", `Cannot check the redirect ports of ${mi.name}: ${lookup.problem}.`, lookup.evidence),
        ];
      case "noNsg":
        return [
          result(
            mi,
            "notApplicable",
            `Subnet ${lookup.subnet.name} of ${mi.name} has no NSG to evaluate; the missing NSG is reported by mi.subnet.nsg-missing.`,
            { subnet: lookup.subnet.id, nsg: null },
          ),
        ];
      case "malformed":
        return [
          result(
            mi,
            "unknown",
            `NSG ${lookup.nsg.name} has malformed rules, so exposure of ${mi.name} on TCP ${REDIRECT_PORTS} cannot be decided: ${describeIssues(lookup.issues)}.`,
            { nsg: lookup.nsg.id, dataQuality: lookup.issues },
          ),
        ];
      case "nsg":
        return redirectResults(mi, lookup, estate, trust);
    }
  },
};

function redirectResults(
  mi: ManagedInstance,
  target: MiSubnetTarget,
  estate: Estate,
  trust: TrustPolicy,
): RuleResult[] {
  const { exposure, evidence } = subnetInboundExposure(target, estate, trust, REDIRECT_PORTS, {
    ports: REDIRECT_PORTS,
  });
  const nsg = target.nsg.name;
  if (exposure.verdict === "notExposed")
    return [
      result(
        mi,
        "pass",
        `NSG ${nsg} admits only trusted sources on TCP ${REDIRECT_PORTS} to ${mi.name}${exposure.decidingRule === undefined ? "" : `; untrusted traffic is stopped by ${formatRuleRef(exposure.decidingRule)}`}.`,
        evidence,
      ),
    ];
  const admitted = admittedPortRanges(target, estate, trust, REDIRECT_FIRST, REDIRECT_LAST);
  const withAdmitted = admitted === undefined ? evidence : { ...evidence, admitted };
  if (exposure.verdict === "exposed") {
    const certain = admitted?.filter((piece) => piece.verdict === "exposed") ?? [];
    const where = certain.length > 0 ? `ports ${formatAdmitted(certain)}` : `TCP ${REDIRECT_PORTS}`;
    return [
      result(
        mi,
        "fail",
        `NSG ${nsg} admits untrusted sources to the redirect range of ${mi.name} (${where}), e.g. ${formatExposureExample(exposure.example)} on port ${exposure.example?.port ?? REDIRECT_FIRST}.`,
        withAdmitted,
      ),
    ];
  }
  return [
    result(
      mi,
      "unknown",
      `Whether NSG ${nsg} admits untrusted sources on TCP ${REDIRECT_PORTS} to ${mi.name} depends on rules that cannot be resolved: ${exposure.notes.join("; ") || exposure.uncertainRules.map(formatRuleRef).join(", ")}.`,
      withAdmitted,
    ),
  ];
}
