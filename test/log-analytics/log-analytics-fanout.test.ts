// A fanned-out run sends its results once, from its finaliser: the merged report holds every shard's results and
// transitions, so the rows of a sharded run are the rows of a single run of the same estate (same fingerprints, same
// statuses and transitions), each sent once; a redelivered shard message sends nothing again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { SAMPLE } from "../support/run-cli";
import { drainShards, fanoutKit, finishedRun, requestAndPlan, type FanoutKit } from "../fanout/fanout-kit";
import { logAnalyticsStep } from "../../src/log-analytics/log-analytics-step";
import type { LogsIngestionReceiver } from "../../dev/logs-ingestion/logs-ingestion-receiver";
import { FAST_RETRY, startReceiver, targetOf } from "./log-analytics-kit";

let azurite: Azurite;
let emulator: RunningEmulator;
let receiver: LogsIngestionReceiver;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  emulator = await startEmulator({ estate: SAMPLE, quota: { limit: 10_000 } });
  receiver = await startReceiver();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await emulator?.close();
  await azurite?.dispose();
});

const SHARDED = { AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "1", AUDIT_SHARD_SUBSCRIPTIONS: "1" };

function kit(env: Record<string, string> = {}): FanoutKit {
  return fanoutKit({
    connectionString: azurite.connectionString,
    env: { AUDIT_ARM_ENDPOINT: emulator.url, AUDIT_ARM_CA: emulator.caFile, ...env },
    steps: [logAnalyticsStep(targetOf(receiver, { send: "all" }), FAST_RETRY)],
  });
}

/** What must not depend on how the run was cut: everything but the run's id and start. */
function comparable(runId: string): string[] {
  return receiver.records
    .filter((row) => row["RunId"] === runId)
    .map(({ RunId: _r, TimeGenerated: _t, ...row }) => JSON.stringify(row))
    .sort();
}

describe("a fanned-out run", () => {
  it("sends every result once, from its finaliser, exactly as a single run of the same estate", async () => {
    const single = kit();
    const one = await requestAndPlan(single);
    expect(one.status).toBe("completed");

    const sharded = kit(SHARDED);
    const planned = await requestAndPlan(sharded);
    expect(planned.status).toBe("fannedOut");
    await drainShards(sharded);
    const run = await finishedRun(sharded.store, planned.runId);
    expect(run.summary?.run.collection["fanout"]).toMatchObject({ shards: 3 });

    const rows = receiver.records.filter((row) => row["RunId"] === planned.runId);
    expect(rows).toHaveLength(run.findings!);
    expect(new Set(rows.map((row) => row["Fingerprint"])).size).toBe(rows.length);
    expect(comparable(planned.runId)).toEqual(comparable(one.runId));
    expect(rows.every((row) => row["TimeGenerated"] === run.summary!.run.startedAt)).toBe(true);
    expect(sharded.logs.filter((line) => line.startsWith(`log analytics: run ${planned.runId}: sent`))).toHaveLength(1);

    // The shard queue worked again (a redelivery after the finaliser): the steps are done, nothing is sent twice.
    const calls = receiver.calls.length;
    await drainShards(sharded);
    expect(receiver.calls.length).toBe(calls);
  }, 180_000);
});
