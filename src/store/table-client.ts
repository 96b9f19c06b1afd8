// What every Table adapter shares: where the account is, how a client for one table is built, the table names, the
// store's tables opened once (created on first use), and the row readers and pagers the adapters read with.
import { TableClient, type TableEntityResult, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import type { Page } from "../audit/audit-store";
import { AuditorError } from "../errors";
import { runKeys } from "./entity-codec";
import { EnsuredTables } from "./ensured-tables";
import { statusOf, toStorageError } from "./storage-errors";
import { isRunId } from "./table-keys";

export type StoreConnection = { connectionString: string } | { accountUrl: string; credential: TokenCredential };

/**
 * What a run stores in `findings`. `changes` (default): every fail, unknown and error result, and every result of a
 * rule × resource pair whose state the run writes (new or changed); a pass the state already holds is not stored
 * again. `all`: every result of every run, the full archive (FINDINGS_ARCHIVE=all).
 */
export type FindingsArchive = "changes" | "all";

export interface AuditStoreOptions {
  /** Transactions (and per-partition reads) in flight at once. Default 8. */
  concurrency?: number;
  /** Default `changes`. */
  findingsArchive?: FindingsArchive;
  /**
   * FINDINGS_RETENTION_DAYS (default 90): a run re-stores an unchanged pair whose results sit in a run older than
   * half of it, so the partitions a posture record points at stay recent (table-run-results.ts).
   */
  retentionDays?: number;
  /** Prepended to every table name (letters and digits), so tests or tenants can share an account. */
  tablePrefix?: string;
  /** The SDK's retry policy; tests lower it so an unreachable emulator fails fast. */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  now?: () => Date;
}

export const TABLE_NAMES = {
  runs: "auditruns",
  findings: "findings",
  state: "findingstate",
  locks: "auditlocks",
  /** Per run, the pairs it evaluated but did not store, and where their results are (table-posture.ts). */
  posture: "posture",
} as const;
export type TableRole = keyof typeof TABLE_NAMES;

export const DEFAULT_CONCURRENCY = 8;
const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** Filtered queries may come back empty with a continuation token; stop filling a page after this many requests. */
const MAX_REQUESTS_PER_PAGE = 20;

export type Row = TableEntityResult<Record<string, unknown>>;

/** A TableClient for one table of the store (prefix applied by the caller); other Table adapters share it. */
export function buildClient(connection: StoreConnection, tableName: string, options: AuditStoreOptions): TableClient {
  const clientOptions: TableServiceClientOptions = {};
  if (options.retry !== undefined) clientOptions.retryOptions = { ...options.retry };
  if ("connectionString" in connection) {
    clientOptions.allowInsecureConnection = connectionStringIsHttp(connection.connectionString);
    try {
      return TableClient.fromConnectionString(connection.connectionString, tableName, clientOptions);
    } catch (error) {
      // The SDK's message may quote the string; ours does not.
      throw new AuditorError(
        "CONFIG_INVALID",
        "The storage connection string is not valid (expected AccountName/AccountKey/TableEndpoint or UseDevelopmentStorage=true).",
        { cause: error },
      );
    }
  }
  let url: URL;
  try {
    url = new URL(connection.accountUrl);
  } catch (error) {
    throw new AuditorError("CONFIG_INVALID", `The storage account URL '${connection.accountUrl}' is not a URL.`, {
      cause: error,
    });
  }
  clientOptions.allowInsecureConnection = url.protocol === "http:";
  return new TableClient(connection.accountUrl, tableName, connection.credential, clientOptions);
}

/** Azurite serves plain http; the SDK refuses it unless told. */
export function connectionStringIsHttp(connectionString: string): boolean {
  const endpoint = /(?:^|;)\s*TableEndpoint\s*=\s*([^;]+)/i.exec(connectionString)?.[1];
  if (endpoint !== undefined) return endpoint.trim().toLowerCase().startsWith("http:");
  return (
    /(?:^|;)\s*UseDevelopmentStorage\s*=\s*true/i.test(connectionString) ||
    /(?:^|;)\s*DefaultEndpointsProtocol\s*=\s*http\s*(?:;|$)/i.test(connectionString)
  );
}

/**
 * The audit store's tables, shared by its parts: each table is created once on first use, whichever part asks
 * first. No I/O happens until then.
 */
export class StoreTables {
  private readonly ensured = new EnsuredTables();
  /** Transactions (and per-partition reads) in flight at once. */
  readonly concurrency: number;
  readonly now: () => Date;

  constructor(
    private readonly clients: Record<TableRole, TableClient>,
    options: AuditStoreOptions,
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    this.now = options.now ?? (() => new Date());
  }

  table(role: TableRole): Promise<TableClient> {
    return this.ensured.ensure(this.clients[role]);
  }
}

/** The store's tables under the options' prefix; no I/O happens until the first call. */
export function openStoreTables(connection: StoreConnection, options: AuditStoreOptions): StoreTables {
  const prefix = options.tablePrefix ?? "";
  if (!/^([A-Za-z][A-Za-z0-9]{0,40})?$/.test(prefix)) {
    throw new AuditorError(
      "CONFIG_INVALID",
      `Table prefix '${prefix}' must start with a letter and hold only letters and digits (at most 41).`,
    );
  }
  const clients = {} as Record<TableRole, TableClient>;
  for (const role of Object.keys(TABLE_NAMES) as TableRole[]) {
    clients[role] = buildClient(connection, `${prefix}${TABLE_NAMES[role]}`, options);
  }
  return new StoreTables(clients, options);
}

// ---- rows ---------------------------------------------------------------------------------------------------------

/** The run's entity in the runs table (the other Table adapters share it), or undefined when there is none. */
export async function readRunRow(runs: TableClient, runId: string): Promise<Row | undefined> {
  const { partitionKey, rowKey } = runKeys(runId);
  try {
    return await runs.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw toStorageError(error, `reading run ${runId}`);
  }
}

/** Every row matching `filter`, page by page. */
export async function* scanRows(
  client: TableClient,
  filter: string,
  operation: string,
  select?: string[],
): AsyncGenerator<Row> {
  const queryOptions = select === undefined ? { filter } : { filter, select };
  try {
    for await (const page of client
      .listEntities<Record<string, unknown>>({ queryOptions })
      .byPage({ maxPageSize: MAX_PAGE_SIZE })) {
      for (const row of page) yield row;
    }
  } catch (error) {
    throw toStorageError(error, operation);
  }
}

/**
 * Up to `top` rows from the token on. A filtered query can return short or empty pages with a token, so this keeps
 * asking for what is missing (bounded), and hands back the token of the last request.
 */
export async function readRowPage(
  client: TableClient,
  request: { filter: string; select?: string[]; top?: number | undefined; continuationToken?: string | undefined },
  operation: string,
): Promise<Page<Row>> {
  const top = pageSize(request.top);
  const queryOptions =
    request.select === undefined ? { filter: request.filter } : { filter: request.filter, select: request.select };
  const items: Row[] = [];
  let token = request.continuationToken;
  for (let requests = 0; requests < MAX_REQUESTS_PER_PAGE && items.length < top; requests += 1) {
    let result: IteratorResult<Row[] & { continuationToken?: string }>;
    try {
      const pages = client
        .listEntities<Record<string, unknown>>({ queryOptions })
        .byPage({ maxPageSize: top - items.length, ...(token !== undefined ? { continuationToken: token } : {}) });
      result = await pages.next();
    } catch (error) {
      // The SDK decodes our token (base64 JSON) before sending anything: a token that is not one fails to parse.
      if (token !== undefined && error instanceof SyntaxError) {
        throw new AuditorError("INPUT_UNKNOWN_SHAPE", `The continuation token is not valid for ${operation}.`, {
          cause: error,
        });
      }
      throw toStorageError(error, operation);
    }
    if (result.done === true) {
      token = undefined;
      break;
    }
    items.push(...result.value);
    token = result.value.continuationToken;
    if (token === undefined) break;
  }
  return withToken(items, token);
}

/** The requested page size, 1–1000 (default 50). */
export function pageSize(top: number | undefined): number {
  return Math.min(Math.max(1, Math.floor(top ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
}

export function withToken<T>(items: T[], continuationToken: string | undefined): Page<T> {
  return continuationToken === undefined ? { items } : { items, continuationToken };
}

export function requireRunId(runId: string, action: string): void {
  if (!isRunId(runId)) {
    throw new AuditorError(
      "STORAGE_FAILED",
      `Cannot ${action} run '${runId}': run ids have the form YYYYMMDDTHHMMSSZ-suffix (see newRunId).`,
    );
  }
}
