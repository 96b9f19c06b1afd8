// One pipeline: the sample estate audited in one run and cut into shards (evaluateShard per shard, mergeShardResults
// over them) gives byte for byte the same summary, the same findings and the same run record, with no storage or
// queue in between: the arithmetic alone. fanout-run.test.ts checks the same through Azurite and the emulator.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AuditSettings } from "../../src/config/audit-settings";
import type { Finding } from "../../src/engine/finding";
import type { ResourceRow } from "../../src/model/row";
import { SAMPLE } from "../support/run-cli";
import { isShardedType } from "../../src/fanout/shard-families";
import { auditBothWays, subscriptionOf, type Parity } from "./audit-both-ways";

const sampleRows = (JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: ResourceRow[] }).data;
// Data-quality warnings in the context and in one shard's own rows: counted once each, sampled in collection order.
const malformedNsg = (subscriptionId: string): ResourceRow => ({
  type: "microsoft.network/networksecuritygroups",
  subscriptionId,
  properties: {},
});
const malformedVnet: ResourceRow = { type: "microsoft.network/virtualnetworks", id: "", properties: {} };

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
