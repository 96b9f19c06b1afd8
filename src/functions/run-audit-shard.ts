// runAuditShard: the queue-triggered worker of a fanned-out run. Collects, evaluates and writes one subscription shard;
// the shard that finishes last finalises the run (summary, post-run steps). See docs/operations.md (Scale and fan-out).
import type { InvocationContext } from "@azure/functions";
import { fanoutService } from "../app/services";
import { AUDIT_SHARD_QUEUE } from "../app/app-settings";
import { contextLogger } from "../http/http-results";
import { maxDequeueCount } from "../app/host-config";
import { registerStorageQueue } from "../app/function-registration";

export async function runAuditShardFromQueue(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.["dequeueCount"] ?? 1);
  const outcome = await fanoutService().runShard(
    message,
    { dequeueCount, maxDequeueCount: maxDequeueCount() },
    contextLogger(context),
  );
  context.log(
    `runAuditShard ${outcome.runId} shard ${outcome.shard}: ${outcome.status}${"finalised" in outcome && outcome.finalised ? ", run finalised" : ""}`,
  );
}

export const runAuditShardFunction = registerStorageQueue("runAuditShard", {
  queueName: AUDIT_SHARD_QUEUE,
  connection: "AzureWebJobsStorage",
  handler: runAuditShardFromQueue,
});
