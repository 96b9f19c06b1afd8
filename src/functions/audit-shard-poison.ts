// auditShardPoison: a shard the queue gave up on is recorded as failed (its subscriptions become a coverage gap, the
// run ends partial); if it was the last one, the run is finalised here.
import type { InvocationContext } from "@azure/functions";
import { fanoutService } from "../app/services";
import { AUDIT_SHARD_POISON_QUEUE } from "../app/app-settings";
import { contextLogger } from "../http/http-results";
import { maxDequeueCount } from "../app/host-config";
import { registerStorageQueue } from "../app/function-registration";

export async function recordPoisonedShard(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.["dequeueCount"] ?? 1);
  const outcome = await fanoutService().recordPoisonedShard(
    message,
    { dequeueCount, maxDequeueCount: maxDequeueCount() },
    contextLogger(context),
  );
  context.warn(
    `auditShardPoison: ${outcome === undefined ? "nothing recorded" : `run ${outcome.runId} shard ${outcome.shard} ${outcome.status}`}`,
  );
}

export const auditShardPoisonFunction = registerStorageQueue("auditShardPoison", {
  queueName: AUDIT_SHARD_POISON_QUEUE,
  connection: "AzureWebJobsStorage",
  handler: recordPoisonedShard,
});
