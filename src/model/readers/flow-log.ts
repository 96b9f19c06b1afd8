// Network Watcher flow logs: what they log (a VNet, subnet or NIC for VNet flow logs; an NSG for the legacy NSG flow
// logs, which retire on 30 Sep 2027), whether they are on, and how long they keep records.
import { armTypeOf } from "../arm-id";
import type { FlowLog, ResourceBase } from "../estate";
import type { FieldReader } from "../field-reader";
import { complete, type ReadContext } from "./resource-base";

export function readFlowLog(base: ResourceBase, props: FieldReader, ctx: ReadContext): FlowLog {
  const targetResourceId = props.string("targetResourceId");
  if (targetResourceId === undefined) props.issue("targetResourceId", "is missing");
  const retention = props.child("retentionPolicy");
  return complete<FlowLog>(base, {
    kind: "flowLog",
    targetResourceId,
    targetKey: targetResourceId === undefined ? undefined : ctx.shared.key(targetResourceId),
    targetType: targetResourceId === undefined ? undefined : armTypeOf(targetResourceId),
    enabled: props.boolean("enabled"),
    retentionEnabled: retention.boolean("enabled"),
    retentionDays: retention.number("days"),
  });
}
