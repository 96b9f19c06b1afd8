// runAudit: the queue-triggered worker that runs one requested audit (collect, evaluate, store, post-run steps).
import type { InvocationContext } from "@azure/functions";
import { getServices } from "../app/services";
import { AUDIT_QUEUE } from "../app/app-settings";
import { contextLogger } from "../http/http-results";
import { maxDequeueCount } from "../app/host-config";
import { registerStorageQueue } from "../app/function-registration";

export async function runAuditFromQueue(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.["dequeueCount"] ?? 1);
  const outcome = await getServices().audits.runRequested(
    message,
    { dequeueCount, maxDequeueCount: maxDequeueCount() },
    contextLogger(context),
  );
  context.log(`runAudit ${outcome.runId}: ${outcome.status}`);
}

export const runAuditFunction = registerStorageQueue("runAudit", {
  queueName: AUDIT_QUEUE,
  connection: "AzureWebJobsStorage",
  handler: runAuditFromQueue,
});
