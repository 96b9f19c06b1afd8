// mi.peering.global-legacy-subnet: an MI whose subnet predates global-peering support must not rely on a cross-region peering.
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { get, type Estate, type ManagedInstance, type Peering, type VirtualNetwork } from "../../model/estate";
import { AUDITED_TYPES } from "../../model/row";
import { ARM_CHILD_TYPES } from "../../model/arm-child-types";
import { armIdParts } from "../../model/arm-id";
import { coverageGap, describeIssues, issuesAt } from "../network-context";
import { miPeerings } from "../peering-scope";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

// The pages disagree on the date: connectivity-architecture-overview ("Networking constraints") says subnets created
// before 9 September 2020, connect-application-instance and the FAQ say 22 September 2020 (the day support for new
// virtual clusters was announced). The rule follows connect-application-instance: the later date never passes a
// subnet from the 9-21 September window that one page still calls unsupported.
export const GLOBAL_PEERING_SUPPORT_DATE = "2020-09-22";
const CUTOFF = Date.parse(`${GLOBAL_PEERING_SUPPORT_DATE}T00:00:00Z`);

/** Milliseconds of an ARM timestamp (UTC when it carries no offset, as ARM writes them), or undefined. */
function timeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

interface CrossRegion {
  peering: string;
  remoteVnet: string;
  remoteLocation: string;
  peeringState: string | null;
}

/** Peerings to another region, and peerings whose remote region is not known. */
function classify(vnet: VirtualNetwork, peerings: Peering[], estate: Estate) {
  const crossRegion: CrossRegion[] = [];
  const regionUnknown: string[] = [];
  for (const peering of peerings) {
    const remote = get(estate, "virtualNetwork", peering.remoteVnetKey);
    const remoteName = peering.remoteVnetId ?? peering.name;
    if (remote === undefined) {
      const gap = coverageGap(estate, AUDITED_TYPES.virtualNetwork, armIdParts(remoteName).subscriptionId);
      regionUnknown.push(
        `remote VNet ${remoteName} of peering ${peering.name} ${gap === undefined ? "is not in the audited estate" : `could not be read (${gap.reason})`}`,
      );
    } else if (remote.location === "" || vnet.location === "") {
      regionUnknown.push(`the region of ${remote.location === "" ? remote.name : vnet.name} is not known`);
    } else if (remote.location !== vnet.location) {
      crossRegion.push({
        peering: peering.name,
        remoteVnet: remote.id,
        remoteLocation: remote.location,
        peeringState: peering.peeringState ?? null,
      });
    }
  }
  return { crossRegion, regionUnknown };
}

/** Why a creation time is missing: a failed ARM read, a malformed value, or simply not collected. */
function missingTime(resource: ManagedInstance | VirtualNetwork, estate: Estate): string {
  const broken = issuesAt(resource, "createdTime");
  if (broken.length > 0) return `the creation time of ${resource.name} is malformed: ${describeIssues(broken)}`;
  const gap = coverageGap(estate, ARM_CHILD_TYPES.createdTime, resource.subscriptionId);
  if (gap !== undefined) return `the creation time of ${resource.name} could not be read (${gap.reason})`;
  return `the creation time of ${resource.name} was not collected`;
}

function verdict(mi: ManagedInstance, estate: Estate): RuleResult[] | RuleResult {
  const scope = miPeerings(mi, estate);
  if ("done" in scope) return scope.done;
  const { vnet } = scope;
  const { crossRegion, regionUnknown } = classify(vnet, scope.peerings, estate);
  const vnetCreated = timeOf(vnet.createdTime);
  const miCreated = timeOf(mi.createdTime);
  const evidence = {
    vnet: vnet.id,
    location: vnet.location,
    crossRegionPeerings: crossRegion,
    vnetCreatedTime: vnet.createdTime ?? null,
    miCreatedTime: mi.createdTime ?? null,
    supportDate: GLOBAL_PEERING_SUPPORT_DATE,
    ...(regionUnknown.length > 0 ? { regionUnknown } : {}),
  };
  if (crossRegion.length === 0 && regionUnknown.length === 0)
    return result(
      mi,
      "notApplicable",
      `All ${scope.peerings.length} peering(s) of ${vnet.name} stay in ${vnet.location}.`,
      evidence,
    );
  // A VNet created on or after the date holds only subnets created since, whatever region the peerings reach.
  if (vnetCreated !== undefined && vnetCreated >= CUTOFF)
    return result(
      mi,
      "pass",
      `VNet ${vnet.name} of ${mi.name} was created on ${vnet.createdTime}, after global peering support for managed instance subnets (${GLOBAL_PEERING_SUPPORT_DATE}), so its peerings across regions work.`,
      evidence,
    );
  const first = crossRegion[0];
  // The subnet exists before the instance is created in it, so an instance created before the date sits in a subnet
  // that predates it (unless the instance was since moved to a new virtual cluster: see the remediation).
  if (first !== undefined && miCreated !== undefined && miCreated < CUTOFF)
    return result(
      mi,
      "fail",
      `${mi.name} was created on ${mi.createdTime}, before global peering support (${GLOBAL_PEERING_SUPPORT_DATE}), and VNet ${vnet.name} (${vnet.location}) is peered to a VNet in ${first.remoteLocation} via ${first.peering}: connectivity across that peering does not work for the instance.`,
      evidence,
    );
  const reasons =
    first === undefined
      ? regionUnknown
      : [
          vnetCreated === undefined
            ? missingTime(vnet, estate)
            : `VNet ${vnet.name} was created before ${GLOBAL_PEERING_SUPPORT_DATE}`,
          miCreated === undefined
            ? missingTime(mi, estate)
            : `${mi.name} was created on ${mi.createdTime}, after it, but its subnet's creation time is not known`,
        ];
  return result(
    mi,
    "unknown",
    `Cannot tell whether the peering(s) of ${vnet.name} across regions work for ${mi.name}: ${reasons.join("; ")}.`,
    { ...evidence, dataQuality: reasons },
  );
}

export const miPeeringGlobalLegacySubnet: Rule<"managedInstance"> = {
  id: "mi.peering.global-legacy-subnet",
  title: "MI from before global-peering support is peered across regions",
  severity: "high",
  appliesTo: "managedInstance",
  synopsis: `A managed instance whose subnet predates ${GLOBAL_PEERING_SUPPORT_DATE} must not depend on a peering of its VNet to another region.`,
  rationale:
    "Global virtual network peering works for managed instances in subnets created since September 2020; for older subnets, traffic across a peering to another region does not reach the instance, so clients and failover-group replication that rely on it are cut off. " +
    "The seed forbade every cross-region peering; today only the legacy subnets are affected. Subnets carry no creation time, so the rule bounds it: a VNet created after the date holds only newer subnets, and an instance created before it sits in an older one.",
  guidance: [
    {
      page: GUIDANCE_PAGES.connectApplication,
      summary:
        "Peering between VNets in any regions is supported, except that instances in subnets created before 22 September 2020 only support peering within their region; the rule uses this date.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.connectivityArchitecture,
      summary:
        "The Networking constraints section says peering across regions does not work for instances in subnets created before September 2020 (it gives 9 September, earlier than the other pages).",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.managedInstanceFaq,
      summary:
        "Global peering support came with the virtual clusters created from 22 September 2020; an older instance gets it by moving to a new virtual cluster, which configuring a maintenance window or moving it to a new subnet does.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Move the instance to a new virtual cluster: move it to a subnet created after 22 September 2020 (`az sql mi update -g <rg> -n <mi> --subnet <new subnet id>`), or configure a non-default maintenance window (Portal: SQL managed instance > Maintenance). Until then, reach it from other regions through a same-region hub or a VNet-to-VNet VPN instead of the cross-region peering.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connect-application-instance",
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/connectivity-architecture-overview#networking-constraints",
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/vnet-subnet-move-instance",
  ],
  controls: [],
  controlsNote:
    "operational: a cross-region peering that does not work cuts connectivity rather than exposing the instance; no framework control",
  verdictDependsOn: [AUDITED_TYPES.virtualNetwork, ARM_CHILD_TYPES.createdTime],
  applicabilityDependsOn: [AUDITED_TYPES.virtualNetwork, ARM_CHILD_TYPES.virtualNetworkPeerings],
  evaluate(mi, estate) {
    const outcome = verdict(mi, estate);
    return Array.isArray(outcome) ? outcome : [outcome];
  },
};
