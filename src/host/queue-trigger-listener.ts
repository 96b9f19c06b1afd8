// Runs a storage queue trigger against Azurite (or any storage account) the way the Functions host does: N workers
// each receive up to batchSize messages, decode them (base64 unless messageEncoding is "none"), turn JSON into a
// value as the Node worker does, and invoke the handler with the queue's trigger metadata. While a handler runs its
// message stays leased (the lease is renewed at half-time). Success deletes the message; a failure makes it visible
// again after host.json visibilityTimeout, and the attempt that reaches maxDequeueCount moves it to
// `<queue>-poison`. A message received with a dequeueCount already past the limit (its worker died) goes straight
// there without being run again.
import { randomUUID } from "node:crypto";
import { format } from "node:util";
import { QueueClient, type ReceivedMessageItem, type StoragePipelineOptions } from "@azure/storage-queue";
import type { StorageQueueFunctionOptions } from "@azure/functions";
import { stamp, type HostLog } from "./host-log";
import type { QueueSettings } from "./host-json";
import type { Invoker } from "./invocations";

export interface QueueTriggerListenerOptions {
  functionName: string;
  options: StorageQueueFunctionOptions;
  /** The queue name with app-setting expressions resolved. */
  queueName: string;
  connectionString: string;
  settings: QueueSettings;
  /** Concurrent receive loops on this queue. */
  workers: number;
  /** Visibility timeout of a received message, renewed while its handler runs. */
  leaseSeconds: number;
  invoker: Invoker;
  log: HostLog;
}

/** Polling starts fast after a message and backs off, doubling, to maxPollingInterval on an empty queue. */
const MIN_POLLING_INTERVAL_MS = 100;

// Storage calls fail fast locally instead of the SDK's default of minutes of retries.
const PIPELINE: StoragePipelineOptions = {
  retryOptions: { maxTries: 3, tryTimeoutInMs: 30_000, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
};

export class QueueTriggerListener {
  readonly functionName: string;
  readonly queueName: string;
  readonly poisonQueueName: string;
  private readonly queue: QueueClient;
  private readonly poisonQueue: QueueClient;
  private poisonReady: Promise<unknown> | undefined;
  private readonly wake = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly config: QueueTriggerListenerOptions) {
    this.functionName = config.functionName;
    this.queueName = config.queueName;
    this.poisonQueueName = `${config.queueName}-poison`;
    this.queue = new QueueClient(config.connectionString, config.queueName, PIPELINE);
    this.poisonQueue = new QueueClient(config.connectionString, this.poisonQueueName, PIPELINE);
  }

  /** Creates the queue when it is missing (as the Functions host does) and starts the workers. */
  async start(): Promise<void> {
    try {
      await this.queue.createIfNotExists();
    } catch (error) {
      throw new Error(
        `Queue trigger '${this.functionName}': creating queue '${this.queueName}' failed: ${describe(error)}`,
        { cause: error },
      );
    }
    this.loops = Array.from({ length: this.config.workers }, (_, worker) => this.run(worker));
  }

  /** Stops polling; resolves when every worker finished the messages it had received. */
  stop(): Promise<void> {
    this.wake.abort();
    return Promise.all(this.loops).then(() => undefined);
  }

  private get stopping(): boolean {
    return this.wake.signal.aborted;
  }

  private async run(worker: number): Promise<void> {
    const { settings, log, functionName, queueName } = this.config;
    let delay = MIN_POLLING_INTERVAL_MS;
    let failing = false;
    while (!this.stopping) {
      let messages: ReceivedMessageItem[];
      try {
        const response = await this.queue.receiveMessages({
          numberOfMessages: settings.batchSize,
          visibilityTimeout: this.config.leaseSeconds,
        });
        messages = response.receivedMessageItems;
        if (failing)
          log.info(stamp(`[${functionName}] polling queue '${queueName}' works again (worker ${worker + 1})`));
        failing = false;
      } catch (error) {
        if (!failing)
          log.warn(
            stamp(
              `[${functionName}] polling queue '${queueName}' failed (worker ${worker + 1}), retrying: ${describe(error)}`,
            ),
          );
        failing = true;
        await sleep(settings.maxPollingIntervalMs, this.wake.signal);
        continue;
      }
      if (messages.length === 0) {
        await sleep(delay, this.wake.signal);
        delay = Math.min(delay * 2, Math.max(settings.maxPollingIntervalMs, MIN_POLLING_INTERVAL_MS));
        continue;
      }
      delay = MIN_POLLING_INTERVAL_MS;
      // Received messages are processed even when a stop began meanwhile: they are leased to this worker.
      await Promise.all(messages.map((message) => this.config.invoker.track(this.process(message))));
    }
  }

  private async process(message: ReceivedMessageItem): Promise<void> {
    const { settings, log, functionName } = this.config;
    try {
      if (message.dequeueCount > settings.maxDequeueCount) {
        await this.moveToPoison(
          message,
          message.popReceipt,
          `was received ${message.dequeueCount} times without completing, more than MaxDequeueCount of ${settings.maxDequeueCount} (did a host stop mid-way?)`,
        );
        return;
      }
      const lease = new MessageLease(this.queue, message, this.config.leaseSeconds, (error) =>
        log.warn(
          stamp(`[${functionName}] renewing the lease of message ${message.messageId} failed: ${describe(error)}`),
        ),
      );
      const succeeded = await this.invoke(message);
      const popReceipt = await lease.end();
      if (succeeded) {
        await this.queue.deleteMessage(message.messageId, popReceipt);
      } else if (message.dequeueCount >= settings.maxDequeueCount) {
        await this.moveToPoison(message, popReceipt, `has reached MaxDequeueCount of ${settings.maxDequeueCount}`);
      } else {
        await this.queue.updateMessage(
          message.messageId,
          popReceipt,
          undefined,
          Math.round(settings.visibilityTimeoutMs / 1000),
        );
      }
    } catch (error) {
      // The message stays in the queue and comes back when its visibility runs out: at-least-once, as in Azure.
      log.error(
        stamp(`[${functionName}] handling message ${message.messageId} on the queue failed: ${describe(error)}`),
      );
    }
  }

  private async invoke(message: ReceivedMessageItem): Promise<boolean> {
    const { settings, options, functionName, queueName, invoker, log } = this.config;
    const text = decodeMessage(message.messageText, settings.messageEncoding);
    if (text === undefined) {
      log.error(
        stamp(
          `[${functionName}] message ${message.messageId} is not valid base64 (host.json extensions.queues.messageEncoding is "base64"); the function was not run.`,
        ),
      );
      return false;
    }
    const queueItem = parseLikeTheNodeWorker(text);
    const triggerMetadata: Record<string, unknown> = {
      id: message.messageId,
      queueTrigger: queueItem,
      dequeueCount: message.dequeueCount,
      insertionTime: message.insertedOn.toISOString(),
      expirationTime: message.expiresOn.toISOString(),
      nextVisibleTime: message.nextVisibleOn.toISOString(),
      popReceipt: message.popReceipt,
      sys: { methodName: functionName, utcNow: new Date().toISOString(), randGuid: randomUUID() },
    };
    const outcome = await invoker.invoke(
      {
        functionName,
        trigger: { type: "queueTrigger", name: "queueItem", queueName, connection: options.connection },
        reason: `New queue message detected on '${queueName}'.`,
        triggerMetadata,
        extraInputs: options.extraInputs,
        extraOutputs: options.extraOutputs,
        return: options.return,
      },
      (context) => options.handler(queueItem, context),
    );
    return outcome.ok;
  }

  private async moveToPoison(message: ReceivedMessageItem, popReceipt: string, why: string): Promise<void> {
    const { functionName, log } = this.config;
    this.poisonReady ??= this.poisonQueue.createIfNotExists().catch((error: unknown) => {
      this.poisonReady = undefined;
      throw error;
    });
    await this.poisonReady;
    // The text is copied as it is (still encoded), so the message can be moved back unchanged.
    await this.poisonQueue.sendMessage(message.messageText);
    await this.queue.deleteMessage(message.messageId, popReceipt);
    log.warn(
      stamp(`[${functionName}] Message ${message.messageId} ${why}. Moved it to queue '${this.poisonQueueName}'.`),
    );
  }
}

/** Keeps a received message invisible while its handler runs, renewing at half the lease. */
class MessageLease {
  private popReceipt: string;
  private renewal: Promise<void> = Promise.resolve();
  private ended = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly queue: QueueClient,
    private readonly message: ReceivedMessageItem,
    private readonly leaseSeconds: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.popReceipt = message.popReceipt;
    this.timer = setInterval(
      () => {
        this.renewal = this.renewal.then(() => this.renew());
      },
      (leaseSeconds * 1000) / 2,
    );
    this.timer.unref();
  }

  /** Stops renewing; the pop receipt to complete the message with (each renewal issues a new one). */
  async end(): Promise<string> {
    this.ended = true;
    clearInterval(this.timer);
    await this.renewal;
    return this.popReceipt;
  }

  private async renew(): Promise<void> {
    if (this.ended) return;
    try {
      const response = await this.queue.updateMessage(
        this.message.messageId,
        this.popReceipt,
        undefined,
        this.leaseSeconds,
      );
      if (response.popReceipt !== undefined) this.popReceipt = response.popReceipt;
    } catch (error) {
      this.onError(error);
    }
  }
}

/** The message text for the handler; undefined when base64 was expected and the text is not base64. */
export function decodeMessage(messageText: string, encoding: QueueSettings["messageEncoding"]): string | undefined {
  if (encoding === "none") return messageText;
  const compact = messageText.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64").toString("utf8");
}

/** The Node worker passes a queue message through JSON.parse and falls back to the string when that fails. */
export function parseLikeTheNodeWorker(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return text;
    throw error;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Storage SDK failures are Errors; anything else thrown is shown with util.format, so an object shows its fields. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return format(error);
}
