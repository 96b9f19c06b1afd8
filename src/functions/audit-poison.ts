// auditPoison: a request the queue gave up on (after host.json maxDequeueCount attempts) is recorded as a failed run.
import type { InvocationContext } from "@azure/functions";
import { getServices } from "../app/services";
import { AUDIT_POISON_QUEUE } from "../app/app-settings";
import { contextLogger } from "../http/http-results";
import { maxDequeueCount } from "../app/host-config";
import { registerStorageQueue } from "../app/function-registration";

export async function recordPoisonedAudit(message: unknown, context: InvocationContext): Promise<void> {
  const runId = await getServices().audits.recordPoisoned(message, maxDequeueCount(), contextLogger(context));
  context.warn(`auditPoison: run ${runId ?? "(unknown)"} recorded as failed`);
}

export const auditPoisonFunction = registerStorageQueue("auditPoison", {
  queueName: AUDIT_POISON_QUEUE,
  connection: "AzureWebJobsStorage",
  handler: recordPoisonedAudit,
});
