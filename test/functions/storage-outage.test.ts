// Azurite stopped in the middle of a run: the run ends failed (once storage is back and the queue gives up on the
// message), nothing is half-written into the state, and earlier runs are intact after the restart.
import { sourceOpener } from "../../src/app/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { appSettingsFromEnv, AUDIT_QUEUE } from "../../src/app/app-settings";
import { AuditService } from "../../src/audit/audit-service";
import { createAuditQueue } from "../../src/queue/storage-queue";
import { createAuditStore } from "../../src/store/table-audit-store";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import type { CollectionOutcome, ResourceSource, RowSink } from "../../src/audit/resource-source";
import { SAMPLE } from "../support/run-cli";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ persistence: "disk" });
}, 60_000);
afterAll(async () => {
  await azurite?.dispose();
});

it("a run whose storage goes away mid-run is recorded as failed; earlier runs survive the restart", async () => {
  const settings = appSettingsFromEnv({
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_SOURCE: `snapshot:${SAMPLE}`,
  });
  const store = createAuditStore(settings.tables);
  const queue = createAuditQueue(settings.queues, AUDIT_QUEUE);
  const logs: string[] = [];
  const log = {
    info: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(m),
    error: (m: string) => logs.push(m),
  };
  const healthy = new AuditService({ settings, store, queue, openSource: sourceOpener(settings.source) });
  const earlier = await healthy.requestAudit({ trigger: "http" });
  await healthy.runRequested(
    { runId: earlier.runId, trigger: "http", requestedAt: new Date().toISOString() },
    { dequeueCount: 1, maxDequeueCount: 3 },
    log,
  );
  const earlierRun = await store.getRun(earlier.runId);
  expect(earlierRun!.status).toBe("completed");
  const earlierFindings = (await store.listFindings(earlier.runId, { top: 1000 })).items.length;

  // A source that stops Azurite while "collecting", as an outage would.
  const outage: ResourceSource = {
    describe: () => ({ kind: "snapshot", files: [SAMPLE] }),
    async collect(sink: RowSink): Promise<CollectionOutcome> {
      const outcome = await new SnapshotSource([SAMPLE]).collect(sink);
      await azurite.stop();
      return outcome;
    },
  };
  const doomed = new AuditService({ settings, store, queue, openSource: () => outage });
  const { runId } = await doomed.requestAudit({ trigger: "http" });
  const message = { runId, trigger: "http", requestedAt: new Date().toISOString() };
  const error = await doomed
    .runRequested(message, { dequeueCount: 3, maxDequeueCount: 3 }, log)
    .catch((e: unknown) => e);
  expect(String(error)).toMatch(/unreachable|ECONNREFUSED|STORAGE_UNAVAILABLE/i);
  expect(logs.join("\n")).toMatch(/could not record run .* as failed/);

  await azurite.restart();
  // The queue gives up on the message and the poison handler records the failure.
  await doomed.recordPoisoned(message, 3, log);
  const failed = await store.getRun(runId);
  expect(failed!.status).toBe("failed");
  expect(failed!.error).toMatch(/poison queue/);
  const after = await store.getRun(earlier.runId);
  expect(after).toMatchObject({ runId: earlier.runId, status: "completed", findings: earlierRun!.findings });
  expect((await store.listFindings(earlier.runId, { top: 1000 })).items).toHaveLength(earlierFindings);
  expect((await store.getRun("latest"))!.runId).toBe(earlier.runId);
  // The dead run's scope lock was released with it: the next audit of the scope runs instead of being skipped.
  const next = await healthy.requestAudit({ trigger: "http" });
  const outcome = await healthy.runRequested(
    { runId: next.runId, trigger: "http", requestedAt: new Date().toISOString() },
    { dequeueCount: 1, maxDequeueCount: 3 },
    log,
  );
  expect(outcome.status).toBe("completed");
}, 120_000);
