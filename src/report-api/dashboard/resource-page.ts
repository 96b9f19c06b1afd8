// The dashboard's page for one resource: each rule's current verdict with when it changed, first seen and last recorded
// (from findingstate), the status changes across the retained runs, and the latest stored results with their evidence.
// Runs store failures, unknowns, errors and changes; a rule that keeps passing is only in the rules table.
import { findRule } from "../../rules/catalog";
import type { ApiResourceHistory } from "../response-schemas";
import type { DashboardLinks } from "./dashboard-links";
import { pageShell, STATUS_LABELS } from "./dashboard-page";
import { evidenceView } from "./evidence-view";
import { html, join } from "./html";
import { shortDate } from "./score-chart";

export function renderResourcePage(history: ApiResourceHistory, links: DashboardLinks, styleNonce: string): string {
  // The newest run that stored something about the resource: a run that found every rule passing as before stored none.
  const latestRun = history.runs.find((run) => run.results.length > 0);
  const label = (status: string | null): string => (status === null ? "first seen" : (STATUS_LABELS[status] ?? status));
  const rules = [...history.rules].sort(
    (a, b) => Number(b.status === "fail") - Number(a.status === "fail") || a.ruleId.localeCompare(b.ruleId),
  );
  const body = html`<main>
<p class="crumbs"><a href="${links.dashboard()}">← Dashboard</a></p>
<section class="card resource-head" aria-labelledby="h-resource">
<div class="card-head"><h2 id="h-resource">${history.resourceName} <span class="sub">${history.resourceType}</span></h2><a class="button secondary" href="${links.history(history.resourceId)}">JSON</a></div>
<div class="meta mono">${history.resourceId}</div>
<div class="meta">resource group ${history.resourceGroup} · subscription ${history.subscriptionId} · first seen ${shortDate(history.firstSeenAt)} · last recorded ${shortDate(history.lastSeenAt)} UTC</div>
</section>
<section class="card" aria-labelledby="h-rules"><h2 id="h-rules">Rules on this resource</h2>
<div class="table-wrap"><table class="rules-table"><thead><tr><th scope="col">Rule</th><th scope="col">Status</th><th scope="col">Since</th><th scope="col">Before</th><th scope="col">First seen</th><th scope="col" title="The last run that wrote this rule's state: every run for a failure, unknown or error; for a pass, the run that last changed it (an unchanged pass is not written again).">Last recorded</th></tr></thead><tbody>
${join(
  rules.map(
    (
      r,
    ) => html`<tr><td><span class="pill pill-${r.severity}">${r.severity}</span> <b>${r.title}</b><div class="meta mono">${r.ruleId}</div><div class="meta">${r.lastMessage}</div></td>
<td class="status-${r.status}"><span class="status">${label(r.status)}</span></td><td class="date">${shortDate(r.statusChangedAt)}</td><td>${r.previousStatus === undefined ? "—" : label(r.previousStatus)}</td><td class="date">${shortDate(r.firstSeenAt)}</td><td class="date">${shortDate(r.lastSeenAt)}</td></tr>`,
  ),
)}
</tbody></table></div></section>
<section class="card" aria-labelledby="h-changes"><h2 id="h-changes">Status changes <span class="sub">retained runs</span></h2>
${history.changes.length === 0 ? html`<p class="empty">No changes.</p>` : html`<ul class="timeline">${join(history.changes.map((c) => html`<li><span class="when">${shortDate(c.at ?? c.runId)}</span> <code>${c.ruleId}</code> ${label(c.from)} → <b class="to-${c.to}">${label(c.to)}</b> <span class="meta">run ${c.runId}</span></li>`))}</ul>`}
</section>
${
  latestRun === undefined
    ? html``
    : html`<section class="card" aria-labelledby="h-latest"><h2 id="h-latest">Results stored by run ${latestRun.runId} <span class="sub">failures, unknowns, errors and changes</span></h2>
<div class="table-wrap"><table class="findings"><colgroup><col class="c-sev"><col class="c-find"><col class="c-ev"><col class="c-guide"></colgroup><thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Evidence</th><th scope="col">Remediation</th></tr></thead><tbody>
${join(
  latestRun.results.map(
    (r) =>
      html`<tr class="finding status-${r.status}"><td data-label="Severity"><span class="pill pill-${r.severity}">${r.severity}</span><span class="status">${label(r.status)}</span></td><td data-label="Finding"><div class="f-title">${r.title}</div><div class="f-msg">${r.message}</div></td><td data-label="Evidence" class="evidence">${evidenceView(r.evidence)}</td><td data-label="Remediation" class="guidance">${findRule(r.ruleId)?.remediation ?? ""}</td></tr>`,
  ),
)}
</tbody></table></div></section>`
}
</main>`;
  return pageShell(`${history.resourceName} — MI Exposure Auditor`, body, links, styleNonce);
}
