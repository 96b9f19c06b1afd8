// One pipeline: the sample estate audited in one run and cut into shards (evaluateShard per shard, mergeShardResults
// over them) gives byte for byte the same summary, the same findings and the same run record, with no storage or
// queue in between: the arithmetic alone. fanout-run.test.ts checks the same through Azurite and the emulator.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runAudit, type AuditReport, type CollectionStep } from "../../src/audit/run-audit";
import type { ResourceSource } from "../../src/audit/resource-source";
import type { AuditSettings } from "../../src/config/audit-settings";
import type { Finding } from "../../src/engine/finding";
import { mergeShardResults } from "../../src/fanout/fanout-merge";
import type { FanoutPlan, ShardResult } from "../../src/fanout/fanout-store";
import { evaluateShard } from "../../src/fanout/shard-evaluation";
import { isShardedType, SHARDED_TYPES } from "../../src/fanout/shard-families";
import { groupIntoShards } from "../../src/fanout/shard-plan";
import type { CoverageGap } from "../../src/model/estate";
import type { ResourceRow } from "../../src/model/row";
import { SAMPLE } from "../support/run-cli";

const RUN_ID = "20261204T020000Z-abc123";
const STARTED = new Date("2026-12-04T02:00:00.000Z");
const FINISHED = new Date("2026-12-04T02:03:07.250Z");
const SOURCE = { kind: "resourceGraph" as const, subscriptions: ["in-scope"] };
const origin = (row: ResourceRow): string => `Resource Graph ${typeof row.type === "string" ? row.type : "row"}`;
const subscriptionOf = (row: ResourceRow): string => String(row.subscriptionId ?? "").toLowerCase();

const sampleRows = (JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: ResourceRow[] }).data;
// Data-quality warnings in the context and in one shard's own rows: counted once each, sampled in collection order.
const malformedNsg = (subscriptionId: string): ResourceRow => ({
  type: "microsoft.network/networksecuritygroups",
  subscriptionId,
  properties: {},
});
const malformedVnet: ResourceRow = { type: "microsoft.network/virtualnetworks", id: "", properties: {} };

interface Parity {
  single: AuditReport;
  merged: ReturnType<typeof mergeShardResults>;
}

/**
 * The single run reads the context rows first and then each shard's rows in shard order, as the fanned-out run does,
 * so that even the warning sample is in the same order. `failing`: a subscription whose NSGs and NICs were never read
 * (its shard failed; in the single run, a gap of the same reason).
 */
async function auditBothWays(rows: readonly ResourceRow[], settings: AuditSettings, failing?: string): Promise<Parity> {
  const subscriptions = [...new Set(rows.map(subscriptionOf).filter((s) => s !== ""))].sort();
  const context = rows.filter((row) => !isShardedType(row.type));
  const { shards, linkCount, links } = groupIntoShards(subscriptions, context, 1);
  const ownRows = (shard: readonly string[]) =>
    rows.filter((row) => isShardedType(row.type) && shard.includes(subscriptionOf(row)));
  const failedGap = (shard: readonly string[]): CoverageGap => ({
    types: [...SHARDED_TYPES],
    subscriptionIds: [...shard],
    reason: `shard failed after its retries`,
  });
  const failed = (shard: readonly string[]) => failing !== undefined && shard.includes(failing);

  const single: ResourceSource = {
    describe: () => SOURCE,
    async collect(sink) {
      for (const row of context) sink.add(row, origin(row));
      const gaps: CoverageGap[] = [];
      for (const shard of shards) {
        if (failed(shard)) gaps.push(failedGap(shard));
        else for (const row of ownRows(shard)) sink.add(row, origin(row));
      }
      return { stats: {}, gaps };
    },
  };
  const times = [STARTED, FINISHED];
  const singleReport = await runAudit(single, settings, { runId: RUN_ID, now: () => times.shift() ?? FINISHED });

  const results: ShardResult[] = [];
  for (const [index, shard] of shards.entries()) {
    const collect: CollectionStep = failed(shard)
      ? async () => ({ stats: {}, gaps: [failedGap(shard)] })
      : async (sink) => {
          for (const row of ownRows(shard)) sink.add(row, origin(row));
          return { stats: {}, gaps: [] };
        };
    const evaluation = await evaluateShard({
      contextRows: context,
      contextGaps: [],
      collect,
      subscriptions: shard,
      startedAt: STARTED,
      ...(index === 0 ? { keepUnowned: (id: string) => !subscriptions.includes(id.toLowerCase()) } : {}),
      settings,
    });
    results.push({
      version: 1,
      shard: index,
      outcome: failed(shard) ? "failed" : "done",
      ...evaluation,
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
      transitions: { new: [], resolved: [], regressed: [], stillFailing: [], notFullyRead: 0, stale: 0 },
    });
  }
  const plan: FanoutPlan = {
    version: 1,
    runId: RUN_ID,
    scopeKey: "scope",
    message: { runId: RUN_ID, trigger: "timer", requestedAt: STARTED.toISOString() },
    baseline: settings.baseline,
    startedAt: STARTED.toISOString(),
    source: SOURCE,
    subscriptions,
    shards,
    context: { rows: context.length, gaps: [], stats: {} },
    grouping: { linkCount, links },
  };
  // Shards finish in any order; the merge must not depend on it.
  return { single: singleReport, merged: mergeShardResults(plan, results.reverse(), settings, FINISHED) };
}

const key = (f: Finding): string => `${f.ruleId}|${f.resourceId.toLowerCase()}`;
const sorted = (findings: readonly Finding[]): string[] => findings.map((f) => `${key(f)}|${JSON.stringify(f)}`).sort();

function expectSameRun({ single, merged }: Parity): void {
  expect(JSON.stringify(merged.report.summary)).toBe(JSON.stringify(single.summary));
  expect(sorted(merged.report.findings)).toEqual(sorted(single.findings));
  // The run record is the single run's, but for what only a fanned-out run has (its collection figures).
  const { collection: _merged, ...mergedRun } = merged.report.run;
  const { collection: _single, ...singleRun } = single.run;
  expect(JSON.stringify(mergedRun)).toBe(JSON.stringify(singleRun));
  const bySeverity = { critical: {}, high: {}, medium: {}, low: {} } as Record<string, Record<string, number>>;
  for (const f of single.findings) bySeverity[f.severity]![f.status] = (bySeverity[f.severity]![f.status] ?? 0) + 1;
  for (const [severity, counts] of Object.entries(merged.bySeverity))
    expect(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))).toEqual(bySeverity[severity]);
}

describe("a fanned-out run and a single run of the same estate", () => {
  it.each<[string, AuditSettings]>([
    ["trusting owned public IPs", { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" }],
    [
      "with configured trusted prefixes, owned IPs untrusted",
      { trustedPrefixes: ["203.0.113.0/24"], trustOwnedPublicIps: false, baseline: "current" },
    ],
    ["baseline seed-2019", { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "seed-2019" }],
  ])("give the same summary, findings and run record (%s)", async (_label, settings) => {
    const parity = await auditBothWays(sampleRows, settings);
    expect(parity.single.run.status).toBe("completed");
    expect(parity.single.summary.estateScore).not.toBeNull();
    expect(parity.merged.report.run.collection["fanout"]).toMatchObject({ shards: 3, failedShards: [] });
    expectSameRun(parity);
  });

  it("count and sample data-quality warnings alike: the context's once, each shard's own", async () => {
    const firstSubscription = subscriptionOf(sampleRows.find((row) => isShardedType(row.type))!);
    const parity = await auditBothWays([malformedVnet, ...sampleRows, malformedNsg(firstSubscription)], {
      trustedPrefixes: [],
      trustOwnedPublicIps: true,
      baseline: "current",
    });
    expect(parity.single.run.dataQuality.warnings).toBeGreaterThanOrEqual(2);
    expectSameRun(parity);
  });

  it("are both partial, alike, when one subscription's NSGs and NICs could not be read", async () => {
    const failing = subscriptionOf(sampleRows.find((row) => isShardedType(row.type))!);
    const parity = await auditBothWays(
      sampleRows,
      { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" },
      failing,
    );
    expect(parity.single.run.status).toBe("partial");
    expect(parity.single.findings.some((f) => f.status === "unknown" && f.evidence["coverageGap"] !== undefined)).toBe(
      true,
    );
    expectSameRun(parity);
  });
});
