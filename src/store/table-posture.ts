// The `posture` table: per run part, the record of the pairs the run evaluated but did not store (posture-record.ts),
// so the run's listing can take their results from their source runs' partitions, and retention can keep those.
//
//   PartitionKey <runId>; RowKey `h|<part>`: the part's header (generation, chunk count, pair count, source runs);
//                          RowKey `c|<part>|<generation>|<nnn>`: the deflated record, 10 binary properties of <= 64 KiB
//                          each (an entity stays under 1 MiB).
// A whole run is part `run`; a fanned-out run has one part per shard (`shard-<n>`), each written by its shard. The
// generation is a digest of the record, so rewriting the same part replaces rows; the header is written last (in the
// chunks' transaction when they fit in one), so a reader never follows a header to chunks that are not there.
import { createHash } from "node:crypto";
import { odata } from "@azure/data-tables";
import { AuditorError } from "../errors";
import type { Entity } from "./entity-codec";
import { decodePosture, encodePosture, splitBytes, type PosturePair, type PostureSources } from "./posture-record";
import { scanRows, type StoreTables } from "./table-client";
import { tableKeyProblem } from "./table-keys";
import { planTransactions, submitTransactions, type WriteAction } from "./transaction-batches";

export const WHOLE_RUN_PART = "run";
const PROPERTY_BYTES = 64 * 1024;
/**
 * 640 KiB of binary per entity: the service counts an entity's size (1 MiB at most) from its binary bytes, but Azurite
 * from the JSON it received, where binary is base64 (4/3 as large); 10 properties stay under 1 MB both ways.
 */
const PROPERTIES_PER_ENTITY = 10;
/** A string property holds 32,768 UTF-16 code units; source lists longer than that go on in `sources1`, ... */
const SOURCES_PER_PROPERTY = 1_000;

export interface PostureWrite {
  pairs: number;
  bytes: number;
  entities: number;
  transactions: number;
}

export interface PostureHeader {
  part: string;
  generation: string;
  chunks: number;
  pairs: number;
  sources: string[];
}

const property = (i: number): string => `d${String(i).padStart(2, "0")}`;
const chunkPrefix = (part: string, generation: string): string => `c|${part}|${generation}|`;

export function shardPart(shard: number): string {
  return `shard-${shard}`;
}

function checkPart(part: string): string {
  const problem = tableKeyProblem(part);
  if (problem !== undefined || part.includes("|"))
    throw new AuditorError("STORAGE_FAILED", `'${part}' cannot name a run part: ${problem ?? "it contains '|'"}.`);
  return part;
}

/** Writes (or replaces) one part's record: chunks first, header last; then drops chunks of an older generation. */
export async function writePosturePart(
  tables: StoreTables,
  runId: string,
  part: string,
  pairs: readonly PosturePair[],
): Promise<PostureWrite> {
  checkPart(part);
  const data = encodePosture(pairs);
  const generation = createHash("sha256").update(data).digest("hex").slice(0, 16);
  const pieces = splitBytes(data, PROPERTY_BYTES);
  const actions: WriteAction[] = [];
  for (let chunk = 0; chunk * PROPERTIES_PER_ENTITY < Math.max(1, pieces.length); chunk += 1) {
    const entity: Record<string, unknown> = {};
    pieces
      .slice(chunk * PROPERTIES_PER_ENTITY, (chunk + 1) * PROPERTIES_PER_ENTITY)
      .forEach((piece, i) => (entity[property(i)] = new Uint8Array(piece)));
    actions.push({
      kind: "upsert",
      mode: "Replace",
      entity: {
        partitionKey: runId,
        rowKey: `${chunkPrefix(part, generation)}${String(chunk).padStart(3, "0")}`,
        ...entity,
      },
    });
  }
  const sources = [...new Set(pairs.map((p) => p.sourceRunId))].sort();
  const header: Entity = {
    partitionKey: runId,
    rowKey: `h|${part}`,
    part,
    generation,
    chunks: actions.length,
    pairs: pairs.length,
    bytes: data.length,
  };
  for (let i = 0; i * SOURCES_PER_PROPERTY < sources.length; i += 1)
    header[`sources${i === 0 ? "" : i}`] = sources
      .slice(i * SOURCES_PER_PROPERTY, (i + 1) * SOURCES_PER_PROPERTY)
      .join(",");
  actions.push({ kind: "upsert", mode: "Replace", entity: header });
  const table = await tables.table("posture");
  // One at a time, in order: the header's transaction is the last to land.
  const transactions = await submitTransactions(
    table,
    planTransactions(actions),
    1,
    `writing the posture record of run ${runId}`,
  );
  const stale: WriteAction[] = [];
  const prefix = `c|${part}|`;
  for await (const row of scanRows(
    table,
    odata`PartitionKey eq ${runId} and RowKey ge ${prefix} and RowKey lt ${`c|${part}}`}`,
    `listing old posture chunks of run ${runId}`,
    ["RowKey"],
  )) {
    if (!String(row.rowKey).startsWith(chunkPrefix(part, generation)))
      stale.push({ kind: "delete", partitionKey: runId, rowKey: String(row.rowKey) });
  }
  await submitTransactions(
    table,
    planTransactions(stale),
    tables.concurrency,
    `dropping old posture chunks of ${runId}`,
  );
  return { pairs: pairs.length, bytes: data.length, entities: actions.length, transactions };
}

function headerFromRow(row: Record<string, unknown>): PostureHeader {
  const sources: string[] = [];
  for (let i = 0; typeof row[`sources${i === 0 ? "" : i}`] === "string"; i += 1) {
    const list = String(row[`sources${i === 0 ? "" : i}`]);
    if (list !== "") sources.push(...list.split(","));
  }
  return {
    part: String(row.part),
    generation: String(row.generation),
    chunks: typeof row.chunks === "number" ? row.chunks : 0,
    pairs: typeof row.pairs === "number" ? row.pairs : 0,
    sources,
  };
}

/** The run's part headers; none for a run stored before posture records existed. */
export async function readPostureHeaders(tables: StoreTables, runId: string): Promise<PostureHeader[]> {
  const table = await tables.table("posture");
  const headers: PostureHeader[] = [];
  for await (const row of scanRows(
    table,
    odata`PartitionKey eq ${runId} and RowKey ge ${"h|"} and RowKey lt ${"h}"}`,
    `reading the posture record of run ${runId}`,
  ))
    headers.push(headerFromRow(row));
  return headers;
}

/** Every part's record of the run, merged: per source run, the pairs to take from its partition. */
export async function readPosture(
  tables: StoreTables,
  runId: string,
  headers: readonly PostureHeader[],
): Promise<PostureSources> {
  const table = await tables.table("posture");
  const sources: PostureSources = new Map();
  for (const header of headers) {
    if (header.pairs === 0) continue;
    const prefix = chunkPrefix(header.part, header.generation);
    const rows: Array<Record<string, unknown>> = [];
    for await (const row of scanRows(
      table,
      odata`PartitionKey eq ${runId} and RowKey ge ${prefix} and RowKey lt ${`${prefix.slice(0, -1)}}`}`,
      `reading the posture record of run ${runId}`,
    ))
      rows.push(row);
    if (rows.length !== header.chunks)
      throw new AuditorError(
        "STORAGE_FAILED",
        `The posture record of run ${runId} (part ${header.part}) is incomplete: ${rows.length} of ${header.chunks} chunks.`,
      );
    const pieces: Uint8Array[] = [];
    for (const row of rows)
      for (let i = 0; row[property(i)] instanceof Uint8Array; i += 1) pieces.push(row[property(i)] as Uint8Array);
    try {
      decodePosture(Buffer.concat(pieces), sources);
    } catch (error) {
      throw new AuditorError("STORAGE_FAILED", `The posture record of run ${runId} cannot be decoded.`, {
        cause: error,
      });
    }
  }
  return sources;
}

/**
 * Source runs named by the headers of every run not in `leaving`: the partitions retention must keep. Reads headers
 * only (one filtered scan of the table; chunks are skipped by the RowKey range).
 */
export async function referencedSources(tables: StoreTables, leaving: ReadonlySet<string>): Promise<Set<string>> {
  const table = await tables.table("posture");
  const referenced = new Set<string>();
  for await (const row of scanRows(
    table,
    odata`RowKey ge ${"h|"} and RowKey lt ${"h}"}`,
    "reading posture record headers for retention",
  )) {
    if (leaving.has(String(row.partitionKey))) continue;
    for (const source of headerFromRow(row).sources) referenced.add(source);
  }
  return referenced;
}

/** Deletes the run's posture record (every part); retention calls this once the run is past the cut-off. */
export async function deletePosture(tables: StoreTables, runId: string): Promise<void> {
  const table = await tables.table("posture");
  const actions: WriteAction[] = [];
  for await (const row of scanRows(table, odata`PartitionKey eq ${runId}`, `listing posture of run ${runId}`, [
    "RowKey",
  ]))
    actions.push({ kind: "delete", partitionKey: runId, rowKey: String(row.rowKey) });
  await submitTransactions(table, planTransactions(actions), tables.concurrency, `deleting posture of run ${runId}`);
}
