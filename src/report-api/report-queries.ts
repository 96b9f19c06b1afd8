// The report API's use cases over the store port: pages of runs and findings, the CSV export, a resource's history,
// the rule catalog and the health probe. No HTTP here: handlers parse, call these, and map the result.
import { FINDING_RESOURCE_FIELDS, pickIdentity, type Finding } from "../engine/finding";
import { AuditorError, errorText } from "../errors";
import { RULES } from "../rules/catalog";
import { SEVERITIES, type Severity, type Status } from "../rules/rule";
import { baselinesOfRule, rulesOfBaseline, type BaselineId } from "../rules/baselines";
import type {
  FindingFilter,
  FindingQuery,
  Page,
  RunDetail,
  RunQueries,
  RunRecord,
  StoredFinding,
} from "../audit/audit-store";
import type { ApiFinding, ApiHealth, ApiResourceHistory, ApiRule } from "./response-schemas";
import type { ListFindingsQuery, ListRunsQuery } from "./request-schemas";
import type { RunStatus } from "../audit/run-audit";
import type { SettingProblem } from "../config/setting-problems";
import type { ChannelDelivery } from "../alerts/run-delivery";
import { runVerification, type RunVerification } from "../engine/gate";

export const RUNS_PAGE_DEFAULT = 20;
export const FINDINGS_PAGE_DEFAULT = 100;
/** The CSV export reads the store a full page at a time. */
export const CSV_PAGE_SIZE = 1000;

export interface FindingSelection {
  filter: FindingFilter;
  nameContains?: string;
}

type FilterParams = Pick<
  ListFindingsQuery,
  | "status"
  | "severity"
  | "minSeverity"
  | "ruleId"
  | "subscriptionId"
  | "resourceGroup"
  | "resourceType"
  | "q"
  | "excepted"
>;

/** Request filters to the store's: `minSeverity` becomes the list of severities at or above it. */
export function findingSelection(params: FilterParams): FindingSelection {
  if (params.severity !== undefined && params.minSeverity !== undefined) {
    throw new AuditorError("INPUT_INVALID_REQUEST", "minSeverity: give either severity or minSeverity, not both");
  }
  const filter: FindingFilter = {};
  if (params.status !== undefined) filter.status = params.status as Status[];
  if (params.severity !== undefined) filter.severity = params.severity as Severity[];
  if (params.minSeverity !== undefined)
    filter.severity = SEVERITIES.slice(0, SEVERITIES.indexOf(params.minSeverity) + 1);
  if (params.ruleId !== undefined) filter.ruleId = params.ruleId;
  if (params.subscriptionId !== undefined) filter.subscriptionId = params.subscriptionId;
  if (params.resourceGroup !== undefined) filter.resourceGroup = params.resourceGroup;
  if (params.resourceType !== undefined) filter.resourceType = params.resourceType;
  // include is the default: left out, so a page asked for with and without it is one cache entry.
  if (params.excepted !== undefined && params.excepted !== "include") filter.excepted = params.excepted;
  return params.q === undefined ? { filter } : { filter, nameContains: params.q };
}

export async function listRunsPage(
  store: RunQueries,
  query: ListRunsQuery,
): Promise<{ items: RunRecord[]; continuationToken: string | null }> {
  const page = await store.listRuns({
    top: query.top ?? RUNS_PAGE_DEFAULT,
    ...(query.continuationToken !== undefined ? { continuationToken: query.continuationToken } : {}),
    ...(query.status !== undefined ? { status: query.status as RunStatus[] } : {}),
  });
  return { items: page.items, continuationToken: page.continuationToken ?? null };
}

/**
 * The run and its summary (one or two entity reads), plus its alert delivery when alerting is configured, and what
 * the run could not verify (derived from the summary), so nobody reads a partial run as clean.
 */
export async function runDetail(
  store: RunQueries,
  runId: string,
  alertDelivery: (runId: string) => Promise<ChannelDelivery[]>,
): Promise<RunDetail & { alerts: ChannelDelivery[]; verification?: RunVerification }> {
  const run = await store.getRun(runId);
  if (run === undefined) throw notFoundRun(runId);
  const verification = verificationOf(run);
  return { ...run, ...(verification === undefined ? {} : { verification }), alerts: await alertDelivery(run.runId) };
}

/** What a finished run could not verify; undefined before it has a summary. */
export function verificationOf(run: Pick<RunDetail, "summary">): RunVerification | undefined {
  const summary = run.summary;
  if (summary === undefined) return undefined;
  return runVerification({ byRule: summary.scores.byRule, coverageGaps: summary.run.coverageGaps.length });
}

export type FindingsRun =
  { kind: "found"; run: RunRecord } | { kind: "purged"; run: RunRecord & { findingsDeletedAt: string } };

/** The run whose findings are asked for; NOT_FOUND when there is none. One small read. */
export async function findingsRun(store: RunQueries, runId: string): Promise<FindingsRun> {
  const run = await store.getRunRecord(runId);
  if (run === undefined) throw notFoundRun(runId);
  if (run.findingsDeletedAt !== undefined)
    return { kind: "purged", run: { ...run, findingsDeletedAt: run.findingsDeletedAt } };
  return { kind: "found", run };
}

export async function listFindingsPage(
  store: RunQueries,
  runId: string,
  selection: FindingSelection,
  paging: { top?: number | undefined; continuationToken?: string | undefined },
): Promise<{ runId: string; items: ApiFinding[]; continuationToken: string | null; complete: boolean }> {
  const page = await store.listFindings(
    runId,
    storeQuery(selection, paging.top ?? FINDINGS_PAGE_DEFAULT, paging.continuationToken),
  );
  return {
    runId,
    items: page.items.map(toApiFinding),
    continuationToken: page.continuationToken ?? null,
    // A store that does not say lists what it stored: never claim more.
    complete: page.complete === true,
  };
}

/**
 * Every matching finding as CSV, produced page by page: only one store page is in memory at a time. The first page is
 * read before this returns, so a bad token or a storage outage is still an HTTP status; a failure later cuts the stream.
 */
export async function findingsCsv(
  store: RunQueries,
  runId: string,
  selection: FindingSelection,
  csv: { header(): string; row(f: Finding, baseline: BaselineId): string },
  baseline: BaselineId,
): Promise<{ body: AsyncIterable<Uint8Array>; complete: boolean }> {
  const first = await store.listFindings(runId, storeQuery(selection, CSV_PAGE_SIZE, undefined));
  const row = (f: StoredFinding): string => csv.row(toApiFinding(f), baseline);
  async function* rows(): AsyncGenerator<Uint8Array> {
    let page: Page<StoredFinding> = first;
    yield Buffer.from(csv.header() + page.items.map(row).join(""), "utf8");
    while (page.continuationToken !== undefined) {
      page = await store.listFindings(runId, storeQuery(selection, CSV_PAGE_SIZE, page.continuationToken));
      if (page.items.length > 0) yield Buffer.from(page.items.map(row).join(""), "utf8");
    }
  }
  // Read off the first page, before the body streams: whether the run's listing holds every result (page.complete).
  return { body: rows(), complete: first.complete === true };
}

function storeQuery(selection: FindingSelection, top: number, continuationToken: string | undefined): FindingQuery {
  return {
    filter: selection.filter,
    top,
    ...(selection.nameContains !== undefined ? { nameContains: selection.nameContains } : {}),
    ...(continuationToken !== undefined ? { continuationToken } : {}),
  };
}

/** The CLI's finding shape: the store's bookkeeping (runId, evidenceTruncated) stays inside. */
export function toApiFinding(finding: StoredFinding | Finding): ApiFinding {
  return {
    ...pickIdentity(finding, ["ruleId", ...FINDING_RESOURCE_FIELDS]),
    location: finding.location,
    status: finding.status,
    ...pickIdentity(finding, ["severity", "title"]),
    message: finding.message,
    evidence: finding.evidence,
    ...(finding.exception === undefined ? {} : { exception: { ...finding.exception } }),
    ...("fingerprint" in finding ? { fingerprint: finding.fingerprint } : {}),
  };
}

/** The resource's states (findingstate) and its results in the recent runs; NOT_FOUND when it was never audited. */
export async function resourceHistory(
  store: RunQueries,
  resourceId: string,
  runs: number,
): Promise<ApiResourceHistory> {
  const history = await store.getResourceHistory(resourceId, { runs });
  const someFinding = history.runs.flatMap((r) => r.findings)[0];
  const someState = history.states[0];
  if (someState === undefined && someFinding === undefined)
    throw new AuditorError("NOT_FOUND", `Resource ${resourceId} has no audit history.`);
  const identity = someState ?? someFinding!;
  const runsOut = history.runs.map((run) => ({
    runId: run.runId,
    status: run.status,
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    results: run.findings.map((f) => ({
      ruleId: f.ruleId,
      status: f.status,
      severity: f.severity,
      title: f.title,
      message: f.message,
      evidence: f.evidence,
      ...(f.exception === undefined ? {} : { exception: { ...f.exception } }),
    })),
  }));
  const seen = history.states.flatMap((s) => [s.firstSeenAt, s.lastSeenAt]).filter((t) => t !== "");
  const starts = history.runs.map((r) => r.startedAt).filter((t): t is string => t !== undefined);
  const times = (seen.length > 0 ? seen : starts).sort();
  return {
    ...pickIdentity(identity, FINDING_RESOURCE_FIELDS),
    firstSeenAt: history.states.length > 0 ? history.states.map((s) => s.firstSeenAt).sort()[0]! : (times[0] ?? ""),
    lastSeenAt:
      history.states.length > 0
        ? history.states
            .map((s) => s.lastSeenAt)
            .sort()
            .at(-1)!
        : (times.at(-1) ?? ""),
    rules: history.states.map((s) => ({
      ruleId: s.ruleId,
      title: s.title,
      severity: s.severity,
      status: s.status,
      ...(s.previousStatus !== undefined ? { previousStatus: s.previousStatus } : {}),
      lastResultStatus: s.lastResultStatus,
      lastMessage: s.lastMessage,
      statusChangedAt: s.statusChangedAt,
      statusChangedByRunId: s.statusChangedByRunId,
      firstSeenAt: s.firstSeenAt,
      firstSeenRunId: s.firstSeenRunId,
      lastSeenAt: s.lastSeenAt,
      lastSeenRunId: s.lastSeenRunId,
      everFailed: s.everFailed,
      ...(s.firstFailedAt !== undefined ? { firstFailedAt: s.firstFailedAt } : {}),
    })),
    changes: statusChanges(runsOut, history.states),
    runs: runsOut,
  };
}

/** Status changes between consecutive retained runs, newest first, plus findingstate's last change when older. */
function statusChanges(
  runs: ApiResourceHistory["runs"],
  states: ReadonlyArray<{
    ruleId: string;
    status: Status;
    previousStatus?: Status;
    statusChangedAt: string;
    statusChangedByRunId: string;
  }>,
): ApiResourceHistory["changes"] {
  const changes: ApiResourceHistory["changes"] = [];
  const last = new Map<string, Status>();
  for (const run of [...runs].reverse()) {
    const byRule = new Map<string, Status>();
    // Several results of one rule on one resource: a failure among them is the rule's verdict.
    for (const r of run.results) if (byRule.get(r.ruleId) !== "fail") byRule.set(r.ruleId, r.status);
    for (const [ruleId, status] of byRule) {
      const before = last.get(ruleId);
      if (before !== status)
        changes.push({
          ruleId,
          runId: run.runId,
          ...(run.startedAt !== undefined ? { at: run.startedAt } : {}),
          from: before ?? null,
          to: status,
        });
      last.set(ruleId, status);
    }
  }
  for (const state of states) {
    if (
      state.statusChangedByRunId !== "" &&
      !changes.some((c) => c.ruleId === state.ruleId && c.runId === state.statusChangedByRunId)
    ) {
      changes.push({
        ruleId: state.ruleId,
        runId: state.statusChangedByRunId,
        at: state.statusChangedAt,
        from: state.previousStatus ?? null,
        to: state.status,
      });
    }
  }
  return changes.sort((a, b) => (b.at ?? b.runId).localeCompare(a.at ?? a.runId));
}

/** Every rule, or one baseline's, in catalog order. */
export function rulesCatalog(baseline?: BaselineId): { items: ApiRule[] } {
  return {
    items: (baseline === undefined ? RULES : rulesOfBaseline(baseline)).map((rule) => ({
      id: rule.id,
      title: rule.title,
      severity: rule.severity,
      appliesTo: rule.appliesTo,
      synopsis: rule.synopsis,
      rationale: rule.rationale,
      ...(rule.source === undefined
        ? {}
        : { source: { seed: rule.source.seed, article: rule.source.article, quote: rule.source.quote } }),
      guidance: rule.guidance.map((g) => ({ page: { ...g.page }, summary: g.summary, checked: g.checked })),
      remediation: rule.remediation,
      references: [...rule.references],
      baselines: baselinesOfRule(rule.id),
    })),
  };
}

/**
 * Liveness plus one cheap store read, bounded in time so the probe answers even when storage hangs, and the settings
 * found invalid (`problems`, config/setting-problems.ts): either makes it `degraded`.
 */
export async function checkHealth(
  probe: () => Promise<unknown>,
  options: { problems?: readonly SettingProblem[]; timeoutMs?: number; now?: () => Date } = {},
): Promise<ApiHealth> {
  const { problems = [], timeoutMs = 3_000, now = () => new Date() } = options;
  const started = performance.now();
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const attempt = probe();
    attempt.catch(() => undefined); // a late failure after the timeout is already reported as unreachable
    await Promise.race([
      attempt,
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
      ),
    ]);
  } catch (caught) {
    error = errorText(caught);
  } finally {
    clearTimeout(timer);
  }
  const storage = {
    reachable: error === undefined,
    latencyMs: Math.round(performance.now() - started),
    ...(error !== undefined ? { error } : {}),
  };
  const settings = { valid: problems.length === 0, problems: [...problems] };
  const status = error === undefined && settings.valid ? "ok" : "degraded";
  return { status, time: now().toISOString(), storage, settings };
}

function notFoundRun(runId: string): AuditorError {
  return new AuditorError(
    "NOT_FOUND",
    runId === "latest" ? "No completed or partial run yet." : `Run ${runId} not found.`,
  );
}
