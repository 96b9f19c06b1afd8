// A query chain: one paged query in one scope, whose pages are read one after another (each needs the previous
// page's skip token), and how its page size shrinks and grows back around responses too large for Resource Graph.
import type { QueryFamily } from "./queries";
import type { RequestScope } from "./paced-query-client";

/** One paged query in one scope: its pages are read one after another. */
export interface Chain {
  family: QueryFamily;
  scope: RequestScope;
  skipToken?: string;
  /** Pages and rows handed on by this chain. */
  pages: number;
  rows: number;
  /** Rows received, duplicates included; with `totalRecords`, what is left to read. */
  received: number;
  /** Rows stepped over because no response could carry them; `received + skipped` is the position in the result. */
  skipped: number;
  /** `$top` of the chain's next request: the run's page size, less after a ResponsePayloadTooLarge. */
  top: number;
  /** The last `$top` refused as too large, and pages read since: the chain grows back to it only after a while. */
  refusedTop?: number;
  pagesSinceRefusal: number;
  /** `$skip` of the next request, set to step over a row too large on its own. */
  skip?: number;
  /** Rows refused on their own since the last page read; past MAX_OVERSIZED_IN_A_ROW the chain ends. */
  oversizedInARow: number;
  /** Id of the last row received and its position in the result: where an oversized row sits, for its gap. */
  lastId?: string;
  lastIdAt: number;
  totalRecords?: number;
  /** Ids already handed on by the chain this one was split from; its pages skip them. */
  handedOn?: ReadonlySet<string>;
  /** Whether the chain may still split by subscription (only a whole batch, after its first page). */
  splittable: boolean;
  /** The ids of its first page, kept until whether to split is decided. */
  firstPageIds?: Set<string>;
}

/** Chains still to read a first page go first: their sizes decide whether anything is split. */
export const FIRST_PAGE = Number.MAX_SAFE_INTEGER;
/** A chain shorter than this many pages never splits: a split re-reads up to a page and adds partial last pages. */
export const MIN_SPLIT_PAGES = 10;
/**
 * Pages a chain reads at a smaller `$top` before it tries again the size that was refused as too large. Rows of one
 * resource group sit together in id order, so big rows come in runs; retrying at once would waste every other request.
 */
export const GROW_BACK_AFTER_PAGES = 8;
/**
 * Single rows refused one after another before the chain gives up on the rest of its result. One row over 16 MiB is
 * already extraordinary; a hundred in a row means `$skip` is not moving the chain on, and the walk must end.
 */
export const MAX_OVERSIZED_IN_A_ROW = 100;

/** After a page read: double `$top` back towards the run's page size, holding below a recently refused size. */
export function growBack(chain: Chain, pageSize: number): void {
  chain.pagesSinceRefusal += 1;
  if (chain.top >= pageSize) return;
  const next = Math.min(pageSize, chain.top * 2);
  if (chain.refusedTop !== undefined && next >= chain.refusedTop) {
    if (chain.pagesSinceRefusal < GROW_BACK_AFTER_PAGES) return;
    chain.refusedTop = undefined;
  }
  chain.top = next;
}
