// The estate generator: exact row counts, determinism, a realistic mix, and both outcomes of every rule when the real
// engine evaluates a small generated estate.
import { describe, expect, it } from "vitest";
import { generateEstateRows, checkGeneratorOptions } from "../../dev/generate/estate-generator";
import { snapshotJsonChunks } from "../../dev/generate/snapshot-json";
import { EstateBuilder } from "../../src/model/build-estate";
import { MALFORMED_ENTRY_CHECKS } from "../../src/net/malformed-entries";
import { evaluate } from "../../src/audit/run-audit";
import { recogniseSnapshot } from "../../src/snapshot/snapshot-reader";
import { RULES } from "../../src/rules/catalog";
import { BASELINE_IDS } from "../../src/rules/baselines";
import type { Status } from "../../src/rules/rule";

const snapshotText = (resources: number, seed: number, subscriptions?: number): string =>
  [
    ...snapshotJsonChunks(
      generateEstateRows({ resources, seed, ...(subscriptions === undefined ? {} : { subscriptions }) }),
      resources,
      4096,
    ),
  ].join("");

describe("generateEstateRows", () => {
  it.each([
    [100, undefined],
    [137, 2],
    [2_000, undefined],
    [5_003, 3],
    [3_000, 1],
  ])("yields exactly %i rows (subscriptions %s)", (resources, subscriptions) => {
    const rows = [
      ...generateEstateRows({ resources, seed: 3, ...(subscriptions === undefined ? {} : { subscriptions }) }),
    ];
    expect(rows).toHaveLength(resources);
    expect(new Set(rows.map((row) => row["id"])).size).toBe(resources);
    if (subscriptions !== undefined) expect(new Set(rows.map((row) => row["subscriptionId"])).size).toBe(subscriptions);
  });

  it("is deterministic for a seed and differs for another", () => {
    const first = snapshotText(1_500, 7);
    expect(snapshotText(1_500, 7)).toBe(first);
    expect(snapshotText(1_500, 8)).not.toBe(first);
  });

  it("writes a snapshot the snapshot reader recognises, in chunks", () => {
    const chunks = [...snapshotJsonChunks(generateEstateRows({ resources: 300, seed: 1 }), 300, 8192)];
    expect(chunks.length).toBeGreaterThan(2);
    const document = JSON.parse(chunks.join("")) as Record<string, unknown>;
    expect(document["totalRecords"]).toBe(300);
    const content = recogniseSnapshot(document, "generated.json");
    expect(content.shape).toBe("rest");
    expect(content.rows).toHaveLength(300);
  });

  it("refuses to declare a row count it does not produce", () => {
    expect(() => [...snapshotJsonChunks([{ id: "a" }], 2)]).toThrow(/declared 2 rows but 1/);
  });

  it("has NICs and NSGs dominating and managed instances at a few percent", () => {
    const counts = new Map<string, number>();
    for (const row of generateEstateRows({ resources: 10_000, seed: 1 }))
      counts.set(String(row["type"]), (counts.get(String(row["type"])) ?? 0) + 1);
    const share = (type: string) => (counts.get(type) ?? 0) / 10_000;
    expect(share("microsoft.network/networkinterfaces")).toBeGreaterThan(0.4);
    expect(share("microsoft.network/networksecuritygroups")).toBeGreaterThan(0.12);
    expect(share("microsoft.sql/managedinstances")).toBeGreaterThan(0.02);
    expect(share("microsoft.sql/managedinstances")).toBeLessThan(0.05);
    for (const type of [
      "microsoft.network/virtualnetworks",
      "microsoft.web/sites",
      "microsoft.web/hostingenvironments",
      "microsoft.network/publicipaddresses",
      "microsoft.network/publicipprefixes",
      "microsoft.network/virtualnetworkgateways",
      "microsoft.network/connections",
      "microsoft.network/expressroutecircuits",
    ]) {
      expect(counts.get(type), type).toBeGreaterThan(0);
    }
  });

  it("gives every rule passing and failing cases on a 2,000-row estate, with clean data", () => {
    const warnings: string[] = [];
    const builder = new EstateBuilder({
      entryChecks: MALFORMED_ENTRY_CHECKS,
      onWarning: (message) => warnings.push(message),
    });
    let index = 0;
    for (const row of generateEstateRows({ resources: 2_000, seed: 1 })) builder.add(row, `row ${index++}`);
    const estate = builder.build();
    // Every rule of every baseline, each evaluated under a baseline that has it.
    const findings = BASELINE_IDS.flatMap(
      (baseline) => evaluate(estate, { trustedPrefixes: [], trustOwnedPublicIps: true, baseline }).findings,
    );
    expect(warnings).toEqual([]);
    const statuses = new Map<string, Set<Status>>(RULES.map((rule) => [rule.id, new Set<Status>()]));
    for (const finding of findings) statuses.get(finding.ruleId)!.add(finding.status);
    for (const [ruleId, seen] of statuses) {
      expect([ruleId, seen.has("pass")]).toEqual([ruleId, true]);
      expect([ruleId, seen.has("fail")]).toEqual([ruleId, true]);
      expect([ruleId, seen.has("error")]).toEqual([ruleId, false]);
    }
  });
});

describe("checkGeneratorOptions", () => {
  it.each([
    [{ resources: 99 }, "--resources must be a whole number from 100"],
    [{ resources: 1.5 }, "--resources must be a whole number"],
    [{ resources: 1_000, subscriptions: 0 }, "--subscriptions must be a whole number of at least 1"],
    [
      { resources: 1_000, subscriptions: 21 },
      "--subscriptions 21 leaves fewer than 50 resources per subscription for --resources 1000; use at most 20",
    ],
    [{ resources: 1_000, seed: -1 }, "--seed must be a whole number from 0 to 4294967295"],
  ])("rejects %j", (options, message) => {
    expect(checkGeneratorOptions(options).join("; ")).toContain(message);
    expect(() => generateEstateRows(options).next()).toThrow(RangeError);
  });

  it("accepts the smallest and a large estate", () => {
    expect(checkGeneratorOptions({ resources: 100 })).toEqual([]);
    expect(checkGeneratorOptions({ resources: 1_000_000, subscriptions: 400, seed: 42 })).toEqual([]);
  });
});
