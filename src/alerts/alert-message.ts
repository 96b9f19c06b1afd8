// What one channel is told about one run, independent of the wire format: the Teams card and the JSON document are
// both rendered from an AlertMessage. Also the size fitting both formats share: when everything does not fit, the most
// severe items of each section are kept and the rest are counted as "and N more".
import type { FindingIdentity } from "../engine/finding";
import type { FindingException } from "../engine/exceptions";
import type { Severity, Status } from "../rules/rule";
import type { BaselineId } from "../rules/baselines";
import type { ExpiringExceptionItem } from "./exception-notices";

/** `exceptionExpired`: failures an exception covered until it expired, that the channel does not know as open. */
export const SECTIONS = ["new", "regressed", "exceptionExpired", "resolved", "stillFailing"] as const;
export type Section = (typeof SECTIONS)[number];

export interface AlertItem extends FindingIdentity {
  /** This run's verdict: `fail`, or `pass` / `notApplicable` for resolved items. */
  status: Status;
  location: string;
  message: string;
  /** The evidence that decided the verdict, in one line. */
  evidence: string;
  /** When the current failure began (ISO), when known. */
  failingSince?: string;
  /** Why this run mentions it: stillFailing items, and `exceptionExpired` for the exceptionExpired section. */
  reason?: "reminder" | "firstNotice" | "digest" | "exceptionExpired";
  /** exceptionExpired items: the exception that covered the failure until it expired. */
  exception?: FindingException;
}

export interface AlertRunInfo {
  runId: string;
  status: "completed" | "partial";
  scope: string;
  startedAt: string;
  finishedAt: string;
  estateScore: number | null;
  /**
   * The score counting every failure, excepted ones included, when it differs from the headline `estateScore` (which
   * leaves excepted failures out unless EXCEPTIONS_AFFECT_SCORE). Absent otherwise, and on older messages.
   */
  estateScoreAllFailures?: number | null;
  /** The estate score of the run this one was compared with; null when there is none or it had no score. */
  previousEstateScore: number | null;
  previousRunId?: string;
  /** The run's baseline, and the previous run's. Absent on messages planned before runs recorded one. */
  baseline?: BaselineId;
  previousBaseline?: BaselineId;
  /** Rule × resource pairs whose data this (partial) run did not fully read. */
  notFullyRead: number;
  /** Reads that failed for good (the run is partial when any). Absent on messages planned before it was recorded. */
  coverageGaps?: number;
  /** unknown + error results per severity: verdicts the run could not decide. Absent on older messages. */
  unverified?: Record<Severity, number>;
  /** Why the run went without the exception store's exceptions (report.exceptions.exceptionsUnavailable). */
  exceptionsUnavailable?: string;
}

export interface AlertCounts {
  new: number;
  regressed: number;
  resolved: number;
  /** Every failure still open for this channel (at or above its threshold), mentioned in this message or not. */
  stillFailing: number;
  /** stillFailing items this message mentions because their reminder was due. */
  reminders: number;
  /** Failures announced because the exception that covered them expired. Absent on older messages: 0. */
  exceptionExpired?: number;
  /** Exceptions announced as expiring soon. Absent on older messages: 0. */
  exceptionsExpiring?: number;
}

export interface AlertMessage {
  kind: "alert" | "digest" | "test";
  channel: string;
  minSeverity: Severity;
  /** Absent for test messages. */
  run?: AlertRunInfo;
  counts: AlertCounts;
  /** Each sorted most severe first. */
  sections: Record<Section, AlertItem[]>;
  /** Exceptions that end soon and that this channel has not been warned of for this expiry date; soonest first. */
  exceptionsExpiring?: ExpiringExceptionItem[];
  test?: { requestedBy: string; at: string };
}

export interface AlertLinks {
  dashboard: string;
  run?: string;
  /** The dashboard's page of one resource (its results across runs). */
  history(resourceId: string): string;
  /** The dashboard's page of one exception of the store (it lists the store's exceptions only). */
  exception(id: string): string;
  /** The dashboard's list of the store's exceptions that end soon. */
  expiringExceptions: string;
}

/**
 * The links a card or JSON alert carries: the signed-in door (/api/web), which people open after signing in with
 * Entra ID, so no key ever travels in a card (docs/api.md, Who may call what). Resources open the dashboard's HTML
 * page of the resource, not the JSON API.
 */
export function alertLinks(reportBaseUrl: string, runId?: string): AlertLinks {
  const web = `${reportBaseUrl}/api/web`;
  return {
    dashboard: `${web}/dashboard`,
    ...(runId !== undefined ? { run: `${web}/runs/${encodeURIComponent(runId)}` } : {}),
    history: (resourceId) => `${web}/dashboard?resource=${Buffer.from(resourceId, "utf8").toString("base64url")}`,
    exception: (id) => `${web}/dashboard/exceptions?id=${encodeURIComponent(id)}`,
    expiringExceptions: `${web}/dashboard/exceptions?standing=expiring`,
  };
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[threshold];
}

export function bySeverityThenName(a: AlertItem, b: AlertItem): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    a.resourceName.localeCompare(b.resourceName) ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.resourceId.localeCompare(b.resourceId)
  );
}

export function emptySections(): Record<Section, AlertItem[]> {
  return { new: [], regressed: [], exceptionExpired: [], resolved: [], stillFailing: [] };
}

export function isEmptyMessage(message: AlertMessage): boolean {
  return LISTS.every((list) => listLength(message, list) === 0);
}

/** The lists a message shows and fits to its budget: the finding sections, then the expiring exceptions. */
export const LISTS = [...SECTIONS, "exceptionsExpiring"] as const;
export type List = (typeof LISTS)[number];
export type Shown = Record<List, number>;

function listLength(message: AlertMessage, list: List): number {
  return list === "exceptionsExpiring" ? (message.exceptionsExpiring?.length ?? 0) : message.sections[list].length;
}

/**
 * The order in which items earn a place when space is short: the three most severe of every section first (so many
 * new findings never crowd out the resolved ones entirely), then the rest section by section, most severe first.
 */
function priorityOrder(message: AlertMessage): List[] {
  const order: List[] = [];
  const lead = 3;
  for (const list of LISTS) for (let i = 0; i < Math.min(lead, listLength(message, list)); i += 1) order.push(list);
  for (const list of LISTS) for (let i = lead; i < listLength(message, list); i += 1) order.push(list);
  return order;
}

/**
 * Renders with as many items as fit in `maxBytes` (UTF-8 of the rendered body). `render` gets how many items of each
 * section to show; rendered size grows with every item, so a binary search over the priority order finds the most.
 */
export function fitToBudget(
  message: AlertMessage,
  maxBytes: number,
  render: (shown: Shown) => string,
): { body: string; bytes: number; shown: Shown } {
  const order = priorityOrder(message);
  const shownFor = (k: number): Shown => {
    const shown: Shown = {
      new: 0,
      regressed: 0,
      exceptionExpired: 0,
      resolved: 0,
      stillFailing: 0,
      exceptionsExpiring: 0,
    };
    for (let i = 0; i < k; i += 1) shown[order[i]!] += 1;
    return shown;
  };
  const attempt = (k: number) => {
    const shown = shownFor(k);
    const body = render(shown);
    return { body, bytes: Buffer.byteLength(body, "utf8"), shown };
  };
  const all = attempt(order.length);
  if (all.bytes <= maxBytes) return all;
  let best = attempt(0);
  if (best.bytes > maxBytes)
    throw new Error(`Internal error: an alert without items is ${best.bytes} bytes, over the ${maxBytes}-byte budget`);
  let low = 1;
  let high = order.length - 1;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const candidate = attempt(mid);
    if (candidate.bytes <= maxBytes) {
      best = candidate;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best;
}
