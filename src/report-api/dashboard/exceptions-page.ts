// The dashboard's Exceptions page: every stored exception with its standing (active, expiring, expired, revoked), days
// left, rules, scope, approver, ticket, justification and who created it; above them, what the latest run's exceptions
// did (expiring, expired, stale, no longer needed, Policy exemptions). One exception's page shows its history.
// Justifications, approvers, tickets and reasons are people's text: every value goes through `html`.
import type { ExceptionHistoryEntry } from "../../audit/exception-store";
import type { ExceptionReportEntry, ExceptionsOutcome } from "../../engine/exception-outcome";
import { EXCEPTION_STANDINGS, type ExceptionViewStanding } from "../exception-schemas";
import type { DashboardLinks } from "./dashboard-links";
import { pageShell } from "./dashboard-page";
import { exceptionName, expiryText, ticketView } from "./exception-marks";
import type { ExceptionDetailData, ExceptionRow, ExceptionsPageData } from "./exceptions-data";
import { html, join, type SafeHtml } from "./html";
import { shortDate } from "./score-chart";

const STANDING_LABELS: Record<ExceptionViewStanding, string> = {
  active: "Active",
  expiring: "Expiring",
  expired: "Expired",
  revoked: "Revoked",
};

export function renderExceptionsPage(data: ExceptionsPageData, links: DashboardLinks, styleNonce: string): string {
  const total = EXCEPTION_STANDINGS.reduce((n, s) => n + data.counts[s], 0);
  const filter = join(
    [undefined, ...EXCEPTION_STANDINGS].map((standing) => {
      const label = standing === undefined ? `All ${total}` : `${STANDING_LABELS[standing]} ${data.counts[standing]}`;
      return standing === data.standing
        ? html`<b class="button" aria-current="page">${label}</b>`
        : html`<a class="button link" href="${links.exceptions({ standing: standing ?? "all" })}">${label}</a>`;
    }),
  );
  const rows =
    data.rows.length === 0
      ? html`<tr><td colspan="8" class="empty">${total === 0 ? "No exception is stored. Create them with POST /api/exceptions or import a YAML file (admin)." : "No exception in this standing."}</td></tr>`
      : join(data.rows.map((row) => exceptionRowView(row, links)));
  const body = html`<main>
<p class="crumbs"><a href="${links.dashboard()}">← Dashboard</a></p>
${latestOutcomeCard(data.latest, links)}
<section class="card" aria-labelledby="h-exceptions">
<div class="card-head"><h2 id="h-exceptions">Exceptions <span class="sub">stored in the app · standings at ${shortDate(data.at)} UTC · expiring: within ${data.warnDays} days</span></h2><a class="button secondary" id="exceptions-json" href="${links.exceptionsData()}">JSON</a></div>
<nav class="actions standing-filter" aria-label="Standing">${filter}</nav>
<p class="meta">Exceptions from the CLI's files are not stored here; Azure Policy exemptions come with the estate and show in the run's outcome above.</p>
<div class="table-wrap"><table class="exceptions" id="exceptions-table"><thead><tr><th scope="col">Exception</th><th scope="col">Standing</th><th scope="col">Rules</th><th scope="col">Scope</th><th scope="col">Approved by</th><th scope="col">Justification</th><th scope="col">Ticket</th><th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody></table></div>
</section>
</main>`;
  return pageShell("Exceptions — MI Exposure Auditor", body, links, styleNonce);
}

function exceptionRowView(row: ExceptionRow, links: DashboardLinks): SafeHtml {
  const e = row.exception;
  return html`<tr class="exception-row standing-row-${row.standing}" data-exception-id="${e.id}" data-standing="${row.standing}">
<td data-label="Exception"><a class="exc-id" href="${links.exception(e.id)}"><b>${e.id}</b></a><div class="meta">version ${e.version}</div></td>
<td data-label="Standing">${standingView(row)}</td>
<td data-label="Rules">${join(e.ruleIds.map((id) => html`<div class="mono">${id}</div>`))}</td>
<td data-label="Scope">${scopeView(e.scope)}${tagsView(e.tags)}</td>
<td data-label="Approved by" class="exc-approver">${e.approvedBy}</td>
<td data-label="Justification"><span class="exc-justification">${e.justification}</span></td>
<td data-label="Ticket">${e.ticket === undefined ? html`<span class="ev-muted">—</span>` : ticketView(e.ticket)}</td>
<td data-label="Created" class="date"><div>${e.createdBy}</div><div class="meta">${shortDate(e.createdAt)} UTC</div>${e.revokedAt !== undefined ? html`<div class="meta">revoked by ${e.revokedBy ?? "?"} ${shortDate(e.revokedAt)}</div>` : ""}</td>
</tr>`;
}

function standingView(row: ExceptionRow): SafeHtml {
  const e = row.exception;
  const days =
    row.standing === "revoked" || row.daysLeft === undefined
      ? ""
      : row.daysLeft < 0
        ? `expired ${-row.daysLeft} day${row.daysLeft === -1 ? "" : "s"} ago`
        : `${row.daysLeft} day${row.daysLeft === 1 ? "" : "s"} left`;
  return html`<span class="standing standing-${row.standing}">${STANDING_LABELS[row.standing]}</span><div class="meta days-left">${days}</div>${e.expiresOn !== undefined ? html`<div class="meta">until ${expiryText(e.expiresOn)}</div>` : ""}`;
}

/** An ARM id: its last segment names the thing; the whole id follows for the careful reader. */
function scopeView(scope: string): SafeHtml {
  const segments = scope.split("/").filter(Boolean);
  return html`<b>${segments.at(-1) ?? scope}</b><div class="meta mono">${scope}</div>`;
}

function tagsView(tags: Readonly<Record<string, string>> | undefined): SafeHtml {
  if (tags === undefined || Object.keys(tags).length === 0) return html``;
  return html`<div class="tags">${join(Object.entries(tags).map(([k, v]) => html`<span class="tag">${k}: ${v}</span>`))}</div>`;
}

function latestOutcomeCard(latest: ExceptionsPageData["latest"], links: DashboardLinks): SafeHtml {
  if (latest === undefined)
    return html`<section class="card" id="run-outcome"><h2>Latest run</h2><p class="empty">No run has completed yet.</p></section>`;
  const head = html`<h2 id="h-outcome">What the latest run's exceptions did <span class="sub">run <a href="${links.json(`runs/${latest.runId}`)}">${latest.runId}</a> (${latest.status})</span></h2>`;
  const o = latest.outcome;
  if (o === undefined)
    return html`<section class="card" id="run-outcome" aria-labelledby="h-outcome">${head}<p class="empty">This run recorded no exception outcome (it ran before exceptions existed).</p></section>`;
  const count = (value: number, label: string, id: string): SafeHtml =>
    html`<div class="dc" id="${id}"><b>${value}</b> ${label}</div>`;
  return html`<section class="card" id="run-outcome" aria-labelledby="h-outcome">${head}
${o.exceptionsUnavailable !== undefined ? html`<div class="verify-banner" role="alert" id="exceptions-unavailable"><strong>This run went without the stored exceptions:</strong> ${o.exceptionsUnavailable}. Every failure they cover counted.</div>` : ""}
<div class="outcome-counts">${count(o.exceptedResults.fail, "failing, excepted", "oc-excepted-fail")}${count(o.exceptedResults.unknown, "unknown, excepted", "oc-excepted-unknown")}${count(o.applied, "exceptions applied", "oc-applied")}${count(o.counts.expiring, "expiring", "oc-expiring")}${count(o.counts.expired, "expired", "oc-expired")}${count(o.counts.stale, "stale (matched nothing)", "oc-stale")}${count(o.counts.notNeeded, "no longer needed", "oc-not-needed")}</div>
<p class="meta" id="oc-considered">Considered: ${o.considered.store} stored, ${o.considered.file} from files, ${o.considered.policy} Azure Policy exemption${o.considered.policy === 1 ? "" : "s"}.</p>
${outcomeList("Expiring", "expiring", o.expiring, o.counts.expiring, links)}
${outcomeList("Expired: what they covered counts again", "expired", o.expired, o.counts.expired, links)}
${outcomeList("Stale: in force, matched no result", "stale", o.stale, o.counts.stale, links)}
${outcomeList("No longer needed: everything they cover passes", "not-needed", o.notNeeded, o.counts.notNeeded, links)}
${outcomeList("Policy exemptions without expiry", "no-expiry", o.noExpiry, o.counts.noExpiry, links)}
${policyApplied(o)}
</section>`;
}

function outcomeList(
  title: string,
  id: string,
  entries: readonly ExceptionReportEntry[],
  total: number,
  links: DashboardLinks,
): SafeHtml {
  if (total === 0) return html``;
  return html`<h3>${title}</h3><ul class="timeline" id="outcome-${id}">${join(
    entries.map(
      (e) =>
        html`<li data-exception-id="${e.id}">${exceptionName(e, links)} <span class="standing standing-${e.standing}">${e.standing}</span> <span class="meta">${e.expiresOn === undefined ? "no expiry" : `until ${expiryText(e.expiresOn)}`}${e.daysLeft !== undefined && e.daysLeft >= 0 ? ` · ${e.daysLeft} days left` : ""} · excepted ${e.applied}, passing ${e.notNeeded}, counted again ${e.expired}</span> <span class="mono">${e.ruleIds.join(", ")}</span> <span class="meta">approved by ${e.approvedBy}</span></li>`,
    ),
  )}${total > entries.length ? html`<li class="more">and ${total - entries.length} more</li>` : ""}</ul>`;
}

/** Policy exemptions that excepted something are in no list above (they are neither stale nor ending): count them. */
function policyApplied(o: ExceptionsOutcome): SafeHtml {
  if (o.considered.policy === 0) return html``;
  return html`<p class="meta" id="oc-policy">${o.considered.policy} Azure Policy exemption${o.considered.policy === 1 ? "" : "s"} considered as exceptions: they show on the results they cover, marked "Policy exemption".</p>`;
}

export function renderExceptionDetail(data: ExceptionDetailData, links: DashboardLinks, styleNonce: string): string {
  const e = data.row.exception;
  const field = (label: string, value: SafeHtml | string): SafeHtml => html`<dt>${label}</dt><dd>${value}</dd>`;
  const body = html`<main>
<p class="crumbs"><a href="${links.exceptions()}">← Exceptions</a></p>
<section class="card" aria-labelledby="h-exception">
<div class="card-head"><h2 id="h-exception">${e.id} <span class="sub">exception, version ${e.version}</span></h2><a class="button secondary" href="${links.exceptionsData(e.id)}">JSON</a></div>
<dl class="fields" id="exception-fields">
${field("Standing", standingView(data.row))}
${field("Rules", html`<span class="mono">${e.ruleIds.join(", ")}</span>`)}
${field("Scope", scopeView(e.scope))}
${e.tags !== undefined ? field("Tags", tagsView(e.tags)) : ""}
${field("Justification", html`<span class="exc-justification">${e.justification}</span>`)}
${field("Approved by", html`<span class="exc-approver">${e.approvedBy}</span>`)}
${field("Ticket", e.ticket === undefined ? "—" : ticketView(e.ticket))}
${field("Created", `${e.createdBy}, ${shortDate(e.createdAt)} UTC`)}
${e.updatedAt !== undefined ? field("Changed", `${e.updatedBy ?? "?"}, ${shortDate(e.updatedAt)} UTC`) : ""}
${e.revokedAt !== undefined ? field("Revoked", `${e.revokedBy ?? "?"}, ${shortDate(e.revokedAt)} UTC${e.revokeReason !== undefined ? `: ${e.revokeReason}` : ""}`) : ""}
</dl>
</section>
<section class="card" aria-labelledby="h-history"><h2 id="h-history">History <span class="sub">append-only, oldest first</span></h2>
<ol class="timeline" id="exception-history">${join(data.history.map((entry, i) => historyEntry(entry, data.history[i - 1])))}</ol>
</section>
</main>`;
  return pageShell(`${e.id} — Exceptions — MI Exposure Auditor`, body, links, styleNonce);
}

/** The declared fields a change can touch, in the order the page names them. */
const DECLARED = ["ruleIds", "scope", "tags", "justification", "approvedBy", "expiresOn", "ticket"] as const;

function historyEntry(entry: ExceptionHistoryEntry, before: ExceptionHistoryEntry | undefined): SafeHtml {
  const changed =
    entry.action === "changed" && before !== undefined
      ? DECLARED.filter((f) => JSON.stringify(entry.exception[f]) !== JSON.stringify(before.exception[f]))
      : [];
  return html`<li data-action="${entry.action}" data-version="${entry.version}"><span class="when">${shortDate(entry.at)}</span> <b class="action">${entry.action}</b> <span>by <span class="by">${entry.by}</span></span> <span class="meta">via ${entry.via} · version ${entry.version}</span>${changed.length > 0 ? html` <span class="meta changed">changed: ${changed.join(", ")}</span>` : ""}${entry.reason !== undefined ? html` <q>${entry.reason}</q>` : ""}${entry.action !== "revoked" ? html` <span class="meta">until ${entry.exception.expiresOn === undefined ? "—" : expiryText(entry.exception.expiresOn)}</span>` : ""}</li>`;
}
