// What the dashboard shows, read from the store in three parallel reads whatever the estate's size: the last 30 runs
// (their records carry score and failure counts), the latest run's precomputed summary, and one page of findings.
import type { RunDetail, RunQueries, RunRecord, StoredFinding } from "../../audit/audit-store";
import type { DashboardQuery } from "../request-schemas";
import { findingSelection } from "../report-queries";

export const CHART_RUNS = 30;
export const TABLE_ROWS = 200;

export interface DashboardFilters {
  status?: string;
  severity?: string;
  minSeverity?: string;
  ruleId?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  resourceType?: string;
  q?: string;
  /** Excepted results: include (the default, left out of links), exclude or only. */
  excepted?: string;
}

export interface DashboardData {
  /** Oldest first. */
  history: RunRecord[];
  latest?: RunDetail;
  findings: StoredFinding[];
  /** Where the next page of the table starts, when there is one. */
  nextPage?: string;
  /** The filters as the page's links and form carry them (status defaults to fail). */
  filters: DashboardFilters;
}

export async function loadDashboard(
  store: RunQueries,
  query: DashboardQuery & { continuationToken?: string | undefined },
): Promise<DashboardData> {
  const status = query.status === undefined ? ["fail"] : query.status.includes("any") ? undefined : query.status;
  const filters: DashboardFilters = {
    status: query.status === undefined ? "fail" : query.status.join(","),
    ...(query.severity !== undefined ? { severity: query.severity.join(",") } : {}),
    ...(query.minSeverity !== undefined ? { minSeverity: query.minSeverity } : {}),
    ...(query.ruleId !== undefined ? { ruleId: query.ruleId.join(",") } : {}),
    ...(query.subscriptionId !== undefined ? { subscriptionId: query.subscriptionId.join(",") } : {}),
    ...(query.resourceGroup !== undefined ? { resourceGroup: query.resourceGroup.join(",") } : {}),
    ...(query.resourceType !== undefined ? { resourceType: query.resourceType.join(",") } : {}),
    ...(query.q !== undefined ? { q: query.q } : {}),
    ...(query.excepted !== undefined && query.excepted !== "include" ? { excepted: query.excepted } : {}),
  };
  const selection = findingSelection({ ...query, status });
  const [runs, latest] = await Promise.all([
    store.listRuns({ top: CHART_RUNS, status: ["completed", "partial"] }),
    store.getRun("latest"),
  ]);
  if (latest === undefined) return { history: [], findings: [], filters };
  const page = await store.listFindings(latest.runId, {
    filter: selection.filter,
    top: TABLE_ROWS,
    ...(selection.nameContains !== undefined ? { nameContains: selection.nameContains } : {}),
    ...(query.continuationToken !== undefined ? { continuationToken: query.continuationToken } : {}),
  });
  return {
    history: [...runs.items].reverse(),
    latest,
    findings: page.items,
    ...(page.continuationToken !== undefined ? { nextPage: page.continuationToken } : {}),
    filters,
  };
}
