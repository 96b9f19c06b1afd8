// Reads runs, their summaries, their findings and a resource's history from Table Storage for the report API.
// Pages follow Table Storage's continuation tokens, except the name search, which has its own (see listFindingsByName).
import { odata, type TableClient } from "@azure/data-tables";
import type {
  FindingFilter,
  FindingPage,
  FindingQuery,
  FindingState,
  Page,
  PageRequest,
  ResourceHistory,
  RunDetail,
  RunQueries,
  RunRecord,
  RunSummary,
  StoredFinding,
} from "../audit/audit-store";
import type { RunStatus } from "../audit/run-audit";
import { AuditorError } from "../errors";
import { mapBounded } from "./bounded-concurrency";
import {
  findingFromEntity,
  RUN_RECORD_PROPERTIES,
  runKeys,
  runRecordFromEntity,
  stateFromEntity,
} from "./entity-codec";
import { collectChunks, decodeSummary } from "./run-summary-codec";
import { readPostureHeaders } from "./table-posture";
import { PostureListing } from "./table-posture-listing";
import { statusOf, toStorageError } from "./storage-errors";
import {
  MAX_PAGE_SIZE,
  pageSize,
  readRowPage,
  readRunRow,
  scanRows,
  withToken,
  type StoreTables,
} from "./table-client";
import {
  isRunId,
  resourceHash,
  resourceRowKeyRange,
  RUN_PARTITION,
  RUN_SUMMARY_PARTITION,
  runRowKey,
  stateShard,
} from "./table-keys";

/** The name search looks at this many rows per call at most (about 20 service requests). */
const MAX_ROWS_SCANNED_PER_PAGE = 20 * MAX_PAGE_SIZE;
/** The service allows 15 discrete comparisons per filter; one is the PartitionKey. */
const MAX_FILTER_COMPARISONS = 14;

export class TableRunQueries implements RunQueries {
  private readonly posture: PostureListing;

  constructor(private readonly tables: StoreTables) {
    this.posture = new PostureListing(tables);
  }

  async getRun(runId: string): Promise<RunDetail | undefined> {
    let entity: Record<string, unknown> | undefined;
    if (runId === "latest") {
      const runs = await this.tables.table("runs");
      const filter = odata`PartitionKey eq ${RUN_PARTITION} and (status eq ${"completed"} or status eq ${"partial"})`;
      entity = (await readRowPage(runs, { filter, top: 1 }, "finding the latest run")).items[0];
    } else if (isRunId(runId)) {
      entity = await readRunRow(await this.tables.table("runs"), runId);
    }
    if (entity === undefined) return undefined;
    const detail: RunDetail = runRecordFromEntity(entity);
    const summary = await this.readSummary(detail.runId, entity);
    if (summary !== undefined) detail.summary = summary;
    return detail;
  }

  private async readSummary(runId: string, entity: Record<string, unknown>): Promise<RunSummary | undefined> {
    const count = typeof entity.summaryChunks === "number" ? entity.summaryChunks : 0;
    if (count === 0) return undefined;
    let sources: Array<Record<string, unknown>> = [entity];
    if (typeof entity.summaryOverflowEntities === "number" && entity.summaryOverflowEntities > 0) {
      const runs = await this.tables.table("runs");
      const base = runRowKey(runId);
      const filter = odata`PartitionKey eq ${RUN_SUMMARY_PARTITION} and RowKey ge ${`${base}|`} and RowKey lt ${`${base}}`}`;
      sources = [];
      for await (const row of scanRows(runs, filter, `reading the summary of run ${runId}`)) sources.push(row);
    }
    const chunks = collectChunks(sources, count);
    if (chunks === undefined)
      throw new AuditorError(
        "STORAGE_FAILED",
        `The stored summary of run ${runId} is incomplete (${count} chunks expected).`,
      );
    try {
      return await decodeSummary(chunks);
    } catch (error) {
      throw new AuditorError("STORAGE_FAILED", `The stored summary of run ${runId} cannot be decoded.`, {
        cause: error,
      });
    }
  }

  async listRuns(options: PageRequest & { status?: RunStatus | RunStatus[] } = {}): Promise<Page<RunRecord>> {
    const runs = await this.tables.table("runs");
    const statuses = toList(options.status);
    let filter = odata`PartitionKey eq ${RUN_PARTITION}`;
    if (statuses.length > 0) filter += ` and (${statuses.map((s) => odata`status eq ${s}`).join(" or ")})`;
    const page = await readRowPage(
      runs,
      { filter, select: RUN_RECORD_PROPERTIES, top: options.top, continuationToken: options.continuationToken },
      "listing runs",
    );
    return withToken(page.items.map(runRecordFromEntity), page.continuationToken);
  }

  async getRunRecord(runId: string): Promise<RunRecord | undefined> {
    const runs = await this.tables.table("runs");
    if (runId === "latest") {
      const filter = odata`PartitionKey eq ${RUN_PARTITION} and (status eq ${"completed"} or status eq ${"partial"})`;
      const row = (await readRowPage(runs, { filter, select: RUN_RECORD_PROPERTIES, top: 1 }, "finding the latest run"))
        .items[0];
      return row === undefined ? undefined : runRecordFromEntity(row);
    }
    if (!isRunId(runId)) return undefined;
    const { partitionKey, rowKey } = runKeys(runId);
    try {
      return runRecordFromEntity(
        await runs.getEntity<Record<string, unknown>>(partitionKey, rowKey, {
          queryOptions: { select: RUN_RECORD_PROPERTIES },
        }),
      );
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStorageError(error, `reading run ${runId}`);
    }
  }

  async listFindings(runId: string, options: FindingQuery = {}): Promise<FindingPage> {
    if (!isRunId(runId)) return { items: [] };
    const headers = await readPostureHeaders(this.tables, runId);
    return this.posture.list(runId, headers, options, {
      listOwn: (query) => this.listOwnFindings(runId, query),
      filterFor: (findings, partition, filter) => this.exceptedFilterFor(findings, partition, filter),
      clauses: findingFilterClauses,
    });
  }

  /** The rows of the run's own partition, as stored: its failures, unknowns, errors and changed pairs. */
  private async listOwnFindings(runId: string, options: FindingQuery): Promise<Page<StoredFinding>> {
    const findings = await this.tables.table("findings");
    const query = { ...options, filter: await this.exceptedFilterFor(findings, runId, options.filter ?? {}) };
    if (query.nameContains !== undefined) return this.listFindingsByName(findings, runId, query.nameContains, query);
    const filter = [odata`PartitionKey eq ${runId}`, ...findingFilterClauses(query.filter)].join(" and ");
    const page = await readRowPage(
      findings,
      { filter, top: options.top, continuationToken: options.continuationToken },
      `listing findings of run ${runId}`,
    );
    return withToken(page.items.map(findingFromEntity), page.continuationToken);
  }

  /**
   * Rows written before exceptions existed have no `excepted` property, and a comparison with a property an entity
   * lacks does not match it: `excepted eq false` would drop every result of an older run. Such a run excepted nothing,
   * so `exclude` is no filter at all there. One row of the partition tells which kind of run it is (runs are written
   * whole by one version: a retry replaces every row).
   */
  private async exceptedFilterFor(findings: TableClient, runId: string, filter: FindingFilter): Promise<FindingFilter> {
    if (filter.excepted !== "exclude") return filter;
    const probe = await readRowPage(
      findings,
      { filter: odata`PartitionKey eq ${runId}`, select: ["excepted"], top: 1 },
      `reading findings of run ${runId}`,
    );
    const row = probe.items[0];
    if (row === undefined || typeof row.excepted === "boolean") return filter;
    const { excepted: _none, ...rest } = filter;
    return rest;
  }

  /**
   * The name search: the server-side filter narrows the scan, the name is matched here as rows stream by. The token is
   * our own (the RowKey of the last row looked at, resumed with `RowKey gt`), so a page never holds more than `top` and
   * no match is skipped when a page fills halfway through a service page. At most MAX_ROWS_SCANNED_PER_PAGE rows are
   * looked at per call; a page can therefore be short, or empty, and still carry a token.
   */
  private async listFindingsByName(
    client: TableClient,
    runId: string,
    nameContains: string,
    options: FindingQuery,
  ): Promise<Page<StoredFinding>> {
    const top = pageSize(options.top);
    const needle = nameContains.toLowerCase();
    const operation = `searching findings of run ${runId} by resource name`;
    const after =
      options.continuationToken === undefined
        ? undefined
        : decodeNameScanToken(options.continuationToken, runId, operation);
    const filter = [
      odata`PartitionKey eq ${runId}`,
      ...(after === undefined ? [] : [odata`RowKey gt ${after}`]),
      ...findingFilterClauses(options.filter ?? {}, 1),
    ].join(" and ");
    const items: StoredFinding[] = [];
    let scanned = 0;
    let lastRowKey: string | undefined;
    let stoppedEarly = false;
    try {
      const pages = client
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: MAX_PAGE_SIZE });
      scan: for await (const page of pages) {
        for (let i = 0; i < page.length; i += 1) {
          const row = page[i]!;
          scanned += 1;
          lastRowKey = row.rowKey;
          if (typeof row.resourceName === "string" && row.resourceName.toLowerCase().includes(needle))
            items.push(findingFromEntity(row));
          if (items.length >= top) {
            stoppedEarly = i < page.length - 1 || page.continuationToken !== undefined;
            break scan;
          }
        }
        if (page.continuationToken !== undefined && scanned >= MAX_ROWS_SCANNED_PER_PAGE) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (error) {
      throw toStorageError(error, operation);
    }
    return stoppedEarly && lastRowKey !== undefined
      ? { items, continuationToken: encodeNameScanToken(runId, lastRowKey) }
      : { items };
  }

  async getResourceHistory(resourceId: string, options: { runs?: number } = {}): Promise<ResourceHistory> {
    const { from, to } = resourceRowKeyRange(resourceId);
    const stateTable = await this.tables.table("state");
    const states: FindingState[] = [];
    const stateFilter = odata`PartitionKey eq ${stateShard(resourceHash(resourceId))} and RowKey ge ${from} and RowKey lt ${to}`;
    for await (const row of scanRows(stateTable, stateFilter, "reading a resource's finding state"))
      states.push(stateFromEntity(row));

    const runCount = Math.min(Math.max(1, Math.floor(options.runs ?? 10)), 100);
    const recent = await this.listRuns({ top: runCount, status: ["completed", "partial"] });
    const findingsTable = await this.tables.table("findings");
    const runs = await mapBounded(recent.items, this.tables.concurrency, async (run) => {
      const filter = odata`PartitionKey eq ${run.runId} and RowKey ge ${from} and RowKey lt ${to}`;
      const found: StoredFinding[] = [];
      for await (const row of scanRows(findingsTable, filter, `reading findings of run ${run.runId} for a resource`))
        found.push(findingFromEntity(row));
      return {
        runId: run.runId,
        status: run.status,
        ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
        findings: found,
      };
    });
    return { resourceId, states, runs };
  }
}

const NAME_SCAN_TOKEN_PREFIX = "n1.";

function encodeNameScanToken(runId: string, rowKey: string): string {
  return NAME_SCAN_TOKEN_PREFIX + Buffer.from(JSON.stringify({ r: runId, k: rowKey }), "utf8").toString("base64url");
}

function decodeNameScanToken(token: string, runId: string, operation: string): string {
  let decoded: unknown;
  try {
    decoded = token.startsWith(NAME_SCAN_TOKEN_PREFIX)
      ? JSON.parse(Buffer.from(token.slice(NAME_SCAN_TOKEN_PREFIX.length), "base64url").toString("utf8"))
      : undefined;
  } catch (error) {
    throw new AuditorError("INPUT_UNKNOWN_SHAPE", `The continuation token is not valid for ${operation}.`, {
      cause: error,
    });
  }
  const candidate = decoded as { r?: unknown; k?: unknown } | undefined;
  if (candidate?.r !== runId || typeof candidate.k !== "string" || candidate.k === "") {
    throw new AuditorError("INPUT_UNKNOWN_SHAPE", `The continuation token is not valid for ${operation}.`);
  }
  return candidate.k;
}

function toList<T extends string>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

type ListFilterField = Exclude<keyof FindingFilter, "excepted">;

// Every value goes through the odata tag, which quotes and escapes it; field names are fixed here, never input.
const FILTER_CLAUSES: { [K in ListFilterField]-?: (value: string) => string } = {
  status: (v) => odata`status eq ${v}`,
  severity: (v) => odata`severity eq ${v}`,
  ruleId: (v) => odata`ruleId eq ${v}`,
  subscriptionId: (v) => odata`subscriptionKey eq ${v.toLowerCase()}`,
  resourceGroup: (v) => odata`resourceGroupKey eq ${v.toLowerCase()}`,
  resourceType: (v) => odata`resourceTypeKey eq ${v.toLowerCase()}`,
};

/** `reserved`: comparisons the caller adds beside these (and the PartitionKey). */
export function findingFilterClauses(filter: FindingFilter, reserved = 0): string[] {
  const clauses: string[] = [];
  let comparisons = 0;
  for (const field of Object.keys(FILTER_CLAUSES) as ListFilterField[]) {
    const values = toList<string>(filter[field]);
    if (values.length === 0) continue;
    comparisons += values.length;
    const parts = values.map((v) => FILTER_CLAUSES[field](String(v)));
    clauses.push(parts.length === 1 ? parts[0]! : `(${parts.join(" or ")})`);
  }
  // `excepted` is a boolean every row written since exceptions exist carries (entity-codec.ts).
  if (filter.excepted === "only" || filter.excepted === "exclude") {
    comparisons += 1;
    clauses.push(filter.excepted === "only" ? "excepted eq true" : "excepted eq false");
  }
  if (comparisons > MAX_FILTER_COMPARISONS - reserved) {
    throw new AuditorError(
      "INPUT_UNKNOWN_SHAPE",
      `A findings filter may compare at most ${MAX_FILTER_COMPARISONS - reserved} values in all; this one has ${comparisons}.`,
    );
  }
  return clauses;
}
