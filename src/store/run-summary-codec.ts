// The precomputed run summary, stored so `GET /api/runs/{id}` costs one or two reads whatever the estate's size.
//
// Layout. The summary (RunInfo, scores with per-subscription scores, counts by status / severity / rule, the delta and
// its samples) is JSON, gzipped, and cut into binary chunks of at most 64 KiB: the per-property limit for Edm.Binary.
//   - Up to INLINE_CHUNKS chunks live on the run entity itself as `summaryGz000`, `summaryGz001`, ... (one read).
//   - Beyond that every chunk moves to overflow entities in the same table, partition "runsummary", RowKey
//     `<run RowKey>|000`, `|001`, ..., CHUNKS_PER_ENTITY chunks each, fetched with one range query (the second read).
// The run entity records `summaryChunks` (how many chunks) and `summaryOverflowEntities` (0 when inline). Readers take
// chunks by index up to that count, so leftovers of an earlier, larger attempt are never read.
// Why these numbers: an entity is at most 1 MiB. The service counts binary by its bytes, but Azurite (and the wire)
// carries it as base64, 4/3 larger, so 8 chunks (512 KiB binary, ~683 KiB base64) leave room for the other properties
// under either count. A 10,000-subscription summary is ~2 MB of JSON and well under 512 KiB gzipped: it stays inline.
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { RunSummary } from "../audit/audit-store";
import { emptyExceptedCounts, type Scores } from "../engine/scoring";
import { collectNumberedChunks } from "./json-chunks";
import { storedBaseline } from "./entity-codec";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const SUMMARY_CHUNK_BYTES = 64 * 1024;
export const CHUNKS_PER_ENTITY = 8;
export const INLINE_CHUNKS = CHUNKS_PER_ENTITY;
export const SUMMARY_ENCODING = "gzip-json-v1";

export function chunkPropertyName(index: number): string {
  return `summaryGz${String(index).padStart(3, "0")}`;
}

export async function encodeSummary(summary: RunSummary): Promise<Uint8Array[]> {
  const packed = await gzipAsync(Buffer.from(JSON.stringify(summary), "utf8"));
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < packed.length; offset += SUMMARY_CHUNK_BYTES) {
    chunks.push(new Uint8Array(packed.subarray(offset, offset + SUMMARY_CHUNK_BYTES)));
  }
  return chunks;
}

export async function decodeSummary(chunks: readonly Uint8Array[]): Promise<RunSummary> {
  const packed = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  const json = (await gunzipAsync(packed)).toString("utf8");
  const summary = JSON.parse(json) as RunSummary;
  // A summary written before baselines existed has none: that run evaluated the seed rules.
  return {
    ...summary,
    run: { ...summary.run, baseline: storedBaseline(summary.run.baseline) },
    scores: scoresWithExceptions(summary.scores),
  };
}

/**
 * A summary written before exceptions existed has neither the excepted counts nor the two scores: nothing was
 * excepted, so both scores are the one it stored and the counts are zero. Its `exceptions` outcome stays absent.
 */
function scoresWithExceptions(scores: Partial<Scores> & Omit<Scores, ExceptionScoreFields>): Scores {
  return {
    ...scores,
    exceptionsAffectScore: scores.exceptionsAffectScore ?? false,
    estateScoreAllFailures: scores.estateScoreAllFailures ?? scores.estateScore,
    estateScoreExceptedNotCounted: scores.estateScoreExceptedNotCounted ?? scores.estateScore,
    excepted: scores.excepted ?? emptyExceptedCounts(),
  };
}

type ExceptionScoreFields =
  "exceptionsAffectScore" | "estateScoreAllFailures" | "estateScoreExceptedNotCounted" | "excepted";

/** Chunk properties for entity `entityIndex` when `chunks` are spread CHUNKS_PER_ENTITY to an entity. */
export function chunkProperties(chunks: readonly Uint8Array[], entityIndex: number): Record<string, Uint8Array> {
  const props: Record<string, Uint8Array> = {};
  const first = entityIndex * CHUNKS_PER_ENTITY;
  for (let i = first; i < Math.min(chunks.length, first + CHUNKS_PER_ENTITY); i += 1)
    props[chunkPropertyName(i)] = chunks[i]!;
  return props;
}

/** Reads chunks 0..count-1 from entities (the run entity, or the overflow entities in any order). */
export function collectChunks(
  entities: ReadonlyArray<Record<string, unknown>>,
  count: number,
): Uint8Array[] | undefined {
  return collectNumberedChunks(entities, count, /^summaryGz(\d{3})$/);
}
