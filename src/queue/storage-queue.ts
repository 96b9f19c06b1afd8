// The adapter behind the audit queue ports (src/audit): a Storage Queue that the runAudit function listens on. Messages are
// base64-encoded JSON, the Functions host's default `messageEncoding`. The shards of a fanned-out run travel the same
// way on their own queue (`createMessageQueue`).
import { QueueClient } from "@azure/storage-queue";
import { toStorageError } from "../store/storage-errors";
import type { TokenCredential } from "@azure/identity";
import type { AuditRequestMessage } from "../audit/audit-request";
import type { AuditQueue, MessageQueue } from "../audit/audit-service";

export type QueueConnection = { connectionString: string } | { queueServiceUrl: string; credential: TokenCredential };

export function createAuditQueue(connection: QueueConnection, queueName: string): AuditQueue {
  return createMessageQueue<AuditRequestMessage>(connection, queueName, (message) => `audit request ${message.runId}`);
}

/** A queue of JSON messages; `describe` names a message in errors. Created on first use. */
export function createMessageQueue<T>(
  connection: QueueConnection,
  queueName: string,
  describe: (message: T) => string,
): MessageQueue<T> {
  const client =
    "connectionString" in connection
      ? new QueueClient(connection.connectionString, queueName)
      : new QueueClient(`${connection.queueServiceUrl.replace(/\/+$/, "")}/${queueName}`, connection.credential);
  let ready: Promise<unknown> | undefined;
  return {
    async enqueue(message, options = {}) {
      try {
        ready ??= client.createIfNotExists().catch((error: unknown) => {
          ready = undefined;
          throw error;
        });
        await ready;
        const text = Buffer.from(JSON.stringify(message), "utf8").toString("base64");
        if (options.delaySeconds !== undefined && options.delaySeconds > 0)
          await client.sendMessage(text, { visibilityTimeout: Math.round(options.delaySeconds) });
        else await client.sendMessage(text);
      } catch (error) {
        throw toStorageError(error, `enqueuing ${describe(message)} on ${queueName}`);
      }
    },
  };
}
