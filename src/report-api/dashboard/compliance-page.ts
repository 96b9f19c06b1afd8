// The dashboard's framework view: a run's results per control of a framework (MCSB, CIS, NIST through MCSB), with each
// control's status, counts, rules and failing resources linked to their pages. Every value goes through `html`.
// Excepted results are never hidden: the excepted count sits beside the status ("Pass, 2 excepted") and in a column of
// its own, and each failing resource an exception covers (or covered) says so with the exception's id.
import {
  COMPLIANCE_FRAMEWORKS,
  type ComplianceControl,
  type FailingResource,
  type UnmappedRule,
} from "../../report/compliance";
import type { RunCompliance } from "../compliance-query";
import type { DashboardLinks } from "./dashboard-links";
import { exceptionName } from "./exception-marks";
import { pageShell } from "./dashboard-page";
import { html, join, type SafeHtml } from "./html";

const CONTROL_STATUS_LABELS: Record<ComplianceControl["status"], string> = {
  fail: "Fail",
  unverified: "Unverified",
  pass: "Pass",
  notApplicable: "N/A",
};

/** How many failing resources a control lists before "and N more" (the JSON and CSV have them all). */
const FAILING_SHOWN = 25;

export function renderCompliancePage(view: RunCompliance, links: DashboardLinks, styleNonce: string): string {
  const here = { framework: view.framework, runId: view.runId };
  const switcher = join(
    COMPLIANCE_FRAMEWORKS.map((framework) =>
      framework === view.framework
        ? html`<b class="button" aria-current="page">${framework}</b>`
        : html`<a class="button link" href="${links.compliance({ framework, runId: view.runId })}">${framework}</a>`,
    ),
  );
  const body = html`<main>
<p class="crumbs"><a href="${links.dashboard()}">← Dashboard</a></p>
<section class="card" aria-labelledby="h-controls">
<div class="card-head"><h2 id="h-controls">${view.frameworkTitle} <span class="sub">run ${view.runId} (${view.runStatus}) · baseline ${view.baseline}</span></h2><span class="actions"><a class="button secondary" id="compliance-json" href="${links.complianceData(here)}">JSON</a><a class="button secondary" id="compliance-csv" href="${links.complianceData({ ...here, format: "csv" })}" download>Export CSV</a></span></div>
<nav class="actions" aria-label="Framework">${switcher}</nav>
<p class="count" id="controls-count">${tally(view.controls)}</p>
<p class="meta">Counts are results (rule × resource) of the control's rules. Unverified: unknown or error, never a pass. Excepted: failures and unknowns an exception in force covers; they do not fail the control, and are counted apart.</p>
<div class="table-wrap"><table class="rules-table" id="controls-table"><thead><tr><th scope="col">Control</th><th scope="col">Status</th><th scope="col" class="num">Passed</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Unverified</th><th scope="col" class="num">N/A</th><th scope="col" class="num">Excepted</th><th scope="col">Rules</th><th scope="col">Failing resources</th></tr></thead>
<tbody>${view.controls.length === 0 ? html`<tr><td colspan="9" class="empty">No rule of this run maps to a ${view.framework} control.</td></tr>` : join(view.controls.map((control) => controlRow(control, links)))}</tbody></table></div>
</section>
${unmappedCard(view.framework, view.unmapped)}
</main>`;
  return pageShell(`${view.framework} controls — MI Exposure Auditor`, body, links, styleNonce);
}

function controlRow(control: ComplianceControl, links: DashboardLinks): SafeHtml {
  const name =
    control.url !== undefined
      ? html`<a href="${control.url}" rel="noreferrer noopener" target="_blank">${control.id}</a>`
      : html`${control.id}`;
  const version =
    control.version !== undefined && control.via === undefined
      ? html` <span class="meta">v${control.version.replace(/^v/, "")}</span>`
      : "";
  const shown = control.failing.slice(0, FAILING_SHOWN);
  const failing =
    control.failing.length === 0
      ? html`<span class="ev-muted">none</span>`
      : html`<ul class="delta-list">${join(shown.map((f) => html`<li><span class="pill pill-${f.severity}">${f.severity}</span> <a class="res" href="${links.resource(f.resourceId)}" title="History of ${f.resourceId}">${f.resourceName}</a> <span class="meta mono">${f.ruleId}</span>${exceptionMark(f, links)}</li>`))}${control.failing.length > shown.length ? html`<li class="more">and ${control.failing.length - shown.length} more</li>` : ""}</ul>`;
  return html`<tr class="control status-${control.status}" data-control="${control.id}" data-status="${control.status}">
<td data-label="Control"><b>${name}</b>${version}${control.title !== undefined ? html`<div class="f-title">${control.title}</div>` : ""}${control.via !== undefined ? html`<div class="meta">through MCSB ${control.via.join(", ")}</div>` : ""}</td>
<td data-label="Status" class="status-${control.status === "fail" ? "fail" : control.status === "pass" ? "pass" : "other"}"><span class="status">${CONTROL_STATUS_LABELS[control.status]}${control.counts.excepted > 0 ? html`<span class="ctl-excepted">, ${control.counts.excepted} excepted</span>` : ""}</span></td>
<td class="num" data-label="Passed">${control.counts.passed}</td><td class="num ${control.counts.failed > 0 ? "has-critical" : "zero"}" data-label="Failed">${control.counts.failed}</td><td class="num ${control.counts.unverified > 0 ? "has-unassessed" : "zero"}" data-label="Unverified">${control.counts.unverified}</td><td class="num" data-label="N/A">${control.counts.notApplicable}</td><td class="num" data-label="Excepted">${control.counts.excepted}</td>
<td data-label="Rules">${join(control.rules.map((rule) => html`<div><span class="mono">${rule.ruleId}</span> <span class="meta">${rule.relation}</span></div>`))}</td>
<td data-label="Failing resources">${failing}</td>
</tr>`;
}

/** "excepted EX-7" (or "exception expired EX-7") after a failing resource an exception covers or covered. */
function exceptionMark(failing: FailingResource, links: DashboardLinks): SafeHtml {
  const e = failing.exception;
  if (e === undefined) return html``;
  const label = e.effect === "applied" ? "excepted" : "exception expired";
  return html` <span class="badge exc-badge exc-${e.effect}" data-exception-id="${e.id}" data-effect="${e.effect}">${label} ${exceptionName(e, links)}</span>`;
}

function unmappedCard(framework: string, unmapped: readonly UnmappedRule[]): SafeHtml {
  if (unmapped.length === 0) return html``;
  return html`<section class="card" aria-labelledby="h-unmapped"><h2 id="h-unmapped">Rules with no ${framework} control <span class="sub">${unmapped.length}</span></h2>
<ul class="timeline" id="unmapped">${join(unmapped.map((rule) => html`<li><code>${rule.ruleId}</code> <span class="meta">passed ${rule.counts.passed} · failed ${rule.counts.failed} · unverified ${rule.counts.unverified} · n/a ${rule.counts.notApplicable} · excepted ${rule.counts.excepted}</span> <span>${rule.note}</span></li>`))}</ul></section>`;
}

function tally(controls: readonly ComplianceControl[]): string {
  const count = (status: ComplianceControl["status"]): number => controls.filter((c) => c.status === status).length;
  return `${controls.length} control${controls.length === 1 ? "" : "s"}: ${count("fail")} failing, ${count("unverified")} unverified, ${count("pass")} passing, ${count("notApplicable")} not applicable`;
}
