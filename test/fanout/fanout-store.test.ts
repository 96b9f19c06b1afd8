// The fan-out store on Azurite: shard progress on the run entity under contention (ETags), idempotent marks, a shard
// result saved once, plan and context that span many entities, and the payloads deleted once a run is final.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createFanoutStore } from "../../src/fanout/table-fanout-store";
import { newRunId } from "../../src/audit/run-audit";
import type { FanoutPlan, FanoutStore, ShardResult } from "../../src/fanout/fanout-store";
import { ScoreAccumulator } from "../../src/engine/scoring";
import type { AuditStore } from "../../src/audit/audit-store";
import { TableClient } from "@azure/data-tables";

let azurite: Azurite;
let store: AuditStore;
let fanout: FanoutStore;
const prefix = `fs${Date.now().toString(36)}`;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  store = createAuditStore({ connectionString: azurite.connectionString }, { tablePrefix: prefix });
  fanout = createFanoutStore({ connectionString: azurite.connectionString }, { tablePrefix: prefix });
}, 60_000);

afterAll(async () => {
  await azurite?.dispose();
});

async function newRun(): Promise<string> {
  const runId = newRunId(new Date(Date.now() - Math.floor(Math.random() * 1e9)));
  await store.createRun({ baseline: "current", runId, scope: "tenant" });
  return runId;
}

function result(shard: number, outcome: "done" | "failed" = "done"): ShardResult {
  return {
    version: 1,
    shard,
    outcome,
    scores: new ScoreAccumulator().sums(),
    ownRows: shard,
    ownResources: 0,
    contextResources: 0,
    gaps: [],
    contextWarnings: { count: 0, sample: [] },
    ownWarnings: { count: 0, sample: [] },
    collection: {},
    write: {
      findings: 0,
      findingTransactions: 0,
      stateEntities: 0,
      stateTransactions: 0,
      findingsMs: 0,
      stateMs: 0,
      elapsedMs: 0,
    },
    durationMs: 0,
    findings: [],
    transitions: { new: [], resolved: [], regressed: [], stillFailing: [], notFullyRead: 0, stale: 0 },
  };
}

describe("shard progress on the run entity", () => {
  it("counts 40 shards finishing at once exactly once each, and names one finaliser", async () => {
    const runId = await newRun();
    expect(await fanout.startShards(runId, 40)).toMatchObject({ shardCount: 40, done: 0, states: "P".repeat(40) });
    // Started again (a planner retried): nothing is reset.
    await fanout.finishShard(runId, 0, "done");
    expect((await fanout.startShards(runId, 40)).done).toBe(1);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, shard) => fanout.finishShard(runId, shard, shard % 10 === 3 ? "failed" : "done")),
    );
    const completing = outcomes.filter((o) => o.completedNow);
    expect(completing).toHaveLength(1);
    const progress = await fanout.getProgress(runId);
    expect(progress).toMatchObject({
      shardCount: 40,
      done: 40,
      failed: 4,
      finaliser: completing[0]!.progress.finaliser,
    });
    expect(progress!.states).toBe(Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? "F" : "D")).join(""));
    // A shard finished again (a redelivered message) keeps its first mark and completes nothing.
    expect(await fanout.finishShard(runId, 3, "done")).toMatchObject({ completedNow: false, progress: { failed: 4 } });
    await expect(fanout.finishShard(runId, 40, "done")).rejects.toThrow(/has 40 shards; there is no shard 40/);
  });

  it("keeps the run record readable and the shard fields out of it", async () => {
    const runId = await newRun();
    await fanout.startShards(runId, 2);
    await fanout.markEnqueued(runId, new Date());
    expect(await store.getRunRecord(runId)).toEqual(expect.objectContaining({ runId, status: "queued" }));
    expect(await store.getRunRecord(runId)).not.toHaveProperty("shardStates");
    expect((await fanout.getProgress(runId))!.enqueuedAt).toBeDefined();
    expect(await fanout.getProgress(await newRun())).toBeUndefined();
  });
});

describe("results and payloads", () => {
  it("saves a shard's result once; a second attempt's is refused and the first kept", async () => {
    const runId = await newRun();
    await fanout.recordShardError(runId, 1, "first attempt failed");
    expect(await fanout.saveShardResult(runId, result(1))).toBe(true);
    expect(await fanout.saveShardResult(runId, { ...result(1), ownRows: 99 })).toBe(false);
    expect((await fanout.getShardResult(runId, 1))!.ownRows).toBe(1);
    expect(await fanout.shardError(runId, 1)).toBe("first attempt failed");
    expect(await fanout.getShardResult(runId, 2)).toBeUndefined();
  });

  it("stores a plan and a context of many entities, and deletes the payloads but not the plan", async () => {
    const runId = await newRun();
    // Incompressible rows, about 3 MB: several entities of eight 64 KiB chunks each.
    const rows = Array.from({ length: 3_000 }, (_, i) => ({
      id: `/subscriptions/x/r/${i}`,
      type: "microsoft.network/virtualnetworks",
      blob: randomBytes(768).toString("base64"),
    }));
    const plan: FanoutPlan = {
      version: 1,
      runId,
      scopeKey: "tenant",
      message: { runId, trigger: "timer", requestedAt: new Date().toISOString(), baseline: "current" },
      baseline: "current",
      startedAt: new Date().toISOString(),
      source: { kind: "resourceGraph" },
      subscriptions: ["a", "b"],
      shards: [["a"], ["b"]],
      context: { rows: rows.length, gaps: [], stats: {} },
      grouping: { linkCount: 0, links: [] },
    };
    expect(await fanout.getPlan(runId)).toBeUndefined();
    await fanout.savePlan(plan, rows);
    expect(await fanout.getPlan(runId)).toEqual(plan);
    expect(await fanout.loadContext(runId)).toEqual(rows);
    // A plan written before plans carried a baseline: its shards evaluated the seed rules, and so must the rest.
    const { baseline: _baseline, ...oldShape } = plan;
    await fanout.savePlan({ ...oldShape, baseline: undefined as never }, rows.slice(0, 1));
    expect((await fanout.getPlan(runId))!.baseline).toBe("seed-2019");
    await fanout.savePlan(plan, rows);
    expect((await fanout.getPlan(runId))!.baseline).toBe("current");
    await fanout.saveShardResult(runId, result(0));
    const table = TableClient.fromConnectionString(azurite.connectionString, `${prefix}auditshards`, {
      allowInsecureConnection: true,
    });
    const keys = async () => {
      const found: string[] = [];
      for await (const e of table.listEntities({
        queryOptions: { filter: `PartitionKey eq '${runId}'`, select: ["RowKey"] },
      }))
        found.push(String(e.rowKey));
      return found;
    };
    expect((await keys()).filter((k) => k.startsWith("context|")).length).toBeGreaterThan(3);
    await fanout.deletePayloads(runId);
    const left = await keys();
    expect(left.filter((k) => k.startsWith("context|") || /^shard\|\d+\|/.test(k))).toEqual([]);
    expect(left).toEqual(expect.arrayContaining(["plan", "plan|0000", "shard|00000"]));
    expect(await fanout.getPlan(runId)).toEqual(plan);
  });
});
