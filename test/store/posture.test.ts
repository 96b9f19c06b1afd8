// The posture record: its encoding (exact round trip, the same bytes for the same set, clear errors, its size at 100k
// results) and, on Azurite, runs written in parts as fan-out writes them (one record part per shard), including a
// shard that failed for good after its first attempt wrote.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditStore, RunPartOptions } from "../../src/audit/audit-store";
import type { Finding } from "../../src/engine/finding";
import { reportFingerprints } from "../../src/report/fingerprint";
import { decodePosture, encodePosture, postureSources, type PosturePair } from "../../src/store/posture-record";
import { openStoreTables } from "../../src/store/table-client";
import { readPosture, readPostureHeaders, writePosturePart } from "../../src/store/table-posture";
import { startAzurite, type Azurite } from "../support/azurite";
import { freshStore, manyFindings, runIdAt, SUB_A, SUB_B, unreadFinding } from "./fixtures";

function pairs(count: number, rulesPerResource: number, sources: string[]): PosturePair[] {
  const out: PosturePair[] = [];
  for (let r = 0; out.length < count; r += 1) {
    const resourceHash = randomBytes(32).toString("hex");
    for (let k = 0; k < rulesPerResource && out.length < count; k += 1)
      out.push({ resourceHash, ruleKey: `mi.rule-${k}`, sourceRunId: sources[(r + k) % sources.length]! });
  }
  return out;
}

const SOURCES = ["20261101T020000Z-aaaaaa", "20261115T020000Z-bbbbbb", "20261130T020000Z-cccccc"];

describe("posture record encoding", () => {
  it("decodes to exactly the pairs it was given, per source, whatever their order", () => {
    const given = pairs(1_000, 7, SOURCES);
    const encoded = encodePosture(given);
    expect(decodePosture(encoded)).toEqual(postureSources(given));
    expect(encodePosture([...given].reverse()).equals(encoded)).toBe(true);
    expect(decodePosture(encodePosture([]))).toEqual(new Map());
  });

  it("refuses what it did not make, saying why", () => {
    const encoded = encodePosture(pairs(10, 2, SOURCES));
    expect(() => decodePosture(encoded.subarray(0, encoded.length - 3))).toThrow();
    expect(() => decodePosture(Buffer.from("not deflated"))).toThrow();
    expect(() => encodePosture([{ resourceHash: "ABC", ruleKey: "r", sourceRunId: SOURCES[0]! }])).toThrow(
      /not a resource hash/,
    );
  });

  it("holds 100,000 unchanged results of 10 rules each in a few hundred KB: one entity", () => {
    const started = performance.now();
    const encoded = encodePosture(pairs(100_000, 10, SOURCES));
    const encodeMs = performance.now() - started;
    const decodeStarted = performance.now();
    const decoded = decodePosture(encoded);
    const decodeMs = performance.now() - decodeStarted;
    expect([...decoded.values()].reduce((n, s) => n + s.size, 0)).toBe(100_000);
    // 10,000 resources x 32 bytes of hash cannot compress; the rule and source indexes nearly vanish.
    expect(encoded.length).toBeGreaterThan(320_000);
    expect(encoded.length).toBeLessThan(10 * 64 * 1024);
    console.log(
      `posture record: 100,000 pairs (10,000 resources x 10 rules, 3 sources) = ${encoded.length} bytes deflated; encode ${Math.round(encodeMs)} ms, decode ${Math.round(decodeMs)} ms`,
    );
  });
});

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.dispose();
});

const line = (f: Finding, fingerprint: string): string =>
  [f.ruleId, f.resourceId.toLowerCase(), f.status, f.message, fingerprint].join(" | ");

function expectedLines(findings: readonly Finding[]): string[] {
  const fingerprints = reportFingerprints(findings);
  return findings.map((f, i) => line(f, fingerprints[i]!)).sort();
}

async function listed(store: AuditStore, runId: string, top: number): Promise<string[]> {
  const lines: string[] = [];
  let token: string | undefined;
  do {
    const page = await store.listFindings(runId, { top, ...(token === undefined ? {} : { continuationToken: token }) });
    expect(page.complete).toBe(true);
    lines.push(...page.items.map((f) => line(f, f.fingerprint)));
    token = page.continuationToken;
  } while (token !== undefined);
  return lines.sort();
}

/** A run written as fan-out writes it: one part per subscription, each its own posture record part. */
async function writeInParts(store: AuditStore, runId: string, findings: readonly Finding[]): Promise<number> {
  let posture = 0;
  const startedAt = new Date(`${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T02:00:00Z`).toISOString();
  for (const [shard, subscription] of [SUB_A, SUB_B].entries()) {
    const options: RunPartOptions = { startedAt, status: "completed", part: `shard-${shard}` };
    const part = await store.writeRunPart(
      runId,
      findings.filter((f) => f.subscriptionId === subscription),
      options,
    );
    posture += part.stats.posturePairs ?? 0;
  }
  return posture;
}

describe("a record larger than one entity", () => {
  it("is written in several entities and transactions, and read back whole; a rewrite replaces it", async () => {
    const tables = openStoreTables({ connectionString: azurite.connectionString }, { tablePrefix: "big" });
    const runId = runIdAt("2026-11-23T02:00:00Z");
    // One rule per resource: 33+ bytes a pair that do not compress, about 3.4 MB for 100k pairs.
    const given = pairs(100_000, 1, SOURCES);
    const write = await writePosturePart(tables, runId, "run", given);
    expect(write.bytes).toBeGreaterThan(3_000_000);
    expect(write.entities).toBeGreaterThan(5);
    expect(write.transactions).toBeGreaterThan(1);
    const headers = await readPostureHeaders(tables, runId);
    expect(headers).toMatchObject([{ part: "run", pairs: 100_000, sources: SOURCES }]);
    expect(await readPosture(tables, runId, headers)).toEqual(postureSources(given));
    console.log(
      `posture record: 100,000 pairs of one rule each = ${write.bytes} bytes in ${write.entities} entities, ${write.transactions} transactions`,
    );
    const smaller = given.slice(0, 10);
    await writePosturePart(tables, runId, "run", smaller);
    const again = await readPostureHeaders(tables, runId);
    expect(again).toMatchObject([{ part: "run", pairs: 10, chunks: 1 }]);
    expect(await readPosture(tables, runId, again)).toEqual(postureSources(smaller));
  });
});

describe("a run written in parts (fan-out)", () => {
  it("lists every result of every night from its shards' record parts", async () => {
    const store = freshStore(azurite.connectionString);
    const estate = manyFindings(60);
    const night1 = runIdAt("2026-11-20T02:00:00Z");
    const night2 = runIdAt("2026-11-21T02:00:00Z");
    const night3 = runIdAt("2026-11-22T02:00:00Z");
    expect(await writeInParts(store, night1, estate)).toBe(0);
    // Unchanged: every pass and not-applicable (24 of 60) is in the record, none is stored again.
    expect(await writeInParts(store, night2, estate)).toBe(24);
    const changed = estate.map((f, i) => (i === 1 ? { ...f, status: "fail" as const, message: "now open" } : f));
    expect(await writeInParts(store, night3, changed)).toBe(23);
    for (const top of [1, 7, 1000]) {
      expect(await listed(store, night1, top)).toEqual(expectedLines(estate));
      expect(await listed(store, night2, top)).toEqual(expectedLines(estate));
      expect(await listed(store, night3, top)).toEqual(expectedLines(changed));
    }
  });

  it("a shard that failed for good after its first attempt wrote leaves no pointer to the rows it deleted", async () => {
    const store = freshStore(azurite.connectionString);
    const estate = manyFindings(40);
    const night1 = runIdAt("2026-11-20T02:00:00Z");
    const night2 = runIdAt("2026-11-21T02:00:00Z");
    const night3 = runIdAt("2026-11-22T02:00:00Z");
    await writeInParts(store, night1, estate);
    // Night 2's first attempt at shard 1 writes a changed message on every pass of SUB_B (state now names night 2),
    // then the shard fails for good: its rows are deleted and it is written again as unread.
    const reworded = estate.map((f) => (f.subscriptionId === SUB_B ? { ...f, message: `${f.message} (v2)` } : f));
    const startedAt = "2026-11-21T02:00:00.000Z";
    await store.writeRunPart(
      night2,
      reworded.filter((f) => f.subscriptionId === SUB_A),
      {
        startedAt,
        status: "completed",
        part: "shard-0",
      },
    );
    await store.writeRunPart(
      night2,
      reworded.filter((f) => f.subscriptionId === SUB_B),
      {
        startedAt,
        status: "completed",
        part: "shard-1",
      },
    );
    await store.deleteRunFindings(night2, [SUB_B]);
    const unread = reworded.filter((f) => f.subscriptionId === SUB_B).map((f) => unreadFinding(f));
    await store.writeRunPart(night2, unread, { startedAt, status: "partial", part: "shard-1" });
    // Night 3 sees the reworded estate again: the states say "written by night 2", whose rows are gone.
    await writeInParts(store, night3, reworded);
    expect(await listed(store, night3, 5)).toEqual(expectedLines(reworded));
  });
});
