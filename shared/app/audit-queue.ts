// The port through which audits are requested: a Storage Queue that the runAudit function listens on. Messages are
// base64-encoded JSON, the Functions host's default `messageEncoding`.
import { QueueClient } from "@azure/storage-queue";
import { toStorageError } from "../store/storage-errors";
import type { AuditRequestMessage } from "./audit-request";
import type { QueueConnection } from "./app-settings";

export interface AuditQueue {
  enqueue(message: AuditRequestMessage): Promise<void>;
}

export function createAuditQueue(connection: QueueConnection, queueName: string): AuditQueue {
  const client =
    "connectionString" in connection
      ? new QueueClient(connection.connectionString, queueName)
      : new QueueClient(`${connection.queueServiceUrl.replace(/\/+$/, "")}/${queueName}`, connection.credential);
  let ready: Promise<unknown> | undefined;
  return {
    async enqueue(message) {
      try {
        ready ??= client.createIfNotExists().catch((error: unknown) => {
          ready = undefined;
          throw error;
        });
        await ready;
        await client.sendMessage(Buffer.from(JSON.stringify(message), "utf8").toString("base64"));
      } catch (error) {
        throw toStorageError(error, `enqueuing audit request ${message.runId} on ${queueName}`);
      }
    },
  };
}
