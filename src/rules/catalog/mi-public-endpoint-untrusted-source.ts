// mi.public-endpoint.untrusted-source: the MI public endpoint (TCP 3342) must be reachable only from well-known sources.
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { describeIssues } from "../network-context";
import { formatExposureExample, formatRuleRef } from "../../net/nsg-evaluation";
import { miSubnetNsg, publicEndpointFlag, subnetInboundExposure, type MiSubnetTarget } from "../mi-subnet-exposure";
import { SEED_PUBLIC_ENDPOINT } from "../seed-passages";
import type { Estate, ManagedInstance } from "../../model/estate";
import type { TrustPolicy } from "../../net/trust";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const miPublicEndpointUntrustedSource: Rule<"managedInstance"> = {
  id: "mi.public-endpoint.untrusted-source",
  title: "MI public endpoint reachable from untrusted sources",
  severity: "critical",
  appliesTo: "managedInstance",
  synopsis:
    "Inbound TCP 3342 to the subnet of an MI with its public endpoint enabled must be allowed only from well-known source addresses.",
  rationale:
    "With the public data endpoint enabled, anyone whose traffic the MI subnet's NSG lets in on TCP 3342 can attempt to log in. " +
    "Microsoft's guidance is to connect only from sources with well-known IP addresses and to enforce that with an NSG on port 3342. " +
    "A subnet without an NSG, or an NSG that allows Internet, `*`, a shared service tag such as AzureCloud, or a public range outside the trusted list, fails. " +
    "`VirtualNetwork` is expanded as Azure does: the VNet, peered VNets that allow access, VNets and on-premises sites connected through its gateway (all trusted), plus the prefixes of the subnet's user-defined routes (matched, never trusted); an application security group matches its member NICs' addresses, and is unknown when they are not all known.",
  source: {
    seed: "001_262ff08c551d4caa.txt",
    article: SEED_PUBLIC_ENDPOINT,
    quote:
      "To ensure traffic to the managed instance is coming from trusted sources, we recommend connecting from sources with well-known IP addresses. Limit the access to the managed instance public endpoint on port 3342 by using a Network Security Group.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.publicEndpointOverview,
      summary:
        "Microsoft advises reaching the public endpoint only from well-known IP addresses (translated on-premises egress addresses, reserved Azure VIPs or public IP prefixes) and enforcing that with the instance subnet's NSG on port 3342; clients without a stable address should come in over a point-to-site VPN instead.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.publicEndpointConfigure,
      summary:
        "Turning the endpoint on is split between the instance admin, who enables it, and a network admin, who adds an inbound allow for TCP 3342 above the subnet NSG's deny-all rule; the page also reminds you to close that NSG opening when the endpoint is turned off.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "The public endpoint is an optional, Internet-resolvable name that admits TDS only on port 3342 and always works in the proxy connection type.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Replace the Allow rules for TCP 3342 that admit untrusted sources with rules that list only your well-known public addresses (NAT egress IPs, reserved VIPs or public IP prefixes), and keep a Deny for everything else. " +
    "If no client needs the public endpoint, disable it (`publicDataEndpointEnabled: false`).",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/public-endpoint-overview",
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/public-endpoint-configure",
  ],
  controls: [
    { mcsb: "NS-2", relation: "primary" },
    { mcsb: "NS-1", relation: "related" },
    { cis: "v2.0.0 4.1.2", relation: "analogue" },
    { cis: "v3.0.0 5.1.2", relation: "analogue" },
    { cis: "v3.0.0 5.1.7", relation: "analogue" },
  ],
  verdictDependsOn: ["microsoft.network/networksecuritygroups", "microsoft.network/virtualnetworks"],
  applicabilityDependsOn: [],
  evaluate(mi, estate, { trust }) {
    const flag = publicEndpointFlag(mi);
    if ("problem" in flag)
      return [
        result(mi, "unknown", `Cannot tell whether the public endpoint of ${mi.name} is enabled: ${flag.problem}.`, {
          dataQuality: flag.dataQuality,
        }),
      ];
    if (!flag.enabled)
      return [
        result(mi, "notApplicable", `The public endpoint of ${mi.name} is disabled.`, {
          publicDataEndpointEnabled: false,
        }),
      ];
    const lookup = miSubnetNsg(mi, estate);
    switch (lookup.kind) {
      case "problem":
        return [
          result(
            mi,
            "unknown",
            `Cannot evaluate the public endpoint of ${mi.name}: ${lookup.problem}.`,
            lookup.evidence,
          ),
        ];
      case "noNsg":
        return [
          result(
            mi,
            "fail",
            `The public endpoint of ${mi.name} is enabled and its subnet ${lookup.subnet.name} has no NSG, so TCP 3342 is open to any source.`,
            {
              subnet: lookup.subnet.id,
              nsg: null,
              port: 3342,
              exampleUntrustedSource: "Internet",
            },
          ),
        ];
      case "malformed":
        return [
          result(
            mi,
            "unknown",
            `NSG ${lookup.nsg.name} has malformed rules, so exposure of ${mi.name} on TCP 3342 cannot be decided: ${describeIssues(lookup.issues)}.`,
            { nsg: lookup.nsg.id, dataQuality: lookup.issues },
          ),
        ];
      case "nsg":
        return exposureResults(mi, lookup, estate, trust);
    }
  },
};

/** The verdict on TCP 3342 once the MI's subnet, VNet and a well-formed NSG are known, with the evidence behind it. */
function exposureResults(
  mi: ManagedInstance,
  target: MiSubnetTarget,
  estate: Estate,
  trust: TrustPolicy,
): RuleResult[] {
  const { exposure, evidence } = subnetInboundExposure(target, estate, trust, "3342", { port: 3342 });
  const { nsg } = target;
  switch (exposure.verdict) {
    case "exposed":
      return [
        result(
          mi,
          "fail",
          `NSG ${nsg.name} allows TCP 3342 to ${mi.name} from ${formatExposureExample(exposure.example)}.`,
          evidence,
        ),
      ];
    case "uncertain":
      return [
        result(
          mi,
          "unknown",
          `Whether NSG ${nsg.name} admits untrusted sources on TCP 3342 to ${mi.name} depends on rules that cannot be resolved: ${exposure.notes.join("; ") || exposure.uncertainRules.map(formatRuleRef).join(", ")}.`,
          evidence,
        ),
      ];
    case "notExposed":
      return [
        result(
          mi,
          "pass",
          `NSG ${nsg.name} admits only trusted sources on TCP 3342 to ${mi.name}${exposure.decidingRule === undefined ? "" : `; untrusted traffic is stopped by ${formatRuleRef(exposure.decidingRule)}`}.`,
          evidence,
        ),
      ];
  }
}
