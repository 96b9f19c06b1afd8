// The posture record's encoding: which rule × resource pairs a run evaluated without storing their results in its own
// findings partition, and for each the run whose partition holds those identical results (its "source run": the run
// that last wrote the pair's state, see finding-transitions.ts). Pure apart from node:zlib; the Table layout is in
// table-posture.ts.
//
// Binary layout (before deflate-raw), pairs grouped by resource so a 32-byte hash is written once per resource:
//   byte 1 (version) | varint sources, each varint length + UTF-8 run id | varint rules, each varint length + UTF-8
//   rule key | then per resource: 32-byte resource hash, varint pair count, per pair varint rule index + varint source
//   index.
import { deflateRawSync, inflateRawSync } from "node:zlib";

const VERSION = 1;
const HASH_BYTES = 32;

/** One pair the run did not store: its findingstate key parts and the run whose partition holds its results. */
export interface PosturePair {
  /** SHA-256 hex of the folded resource id (table-keys.ts resourceHash). */
  resourceHash: string;
  /** table-keys.ts ruleKey. */
  ruleKey: string;
  sourceRunId: string;
}

/** A decoded record: per source run, the `<resourceHash>|<ruleKey>` pairs to take from its partition. */
export type PostureSources = Map<string, Set<string>>;

export function postureSources(pairs: Iterable<PosturePair>, into: PostureSources = new Map()): PostureSources {
  for (const pair of pairs) {
    let set = into.get(pair.sourceRunId);
    if (set === undefined) into.set(pair.sourceRunId, (set = new Set()));
    set.add(`${pair.resourceHash}|${pair.ruleKey}`);
  }
  return into;
}

/** The finding row's pair key: its RowKey without the `|<ordinal>` suffix. */
export function pairKeyOfRowKey(rowKey: string): string {
  return rowKey.slice(0, rowKey.lastIndexOf("|"));
}

class Writer {
  private readonly parts: Buffer[] = [];
  private current = Buffer.alloc(64 * 1024);
  private used = 0;

  private room(bytes: number): void {
    if (this.used + bytes <= this.current.length) return;
    this.parts.push(this.current.subarray(0, this.used));
    this.current = Buffer.alloc(Math.max(64 * 1024, bytes));
    this.used = 0;
  }

  varint(value: number): void {
    this.room(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.current[this.used++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.current[this.used++] = v;
  }

  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.current.set(data, this.used);
    this.used += data.length;
  }

  text(value: string): void {
    const data = Buffer.from(value, "utf8");
    this.varint(data.length);
    this.bytes(data);
  }

  done(): Buffer {
    return Buffer.concat([...this.parts, this.current.subarray(0, this.used)]);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly data: Buffer) {}

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.at >= this.data.length) throw new RangeError("posture record ends inside a number");
      const byte = this.data[this.at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new RangeError("posture record holds a number too long");
  }

  bytes(count: number): Buffer {
    if (this.at + count > this.data.length) throw new RangeError("posture record ends inside a field");
    const out = this.data.subarray(this.at, this.at + count);
    this.at += count;
    return out;
  }

  text(): string {
    return this.bytes(this.varint()).toString("utf8");
  }

  get ended(): boolean {
    return this.at >= this.data.length;
  }
}

/** The record of one run part, deflated. Pairs may come in any order; the output is the same for the same set. */
export function encodePosture(pairs: readonly PosturePair[]): Buffer {
  const sources = [...new Set(pairs.map((p) => p.sourceRunId))].sort();
  const rules = [...new Set(pairs.map((p) => p.ruleKey))].sort();
  const sourceIndex = new Map(sources.map((s, i) => [s, i]));
  const ruleIndex = new Map(rules.map((r, i) => [r, i]));
  const byResource = new Map<string, PosturePair[]>();
  for (const pair of pairs) {
    if (!/^[0-9a-f]{64}$/.test(pair.resourceHash))
      throw new RangeError(`'${pair.resourceHash}' is not a resource hash (64 lower-case hex digits)`);
    const list = byResource.get(pair.resourceHash);
    if (list === undefined) byResource.set(pair.resourceHash, [pair]);
    else list.push(pair);
  }
  const out = new Writer();
  out.varint(VERSION);
  out.varint(sources.length);
  for (const source of sources) out.text(source);
  out.varint(rules.length);
  for (const rule of rules) out.text(rule);
  for (const hash of [...byResource.keys()].sort()) {
    const list = byResource.get(hash)!.sort((a, b) => (a.ruleKey < b.ruleKey ? -1 : a.ruleKey > b.ruleKey ? 1 : 0));
    out.bytes(Buffer.from(hash, "hex"));
    out.varint(list.length);
    for (const pair of list) {
      out.varint(ruleIndex.get(pair.ruleKey)!);
      out.varint(sourceIndex.get(pair.sourceRunId)!);
    }
  }
  return deflateRawSync(out.done());
}

/** Decodes what encodePosture made into `into`; a record that is not one throws a RangeError saying why. */
export function decodePosture(deflated: Uint8Array, into: PostureSources = new Map()): PostureSources {
  const input = new Reader(inflateRawSync(deflated));
  const version = input.varint();
  if (version !== VERSION) throw new RangeError(`posture record version ${version} is not known (expected ${VERSION})`);
  const sources = Array.from({ length: input.varint() }, () => input.text());
  const rules = Array.from({ length: input.varint() }, () => input.text());
  const sets = sources.map((source) => {
    let set = into.get(source);
    if (set === undefined) into.set(source, (set = new Set()));
    return set;
  });
  while (!input.ended) {
    const hash = input.bytes(HASH_BYTES).toString("hex");
    const count = input.varint();
    for (let i = 0; i < count; i += 1) {
      const rule = rules[input.varint()];
      const set = sets[input.varint()];
      if (rule === undefined || set === undefined) throw new RangeError("posture record points past its tables");
      set.add(`${hash}|${rule}`);
    }
  }
  return into;
}

/** Splits `data` into pieces of at most `size` bytes (Table binary properties hold 64 KiB each). */
export function splitBytes(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
  return pieces;
}
