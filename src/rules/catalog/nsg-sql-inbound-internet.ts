// nsg.sql-inbound-internet: no NSG in use may admit untrusted sources to SQL on TCP 1433.
import type { Evidence, Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { get, type Estate, type NetworkInterface, type NetworkSecurityGroup, type Subnet } from "../../model/estate";
import { describeIssues, networkQuery, nsgIssues, virtualNetworkTag, type VirtualNetworkTag } from "../network-context";
import { evaluateInboundExposure, formatExposureExample, type InboundExposure } from "../../net/nsg-evaluation";
import { SEED_ASE_BACKEND } from "../seed-passages";
import type { TrustPolicy } from "../../net/trust";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

interface Target {
  kind: "subnet" | "networkInterface";
  id: string;
  name: string;
  exposure: InboundExposure;
  tag?: VirtualNetworkTag;
}

export const nsgSqlInboundInternet: Rule<"networkSecurityGroup"> = {
  id: "nsg.sql-inbound-internet",
  title: "NSG admits untrusted sources to SQL (TCP 1433)",
  severity: "critical",
  appliesTo: "networkSecurityGroup",
  synopsis: "An NSG associated with a subnet or NIC must not allow inbound TCP 1433 from untrusted sources.",
  rationale:
    "SQL's default port is the first thing scanners probe. The guidance locks 1433 down so that only resources in the virtual network reach it, which the default NSG rules already do; any Allow that widens that to the Internet, shared service tags or foreign public ranges exposes the database engine. " +
    "`VirtualNetwork` is expanded as Azure does: the VNet, peered VNets that allow access, VNets and on-premises sites connected through its gateway (all trusted), plus the prefixes of the subnet's user-defined routes (matched, never trusted); an application security group matches its member NICs' addresses, and is unknown when they are not all known.",
  source: {
    seed: "004_19729dddbfbb050e.txt",
    article: SEED_ASE_BACKEND,
    quote:
      "Restricting access to only VNet internal traffic is very simple with a network security group.  The default rules in a network security group only allow access from other network clients in the same virtual network.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.nsgOverview,
      summary:
        "Security rules are processed in priority order and the first match ends processing; the default inbound rules admit only the virtual network and Azure Load Balancer, so an allow for 1433 that names Internet, any source or a broad tag opens the port beyond the VNet.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.serviceTags,
      summary:
        "The VirtualNetwork tag stands for the VNet's address space, peered VNets, VNets and on-premises networks connected through a gateway, and prefixes used in user-defined routes.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Remove or narrow the Allow rules that admit untrusted sources on TCP 1433; list only VirtualNetwork, private ranges or your well-known public addresses.",
  references: ["https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview"],
  controls: [
    { mcsb: "NS-1", relation: "related" },
    { mcsb: "NS-2", relation: "related" },
  ],
  controlsNote:
    "CIS: no item for port 1433 in v2-v6; the nearest is the 'evaluated and restricted from the Internet' family (v3.0/v5.0/v6.0 7.1-7.4)",
  verdictDependsOn: ["microsoft.network/virtualnetworks"],
  applicabilityDependsOn: ["microsoft.network/virtualnetworks", "microsoft.network/networkinterfaces"],
  evaluate(nsg, estate, { trust }) {
    const subnets = estate.subnetsByNsg.get(nsg.key) ?? [];
    const nics = estate.nicsByNsg.get(nsg.key) ?? [];
    if (subnets.length === 0 && nics.length === 0)
      return [
        result(nsg, "notApplicable", `NSG ${nsg.name} is not associated with any subnet or NIC in the estate.`, {}),
      ];
    const broken = nsgIssues(nsg);
    if (broken.length > 0)
      return [
        result(
          nsg,
          "unknown",
          `NSG ${nsg.name} has malformed rules, so TCP 1433 exposure cannot be decided: ${describeIssues(broken)}.`,
          { dataQuality: broken },
        ),
      ];
    return sqlInboundVerdict(nsg, exposureTargets(nsg, subnets, nics, estate, trust));
  },
};

/** Evaluates inbound TCP 1433 for every subnet and NIC the NSG is attached to. */
function exposureTargets(
  nsg: NetworkSecurityGroup,
  subnets: Subnet[],
  nics: NetworkInterface[],
  estate: Estate,
  trust: TrustPolicy,
): Target[] {
  const targets: Target[] = [];
  // Without the VNet, VirtualNetwork is not known: the evaluator then treats rules that use it as uncertain.
  const network = (subnet: Subnet | undefined) => {
    const vnet = get(estate, "virtualNetwork", subnet?.vnetKey);
    const tag = vnet === undefined ? undefined : virtualNetworkTag(vnet, estate, subnet);
    return { tag, query: tag === undefined ? { virtualNetworkPrefixes: [] } : networkQuery(tag, estate) };
  };
  for (const subnet of subnets) {
    const { tag, query } = network(subnet);
    const exposure = evaluateInboundExposure(
      nsg.rules,
      { protocol: "Tcp", ports: "1433", protectedPrefixes: subnet.addressPrefixes, ...query },
      trust,
    );
    targets.push({ kind: "subnet", id: subnet.id, name: subnet.name, exposure, tag });
  }
  for (const nic of nics) {
    const { tag, query } = network(get(estate, "subnet", nic.subnetKeys[0]));
    const protectedPrefixes = nic.privateIpAddresses.map((ip) => (ip.includes(":") ? `${ip}/128` : `${ip}/32`));
    const exposure = evaluateInboundExposure(
      nsg.rules,
      { protocol: "Tcp", ports: "1433", protectedPrefixes, ...query },
      trust,
    );
    targets.push({ kind: "networkInterface", id: nic.id, name: nic.name, exposure, tag });
  }
  return targets;
}

/** The per-target evidence, and the VirtualNetwork tag notes across all targets. */
function targetEvidence(targets: Target[]): { summary: Evidence[]; notes: { virtualNetworkTagNotes?: string[] } } {
  const summary = targets.map((t) => ({
    target: t.id,
    kind: t.kind,
    verdict: t.exposure.verdict,
    decidingRule: t.exposure.example?.rule ?? t.exposure.decidingRule,
    exampleUntrustedSource: t.exposure.example?.source,
    ...(t.tag?.routesUnknown === undefined ? {} : { routesUnknown: t.tag.routesUnknown }),
  }));
  // Once per result, not per target: one NSG may serve thousands of NICs of the same VNet.
  const tagNotes = [...new Set(targets.flatMap((t) => t.tag?.notes ?? []))];
  return { summary, notes: tagNotes.length > 0 ? { virtualNetworkTagNotes: tagNotes } : {} };
}

/** Fail on the first exposed target, else unknown on the first uncertain one, else pass. */
function sqlInboundVerdict(nsg: NetworkSecurityGroup, targets: Target[]): RuleResult[] {
  const { summary, notes } = targetEvidence(targets);
  const exposed = targets.find((t) => t.exposure.verdict === "exposed");
  if (exposed !== undefined) {
    const example = exposed.exposure.example;
    return [
      result(
        nsg,
        "fail",
        `NSG ${nsg.name} allows TCP 1433 to ${exposed.name} from ${formatExposureExample(example)}.`,
        {
          port: 1433,
          decidingRule: example?.rule,
          exampleUntrustedSource: example?.source,
          ...(example?.sourcePorts === undefined ? {} : { exampleSourcePorts: example.sourcePorts }),
          untrustedSourcesAllowed: exposed.exposure.untrustedAllowed,
          targets: summary,
          ...notes,
        },
      ),
    ];
  }
  const uncertain = targets.find((t) => t.exposure.verdict === "uncertain");
  if (uncertain !== undefined) {
    return [
      result(
        nsg,
        "unknown",
        `Whether NSG ${nsg.name} admits untrusted sources on TCP 1433 to ${uncertain.name} depends on rules that cannot be resolved: ${uncertain.exposure.notes.join("; ")}.`,
        {
          port: 1433,
          uncertainRules: uncertain.exposure.uncertainRules,
          targets: summary,
          ...notes,
        },
      ),
    ];
  }
  return [
    result(
      nsg,
      "pass",
      `NSG ${nsg.name} admits only trusted sources on TCP 1433 to its ${targets.length} subnet(s)/NIC(s).`,
      { port: 1433, decidingRule: targets[0]?.exposure.decidingRule, targets: summary, ...notes },
    ),
  ];
}
