// nsg.app-subnet.sql-outbound: an App Service integration subnet that can reach an MI must be allowed out to it on SQL ports.
import type { Evidence, Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { get, type Estate, type ManagedInstance, type NetworkSecurityGroup, type Subnet } from "../../model/estate";
import {
  APP_TO_MI_PATH_TYPES,
  describeIssues,
  managedInstancesInVnet,
  networkQuery,
  nsgIssues,
  reachableVnets,
  subnetNsg,
  tagEvidence,
  virtualNetworkTag,
} from "../network-context";
import { evaluateOutboundFlow, formatRuleRef, type NetworkQuery } from "../../net/nsg-evaluation";
import { SEED_CONNECT_APP } from "../seed-passages";
import { ARM_CHILD_TYPES } from "../../model/arm-child-types";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const nsgAppSubnetSqlOutbound: Rule<"subnet"> = {
  id: "nsg.app-subnet.sql-outbound",
  title: "App integration subnet cannot reach the MI on SQL ports",
  severity: "medium",
  appliesTo: "subnet",
  synopsis:
    "The NSG of an App Service VNet-integration subnet that can reach an MI must allow outbound TCP 1433 to the MI subnet, and 11000-11999 as well when the MI uses the Redirect connection type.",
  rationale:
    "Apps that cannot reach the instance on its SQL ports fail over to workarounds such as enabling the public endpoint. Redirect connections need the 11000-11999 range after the initial 1433 handshake. " +
    "An app reaches an MI over the two connections the guidance names: peering (Connected on both sides, with virtual network access allowed on both; a peering with access disabled is no path) and VNet-to-VNet VPN connections between the two VNets' gateways, including a hub gateway a VNet uses through gateway transit.",
  source: {
    seed: "000_82907967a2c23df9.txt",
    article: SEED_CONNECT_APP,
    quote:
      "In case you can’t establish the connection, check if you have a Network Security Group set on application subnet. In this case, you need to open outbound connection on SQL port 1433 as well as 11000-12000 range of ports for redirection.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.connectionTypes,
      summary:
        "Under redirect, the recommended connection type for the VNet-local endpoint, clients connect to the node hosting the database after the first exchange, so their NSGs and firewalls must allow 1433 and 11000-11999; proxy needs only 1433. Revision: the seed wrote the range as 11000-12000; it ends at 11999.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.connectApplication,
      summary:
        "When an app in another subnet cannot connect, the page points to the NSG on the client's subnet, which must allow outbound 1433 and 11000-11999.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Add an outbound Allow rule on the app subnet's NSG for TCP 1433 (and 11000-11999 for Redirect) to the MI subnet's prefix, above any Deny that covers it.",
  references: ["https://learn.microsoft.com/azure/azure-sql/managed-instance/connection-types-overview"],
  controls: [],
  controlsNote: "connectivity: the rule checks that apps can reach the instance; no framework control",
  verdictDependsOn: [
    "microsoft.network/networksecuritygroups",
    "microsoft.sql/managedinstances",
    ARM_CHILD_TYPES.virtualNetworkPeerings,
  ],
  // Whether the app subnet reaches an MI at all depends on the VNets (peerings) and the gateways and connections
  // (VNet-to-VNet paths); without them "cannot reach any MI" would be a guess.
  applicabilityDependsOn: APP_TO_MI_PATH_TYPES,
  evaluate(subnet, estate) {
    const apps = estate.appsBySubnet.get(subnet.key) ?? [];
    if (apps.length === 0) return [];
    const vnet = get(estate, "virtualNetwork", subnet.vnetKey);
    if (vnet === undefined)
      return [
        result(subnet, "unknown", `The VNet of app subnet ${subnet.name} is not in the audited estate.`, {
          dataQuality: ["vnet missing"],
        }),
      ];
    const instances: ManagedInstance[] = reachableVnets(vnet, estate).flatMap((v) => managedInstancesInVnet(v, estate));
    const appNames = apps.map((app) => app.name);
    if (instances.length === 0)
      return [
        result(subnet, "notApplicable", `App subnet ${subnet.name} cannot reach any managed instance.`, {
          apps: appNames,
        }),
      ];
    const nsg = subnetNsg(subnet, estate);
    if (nsg === "none")
      return [
        result(
          subnet,
          "pass",
          `App subnet ${subnet.name} has no NSG, so nothing blocks SQL traffic to the ${instances.length} reachable MI(s).`,
          { apps: appNames, nsg: null, managedInstances: instances.map((mi) => mi.id) },
        ),
      ];
    if ("problem" in nsg)
      return [
        result(subnet, "unknown", `Cannot check outbound SQL from ${subnet.name}: ${nsg.problem}.`, {
          apps: appNames,
          dataQuality: [nsg.problem],
        }),
      ];
    const broken = nsgIssues(nsg);
    if (broken.length > 0)
      return [
        result(subnet, "unknown", `NSG ${nsg.name} has malformed rules: ${describeIssues(broken)}.`, {
          nsg: nsg.id,
          dataQuality: broken,
        }),
      ];
    const tag = virtualNetworkTag(vnet, estate, subnet);
    const flows = checkSqlFlows(subnet, nsg, instances, networkQuery(tag, estate), estate);
    const evidence = { apps: appNames, nsg: nsg.id, checks: flows.checks, ...tagEvidence(tag) };
    return sqlOutboundVerdict(subnet, nsg, instances.length, flows, evidence);
  },
};

/** One outbound check, as the evidence lists it: an MI and one of its SQL port sets. */
interface SqlFlowCheck {
  mi: string;
  ports: string;
  verdict: string;
  rule?: unknown;
  blockedSourcePorts?: string;
  notes: string[];
}

/** Every check, plus the first blocked and the first uncertain one (they decide the verdict and its message). */
interface SqlFlowChecks {
  checks: SqlFlowCheck[];
  blocked: { mi: ManagedInstance; ports: string; rule?: string; sourcePorts?: string } | undefined;
  uncertain: { mi: ManagedInstance; ports: string; notes: string[] } | undefined;
}

/** Evaluates outbound TCP on each reachable MI's SQL ports (1433, plus 11000-11999 for Redirect) through the NSG. */
function checkSqlFlows(
  subnet: Subnet,
  nsg: NetworkSecurityGroup,
  instances: ManagedInstance[],
  network: NetworkQuery,
  estate: Estate,
): SqlFlowChecks {
  const checks: SqlFlowCheck[] = [];
  let blocked: SqlFlowChecks["blocked"];
  let uncertain: SqlFlowChecks["uncertain"];
  for (const mi of instances) {
    const miSubnet = get(estate, "subnet", mi.subnetKey);
    const portSets = mi.proxyOverride?.toLowerCase() === "redirect" ? ["1433", "11000-11999"] : ["1433"];
    for (const ports of portSets) {
      const flow = evaluateOutboundFlow(nsg.rules, {
        protocol: "Tcp",
        ports,
        sourcePrefixes: subnet.addressPrefixes,
        destinationPrefixes: miSubnet?.addressPrefixes ?? [],
        ...network,
      });
      const blockedSegment = flow.segments.find((s) => s.verdict === "blocked");
      const deciding = blockedSegment?.rule;
      // Blocked for some ephemeral source ports only: the connections that draw one of them fail (intermittently).
      const sourcePorts = blockedSegment?.sourcePorts;
      checks.push({
        mi: mi.id,
        ports,
        verdict: flow.verdict,
        rule: deciding,
        ...(sourcePorts === undefined ? {} : { blockedSourcePorts: sourcePorts }),
        notes: flow.notes,
      });
      if (flow.verdict === "blocked" && blocked === undefined) {
        blocked = {
          mi,
          ports,
          ...(deciding === undefined ? {} : { rule: formatRuleRef(deciding) }),
          ...(sourcePorts === undefined ? {} : { sourcePorts }),
        };
      }
      if (flow.verdict === "uncertain" && uncertain === undefined) uncertain = { mi, ports, notes: flow.notes };
    }
  }
  return { checks, blocked, uncertain };
}

/** Fail on the first blocked check, else unknown on the first uncertain one, else pass. */
function sqlOutboundVerdict(
  subnet: Subnet,
  nsg: NetworkSecurityGroup,
  reachableCount: number,
  { checks, blocked, uncertain }: SqlFlowChecks,
  evidence: Evidence,
): RuleResult[] {
  if (blocked !== undefined) {
    const fromPorts =
      blocked.sourcePorts === undefined
        ? ""
        : ` for connections from source ports ${blocked.sourcePorts} (the app's stack picks its ephemeral port, so those connections fail)`;
    return [
      result(
        subnet,
        "fail",
        `NSG ${nsg.name} on app subnet ${subnet.name} blocks outbound TCP ${blocked.ports} to ${blocked.mi.name}${fromPorts}${blocked.rule === undefined ? "" : ` (rule ${blocked.rule})`}.`,
        { ...evidence, decidingRule: checks.find((c) => c.verdict === "blocked")?.rule },
      ),
    ];
  }
  if (uncertain !== undefined)
    return [
      result(
        subnet,
        "unknown",
        `Outbound TCP ${uncertain.ports} from ${subnet.name} to ${uncertain.mi.name} depends on rules that cannot be resolved: ${uncertain.notes.join("; ")}.`,
        evidence,
      ),
    ];
  return [
    result(
      subnet,
      "pass",
      `NSG ${nsg.name} allows the SQL ports from ${subnet.name} to all ${reachableCount} reachable MI(s).`,
      evidence,
    ),
  ];
}
