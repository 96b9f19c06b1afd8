// A run's whole listing: the rows of its own findings partition (as stored), then the results of the pairs its posture
// record names (table-posture.ts), read from their source runs' partitions with the same server-side filters and kept
// when the record names their pair for that source. Sources are read in run-id order, each by RowKey.
//
// Tokens: the own phase hands out its own tokens unchanged (the Table service's, or the name search's); the posture
// phase's are `p1.` + base64url JSON {r: run, i: source index, s: source run, k?: last RowKey looked at}.
import { odata, type TableClient } from "@azure/data-tables";
import type { FindingFilter, FindingPage, FindingQuery, StoredFinding } from "../audit/audit-store";
import { AuditorError } from "../errors";
import { findingFromEntity } from "./entity-codec";
import { pairKeyOfRowKey, type PostureSources } from "./posture-record";
import { toStorageError } from "./storage-errors";
import { MAX_PAGE_SIZE, pageSize, type StoreTables } from "./table-client";
import { readPosture, type PostureHeader } from "./table-posture";

const POSTURE_TOKEN_PREFIX = "p1.";
/** Rows looked at per call in the posture phase at most (about 20 service requests), like the name search. */
const MAX_ROWS_SCANNED = 20 * MAX_PAGE_SIZE;
/** Decoded records kept per store: a record of 100k pairs holds about 10 MB of keys. */
const CACHED_RECORDS = 4;

interface PostureCursor {
  index: number;
  source: string;
  after?: string;
}

/** Hooks into the own-partition listing (table-run-queries.ts), which this composes. */
export interface OwnListing {
  listOwn(query: FindingQuery): Promise<FindingPage>;
  /** The filter that fits `partition`'s rows (rows from before exceptions lack `excepted`). */
  filterFor(findings: TableClient, partition: string, filter: FindingFilter): Promise<FindingFilter>;
  clauses(filter: FindingFilter, reserved: number): string[];
}

export class PostureListing {
  private readonly cache = new Map<string, PostureSources>();

  constructor(private readonly tables: StoreTables) {}

  async list(
    runId: string,
    headers: readonly PostureHeader[],
    query: FindingQuery,
    own: OwnListing,
  ): Promise<FindingPage> {
    const complete = headers.length > 0;
    const token = query.continuationToken;
    const postureNeeded = complete && headers.some((h) => h.pairs > 0) && mayMatchPosture(query.filter ?? {});
    let items: StoredFinding[] = [];
    let cursor: PostureCursor = { index: 0, source: "" };
    if (token === undefined || !token.startsWith(POSTURE_TOKEN_PREFIX)) {
      const page = await own.listOwn(query);
      if (page.continuationToken !== undefined || !postureNeeded) return { ...page, complete };
      items = page.items;
    } else {
      if (!postureNeeded) throw badToken(runId);
      cursor = decodeToken(token, runId);
    }
    const top = pageSize(query.top);
    if (items.length >= top) return { items, continuationToken: encodeToken(runId, cursor), complete };
    const sources = await this.sources(runId, headers);
    const order = [...sources.keys()].sort();
    if (cursor.index > 0 || cursor.source !== "") {
      if (order[cursor.index] !== cursor.source) throw badToken(runId);
    }
    const result = await this.scanSources(runId, sources, order, cursor, query, top - items.length, own);
    return {
      items: [...items, ...result.items],
      ...(result.next === undefined ? {} : { continuationToken: encodeToken(runId, result.next) }),
      complete,
    };
  }

  private async scanSources(
    runId: string,
    sources: PostureSources,
    order: readonly string[],
    start: PostureCursor,
    query: FindingQuery,
    wanted: number,
    own: OwnListing,
  ): Promise<{ items: StoredFinding[]; next?: PostureCursor }> {
    const findings = await this.tables.table("findings");
    const needle = query.nameContains?.toLowerCase();
    const items: StoredFinding[] = [];
    let scanned = 0;
    for (let index = start.index; index < order.length; index += 1) {
      const source = order[index]!;
      const pairs = sources.get(source)!;
      const after = index === start.index ? start.after : undefined;
      const filter = await own.filterFor(findings, source, query.filter ?? {});
      const clauses = [
        odata`PartitionKey eq ${source}`,
        ...(after === undefined ? [] : [odata`RowKey gt ${after}`]),
        ...own.clauses(filter, 1),
      ];
      const operation = `listing findings of run ${runId} from run ${source}`;
      let lastRowKey: string | undefined;
      try {
        const pages = findings
          .listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(" and ") } })
          .byPage({ maxPageSize: MAX_PAGE_SIZE });
        for await (const page of pages) {
          for (let i = 0; i < page.length; i += 1) {
            const row = page[i]!;
            scanned += 1;
            lastRowKey = row.rowKey;
            if (!pairs.has(pairKeyOfRowKey(row.rowKey ?? ""))) continue;
            if (
              needle !== undefined &&
              !String(row.resourceName ?? "")
                .toLowerCase()
                .includes(needle)
            )
              continue;
            // The source's identical result, listed as this run's: only the run id is this run's own.
            items.push({ ...findingFromEntity(row), runId });
            if (items.length >= wanted) {
              const more = i < page.length - 1 || page.continuationToken !== undefined;
              if (more) return { items, next: { index, source, after: row.rowKey } };
              return { items, ...nextSource(order, index) };
            }
          }
          if (page.continuationToken !== undefined && scanned >= MAX_ROWS_SCANNED && lastRowKey !== undefined)
            return { items, next: { index, source, after: lastRowKey } };
        }
      } catch (error) {
        throw toStorageError(error, operation);
      }
      if (scanned >= MAX_ROWS_SCANNED) return { items, ...nextSource(order, index) };
    }
    return { items };
  }

  /** The run's decoded record, from a small cache keyed by the parts' generations (a rewritten part is a new key). */
  private async sources(runId: string, headers: readonly PostureHeader[]): Promise<PostureSources> {
    const key = `${runId}|${headers
      .map((h) => `${h.part}:${h.generation}`)
      .sort()
      .join(",")}`;
    let sources = this.cache.get(key);
    if (sources !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, sources);
      return sources;
    }
    sources = await readPosture(this.tables, runId, headers);
    this.cache.set(key, sources);
    while (this.cache.size > CACHED_RECORDS) this.cache.delete(this.cache.keys().next().value!);
    return sources;
  }
}

function nextSource(order: readonly string[], index: number): { next?: PostureCursor } {
  const following = order[index + 1];
  return following === undefined ? {} : { next: { index: index + 1, source: following } };
}

/**
 * A posture pair is a pass or not-applicable result nobody excepted (an exception in force covers only fails and
 * unknowns): a filter that rules those out needs no posture phase.
 */
function mayMatchPosture(filter: FindingFilter): boolean {
  if (filter.excepted === "only") return false;
  if (filter.status === undefined) return true;
  const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
  return statuses.length === 0 || statuses.some((s) => s === "pass" || s === "notApplicable");
}

function encodeToken(runId: string, cursor: PostureCursor): string {
  const body = {
    r: runId,
    i: cursor.index,
    s: cursor.source,
    ...(cursor.after === undefined ? {} : { k: cursor.after }),
  };
  return POSTURE_TOKEN_PREFIX + Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

function badToken(runId: string, cause?: unknown): AuditorError {
  return new AuditorError(
    "INPUT_UNKNOWN_SHAPE",
    `The continuation token is not valid for listing findings of run ${runId}.`,
    cause === undefined ? undefined : { cause },
  );
}

function decodeToken(token: string, runId: string): PostureCursor {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token.slice(POSTURE_TOKEN_PREFIX.length), "base64url").toString("utf8"));
  } catch (error) {
    throw badToken(runId, error);
  }
  const c = decoded as { r?: unknown; i?: unknown; s?: unknown; k?: unknown } | null;
  if (
    c === null ||
    typeof c !== "object" ||
    c.r !== runId ||
    typeof c.i !== "number" ||
    !Number.isInteger(c.i) ||
    c.i < 0 ||
    typeof c.s !== "string" ||
    (c.k !== undefined && (typeof c.k !== "string" || c.k === ""))
  )
    throw badToken(runId);
  return { index: c.i, source: c.s, ...(typeof c.k === "string" ? { after: c.k } : {}) };
}
