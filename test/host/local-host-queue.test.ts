// Storage queue triggers of the local host against real Azurite: a message is decoded, parsed, handed over with the
// trigger metadata and deleted; a failing one is retried and ends in `<queue>-poison` after maxDequeueCount
// attempts; the lease is renewed while a long handler runs; several workers share a queue.
import { join } from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost, type LocalHostOptions } from "../../src/host/local-host";
import { decodeMessage, parseLikeTheNodeWorker } from "../../src/host/queue-trigger-listener";
import { startAzurite, type Azurite } from "../support/azurite";
import { concurrency, received, resetQueueRecords } from "./fixtures/fixture-records";
import { captureLog, eventually, type CapturedLog } from "./support/host-test-kit";

const QUEUE = "host-items";
let azurite: Azurite;
let queue: QueueClient;
let poison: QueueClient;
let host: LocalHost | undefined;
let log: CapturedLog;

const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const sendJson = async (value: unknown): Promise<string> =>
  (await queue.sendMessage(base64(JSON.stringify(value)))).messageId;

async function start(options: Partial<LocalHostOptions> = {}): Promise<LocalHost> {
  log = captureLog();
  host = await startLocalHost({
    functionsDir: join(__dirname, "fixtures", "queue-functions"),
    settings: { AzureWebJobsStorage: azurite.connectionString, HOST_TEST_QUEUE: QUEUE },
    localSettingsFile: false,
    hostJson: {
      extensions: {
        queues: { maxPollingInterval: "00:00:00.200", visibilityTimeout: "00:00:00", batchSize: 1, maxDequeueCount: 3 },
      },
    },
    emulatorEstate: false,
    port: 0,
    log,
    ...options,
  });
  return host;
}

/** Counts invisible (leased) messages too, unlike peek; a queue not created yet holds none. */
async function messagesIn(client: QueueClient): Promise<number> {
  if (!(await client.exists())) return 0;
  return (await client.getProperties()).approximateMessagesCount ?? 0;
}

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  queue = new QueueClient(azurite.connectionString, QUEUE);
  poison = new QueueClient(azurite.connectionString, `${QUEUE}-poison`);
});

afterAll(async () => {
  await host?.stop();
  await azurite?.dispose();
});

beforeEach(() => resetQueueRecords());

afterEach(async () => {
  await host?.stop();
  host = undefined;
  for (const client of [queue, poison]) if (await client.exists()) await client.clearMessages();
});

describe("a message that succeeds", () => {
  it("creates the queue named by the app setting, hands over the parsed item with its metadata, and deletes it", async () => {
    await queue.deleteIfExists();
    await start();
    expect(await queue.exists()).toBe(true);
    const sent = await queue.sendMessage(base64(JSON.stringify({ id: "ok-1", runId: "r-1" })));
    const call = await eventually("the message to be processed", () =>
      received.find((r) => (r.item as { id?: string }).id === "ok-1"),
    );
    expect(call.functionName).toBe("processItem");
    expect(call.item).toEqual({ id: "ok-1", runId: "r-1" });
    expect(call.metadata).toMatchObject({
      id: sent.messageId,
      dequeueCount: 1,
      queueTrigger: { id: "ok-1", runId: "r-1" },
    });
    for (const time of ["insertionTime", "expirationTime", "nextVisibleTime"])
      expect(call.metadata[time]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(call.metadata["insertionTime"] as string).getTime()).toBe(sent.insertedOn.getTime());
    expect(typeof call.metadata["popReceipt"]).toBe("string");
    expect(call.metadata["sys"]).toMatchObject({ methodName: "processItem" });
    await eventually("the message to be deleted", async () => (await messagesIn(queue)) === 0);
    expect(await messagesIn(poison)).toBe(0);
    expect(log.text()).toContain(
      `Executing 'Functions.processItem' (Reason='New queue message detected on '${QUEUE}'.'`,
    );
    expect(log.text()).toContain('[processItem] processed {"id":"ok-1","runId":"r-1"}');
  });

  it("passes text that is not JSON as a string, and JSON scalars as values, as the Node worker does", async () => {
    await start();
    await queue.sendMessage(base64("hello, queue"));
    await queue.sendMessage(base64("42"));
    const items = await eventually("both messages", () =>
      received.length >= 2 ? received.map((r) => r.item) : undefined,
    );
    expect(items).toEqual(expect.arrayContaining(["hello, queue", 42]));
  });

  it("processes one message at a time with one worker and batchSize 1", async () => {
    await start();
    for (let n = 0; n < 3; n += 1) await sendJson({ id: `serial-${n}`, sleepMs: 150 });
    await eventually("three messages", () => received.length === 3);
    expect(concurrency.max).toBe(1);
  });
});

describe("a message that fails", () => {
  it("is retried and moved to <queue>-poison after maxDequeueCount attempts, text unchanged", async () => {
    await start();
    const text = base64(JSON.stringify({ id: "bad-1", fail: true }));
    const { messageId } = await queue.sendMessage(text);
    await eventually("the message in the poison queue", async () => (await messagesIn(poison)) === 1);
    const attempts = received.filter((r) => (r.item as { id?: string }).id === "bad-1");
    expect(attempts.map((a) => a.metadata["dequeueCount"])).toEqual([1, 2, 3]);
    expect(await messagesIn(queue)).toBe(0);
    const [moved] = (await poison.peekMessages()).peekedMessageItems;
    expect(moved?.messageText).toBe(text);
    // Moved right after the third failure, not found on a fourth receive.
    expect(log.text()).toContain(
      `Message ${messageId} has reached MaxDequeueCount of 3. Moved it to queue '${QUEUE}-poison'.`,
    );
    expect(log.text()).not.toContain("without completing");
    expect(log.text()).toContain("refusing item bad-1 on purpose");
  });

  it("goes straight to the poison queue when a dead worker already used up its attempts", async () => {
    const text = base64(JSON.stringify({ id: "orphan-1" }));
    await queue.sendMessage(text);
    // Three receives without a delete: what three crashed attempts leave behind.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const [message] = (await queue.receiveMessages({ visibilityTimeout: 30 })).receivedMessageItems;
      if (message === undefined) throw new Error("the message was not received");
      await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    }
    await start();
    await eventually("the message in the poison queue", async () => (await messagesIn(poison)) === 1);
    expect(received).toEqual([]);
    expect(log.text()).toContain(
      "was received 4 times without completing, more than MaxDequeueCount of 3 (did a host stop mid-way?). Moved it to queue",
    );
    const [moved] = (await poison.peekMessages()).peekedMessageItems;
    expect(moved?.messageText).toBe(text);
  });

  it("is not run when it is not base64, and ends in the poison queue", async () => {
    await start();
    await queue.sendMessage("not base64 at all!");
    await eventually("the message in the poison queue", async () => (await messagesIn(poison)) === 1);
    expect(received).toEqual([]);
    expect(log.text()).toContain("is not valid base64");
  });
});

describe("leases and workers", () => {
  it("renews the lease of a message whose handler outlives it, so no other worker runs it twice", async () => {
    await start({ queueLeaseSeconds: 2, queueWorkers: 2 });
    await sendJson({ id: "slow-1", sleepMs: 4_500 });
    await eventually(
      "the slow message to be deleted",
      async () => received.length === 1 && (await messagesIn(queue)) === 0,
      20_000,
    );
    // More than two lease periods passed while it ran: a lapsed lease would have handed it to the second worker.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received.map((r) => (r.item as { id: string }).id)).toEqual(["slow-1"]);
  });

  it("runs several workers on one queue when HOST_QUEUE_WORKERS asks for them", async () => {
    await start({
      settings: { AzureWebJobsStorage: azurite.connectionString, HOST_TEST_QUEUE: QUEUE, HOST_QUEUE_WORKERS: "3" },
    });
    expect(host?.functions.find((fn) => fn.name === "processItem")).toMatchObject({
      workers: 3,
      batchSize: 1,
      maxDequeueCount: 3,
      queueName: QUEUE,
    });
    for (let n = 0; n < 6; n += 1) await sendJson({ id: `parallel-${n}`, sleepMs: 400 });
    await eventually("six messages", () => received.length === 6);
    expect(concurrency.max).toBeGreaterThan(1);
    expect(concurrency.max).toBeLessThanOrEqual(3);
  });

  it("finishes a message it is running before stop() returns", async () => {
    await start();
    await sendJson({ id: "during-stop", sleepMs: 800 });
    await eventually("the handler to start", () => concurrency.active === 1);
    await host?.stop();
    expect(concurrency.active).toBe(0);
    expect(await messagesIn(queue)).toBe(0);
  });
});

describe("message decoding", () => {
  it.each([
    ["base64 JSON", base64('{"a":1}'), "base64", '{"a":1}'],
    ["base64 UTF-8", base64("é ✓"), "base64", "é ✓"],
    ["not base64", "hello!", "base64", undefined],
    ["bad padding", "abc", "base64", undefined],
    ["encoding none", "hello!", "none", "hello!"],
  ] as const)("%s", (_, text, encoding, expected) => {
    expect(decodeMessage(text, encoding)).toBe(expected);
  });

  it.each([
    ['{"a":1}', { a: 1 }],
    ["[1,2]", [1, 2]],
    ["42", 42],
    ["true", true],
    ['"quoted"', "quoted"],
    ["plain text", "plain text"],
    ["{broken", "{broken"],
  ] as const)("parses %j like the Node worker", (text, expected) => {
    expect(parseLikeTheNodeWorker(text)).toEqual(expected);
  });
});
