// The run's baseline in Table Storage (against Azurite): recorded when the run is requested and when it completes, and
// a run written before baselines existed (no `baseline` property, a summary without one) reads back as `seed-2019`:
// those runs evaluated the 13 seed rules.
import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditStore } from "../../src/store/table-audit-store";
import { runRowKey, RUN_PARTITION } from "../../src/store/table-keys";
import { startAzurite, type Azurite } from "../support/azurite";
import { manyFindings, report, runIdAt } from "./fixtures";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.dispose();
});

function storeAndRunsTable(): { store: ReturnType<typeof createAuditStore>; runs: TableClient } {
  const prefix = `b${randomBytes(3).toString("hex")}`;
  const store = createAuditStore({ connectionString: azurite.connectionString }, { tablePrefix: prefix });
  const runs = TableClient.fromConnectionString(azurite.connectionString, `${prefix}auditruns`, {
    allowInsecureConnection: true,
  });
  return { store, runs };
}

describe("the baseline of a stored run", () => {
  it("is stored when the run is requested and when it completes, and read back from lists and details", async () => {
    const { store, runs } = storeAndRunsTable();
    const runId = runIdAt("2026-12-01T02:00:00Z");
    await store.createRun({ runId, scope: "tenant", baseline: "current" });
    expect((await store.getRunRecord(runId))?.baseline).toBe("current");
    const entity = await runs.getEntity<Record<string, unknown>>(RUN_PARTITION, runRowKey(runId));
    expect(entity["baseline"]).toBe("current");

    const seedRunId = runIdAt("2026-12-02T02:00:00Z");
    await store.createRun({ runId: seedRunId, scope: "tenant", baseline: "seed-2019" });
    const seedReport = report(seedRunId, manyFindings(3));
    await store.completeRun({ ...seedReport, run: { ...seedReport.run, baseline: "seed-2019" } });
    const detail = await store.getRun(seedRunId);
    expect(detail?.baseline).toBe("seed-2019");
    expect(detail?.summary?.run.baseline).toBe("seed-2019");

    const listed = await store.listRuns();
    expect(listed.items.map((run) => [run.runId, run.baseline])).toEqual([
      [seedRunId, "seed-2019"],
      [runId, "current"],
    ]);
  });

  it("reads a run entity written before baselines existed as seed-2019, in lists, records and summaries", async () => {
    const { store, runs } = storeAndRunsTable();
    // A failed run as the code before issue 13 wrote it: plain properties, no baseline, no summary.
    const failedId = runIdAt("2026-11-20T02:00:00Z");
    await store.createRun({ runId: runIdAt("2026-11-19T02:00:00Z"), scope: "tenant", baseline: "current" });
    await runs.createEntity({
      partitionKey: RUN_PARTITION,
      rowKey: runRowKey(failedId),
      runId: failedId,
      status: "failed",
      scope: "tenant",
      requestedBy: "timer",
      requestedAt: "2026-11-20T02:00:00.000Z",
      error: "collection failed",
      finishedAt: "2026-11-20T02:01:00.000Z",
    });
    // A completed run: the report of the time had no baseline, so neither the entity nor its summary holds one.
    const completedId = runIdAt("2026-11-21T02:00:00Z");
    const old = report(completedId, manyFindings(5));
    const { baseline: _dropped, ...oldRun } = old.run;
    await store.completeRun({ ...old, run: oldRun as typeof old.run });
    const raw = await runs.getEntity<Record<string, unknown>>(RUN_PARTITION, runRowKey(completedId));
    expect(Object.keys(raw)).not.toContain("baseline");

    expect((await store.getRunRecord(failedId))?.baseline).toBe("seed-2019");
    const detail = await store.getRun(completedId);
    expect(detail?.baseline).toBe("seed-2019");
    expect(detail?.summary?.run).toMatchObject({ baseline: "seed-2019", rulesEvaluated: 13 });
    const listed = await store.listRuns();
    expect(Object.fromEntries(listed.items.map((run) => [run.runId, run.baseline]))).toMatchObject({
      [failedId]: "seed-2019",
      [completedId]: "seed-2019",
    });
    // The run stored after the change keeps its own.
    expect(listed.items.find((run) => run.runId.startsWith("20261119"))?.baseline).toBe("current");
  });
});
