// GET /api/findings as JSON: one page. A page of a finished run (completed or partial) comes from the page cache when
// it is there, carries a strong ETag and `Cache-Control: private, no-cache` (a browser may keep it but asks again, and
// gets 304 when it is unchanged); a page of a queued or running run is read from storage every time and is no-store.
// The run itself is always read first (findingsRun), so a run purged by retention answers 410, never a cached page.
import type { HttpResponseInit } from "@azure/functions";
import type { RunQueries, RunRecord } from "../audit/audit-store";
import { FindingsPageCache, findingsPageKey, serialisePage, type SerialisedPage } from "./findings-page-cache";
import { FINDINGS_PAGE_DEFAULT, listFindingsPage, type FindingSelection } from "./report-queries";
import { DEFAULT_FINDINGS_CACHE_MB, getReportSettings } from "./report-settings";

// One cache per store: the composition root builds one store per instance; tests that swap the store start empty.
const caches = new WeakMap<RunQueries, FindingsPageCache>();

export function findingsPageCache(store: RunQueries): FindingsPageCache {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new FindingsPageCache(getReportSettings().findingsCacheBytes ?? DEFAULT_FINDINGS_CACHE_MB * 1024 * 1024);
    caches.set(store, cache);
  }
  return cache;
}

export async function findingsPageResponse(
  store: RunQueries,
  run: RunRecord,
  selection: FindingSelection,
  paging: { top?: number | undefined; continuationToken?: string | undefined },
  ifNoneMatch: string | null,
): Promise<HttpResponseInit> {
  const read = async () => serialisePage(await listFindingsPage(store, run.runId, selection, paging));
  if (run.status !== "completed" && run.status !== "partial") return pageResponse(await read(), "no-store", false);
  const cache = findingsPageCache(store);
  const key = findingsPageKey(run.runId, selection, paging.top ?? FINDINGS_PAGE_DEFAULT, paging.continuationToken);
  const page = await cache.getOrLoad(key, run.runId, read);
  return pageResponse(page, "private, no-cache", ifNoneMatch !== null && matches(ifNoneMatch, page.etag));
}

function pageResponse(page: SerialisedPage, cacheControl: string, notModified: boolean): HttpResponseInit {
  const validators: Record<string, string> = cacheControl === "no-store" ? {} : { etag: page.etag };
  if (notModified) return { status: 304, headers: { "cache-control": cacheControl, ...validators } };
  return {
    status: 200,
    body: page.body,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": cacheControl, ...validators },
  };
}

/** If-None-Match is `*` or a list of entity tags; it compares weakly (RFC 9110 13.1.2), so `W/` is ignored. */
function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === etag;
  });
}
