// Resource Graph rows of Network Watcher: the per-region watcher (which no rule reads) and its flow logs. A flow log
// targets a VNet, subnet or NIC (VNet flow logs) or an NSG (NSG flow logs, retiring); it lives under the watcher of
// its target's region, in the target's subscription, and writes to a storage account of that region.
import { AUDITED_TYPES } from "../../src/model/row";
import { resourceId, resourceRow, type Placement, type Row } from "./resource-rows";

export const NETWORK_WATCHER_TYPE = "microsoft.network/networkwatchers";
/** The resource group the platform creates watchers in. */
export const NETWORK_WATCHER_GROUP = "NetworkWatcherRG";

export function networkWatcherName(region: string): string {
  return `NetworkWatcher_${region}`;
}

/** `place`: the subscription and region; the group is always NetworkWatcherRG. */
export function networkWatcherRow(place: Placement): Row {
  const at = { ...place, resourceGroup: NETWORK_WATCHER_GROUP };
  const name = networkWatcherName(place.location);
  return resourceRow(NETWORK_WATCHER_TYPE, at, name, resourceId(at, "Microsoft.Network", "networkWatchers", name), {
    provisioningState: "Succeeded",
  });
}

export interface FlowLogSpec {
  targetId: string;
  /** The target's `resourceGuid`, as ARM fills it in. */
  targetGuid: string;
  storageId: string;
  enabled: boolean;
  /** 0: keep forever. */
  retentionDays: number;
}

/** `place`: the target's subscription and region (the group is NetworkWatcherRG). */
export function flowLogRow(place: Placement, name: string, spec: FlowLogSpec): Row {
  const at = { ...place, resourceGroup: NETWORK_WATCHER_GROUP };
  return resourceRow(
    AUDITED_TYPES.flowLog,
    at,
    name,
    resourceId(at, "Microsoft.Network", "networkWatchers", networkWatcherName(place.location), "flowLogs", name),
    {
      provisioningState: "Succeeded",
      targetResourceId: spec.targetId,
      targetResourceGuid: spec.targetGuid,
      storageId: spec.storageId,
      enabled: spec.enabled,
      retentionPolicy: { days: spec.retentionDays, enabled: spec.retentionDays > 0 },
      format: { type: "JSON", version: 2 },
    },
  );
}
