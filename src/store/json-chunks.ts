// Any JSON value as gzipped binary chunks spread over Table entities, for payloads larger than one property (64 KiB)
// or one entity (1 MiB): a fanned-out run's context rows, its plan, each shard's result. Same layout reasoning as
// run-summary-codec.ts: chunks of at most 64 KiB, 8 to an entity (512 KiB binary, ~683 KiB as base64 on the wire).
// Each chunk property carries its global index, so readers take chunks 0..count-1 by name from entities in any order
// and leftovers of an earlier, larger write are never read.
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { Entity } from "./entity-codec";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const JSON_CHUNK_BYTES = 64 * 1024;
export const JSON_CHUNKS_PER_ENTITY = 8;
const CHUNK_PROPERTY = /^gz(\d{5})$/;

export async function encodeJsonChunks(value: unknown): Promise<Uint8Array[]> {
  const packed = await gzipAsync(Buffer.from(JSON.stringify(value), "utf8"));
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < packed.length; offset += JSON_CHUNK_BYTES)
    chunks.push(new Uint8Array(packed.subarray(offset, offset + JSON_CHUNK_BYTES)));
  return chunks;
}

export async function decodeJsonChunks<T>(chunks: readonly Uint8Array[]): Promise<T> {
  const packed = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  return JSON.parse((await gunzipAsync(packed)).toString("utf8")) as T;
}

/** The entities that hold `chunks`, JSON_CHUNKS_PER_ENTITY each; `rowKeyOf(i)` names the i-th entity. */
export function chunkEntities(
  partitionKey: string,
  rowKeyOf: (entityIndex: number) => string,
  chunks: readonly Uint8Array[],
): Entity[] {
  const entities: Entity[] = [];
  for (let first = 0; first < chunks.length; first += JSON_CHUNKS_PER_ENTITY) {
    const entity: Entity = { partitionKey, rowKey: rowKeyOf(first / JSON_CHUNKS_PER_ENTITY) };
    for (let i = first; i < Math.min(chunks.length, first + JSON_CHUNKS_PER_ENTITY); i += 1)
      entity[`gz${String(i).padStart(5, "0")}`] = chunks[i]!;
    entities.push(entity);
  }
  return entities;
}

/** Chunks 0..count-1 from the entities, or undefined when one is missing. */
export function collectJsonChunks(
  entities: Iterable<Record<string, unknown>>,
  count: number,
): Uint8Array[] | undefined {
  return collectNumberedChunks(entities, count, CHUNK_PROPERTY);
}

/**
 * Chunks 0..count-1 from binary properties whose names match `property` (its first group is the chunk's index), in
 * entities given in any order; undefined when one is missing. Shared by this codec and the run summary's.
 */
export function collectNumberedChunks(
  entities: Iterable<Record<string, unknown>>,
  count: number,
  property: RegExp,
): Uint8Array[] | undefined {
  const found = new Map<number, Uint8Array>();
  for (const entity of entities) {
    for (const [name, value] of Object.entries(entity)) {
      const match = property.exec(name);
      if (match !== null && value instanceof Uint8Array) found.set(Number(match[1]), value);
    }
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < count; i += 1) {
    const chunk = found.get(i);
    if (chunk === undefined) return undefined;
    chunks.push(chunk);
  }
  return chunks;
}
