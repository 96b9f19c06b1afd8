// `--format html`: the run as one self-contained HTML file, for email and archives, with the dashboard's content: the
// scores, the gate, counts, scores per subscription, what exceptions did, coverage gaps and every listed result.
// Nothing loads from anywhere and nothing runs: the file's own Content-Security-Policy allows only its one stylesheet
// (by hash) and data: images, and there is no script. Every value from Azure goes through the `html` tag (escaped) and
// printableText (controls and bidi overrides made visible). The results table is written FINDINGS_PER_CHUNK rows at a
// time, so a 1M-row estate streams to --output without the document ever being one string.
import { createHash } from "node:crypto";
import type { AuditReport } from "../audit/run-audit";
import type { ExceptionReportEntry } from "../engine/exception-outcome";
import type { Finding } from "../engine/finding";
import { describeGap } from "../engine/gate";
import type { SubscriptionScore } from "../engine/scoring";
import { SEVERITIES, STATUSES } from "../rules/rule";
import { FingerprintSequence } from "./fingerprint";
import { HTML_REPORT_CSS } from "./html-report-styles";
import { html, join, SafeHtml } from "./html-text";
import { FINDINGS_PER_CHUNK } from "./report-chunks";
import { TOOL, type ReportFormatContext, type ReportFormatter } from "./report-format";
import { checkedReportUrl } from "./report-url";
import { printableText } from "./untrusted-text";

/** The file's policy: its stylesheet by hash, data: images, nothing else (no script, no fetch, no form, no base). */
export const HTML_REPORT_CSP = [
  `default-src 'none'`,
  `style-src 'sha256-${createHash("sha256").update(HTML_REPORT_CSS, "utf8").digest("base64")}'`,
  `img-src data:`,
  `script-src 'none'`,
  `base-uri 'none'`,
  `form-action 'none'`,
].join("; ");

/** Azure's text, visible character for character and cut at `max` code points; escaped by the `html` tag. */
function t(text: string, max = 2000): string {
  return printableText(text, max);
}

export const htmlReportChunks: ReportFormatter = function* (report, context) {
  const link = context.reportUrl === undefined ? undefined : checkedReportUrl(context.reportUrl);
  yield head(report);
  yield html`<main>
${gateCard(context)}
${overview(report, context)}
${countsCard(report)}
${subscriptionsCard(report.summary.bySubscription)}
${exceptionsCard(report)}
${coverageCard(report)}
${link === undefined ? "" : html`<p class="card-link"><a href="${link}" rel="noreferrer noopener">Full report</a></p>`}
<section class="card" aria-labelledby="h-results"><h2 id="h-results">Results <span class="meta" id="results-listed">${report.findings.length} listed</span></h2>
<table id="results"><thead><tr><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Resource</th><th scope="col">Message</th><th scope="col">Evidence</th><th scope="col">Exception</th><th scope="col">Fingerprint</th></tr></thead>
<tbody>
`.value;
  yield* resultRows(report.findings);
  yield `</tbody></table></section>
</main>
${html`<footer>${TOOL.name} ${TOOL.version} · scores: 100 minus failure weights (critical 40, high 20, medium 10, low 5); unknown and error results are unassessed, never a pass.</footer>`.value}
</body>
</html>
`;
};

function head({ run }: AuditReport): string {
  return `<!doctype html>\n${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${HTML_REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TOOL.name} report: run ${t(run.runId, 100)}</title>
<style>${new SafeHtml(HTML_REPORT_CSS)}</style>
</head>
<body>
<header class="top"><h1>${TOOL.name}</h1><div class="sub">Azure SQL Managed Instance network exposure · run <span id="run-id">${t(run.runId, 100)}</span> (${t(run.status, 40)}) · baseline ${t(run.baseline, 40)} · ${t(run.startedAt, 40)} to ${t(run.finishedAt, 40)}</div></header>
`.value
  }`;
}

function score(value: number | null): string {
  return value === null ? "n/a" : value.toFixed(1);
}

function gateCard({ gate, exitCode }: ReportFormatContext): SafeHtml {
  const verdict =
    gate.outcome === "fail"
      ? `FAIL: ${gate.failures} failure(s) at or above ${gate.threshold}`
      : gate.outcome === "unverified"
        ? "COULD NOT VERIFY: something at or above the threshold was not decided"
        : gate.lines.length > 0
          ? "pass, with results not verified (let through by --allow-unverified)"
          : `pass: complete collection, every result at or above ${gate.threshold} decided, no failure`;
  const excepted = gate.excepted.failures + gate.excepted.unknown;
  return html`<section class="card gate gate-${gate.outcome}" aria-labelledby="h-gate" data-gate="${gate.outcome}"><h2 id="h-gate">Gate</h2>
<p><strong id="gate-verdict">${verdict}</strong> <span class="meta">--fail-on ${gate.threshold}${gate.allowUnverified ? " --allow-unverified" : ""}, exit code <span id="gate-exit">${exitCode}</span></span></p>
${excepted > 0 ? html`<p class="meta">${gate.excepted.failures} failure(s) and ${gate.excepted.unknown} unknown result(s) at or above ${gate.threshold} excepted (accepted risks, not counted by the gate)</p>` : ""}
${gate.lines.length > 0 ? html`<ul>${join(gate.lines.map((line) => html`<li>${t(line)}</li>`))}</ul>` : ""}
</section>`;
}

function overview({ run, summary }: AuditReport, { gate }: ReportFormatContext): SafeHtml {
  const exceptedFailures = SEVERITIES.reduce((n, s) => n + summary.excepted.failuresBySeverity[s], 0);
  const failing = summary.byStatus.fail - summary.excepted.byStatus.fail;
  const both =
    summary.estateScoreAllFailures === summary.estateScoreExceptedNotCounted
      ? ""
      : html`<div class="kpi-note" id="both-scores">every failure counted <b id="score-all">${score(summary.estateScoreAllFailures)}</b> · excepted left out <b id="score-excepted">${score(summary.estateScoreExceptedNotCounted)}</b> (headline: ${summary.exceptionsAffectScore ? "every failure" : "excepted left out"})</div>`;
  return html`<section class="overview" aria-label="Run at a glance">
<div class="kpi"><div class="kpi-label">Estate score</div><div class="kpi-value" id="estate-score">${score(summary.estateScore)}</div><div class="kpi-note">${summary.resourcesAssessed} resource(s) assessed of ${run.resourcesInEstate} read</div>${both}</div>
<div class="kpi"><div class="kpi-label">Failing</div><div class="kpi-value" id="failing-count">${failing}</div><div class="kpi-note">${exceptedFailures} more excepted</div></div>
<div class="kpi"><div class="kpi-label">Unassessed</div><div class="kpi-value" id="unassessed-count">${summary.unassessed}</div><div class="kpi-note">unknown or error results</div></div>
<div class="kpi"><div class="kpi-label">Run</div><div class="kpi-value" id="run-status">${t(run.status, 40)}</div><div class="kpi-note">${run.coverageGaps.length > 0 ? html`<span class="warn">${run.coverageGaps.length} coverage gap(s): partial</span>` : "complete collection"} · gate ${gate.outcome}</div><div class="kpi-note">${run.dataQuality.warnings} data-quality warning(s) · ${run.rulesEvaluated} rules · ${(run.durationMs / 1000).toFixed(1)} s</div></div>
</section>`;
}

function countsCard({ summary }: AuditReport): SafeHtml {
  const statusRows = STATUSES.map(
    (status) =>
      html`<tr><th scope="row">${status}</th><td class="num" data-count="status-${status}">${summary.byStatus[status]}</td><td class="num" data-count="excepted-${status}">${summary.excepted.byStatus[status]}</td></tr>`,
  );
  const severityRows = SEVERITIES.map((severity) => {
    const excepted = summary.excepted.failuresBySeverity[severity];
    return html`<tr><th scope="row"><span class="pill sev-${severity}">${severity}</span></th><td class="num" data-count="failing-${severity}">${summary.failuresBySeverity[severity] - excepted}</td><td class="num" data-count="excepted-failures-${severity}">${excepted}</td></tr>`;
  });
  return html`<section class="card" aria-labelledby="h-counts"><h2 id="h-counts">Counts</h2>
<table class="counts"><thead><tr><th scope="col">Results by status</th><th scope="col" class="num">All</th><th scope="col" class="num">Excepted</th></tr></thead><tbody>${join(statusRows)}</tbody></table>
<h3>Failures by severity</h3>
<table class="counts"><thead><tr><th scope="col">Severity</th><th scope="col" class="num">Failing</th><th scope="col" class="num">Failing, excepted</th></tr></thead><tbody>${join(severityRows)}</tbody></table>
</section>`;
}

function subscriptionsCard(subscriptions: readonly SubscriptionScore[]): SafeHtml {
  const rows = subscriptions.map(
    (s) =>
      html`<tr data-subscription="${t(s.subscriptionId, 200)}"><td><code>${t(s.subscriptionId, 200)}</code></td><td class="num">${score(s.score)}</td>${join(SEVERITIES.map((sev) => html`<td class="num">${s.failuresBySeverity[sev]}</td>`))}<td class="num">${s.unassessed}</td><td class="num">${s.resourcesAssessed}</td></tr>`,
  );
  return html`<section class="card" aria-labelledby="h-subs"><h2 id="h-subs">Subscriptions</h2>
<table id="subscriptions"><thead><tr><th scope="col">Subscription</th><th scope="col" class="num">Score</th>${join(SEVERITIES.map((s) => html`<th scope="col" class="num">${s}</th>`))}<th scope="col" class="num">Unassessed</th><th scope="col" class="num">Resources</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="8">No subscription was assessed.</td></tr>` : join(rows)}</tbody></table></section>`;
}

const EXCEPTION_LISTS = [
  ["expiring", "Expiring soon"],
  ["expired", "Expired: what they covered counts again"],
  ["stale", "Matched nothing"],
  ["notNeeded", "No longer needed"],
  ["noExpiry", "Policy exemptions without an expiry"],
] as const;

function exceptionsCard({ exceptions }: AuditReport): SafeHtml {
  const entry = (e: ExceptionReportEntry): SafeHtml =>
    html`<li data-exception-id="${t(e.id, 500)}"><code>${t(e.id, 500)}</code> <span class="meta">${e.source}</span> ${e.ruleIds.map((id) => t(id, 200)).join(", ")} · scope <code>${t(e.scope, 500)}</code> · ${e.expiresOn === undefined ? "no expiry" : html`${e.standing === "expired" ? "expired" : "expires"} ${t(e.expiresOn, 40)}${e.daysLeft === undefined ? "" : ` (${e.daysLeft} day(s) left)`}`} · approved by ${t(e.approvedBy, 500)}${e.ticket === undefined ? "" : html` · ticket ${t(e.ticket, 500)}`} · excepted ${e.applied}<div class="meta">${t(e.justification)}</div></li>`;
  const lists = EXCEPTION_LISTS.filter(([key]) => exceptions.counts[key] > 0).map(
    ([key, title]) =>
      html`<h3>${title}: <span data-count="exceptions-${key}">${exceptions.counts[key]}</span></h3><ul>${join(exceptions[key].map(entry))}</ul>${exceptions[key].length < exceptions.counts[key] ? html`<p class="meta">and ${exceptions.counts[key] - exceptions[key].length} more</p>` : ""}`,
  );
  const considered = exceptions.considered;
  return html`<section class="card" aria-labelledby="h-exceptions"><h2 id="h-exceptions">Exceptions</h2>
${exceptions.exceptionsUnavailable === undefined ? "" : html`<p class="warn"><strong>The exception store could not be read</strong>: every failure counts. ${t(exceptions.exceptionsUnavailable)}</p>`}
<p>${considered.file + considered.store + considered.policy} considered (file ${considered.file}, store ${considered.store}, Azure Policy ${considered.policy}); <span data-count="exceptions-applied">${exceptions.applied}</span> applied to <span data-count="excepted-results-fail">${exceptions.exceptedResults.fail}</span> failure(s) and <span data-count="excepted-results-unknown">${exceptions.exceptedResults.unknown}</span> unknown result(s).</p>
${join(lists)}
</section>`;
}

function coverageCard({ run }: AuditReport): SafeHtml {
  if (run.coverageGaps.length === 0) return html``;
  return html`<section class="card" aria-labelledby="h-gaps"><h2 id="h-gaps" class="warn">Coverage gaps: <span data-count="coverage-gaps">${run.coverageGaps.length}</span></h2>
<p>The collection was partial: the score and counts cover only what was read.</p>
<ul>${join(run.coverageGaps.map((gap) => html`<li>${t(describeGap(gap))}</li>`))}</ul></section>`;
}

function* resultRows(findings: readonly Finding[]): Generator<string> {
  const fingerprints = new FingerprintSequence();
  let chunk = "";
  for (let i = 0; i < findings.length; i += 1) {
    const finding = findings[i]!;
    chunk += resultRow(finding, fingerprints.next(finding)).value;
    if ((i + 1) % FINDINGS_PER_CHUNK === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

function resultRow(f: Finding, fingerprint: string): SafeHtml {
  const exception = f.exception;
  return html`<tr class="result" data-status="${f.status}" data-severity="${f.severity}"${exception === undefined ? "" : html` data-exception-effect="${exception.effect}"`}><td class="status status-${f.status}">${f.status}</td><td><span class="pill sev-${f.severity}">${f.severity}</span></td><td><code>${t(f.ruleId, 200)}</code><div class="meta">${t(f.title, 300)}</div></td><td><b>${t(f.resourceName, 500)}</b><div class="meta">${t(f.resourceType, 200)} · ${t(f.resourceGroup, 200)}</div><div class="meta mono">${t(f.subscriptionId, 200)}</div></td><td class="msg">${t(f.message, 5000)}</td><td>${evidenceList(f.evidence)}</td><td>${exception === undefined ? "" : html`<span class="badge exc-${exception.effect}">${exception.effect === "applied" ? "excepted" : exception.effect === "expired" ? "exception expired" : "exception not needed"}</span> <code>${t(exception.id, 500)}</code><div class="meta">approved by ${t(exception.approvedBy, 300)}${exception.expiresOn === undefined ? "" : `, until ${t(exception.expiresOn, 40)}`}</div><div class="meta">${t(exception.justification)}</div>`}</td><td><code>${fingerprint}</code></td></tr>\n`;
}

/** The evidence as key/value pairs; a structured value as compact JSON, cut so one result cannot swell the file. */
function evidenceList(evidence: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(evidence).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return html``;
  return html`<dl class="evidence">${join(
    entries.map(([key, value]) => {
      const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
      return html`<dt>${t(key, 100)}</dt><dd>${t(text, 2000)}</dd>`;
    }),
  )}</dl>`;
}
