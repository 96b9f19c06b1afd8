// How exceptions show on the dashboard's results: an excepted result carries a badge with the exception's id, approver,
// expiry and justification; a result whose exception expired says it counts again; a pass under an exception in force
// says the exception is no longer needed. Justifications, approvers and tickets are people's text: all escaped.
import type { FindingException } from "../../engine/exceptions";
import type { DashboardLinks } from "./dashboard-links";
import { html, type SafeHtml } from "./html";

const SOURCE_LABELS: Record<FindingException["source"], string> = {
  file: "exceptions file",
  store: "exception",
  policy: "Policy exemption",
};

/** The status label beside a result's status: what its exception did to it. */
export function exceptionStatusNote(exception: FindingException | undefined): SafeHtml {
  if (exception === undefined) return html``;
  if (exception.effect === "applied") return html`<span class="badge exc-badge exc-applied">excepted</span>`;
  if (exception.effect === "expired") return html`<span class="badge exc-badge exc-expired">exception expired</span>`;
  return html`<span class="badge exc-badge exc-not-needed">exception no longer needed</span>`;
}

/** The exception's details under a result: who approved it, until when, and why. */
export function findingExceptionView(exception: FindingException | undefined, links: DashboardLinks): SafeHtml {
  if (exception === undefined) return html``;
  const heading =
    exception.effect === "applied"
      ? "Excepted by"
      : exception.effect === "expired"
        ? "Exception expired: counts again"
        : "Exception no longer needed";
  return html`<div class="exception exc-${exception.effect}" data-exception-id="${exception.id}" data-source="${exception.source}" data-effect="${exception.effect}"><div class="exc-head"><span class="ev-label">${heading}</span> ${exceptionName(exception, links)} <span class="meta">${SOURCE_LABELS[exception.source]}</span></div>
<div class="meta">approved by <b class="exc-approver">${exception.approvedBy}</b> · ${exception.expiresOn === undefined ? "no expiry" : html`${exception.effect === "expired" ? "expired" : "expires"} <span class="exc-expiry">${expiryText(exception.expiresOn)}</span>`}${exception.ticket !== undefined ? html` · ticket ${ticketView(exception.ticket)}` : ""}</div>
<q class="exc-justification">${exception.justification}</q></div>`;
}

/** Store exceptions link to their page; file and Policy ones have none here (a Policy id is an ARM id: shortened). */
export function exceptionName(exception: Pick<FindingException, "id" | "source">, links: DashboardLinks): SafeHtml {
  if (exception.source === "store")
    return html`<a class="exc-id" href="${links.exception(exception.id)}">${exception.id}</a>`;
  if (exception.source === "policy")
    return html`<code class="exc-id" title="${exception.id}">${exception.id.split("/").filter(Boolean).at(-1) ?? exception.id}</code>`;
  return html`<code class="exc-id">${exception.id}</code>`;
}

/** A date (`YYYY-MM-DD`, through the end of that day UTC) as it is; a Policy exemption's instant to the minute, UTC. */
export function expiryText(expiresOn: string): string {
  const instant = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(expiresOn);
  return instant === null ? expiresOn : `${instant[1]} ${instant[2]} UTC`;
}

/** A ticket is a reference or a link: only an https link becomes one (never javascript: or the like). */
export function ticketView(ticket: string): SafeHtml {
  return /^https:\/\//i.test(ticket)
    ? html`<a class="exc-ticket" href="${ticket}" rel="noreferrer noopener" target="_blank">${ticket}</a>`
    : html`<span class="exc-ticket">${ticket}</span>`;
}
