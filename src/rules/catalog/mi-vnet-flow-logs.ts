// mi.vnet.flow-logs: an enabled VNet flow log covers the MI's VNet or subnet. Flow logs are the record an exposure
// investigation starts from (who reached the instance, from where, on which port). VNet flow logs replace NSG flow logs:
// no new NSG flow log can be created since 30 Jun 2025 and they retire on 30 Sep 2027, so an NSG flow log alone
// fails, with a note. A VNet flow log can target a VNet, a subnet or a NIC; an MI's NICs belong to its virtual cluster
// and are not the customer's, so only a VNet- or subnet-level log counts.
import type { Estate, FlowLog, ManagedInstance, Subnet, VirtualNetwork } from "../../model/estate";
import { AUDITED_TYPES } from "../../model/row";
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { coverageGap, describeIssues, placeManagedInstance } from "../network-context";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

/** CIS Azure Foundations v5 asks for VNet flow log retention of at least this many days (0 keeps records forever). */
const CIS_RETENTION_DAYS = 90;
const NSG_TYPE = AUDITED_TYPES.networkSecurityGroup;

export const miVnetFlowLogs: Rule<"managedInstance"> = {
  id: "mi.vnet.flow-logs",
  title: "MI network has no VNet flow log",
  severity: "low",
  appliesTo: "managedInstance",
  synopsis: "An enabled virtual network flow log covers the managed instance's VNet or subnet.",
  rationale:
    "Without flow records nobody can tell, after the fact, which sources reached the instance's endpoints: the evidence an exposure finding or an incident needs. " +
    "Network security group flow logs can no longer be created (since 30 June 2025) and retire on 30 September 2027; virtual network flow logs replace them and record every flow of the VNet.",
  guidance: [
    {
      page: GUIDANCE_PAGES.vnetFlowLogs,
      summary:
        "Virtual network flow logs record the IP flows of a whole virtual network (or of a subnet or NIC) with the rule that allowed or denied each, to a storage account in the same region, and replace NSG flow logs.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.nsgFlowLogs,
      summary:
        "NSG flow logs retire on 30 September 2027 and new ones cannot be created after 30 June 2025; Microsoft recommends migrating to virtual network flow logs.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Enable a VNet flow log on the instance's virtual network (`az network watcher flow-log create --location <region> --name <name> --vnet <vnet id> --storage-account <account id> --retention 90`), keep retention of at least 90 days, and migrate any NSG flow log on the instance's subnet.",
  references: [
    "https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview",
    "https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-migrate",
  ],
  controls: [{ mcsb: "LT-4", relation: "primary" }],
  controlsNote: "CIS v5.0.0 asks for VNet flow logs with at least 90 days of retention (FRAMEWORKS.md).",
  verdictDependsOn: [AUDITED_TYPES.flowLog],
  applicabilityDependsOn: [],
  evaluate(mi, estate) {
    const placement = placeManagedInstance(mi, estate);
    if ("problem" in placement)
      return [
        result(mi, "unknown", `Cannot find the network of ${mi.name}: ${placement.problem}.`, {
          dataQuality: [placement.problem],
        }),
      ];
    return [judge(mi, placement.subnet, placement.vnet, estate)];
  },
};

function describeLog(log: FlowLog): Record<string, unknown> {
  return {
    flowLog: log.id,
    target: log.targetResourceId ?? null,
    enabled: log.enabled ?? null,
    retentionDays: log.retentionEnabled === false ? null : (log.retentionDays ?? null),
  };
}

function judge(mi: ManagedInstance, subnet: Subnet, vnet: VirtualNetwork, estate: Estate): RuleResult {
  const vnetLogs = [
    ...(estate.flowLogsByTarget.get(vnet.key) ?? []),
    ...(estate.flowLogsByTarget.get(subnet.key) ?? []),
  ];
  const unreadable = vnetLogs.filter((log) => log.enabled === undefined || log.issues.length > 0);
  const enabled = vnetLogs.filter((log) => log.enabled === true && log.issues.length === 0);
  const evidence = { vnet: vnet.id, subnet: subnet.id, vnetFlowLogs: vnetLogs.map(describeLog) };
  if (enabled.length > 0) {
    const short = enabled.filter(
      (log) =>
        log.retentionEnabled !== true || (log.retentionDays !== 0 && (log.retentionDays ?? 0) < CIS_RETENTION_DAYS),
    );
    const note =
      short.length === enabled.length
        ? ` Its retention is below the ${CIS_RETENTION_DAYS} days CIS v5 asks for (or off).`
        : "";
    return result(mi, "pass", `VNet flow log ${enabled[0]!.name} records the traffic of ${mi.name}'s network.${note}`, {
      ...evidence,
      ...(note === "" ? {} : { retentionBelowCis: true }),
    });
  }
  if (unreadable.length > 0)
    return result(
      mi,
      "unknown",
      `Cannot tell whether flow log ${unreadable[0]!.name} of ${mi.name}'s network is on: ${describeIssues(unreadable[0]!.issues) || "its enabled flag is missing"}.`,
      evidence,
    );
  const gap = coverageGap(estate, AUDITED_TYPES.flowLog, vnet.subscriptionId);
  if (gap !== undefined)
    return result(
      mi,
      "unknown",
      `Flow logs could not be read for subscription ${vnet.subscriptionId} (${gap.reason}).`,
      {
        ...evidence,
        coverageGap: { type: AUDITED_TYPES.flowLog, reason: gap.reason },
      },
    );
  const nsgLogs = subnet.nsgKey === undefined ? [] : (estate.flowLogsByTarget.get(subnet.nsgKey) ?? []);
  const legacy = nsgLogs.filter((log) => log.enabled === true && log.targetType === NSG_TYPE);
  const legacyNote =
    legacy.length > 0
      ? ` Only NSG flow log ${legacy[0]!.name} records it; NSG flow logs retire on 30 September 2027: migrate it to a VNet flow log.`
      : "";
  return result(
    mi,
    "fail",
    `No enabled VNet flow log covers ${vnet.name} or subnet ${subnet.name} of ${mi.name}.${legacyNote}`,
    {
      ...evidence,
      nsgFlowLogs: nsgLogs.map(describeLog),
    },
  );
}
