import { describe, expect, it } from "vitest";
import { findingToEntity } from "../../src/store/entity-codec";
import {
  estimateActionBytes,
  MAX_TRANSACTION_BYTES,
  planTransactions,
  type WriteAction,
} from "../../src/store/transaction-batches";
import { finding, manyFindings } from "./fixtures";

const RUN = "20261122T120415Z-919379";

function upserts(partitionKey: string, count: number): WriteAction[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: "upsert",
    mode: "Replace",
    entity: { partitionKey, rowKey: `r${String(i).padStart(5, "0")}`, v: i },
  }));
}

describe("planTransactions", () => {
  it.each([
    [1, [1]],
    [100, [100]],
    [101, [100, 1]],
    [250, [100, 100, 50]],
    [1_050, [...Array<number>(10).fill(100), 50]],
  ])("%i actions in one partition → batches of %j", (count, sizes) => {
    expect(planTransactions(upserts("p", count)).map((b) => b.length)).toEqual(sizes);
  });

  it("never mixes partitions in a transaction", () => {
    const batches = planTransactions([...upserts("a", 3), ...upserts("b", 2), ...upserts("a", 1)]);
    for (const batch of batches)
      expect(new Set(batch.map((a) => (a.kind === "upsert" ? a.entity.partitionKey : a.partitionKey))).size).toBe(1);
    expect(batches.map((b) => b.length).sort()).toEqual([2, 3]); // the later a/r00000 replaced the earlier one
  });

  it("cuts by size before 4 MiB when evidence is large", () => {
    // 30,000 three-byte characters: ~90 KB of UTF-8 per entity, ~9 MB for 100 — one transaction would be refused.
    const heavy = manyFindings(100, { evidence: { blob: "€".repeat(30_000) } });
    const actions: WriteAction[] = heavy.map((f) => ({
      kind: "upsert",
      mode: "Replace",
      entity: findingToEntity(RUN, f, 0),
    }));
    const total = actions.reduce((n, a) => n + estimateActionBytes(a), 0);
    expect(total).toBeGreaterThan(4 * 1024 * 1024);
    const batches = planTransactions(actions);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const batch of batches)
      expect(batch.reduce((n, a) => n + estimateActionBytes(a), 0)).toBeLessThanOrEqual(MAX_TRANSACTION_BYTES);
    expect(batches.flat()).toHaveLength(100);
  });

  it("estimates an entity no smaller than its JSON", () => {
    const entity = findingToEntity(RUN, finding({ message: "é".repeat(1000) }), 0);
    const { partitionKey: _p, rowKey: _r, ...props } = entity;
    expect(estimateActionBytes({ kind: "upsert", mode: "Replace", entity })).toBeGreaterThan(
      Buffer.byteLength(JSON.stringify(props)),
    );
  });
});
