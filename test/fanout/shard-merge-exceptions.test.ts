// A fanned-out run with exceptions is the single run with exceptions (issue 14): the sample estate audited once and
// cut into shards (evaluateShard per shard, each given the run's exceptions and start, mergeShardResults over them)
// gives the same summary (both scores, excepted counts), the same findings with the same exception on each, and the
// same account of what the exceptions did: expiring, expired, stale (judged over the whole run, not per shard: an
// exception no shard matched is stale once, one some shard matched is not), no longer needed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AuditSettings } from "../../src/config/audit-settings";
import type { AuditException } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import type { ResourceRow } from "../../src/model/row";
import { SAMPLE } from "../support/run-cli";
import { isShardedType } from "../../src/fanout/shard-families";
import { auditBothWays, subscriptionOf, type Parity } from "./audit-both-ways";

const NOT_AUDITED = "00000000-1111-4222-8333-444444444444";
const ROWS = (JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: ResourceRow[] }).data;
const SUBSCRIPTIONS = [...new Set(ROWS.map(subscriptionOf).filter((s) => s !== ""))].sort();

const ex = (id: string, ruleId: string, scope: string, more: Partial<AuditException> = {}): AuditException => ({
  id,
  source: "store",
  ruleIds: [ruleId],
  scope,
  justification: "Accepted until the migration to private link completes.",
  approvedBy: "secops-lead@contoso.com",
  expiresOn: "2027-03-31",
  ...more,
});
const [S0, S1, S2] = SUBSCRIPTIONS as [string, string, string];
const EXCEPTIONS: AuditException[] = [
  ...SUBSCRIPTIONS.map((s, i) => ex(`EX-PUBLIC-${i}`, "mi.public-endpoint.enabled", `/subscriptions/${s}`)),
  ex("EX-NSG", "nsg.sql-inbound-internet", `/subscriptions/${S0.toUpperCase()}`),
  ex("EX-NSG-2", "nsg.sql-inbound-internet", `/subscriptions/${S1}`),
  ex("EX-NSG-3", "nsg.sql-inbound-internet", `/subscriptions/${S2}`),
  ex("EX-SUBNET", "mi.subnet.nsg-missing", `/subscriptions/${S2}`, { tags: { OWNER: "data-platform" } }),
  ex("EX-LAPSED", "mi.vnet.flow-logs", `/subscriptions/${S1}`, { expiresOn: "2026-12-01", source: "file" }),
  ex("EX-SOON", "mi.tls.minimum-version", `/subscriptions/${S0}`, { expiresOn: "2026-12-12", source: "file" }),
  ex("EX-GONE", "mi.vnet.dedicated", `/subscriptions/${S2}/resourceGroups/rg-decommissioned`),
  ex("EX-ELSEWHERE", "mi.vnet.dedicated", `/subscriptions/${NOT_AUDITED}`),
];

const sorted = (findings: readonly Finding[]): string[] =>
  findings.map((f) => `${f.ruleId}|${f.resourceId.toLowerCase()}|${JSON.stringify(f)}`).sort();

function expectSameRun({ single, merged }: Parity): void {
  expect(JSON.stringify(merged.report.summary)).toBe(JSON.stringify(single.summary));
  expect(sorted(merged.report.findings)).toEqual(sorted(single.findings));
  expect(JSON.stringify(merged.report.exceptions)).toBe(JSON.stringify(single.exceptions));
}

const BASE: AuditSettings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" };

describe("a fanned-out run with exceptions and the single run", () => {
  it.each<[string, AuditSettings]>([
    ["default exception policy", BASE],
    [
      "excepted failures counted in the score, a year's warning window",
      { ...BASE, exceptionPolicy: { maxDays: 180, warnDays: 365, affectScore: true } },
    ],
    ["baseline seed-2019", { ...BASE, baseline: "seed-2019" }],
  ])("give the same summary, findings and exceptions outcome (%s)", async (_label, settings) => {
    const parity = await auditBothWays(ROWS, settings, undefined, EXCEPTIONS);
    expect(parity.merged.report.run.collection["fanout"]).toMatchObject({ shards: 3, failedShards: [] });
    expectSameRun(parity);
    const { exceptions, summary } = parity.single;
    // The comparison means something only if exceptions did each thing.
    expect(exceptions.exceptedResults.fail).toBeGreaterThan(0);
    expect(summary.excepted.byStatus.fail).toBe(exceptions.exceptedResults.fail);
    expect(exceptions.counts.expired).toBe(1);
    expect(exceptions.stale.map((e) => e.id)).toContain("EX-GONE");
    expect(exceptions.stale.map((e) => e.id)).not.toContain("EX-ELSEWHERE");
    expect(exceptions.considered).toMatchObject({ file: 2, store: EXCEPTIONS.length - 2 });
    expect(parity.single.findings.some((f) => f.exception?.effect === "notNeeded")).toBe(true);
  });

  it("are both partial alike when one shard failed, its unknowns excepted alike", async () => {
    const failing = subscriptionOf(ROWS.find((row) => isShardedType(row.type))!);
    const parity = await auditBothWays(ROWS, BASE, failing, EXCEPTIONS);
    expect(parity.single.run.status).toBe("partial");
    expectSameRun(parity);
  });
});
