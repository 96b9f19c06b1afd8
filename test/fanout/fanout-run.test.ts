// A fanned-out run against Azurite and the emulator, with the shard queue worked the way the Functions host works it:
// the same results and scores as a single run of the same estate, post-run steps once, idempotent shards, and a shard
// that keeps failing ending the run partial with its subscriptions listed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { SAMPLE } from "../support/run-cli";
import {
  allFindings,
  comparableRun,
  comparableScores,
  countingStep,
  drainShards,
  fanoutKit,
  findingLines,
  finishedRun,
  requestAndPlan,
  queueClient,
  verdictLines,
  type FanoutKit,
} from "./fanout-kit";
import type { ResourceSource } from "../../src/audit/resource-source";
import { SHARDED_TYPES, shardFamilies } from "../../src/fanout/shard-families";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { RULES } from "../../src/rules/catalog";
import { createMessageQueue } from "../../src/queue/storage-queue";
import type { ShardMessage } from "../../src/fanout/shard-message";
import type { RunDetail } from "../../src/audit/audit-store";
import { generateEstateRows } from "../../dev/generate/estate-generator";

/** Rules whose pass needs NSG or NIC rows, and rules whose notApplicable does. */
const PASS_NEEDS_SHARDED = new Set(
  RULES.filter((rule) => rule.verdictDependsOn.some((type) => SHARDED_TYPES.includes(type))).map((rule) => rule.id),
);
const NOT_APPLICABLE_NEEDS_SHARDED = new Set(
  RULES.filter((rule) => rule.applicabilityDependsOn.some((type) => SHARDED_TYPES.includes(type))).map(
    (rule) => rule.id,
  ),
);

function defaultShardSource(k: FanoutKit, subscriptions: string[]): ResourceSource {
  const source = k.settings.source;
  if (source.kind !== "resourceGraph") throw new Error("live source expected");
  return new ResourceGraphSource({
    connection: source.collection.connection,
    scope: { subscriptions },
    families: shardFamilies(),
  });
}

let azurite: Azurite;
let emulator: RunningEmulator;

beforeAll(async () => {
  azurite = await startAzurite();
  emulator = await startEmulator({ estate: SAMPLE, quota: { limit: 10_000 } });
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  await azurite?.dispose();
});

const SHARDED = { AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "1", AUDIT_SHARD_SUBSCRIPTIONS: "1" };

function kit(env: Record<string, string> = {}, extra: Partial<Parameters<typeof fanoutKit>[0]> = {}): FanoutKit {
  return fanoutKit({
    connectionString: azurite.connectionString,
    env: { AUDIT_ARM_ENDPOINT: emulator.url, AUDIT_ARM_CA: emulator.caFile, ...env },
    ...extra,
  });
}

describe("a sharded run of the sample estate", () => {
  it("gives exactly the results and scores of a single run", async () => {
    const single = kit();
    const one = await requestAndPlan(single);
    expect(one.status).toBe("completed");
    const singleRun = await finishedRun(single.store, one.runId);

    const sharded = kit(SHARDED);
    const planned = await requestAndPlan(sharded);
    expect(planned.status).toBe("fannedOut");
    expect((await sharded.store.getRun(planned.runId))?.status).toBe("running");
    await drainShards(sharded);
    const shardedRun = await finishedRun(sharded.store, planned.runId);

    expect(shardedRun.status).toBe("completed");
    expect(findingLines(await allFindings(sharded.store, planned.runId))).toEqual(
      findingLines(await allFindings(single.store, one.runId)),
    );
    expect(comparableScores(shardedRun)).toBe(comparableScores(singleRun));
    // Status, source, trust settings, rules, resources, gaps, data quality, counts per severity.
    expect(comparableRun(shardedRun)).toBe(comparableRun(singleRun));
    const { samples: _s1, previousRunId: _p1, ...shardedDelta } = shardedRun.summary!.delta;
    const { samples: _s2, previousRunId: _p2, ...singleDelta } = singleRun.summary!.delta;
    expect(shardedDelta).toEqual(singleDelta);
    expect(shardedRun.findings).toBe(singleRun.findings);
    expect(shardedRun.summary!.run.collection["fanout"]).toMatchObject({ shards: 3, failedShards: [] });
  });
});

describe("the baseline of a sharded run", () => {
  it("is the one the run was requested with, in every shard and the summary, though AUDIT_BASELINE changes meanwhile", async () => {
    const single = kit({ AUDIT_BASELINE: "seed-2019" });
    const one = await requestAndPlan(single);
    expect((await finishedRun(single.store, one.runId)).baseline).toBe("seed-2019");

    const prefix = `fb${Date.now().toString(36)}`;
    const requested = kit({ ...SHARDED, AUDIT_BASELINE: "seed-2019" }, { prefix });
    const planned = await requestAndPlan(requested);
    expect(planned.status).toBe("fannedOut");
    // The app restarts with the other baseline before any shard runs: same tables and queues, new settings.
    const switched = fanoutKit({
      connectionString: azurite.connectionString,
      env: { AUDIT_ARM_ENDPOINT: emulator.url, AUDIT_ARM_CA: emulator.caFile, ...SHARDED, AUDIT_BASELINE: "current" },
      prefix,
      queues: { audit: requested.auditQueueName, shards: requested.shardQueueName },
    });
    await drainShards(switched);
    const shardedRun = await finishedRun(switched.store, planned.runId);

    expect(shardedRun.baseline).toBe("seed-2019");
    expect(shardedRun.summary!.run).toMatchObject({ baseline: "seed-2019", rulesEvaluated: 13 });
    const ruleIds = new Set((await allFindings(switched.store, planned.runId)).map((f) => f.ruleId));
    expect(ruleIds.has("expressroute.microsoft-peering") || ruleIds.has("mi.peering.same-region")).toBe(true);
    expect(verdictLines(await allFindings(switched.store, planned.runId))).toEqual(
      verdictLines(await allFindings(single.store, one.runId)),
    );
  });
});

describe("the baseline of a single run", () => {
  it("is the one it was requested with, though the worker that runs it has another AUDIT_BASELINE", async () => {
    const prefix = `fs${Date.now().toString(36)}`;
    const requested = kit({ AUDIT_BASELINE: "seed-2019" }, { prefix });
    const { runId } = await requested.audits.requestAudit({ trigger: "http" });
    expect((await requested.store.getRunRecord(runId))?.baseline).toBe("seed-2019");
    const switched = kit(
      { AUDIT_BASELINE: "current" },
      { prefix, queues: { audit: requested.auditQueueName, shards: requested.shardQueueName } },
    );
    const client = queueClient(requested, requested.auditQueueName);
    const message = (await client.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems[0]!;
    const body: unknown = JSON.parse(Buffer.from(message.messageText, "base64").toString("utf8"));
    expect(body).toMatchObject({ runId, baseline: "seed-2019" });
    await switched.audits.runRequested(body, { dequeueCount: 1, maxDequeueCount: 3 }, switched.log);
    const run = await finishedRun(switched.store, runId);
    expect(run.baseline).toBe("seed-2019");
    expect(run.summary!.run).toMatchObject({ baseline: "seed-2019", rulesEvaluated: 13 });
  });
});

describe("nightly writes of a sharded run", () => {
  it("an unchanged second run stores what a single run stores: its failures and unknowns, counted from the table", async () => {
    const twice = async (k: FanoutKit, sharded: boolean) => {
      const runs: RunDetail[] = [];
      for (let i = 0; i < 2; i += 1) {
        // Run ids order by the second they are stamped in: the second run must be stamped after the first.
        await new Promise((resolve) => setTimeout(resolve, 1_050 - (Date.now() % 1_000)));
        const planned = await requestAndPlan(k);
        if (sharded) await drainShards(k);
        runs.push(await finishedRun(k.store, planned.runId));
      }
      return runs;
    };
    const single = kit();
    const sharded = kit(SHARDED);
    const [singleFirst, singleSecond] = await twice(single, false);
    const [shardedFirst, shardedSecond] = await twice(sharded, true);
    expect(shardedFirst!.findingsStored).toBe(shardedFirst!.findings);
    const problems = (run: RunDetail) => run.byStatus!.fail + run.byStatus!.unknown + run.byStatus!.error;
    expect(shardedSecond).toMatchObject({ findings: singleSecond!.findings, findingsStored: problems(singleSecond!) });
    expect(singleSecond!.findingsStored).toBe(problems(singleSecond!));
    expect(verdictLines(await allFindings(sharded.store, shardedSecond!.runId))).toEqual(
      verdictLines(await allFindings(single.store, singleSecond!.runId)),
    );
    expect(shardedSecond!.delta).toEqual(singleSecond!.delta);
    expect(shardedSecond!.delta).toMatchObject({
      newFailures: 0,
      resolved: 0,
      regressed: 0,
      stillFailing: shardedSecond!.byStatus!.fail,
    });
    expect(singleFirst!.findingsStored).toBe(singleFirst!.findings);
  });
});

describe("exactly once, whatever the queue delivers", () => {
  it("runs the post-run steps once, even when every message is delivered again after the run finished", async () => {
    const step = countingStep();
    const sharded = kit(SHARDED, { steps: [step] });
    const { runId } = await requestAndPlan(sharded, "timer");
    await drainShards(sharded);
    const run = await finishedRun(sharded.store, runId);
    expect(step.calls.get(runId)).toBe(1);

    // Every shard message again, and the request itself again: nothing is recounted, rewritten or announced twice.
    const shardQueue = createMessageQueue<ShardMessage>(
      sharded.settings.queues,
      sharded.shardQueueName,
      (m) => `shard ${m.shard}`,
    );
    for (let shard = 0; shard < 3; shard += 1) await shardQueue.enqueue({ runId, shard });
    await drainShards(sharded);
    const again = await sharded.audits.runRequested(
      { runId, trigger: "timer", requestedAt: new Date().toISOString() },
      { dequeueCount: 2, maxDequeueCount: 3 },
      sharded.log,
    );
    expect(again).toMatchObject({ status: "fannedOut", runId, shards: 3 });
    expect(step.calls.get(runId)).toBe(1);
    const after = await sharded.store.getRun(runId);
    expect(after).toMatchObject({ status: run.status, findings: run.findings, estateScore: run.estateScore });
    expect(await sharded.fanoutStore.getProgress(runId)).toMatchObject({ states: "DDD", done: 3, failed: 0 });
    // The scope lock went with the run: the next request of the scope runs instead of being skipped.
    expect((await requestAndPlan(sharded)).status).toBe("fannedOut");
  });

  it("a shard whose worker died after writing its results, or before saving its result, is redone without double counting", async () => {
    const single = kit();
    const one = await requestAndPlan(single);
    const singleRun = await finishedRun(single.store, one.runId);

    const step = countingStep();
    const sharded = kit(SHARDED, { steps: [step] });
    const store = sharded.fanoutStore;
    const died = new Set<string>();
    const dieOnce = (what: string): void => {
      if (died.has(what)) return;
      died.add(what);
      throw new Error(`worker died (${what})`);
    };
    const finishShard = store.finishShard.bind(store);
    const saveShardResult = store.saveShardResult.bind(store);
    // Shard 1 dies after its results, state and result are written, before it is counted; shard 2 after its results
    // and state, before its result is saved.
    store.finishShard = async (runId, shard, outcome) => {
      if (shard === 1) dieOnce("finish 1");
      return finishShard(runId, shard, outcome);
    };
    store.saveShardResult = async (runId, result) => {
      if (result.shard === 2) dieOnce("save 2");
      return saveShardResult(runId, result);
    };
    const { runId } = await requestAndPlan(sharded);
    await drainShards(sharded);
    const run = await finishedRun(sharded.store, runId);

    expect(died).toEqual(new Set(["finish 1", "save 2"]));
    expect(run.status).toBe("completed");
    expect(findingLines(await allFindings(sharded.store, runId))).toEqual(
      findingLines(await allFindings(single.store, one.runId)),
    );
    expect(comparableScores(run)).toBe(comparableScores(singleRun));
    // The redone shard's state update replayed what it had done: the delta is a single run's.
    const { samples: _a, previousRunId: _b, ...delta } = run.summary!.delta;
    const { samples: _c, previousRunId: _d, ...singleDelta } = singleRun.summary!.delta;
    expect(delta).toEqual(singleDelta);
    expect(await sharded.fanoutStore.getProgress(runId)).toMatchObject({ states: "DDD", done: 3 });
    expect(step.calls.get(runId)).toBe(1);
  });
});

describe("a finaliser that dies", () => {
  it.each([
    ["before writing the summary", "finishRun"],
    ["after its post-run steps, before it released the scope", "markPostRunDone"],
  ] as const)(
    "%s is finished by its own message coming back, and the post-run steps run once",
    async (_when, where) => {
      const step = countingStep();
      const sharded = kit(SHARDED, { steps: [step] });
      let died = false;
      if (where === "finishRun") {
        const finishRun = sharded.store.finishRun.bind(sharded.store);
        sharded.store.finishRun = async (finish) => {
          if (!died) {
            died = true;
            throw new Error("worker died before the summary");
          }
          return finishRun(finish);
        };
      } else {
        const markPostRunDone = sharded.fanoutStore.markPostRunDone.bind(sharded.fanoutStore);
        sharded.fanoutStore.markPostRunDone = async (runId, at) => {
          await markPostRunDone(runId, at);
          if (!died) {
            died = true;
            throw new Error("worker died after its post-run steps");
          }
        };
      }
      const { runId } = await requestAndPlan(sharded);
      await drainShards(sharded);
      const run = await finishedRun(sharded.store, runId);
      expect(died).toBe(true);
      expect(run.status).toBe("completed");
      expect(step.calls.get(runId)).toBe(1);
      expect((await sharded.fanoutStore.getProgress(runId))!.postRunDoneAt).toBeDefined();
      // The scope was released: the next request of the scope is planned, not skipped.
      expect((await requestAndPlan(sharded)).status).toBe("fannedOut");
    },
  );
});

describe("a shard that keeps failing", () => {
  it("ends the run partial with the shard's subscriptions as a coverage gap, and no pass that needed its rows", async () => {
    const single = kit();
    const one = await requestAndPlan(single);
    const singleFindings = await allFindings(single.store, one.runId);
    // The subscription whose passes lean most on its NSGs and NICs fails: the case where a dropped shard would lie most.
    const leaning = new Map<string, number>();
    for (const f of singleFindings)
      if (f.status === "pass" && PASS_NEEDS_SHARDED.has(f.ruleId))
        leaning.set(f.subscriptionId.toLowerCase(), (leaning.get(f.subscriptionId.toLowerCase()) ?? 0) + 1);
    const [FAILING] = [...leaning.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const failingShard = [...new Set(singleFindings.map((f) => f.subscriptionId.toLowerCase()))]
      .sort()
      .indexOf(FAILING);

    const step = countingStep();
    let attempts = 0;
    const sharded = kit(SHARDED, {
      steps: [step],
      collector: {
        shardSource: (subscriptions): ResourceSource => ({
          describe: () => ({ kind: "resourceGraph", subscriptions }),
          collect: async (sink) => {
            if (subscriptions.includes(FAILING)) {
              attempts += 1;
              throw new Error("Resource Graph client crashed");
            }
            return defaultShardSource(sharded, subscriptions).collect(sink);
          },
        }),
      },
    });
    const { runId } = await requestAndPlan(sharded);
    await drainShards(sharded);
    const run = await finishedRun(sharded.store, runId);

    expect(attempts).toBe(3);
    expect(run.status).toBe("partial");
    const gap = run.summary!.run.coverageGaps.find((g) => g.subscriptionIds?.includes(FAILING));
    expect(gap).toMatchObject({ types: [...SHARDED_TYPES], subscriptionIds: [FAILING] });
    expect(gap!.reason).toMatch(/failed after its retries: .*Resource Graph client crashed/);
    expect((run.summary!.run.collection["fanout"] as { failedShards: unknown[] }).failedShards).toEqual([
      { shard: failingShard, subscriptions: [FAILING], reason: gap!.reason },
    ]);
    expect(await sharded.fanoutStore.getProgress(runId)).toMatchObject({
      states: "DDD".slice(0, failingShard) + "F" + "DDD".slice(failingShard + 1),
      done: 3,
      failed: 1,
    });
    expect(step.calls.get(runId)).toBe(1);

    const findings = await allFindings(sharded.store, runId);
    const inFailing = findings.filter((f) => f.subscriptionId.toLowerCase() === FAILING);
    // Its NSGs and NICs were never read: no verdict about them at all, and none that needed them is a pass.
    expect(inFailing.filter((f) => SHARDED_TYPES.includes(f.resourceType.toLowerCase()))).toEqual([]);
    expect(
      inFailing.filter(
        (f) =>
          (f.status === "pass" && PASS_NEEDS_SHARDED.has(f.ruleId)) ||
          (f.status === "notApplicable" && NOT_APPLICABLE_NEEDS_SHARDED.has(f.ruleId)),
      ),
    ).toEqual([]);
    // ...and the verdicts a single run gave as passes on that data are unknown, with the gap as their evidence.
    const downgraded = inFailing.filter(
      (f) => f.status === "unknown" && JSON.stringify(f.evidence).includes("failed after its retries"),
    );
    expect(downgraded.length).toBeGreaterThan(0);
    const passedInSingle = new Set(
      singleFindings
        .filter((f) => f.status === "pass" && PASS_NEEDS_SHARDED.has(f.ruleId))
        .map((f) => `${f.ruleId}|${f.resourceId}`),
    );
    for (const finding of downgraded.filter((f) => PASS_NEEDS_SHARDED.has(f.ruleId)))
      expect(
        passedInSingle.has(`${finding.ruleId}|${finding.resourceId}`) ||
          finding.evidence["wouldHaveBeen"] !== undefined,
      ).toBe(true);
    // The other shards' subscriptions are judged exactly as in a single run.
    const others = (list: typeof findings) =>
      verdictLines(list.filter((f) => f.subscriptionId.toLowerCase() !== FAILING));
    expect(others(findings)).toEqual(others(singleFindings));
  });
});

describe("pacing against the identity's quota", () => {
  it("lets no more shards collect at once than AUDIT_SHARD_CONCURRENCY; the others wait on the queue, not in an invocation", async () => {
    // NSG queries take 600 ms here, so shards that were not paced would collect side by side.
    const slow = await startEmulator({
      estate: SAMPLE,
      quota: { limit: 10_000 },
      faults: "latency:ms=600,match=networksecuritygroups",
    });
    try {
      const paced = fanoutKit({
        connectionString: azurite.connectionString,
        env: { AUDIT_ARM_ENDPOINT: slow.url, AUDIT_ARM_CA: slow.caFile, ...SHARDED, AUDIT_SHARD_CONCURRENCY: "1" },
      });
      const { runId } = await requestAndPlan(paced);
      await drainShards(paced, { workers: 3, idleMs: 2_500 });
      const run = await finishedRun(paced.store, runId);
      expect(run.status).toBe("completed");
      const perShard = (
        run.summary!.run.collection["fanout"] as {
          perShard: Array<{ collectedFrom: string; collectedTo: string; slotWaits: number }>;
        }
      ).perShard;
      const windows = perShard
        .map((s) => [Date.parse(s.collectedFrom), Date.parse(s.collectedTo)] as const)
        .sort((a, b) => a[0] - b[0]);
      expect(windows).toHaveLength(3);
      for (let i = 1; i < windows.length; i += 1) expect(windows[i]![0]).toBeGreaterThanOrEqual(windows[i - 1]![1]);
      expect(paced.logs.some((line) => /all 1 collection slots are taken/.test(line))).toBe(true);
      expect(perShard.some((s) => s.slotWaits > 0)).toBe(true);
      // Once the run is final its payloads are gone; asking for them says so.
      await expect(paced.fanoutStore.getShardResult(runId, 0)).rejects.toThrow(/deleted at .*once the run was final/);
    } finally {
      await slow.close();
    }
  }, 60_000);
});

describe("a generated estate", () => {
  it("of 3,000 resources over 10 subscriptions gives the same results sharded (4 shards, 3 workers) as in one run", async () => {
    const generated = await startEmulator({
      estate: { data: [...generateEstateRows({ resources: 3_000, subscriptions: 10, seed: 7 })] },
      quota: { limit: 10_000 },
    });
    try {
      const env = { AUDIT_ARM_ENDPOINT: generated.url, AUDIT_ARM_CA: generated.caFile };
      const single = fanoutKit({ connectionString: azurite.connectionString, env });
      let started = Date.now();
      const one = await requestAndPlan(single);
      const singleMs = Date.now() - started;
      const singleRun = await finishedRun(single.store, one.runId);

      const sharded = fanoutKit({
        connectionString: azurite.connectionString,
        env: { ...env, AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "3", AUDIT_SHARD_SUBSCRIPTIONS: "3" },
      });
      started = Date.now();
      const { runId } = await requestAndPlan(sharded);
      await drainShards(sharded, { workers: 3, idleMs: 500 });
      const run = await finishedRun(sharded.store, runId);
      const shardedMs = Date.now() - started;

      expect(run.summary!.run.collection["fanout"]).toMatchObject({ shards: 4, failedShards: [] });
      expect(run.status).toBe(singleRun.status);
      expect(findingLines(await allFindings(sharded.store, runId))).toEqual(
        findingLines(await allFindings(single.store, one.runId)),
      );
      expect(comparableScores(run)).toBe(comparableScores(singleRun));
      expect(comparableRun(run)).toBe(comparableRun(singleRun));
      console.log(
        `generated estate: ${singleRun.summary!.run.resourcesInEstate} resources, ${singleRun.findings} results; single run ${singleMs} ms, 4 shards on 3 workers ${shardedMs} ms`,
      );
    } finally {
      await generated.close();
    }
  }, 120_000);
});
