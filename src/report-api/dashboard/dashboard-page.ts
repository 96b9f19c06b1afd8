// Renders the dashboard: the latest run at a glance, the score chart, the delta since the previous run, scores per
// subscription, and the findings table with server-side filters. Every value from Azure goes through `html`.
import type { StoredFinding } from "../../audit/audit-store";
import type { DeltaSample, RunDetail } from "../../audit/audit-store";
import type { Scores, SubscriptionScore } from "../../engine/scoring";
import { RULES, findRule } from "../../rules/catalog";
import { SEVERITIES } from "../../rules/rule";
import type { DashboardData, DashboardFilters } from "./dashboard-data";
import { TABLE_ROWS } from "./dashboard-data";
import type { DashboardLinks } from "./dashboard-links";
import { DASHBOARD_CSS } from "./dashboard-styles";
import { evidenceView } from "./evidence-view";
import { exceptionStatusNote, findingExceptionView } from "./exception-marks";
import { html, join, type SafeHtml } from "./html";
import { scoreChart, shortDate } from "./score-chart";
import { verificationOf } from "../report-queries";

const STATUS_RANK = ["fail", "error", "unknown", "pass", "notApplicable"];
export const STATUS_LABELS: Record<string, string> = {
  fail: "Fail",
  unknown: "Unknown",
  error: "Error",
  pass: "Pass",
  notApplicable: "N/A",
  any: "Any status",
};

export function renderDashboard(data: DashboardData, links: DashboardLinks, styleNonce: string): string {
  const latest = data.latest;
  const body =
    latest === undefined
      ? html`<main><section class="card"><h2>No audit yet</h2><p>Nothing has completed. Start one with <code>POST /api/runs</code> (admin key) or wait for the nightly timer.</p></section></main>`
      : html`<main>
${verificationBanner(latest)}
${overview(latest, links)}
<div class="grid-2">
<section class="card chart-card" aria-labelledby="h-trend"><h2 id="h-trend">Estate score <span class="sub">last ${data.history.length} run${data.history.length === 1 ? "" : "s"}</span></h2>${scoreChart(data.history)}${legend()}</section>
${deltaCard(latest, links)}
</div>
${subscriptionsCard(latest.summary?.scores.bySubscription ?? [], links, data.filters)}
${findingsCard(data, latest, links)}
</main>`;
  return pageShell("MI Exposure Auditor — dashboard", body, links, styleNonce);
}

/** The document around a page's main content: head with the nonce'd stylesheet, top bar, footer. */
export function pageShell(title: string, body: SafeHtml, links: DashboardLinks, styleNonce: string): string {
  return `<!doctype html>\n${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style nonce="${styleNonce}">${DASHBOARD_CSS}</style>
</head>
<body>
<header class="top"><div class="brand"><span class="logo" aria-hidden="true">◆</span> MI Exposure Auditor</div><nav><a href="${links.dashboard()}">Dashboard</a><a href="${links.compliance()}">Controls</a><a href="${links.exceptions()}">Exceptions</a><a href="${links.json("runs")}">Runs (JSON)</a><a href="${links.json("rules")}">Rules (JSON)</a><a href="${links.json("openapi.json")}">API</a></nav></header>
${body}
<footer>Azure SQL Managed Instance network exposure · scores: 100 minus failure weights (critical 40, high 20, medium 10, low 5); unknown and error results are unassessed, never a pass.</footer>
</body>
</html>`.value
  }`;
}

function overview(run: RunDetail, links: DashboardLinks): SafeHtml {
  const scores = run.summary?.scores;
  const failures = run.failuresBySeverity ?? { critical: 0, high: 0, medium: 0, low: 0 };
  // "Failing" is what still needs work: every failure minus the excepted ones (counted apart, never hidden).
  const exceptedBySeverity = exceptedFailures(run);
  const failing = SEVERITIES.reduce((n, s) => n + failures[s] - exceptedBySeverity[s], 0);
  const excepted = SEVERITIES.reduce((n, s) => n + exceptedBySeverity[s], 0);
  const gaps = run.summary?.run.coverageGaps ?? [];
  return html`<section class="overview" aria-label="Latest run">
<div class="kpi score-kpi"><div class="kpi-label">Estate score</div><div class="kpi-value ${scoreClass(run.estateScore)}">${formatScore(run.estateScore)}</div><div class="kpi-note">${scores?.resourcesAssessed ?? run.resourcesAssessed ?? 0} resources assessed</div>${bothScores(scores)}</div>
<div class="kpi"><div class="kpi-label">Failing</div><div class="kpi-value" id="failing-count">${failing}</div><div class="sev-chips">${join(SEVERITIES.map((s) => html`<span class="chip chip-${s}" title="${s}, excepted not counted">${failures[s] - exceptedBySeverity[s]} ${s}</span>`))}</div><div class="kpi-note" id="failing-line">failing ${failing} · failing, excepted ${excepted}</div></div>
<div class="kpi"><div class="kpi-label">Unassessed</div><div class="kpi-value">${scores?.unassessed ?? 0}</div><div class="kpi-note">unknown or error results</div></div>
<div class="kpi run-kpi"><div class="kpi-label">Latest run</div><div class="run-id"><a href="${links.json(`runs/${run.runId}`)}">${run.runId}</a> <span class="badge badge-${run.status}">${run.status}</span></div><div class="kpi-note">${run.finishedAt !== undefined ? `finished ${shortDate(run.finishedAt)} UTC` : ""}${run.durationMs !== undefined ? ` · ${(run.durationMs / 1000).toFixed(1)} s` : ""}</div><div class="kpi-note scope" title="${run.scope ?? ""}">${run.scope ?? ""}</div><div class="kpi-note" id="run-baseline" title="The rules the run evaluated (current: today's guidance; seed-2019: the 2018-2019 seed articles)">baseline ${run.baseline}</div>${gaps.length > 0 ? html`<div class="kpi-note warn">${gaps.length} coverage gap${gaps.length === 1 ? "" : "s"}: ${gaps.map((g) => g.reason).join("; ")}</div>` : ""}</div>
</section>`;
}

/** Excepted failures by severity; none in a run stored before exceptions existed. */
function exceptedFailures(run: RunDetail): Record<(typeof SEVERITIES)[number], number> {
  const stored = (run.summary?.scores as Partial<Scores> | undefined)?.excepted?.failuresBySeverity;
  return Object.fromEntries(SEVERITIES.map((s) => [s, stored?.[s] ?? 0])) as Record<
    (typeof SEVERITIES)[number],
    number
  >;
}

/** Both scores, the headline marked: every failure counted, and excepted failures not counted (EXCEPTIONS_AFFECT_SCORE). */
function bothScores(scores: Partial<Scores> | undefined): SafeHtml {
  if (scores?.estateScoreAllFailures === undefined || scores.estateScoreExceptedNotCounted === undefined) return html``;
  const headline = scores.exceptionsAffectScore === true ? "all" : "excepted";
  return html`<div class="kpi-note both-scores" id="both-scores"><span${headline === "all" ? html` class="headline"` : ""}>all failures <b id="score-all">${formatScore(scores.estateScoreAllFailures)}</b></span> · <span${headline === "excepted" ? html` class="headline"` : ""}>excepted not counted <b id="score-excepted">${formatScore(scores.estateScoreExceptedNotCounted)}</b></span></div>`;
}

function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? "—" : score.toFixed(1);
}

/**
 * A partial run, or one with critical results it could not decide, says so above everything else: its score and
 * failure counts only cover what was read, and nobody should take them for a clean bill of health. (Undecided results
 * of lower severities are counted in the Unassessed tile.)
 */
function verificationBanner(run: RunDetail): SafeHtml {
  const verification = verificationOf(run);
  const note = verification?.note;
  if (verification === undefined || note === null || note === undefined) return html``;
  if (verification.complete && verification.unverifiedBySeverity.critical === 0 && !verification.nothingAudited)
    return html``;
  const heading = run.status === "partial" ? "Partial run: not a clean result." : "Not everything was verified.";
  return html`<div class="verify-banner" role="alert" data-verification="${run.status === "partial" ? "partial" : "unverified"}"><strong>${heading}</strong> ${note}</div>`;
}

function legend(): SafeHtml {
  return html`<div class="legend"><span class="lg-line"></span> score ${join(SEVERITIES.map((s) => html`<span class="lg-swatch sw-${s}"></span> ${s}`))}</div>`;
}

function deltaCard(run: RunDetail, links: DashboardLinks): SafeHtml {
  const delta = run.summary?.delta;
  if (delta === undefined)
    return html`<section class="card"><h2>Since the previous run</h2><p class="empty">No summary for this run.</p></section>`;
  const list = (samples: DeltaSample[], total: number, kind: "new" | "resolved"): SafeHtml =>
    total === 0
      ? html`<p class="empty">${kind === "new" ? "No new failures." : "Nothing resolved."}</p>`
      : html`<ul class="delta-list">${join(
          samples.map(
            (s) =>
              html`<li><span class="pill pill-${s.severity}">${s.severity}</span> <a class="res" href="${links.resource(s.resourceId)}">${s.resourceName}</a><span class="delta-title">${s.title}</span></li>`,
          ),
        )}${total > samples.length ? html`<li class="more">and ${total - samples.length} more</li>` : ""}</ul>`;
  return html`<section class="card delta-card" aria-labelledby="h-delta">
<h2 id="h-delta">Since the previous run ${delta.previousRunId !== undefined ? html`<span class="sub">${delta.previousRunId}</span>` : html`<span class="sub">first run</span>`}</h2>
<div class="delta-counts"><div class="dc dc-new"><b>${delta.newFailures + delta.regressed}</b> new failures</div><div class="dc dc-res"><b>${delta.resolved}</b> resolved</div><div class="dc"><b>${delta.stillFailing}</b> still failing</div></div>
<h3>New failures</h3>${list([...delta.samples.newFailures, ...delta.samples.regressed], delta.newFailures + delta.regressed, "new")}
<h3>Resolved</h3>${list(delta.samples.resolved, delta.resolved, "resolved")}
</section>`;
}

function subscriptionsCard(
  subscriptions: SubscriptionScore[],
  links: DashboardLinks,
  filters: DashboardFilters,
): SafeHtml {
  const rows = subscriptions.map(
    (s) => html`<tr>
<td><a href="${links.dashboard({ ...filters, subscriptionId: s.subscriptionId })}"><code>${s.subscriptionId}</code></a></td>
<td class="num">${scoreBar(s.score)}</td>
${join(SEVERITIES.map((sev) => html`<td class="num ${s.failuresBySeverity[sev] > 0 ? `has-${sev}` : "zero"}">${s.failuresBySeverity[sev]}</td>`))}
<td class="num ${s.unassessed > 0 ? "has-unassessed" : "zero"}">${s.unassessed}</td>
<td class="num">${s.resourcesAssessed}</td>
</tr>`,
  );
  return html`<section class="card" aria-labelledby="h-subs"><h2 id="h-subs">Subscriptions</h2>
<div class="table-wrap"><table class="subs"><thead><tr><th scope="col">Subscription</th><th scope="col" class="num">Score</th>${join(SEVERITIES.map((s) => html`<th scope="col" class="num">${s}</th>`))}<th scope="col" class="num">Unassessed</th><th scope="col" class="num">Resources</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div></section>`;
}

function scoreBar(score: number | null): SafeHtml {
  if (score === null) return html`<span class="ev-muted">not assessed</span>`;
  const width = Math.max(0, Math.min(100, score));
  return html`<span class="score-cell"><svg class="bar-svg" viewBox="0 0 100 8" aria-hidden="true"><rect width="100" height="8" rx="4" fill="#e6e9ef"/><rect width="${width.toFixed(1)}" height="8" rx="4" class="${scoreClass(score)}-fill"/></svg><b>${score.toFixed(1)}</b></span>`;
}

function scoreClass(score: number | null | undefined): string {
  if (score === null || score === undefined) return "score-none";
  return score >= 90 ? "score-good" : score >= 70 ? "score-fair" : "score-poor";
}

function findingsCard(data: DashboardData, run: RunDetail, links: DashboardLinks): SafeHtml {
  const f = data.filters;
  const subscriptions = (run.summary?.scores.bySubscription ?? []).map((s) => s.subscriptionId);
  const option = (value: string, label: string, selected: string | undefined): SafeHtml =>
    html`<option value="${value}"${value === (selected ?? "") ? html` selected` : ""}>${label}</option>`;
  const csvParams: Record<string, string | undefined> = {
    runId: run.runId,
    ...f,
    status: f.status === "any" ? undefined : f.status,
  };
  // Within the page: most severe first, then by resource, so the table reads top-down by urgency.
  const ordered = [...data.findings].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      STATUS_RANK.indexOf(a.status) - STATUS_RANK.indexOf(b.status) ||
      a.resourceName.localeCompare(b.resourceName) ||
      a.ruleId.localeCompare(b.ruleId),
  );
  const rows = ordered.map((finding) => findingRow(finding, links));
  const tableBody =
    rows.length === 0 ? html`<tr><td colspan="5" class="empty">No findings match these filters.</td></tr>` : join(rows);
  return html`<section class="card findings-card" aria-labelledby="h-findings">
<div class="card-head"><h2 id="h-findings">Findings <span class="sub">run ${run.runId}</span></h2><a class="button secondary" id="csv-link" href="${links.csv(csvParams)}" download>Export CSV (all matching)</a></div>
<form class="filters" method="get" action="dashboard" role="search">
${links.code !== undefined ? html`<input type="hidden" name="code" value="${links.code}">` : ""}
<label>Severity<select name="severity">${option("", "Any severity", f.severity)}${join(SEVERITIES.map((s) => option(s, s, f.severity)))}</select></label>
<label>Rule<select name="ruleId">${option("", "Any rule", f.ruleId)}${join(RULES.map((r) => option(r.id, r.id, f.ruleId)))}</select></label>
<label>Subscription<select name="subscriptionId">${option("", "Any subscription", f.subscriptionId)}${join(subscriptions.map((s) => option(s, s, f.subscriptionId)))}</select></label>
<label>Status<select name="status">${join(["fail", "unknown", "error", "pass", "notApplicable", "any"].map((s) => option(s, STATUS_LABELS[s] ?? s, f.status)))}</select></label>
<label>Excepted<select name="excepted">${option("", "Include excepted", f.excepted)}${option("exclude", "Exclude excepted", f.excepted)}${option("only", "Only excepted", f.excepted)}</select></label>
<label class="grow">Resource name<input type="search" name="q" value="${f.q ?? ""}" placeholder="e.g. sqlmi-prod" maxlength="100"></label>
<div class="actions"><button type="submit">Apply</button><a class="button link" href="${links.dashboard()}">Reset</a></div>
</form>
<p class="count" id="findings-count">${data.findings.length === 0 ? "No findings" : `${data.findings.length}${data.nextPage !== undefined ? "+" : ""} finding${data.findings.length === 1 ? "" : "s"}`}${data.nextPage !== undefined ? ` (first ${TABLE_ROWS} shown)` : ""}</p>
${storedNote(run)}
<div class="table-wrap"><table class="findings" id="findings-table"><colgroup><col class="c-sev"><col class="c-res"><col class="c-find"><col class="c-ev"><col class="c-guide"></colgroup><thead><tr><th scope="col">Severity</th><th scope="col">Resource</th><th scope="col">Finding</th><th scope="col">Evidence</th><th scope="col">Guidance</th></tr></thead>
<tbody>${tableBody}</tbody></table></div>
${data.nextPage !== undefined ? html`<p class="pager"><a class="button secondary" href="${links.dashboard({ ...f, continuationToken: data.nextPage })}">Next ${TABLE_ROWS} →</a></p>` : ""}
</section>`;
}

/** Says that the list is the run's stored results when it stored fewer than it had (unchanged passes are not stored). */
function storedNote(run: RunDetail): SafeHtml {
  if (run.findings === undefined || run.findingsStored === undefined || run.findingsStored >= run.findings)
    return html``;
  return html`<p class="meta" id="findings-stored">${run.findings} results, ${run.findingsStored} stored: this run's failures, unknowns, errors and changes. Passes that did not change are in the counts above and on each resource's page.</p>`;
}

function findingRow(finding: StoredFinding, links: DashboardLinks): SafeHtml {
  const rule = findRule(finding.ruleId);
  const tags = readTags(finding);
  return html`<tr class="finding status-${finding.status}" data-severity="${finding.severity}" data-status="${finding.status}" data-rule="${finding.ruleId}"${finding.exception !== undefined ? html` data-exception-effect="${finding.exception.effect}"` : ""}>
<td data-label="Severity"><span class="pill pill-${finding.severity}">${finding.severity}</span><span class="status status-${finding.status}">${STATUS_LABELS[finding.status] ?? finding.status}</span>${exceptionStatusNote(finding.exception)}</td>
<td data-label="Resource"><a class="res" href="${links.resource(finding.resourceId)}" title="History of ${finding.resourceId}">${finding.resourceName}</a><div class="meta">${shortType(finding.resourceType)} · ${finding.resourceGroup}</div><div class="meta mono">${finding.subscriptionId}</div>${tags.length > 0 ? html`<div class="tags">${join(tags.map(([k, v]) => html`<span class="tag">${k}: ${v}</span>`))}</div>` : ""}</td>
<td data-label="Finding"><div class="f-title">${finding.title}</div><div class="f-msg">${finding.message}</div><div class="meta mono">${finding.ruleId}</div>${findingExceptionView(finding.exception, links)}</td>
<td data-label="Evidence" class="evidence">${evidenceView(finding.evidence)}</td>
<td data-label="Guidance" class="guidance">${rule === undefined ? "" : html`<div class="remediation"><span class="ev-label">Remediation</span> ${rule.remediation}</div><details><summary>Why it matters</summary><p>${rule.rationale}</p>${rule.source === undefined ? "" : html`<blockquote><p>${rule.source.quote}</p><footer>— ${rule.source.article}</footer></blockquote>`}${rule.references.length > 0 ? html`<ul class="refs">${join(rule.references.map((r) => (/^https:\/\//.test(r) ? html`<li><a href="${r}" rel="noreferrer noopener" target="_blank">${r}</a></li>` : html`<li>${r}</li>`)))}</ul>` : ""}</details>`}</td>
</tr>`;
}

/** Tags when the finding carries them (they are Azure data like any other: escaped). */
function readTags(finding: StoredFinding): Array<[string, string]> {
  const tags = (finding as { tags?: unknown }).tags;
  if (typeof tags !== "object" || tags === null) return [];
  return Object.entries(tags as Record<string, unknown>)
    .filter((entry): entry is [string, string] => typeof entry[1] === "string")
    .slice(0, 6);
}

function shortType(type: string): string {
  return type.replace(/^microsoft\./, "");
}
