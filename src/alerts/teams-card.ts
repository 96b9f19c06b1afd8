// The Teams rendering: an Adaptive Card (version 1.4, what Teams renders) inside the message envelope a Workflows
// webhook ("Send webhook alerts to a channel") accepts. Text that comes from the estate (names, evidence, NSG rule
// descriptions) goes into TextRuns, which renderers never read as Markdown; only our own words go into TextBlocks.
import { SEVERITIES, type Severity } from "../rules/rule";
import {
  fitToBudget,
  SECTIONS,
  severityAtLeast,
  type AlertItem,
  type AlertLinks,
  type AlertMessage,
  type AlertRunInfo,
  type Section,
  type Shown,
} from "./alert-message";
import type { ExpiringExceptionItem } from "./exception-notices";
import { alertFingerprint } from "./json-alert";

/** Teams refuses messages over about 28 KB; keep a margin for its own envelope. */
export const TEAMS_MAX_BYTES = 27 * 1024;
export const CARD_VERSION = "1.4";

type Element = Record<string, unknown>;

const SECTION_TITLES: Record<Section, string> = {
  new: "New findings",
  regressed: "Regressed (failing again after a fix)",
  exceptionExpired: "Exception expired (failing again)",
  resolved: "Resolved",
  stillFailing: "Still failing",
};

const SEVERITY_COLOR: Record<Severity, string> = {
  critical: "attention",
  high: "attention",
  medium: "warning",
  low: "default",
};

export function teamsPayload(
  message: AlertMessage,
  links: AlertLinks,
  maxBytes = TEAMS_MAX_BYTES,
): { body: string; bytes: number; shown: Shown } {
  return fitToBudget(message, maxBytes, (shown) => JSON.stringify(envelope(card(message, links, shown))));
}

export function envelope(content: Element): Element {
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content }],
  };
}

function card(message: AlertMessage, links: AlertLinks, shown: Shown): Element {
  const body: Element[] = [...header(message)];
  for (const section of SECTIONS) {
    const items = message.sections[section];
    if (items.length === 0) continue;
    const title = message.kind === "digest" ? "Open failures" : SECTION_TITLES[section];
    body.push(heading(`${title} (${items.length})`));
    for (const item of items.slice(0, shown[section])) body.push(itemContainer(item, section, links));
    body.push(...moreLines(items.length - shown[section], "most severe shown first", links));
  }
  body.push(...expiringSection(message.exceptionsExpiring ?? [], shown.exceptionsExpiring, links));
  const actions: Element[] = [{ type: "Action.OpenUrl", title: "Open dashboard", url: links.dashboard }];
  if (links.run !== undefined) actions.push({ type: "Action.OpenUrl", title: "Run summary", url: links.run });
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: CARD_VERSION,
    msteams: { width: "Full" },
    body,
    actions,
  };
}

function header(message: AlertMessage): Element[] {
  const { counts, run } = message;
  if (message.kind === "test") {
    return [
      { type: "TextBlock", text: "MI Exposure Auditor: test alert", weight: "bolder", size: "large", wrap: true },
      { type: "TextBlock", text: "If you can read this, the webhook of this channel works.", wrap: true },
      { type: "FactSet", facts: [fact("Channel", message.channel), fact("Sent", formatTime(message.test?.at))] },
      // The caller's name is theirs to choose: a TextRun, which no renderer reads as Markdown (a fact's value is).
      richText([
        { type: "TextRun", text: "Requested by ", isSubtle: true },
        { type: "TextRun", text: message.test?.requestedBy ?? "unknown" },
      ]),
    ];
  }
  const title =
    message.kind === "digest"
      ? `MI exposure daily summary: ${counts.stillFailing} open failure${counts.stillFailing === 1 ? "" : "s"}`
      : `MI exposure: ${alertTitleParts(counts).join(", ") || "open failures"}`;
  const color =
    counts.new + counts.regressed + (counts.exceptionExpired ?? 0) > 0
      ? "attention"
      : counts.resolved > 0 && counts.stillFailing === 0
        ? "good"
        : "default";
  const elements: Element[] = [{ type: "TextBlock", text: title, weight: "bolder", size: "large", color, wrap: true }];
  if (run !== undefined) {
    elements.push({
      type: "FactSet",
      facts: [
        fact("Scope", run.scope),
        fact("Run", `${run.runId} (${run.status})`),
        fact("Finished", formatTime(run.finishedAt)),
        fact("Estate score", scoreText(run.estateScore, run.previousEstateScore) + allFailuresText(run)),
        ...(run.baseline !== undefined ? [fact("Baseline", baselineText(run.baseline, run.previousBaseline))] : []),
        fact("Threshold", `${message.minSeverity} and above`),
      ],
    });
  }
  const expired = (counts.exceptionExpired ?? 0) > 0 ? ` · Exception expired ${counts.exceptionExpired}` : "";
  elements.push({
    type: "TextBlock",
    text: `New ${counts.new} · Regressed ${counts.regressed}${expired} · Resolved ${counts.resolved} · Still failing ${counts.stillFailing}`,
    wrap: true,
    spacing: "small",
  });
  if (run?.exceptionsUnavailable !== undefined)
    elements.push({
      type: "TextBlock",
      text: unavailableLine(run.exceptionsUnavailable),
      wrap: true,
      color: "warning",
    });
  const verification = run === undefined ? undefined : verificationLine(run, message.minSeverity);
  if (verification !== undefined)
    elements.push({ type: "TextBlock", text: verification, wrap: true, color: "warning", size: "small" });
  return elements;
}

function alertTitleParts(counts: AlertMessage["counts"]): string[] {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts: Array<[number, string]> = [
    [counts.new, `${counts.new} new`],
    [counts.regressed, `${counts.regressed} regressed`],
    [counts.exceptionExpired ?? 0, `${plural(counts.exceptionExpired ?? 0, "exception")} expired`],
    [counts.resolved, `${counts.resolved} resolved`],
    [counts.reminders, plural(counts.reminders, "reminder")],
    [counts.exceptionsExpiring ?? 0, `${plural(counts.exceptionsExpiring ?? 0, "exception")} expiring`],
  ];
  return parts.filter(([n]) => n > 0).map(([, text]) => text);
}

/** The run went without the exception store: its accepted risks count as failures, and the card must say so. */
function unavailableLine(reason: string): string {
  return `This run went without the exception store's exceptions (${truncate(reason, 200)}): the failures they cover count as failures in it, and failures this channel has not heard of wait for a run that has them.`;
}

/**
 * One line, with counts, when the run is not a clean read: a partial run (coverage gaps), or results at or above
 * the channel's threshold that are unknown or error. Without it a card of a partial run reads as a clean one.
 */
export function verificationLine(run: AlertRunInfo, minSeverity: Severity): string | undefined {
  const unverified = SEVERITIES.filter((s) => severityAtLeast(s, minSeverity) && (run.unverified?.[s] ?? 0) > 0).map(
    (s) => `${run.unverified![s]} ${s}`,
  );
  const notVerified = unverified.length > 0 ? ` Not verified (unknown or error): ${unverified.join(", ")}.` : "";
  if (run.status === "partial") {
    const gaps =
      run.coverageGaps === undefined ? "" : ` (${run.coverageGaps} coverage gap${run.coverageGaps === 1 ? "" : "s"})`;
    return `Partial run${gaps}: ${run.notFullyRead} rule × resource pair(s) could not be fully read.${notVerified} Nothing is reported as resolved until a complete run confirms it.`;
  }
  return notVerified === "" ? undefined : `Complete run, but not everything was decided.${notVerified}`;
}

function itemContainer(item: AlertItem, section: Section, links: AlertLinks): Element {
  const badge =
    section === "resolved"
      ? { text: "RESOLVED", color: "good" }
      : { text: item.severity.toUpperCase(), color: SEVERITY_COLOR[item.severity] };
  const where = `${item.resourceName} · subscription ${item.subscriptionId} · ${item.resourceGroup}`;
  const detail =
    section === "resolved" ? `Now: ${item.evidence || item.message}` : `Evidence: ${item.evidence || item.message}`;
  const note =
    item.reason === "reminder"
      ? `Reminder: failing since ${formatTime(item.failingSince)}`
      : item.reason === "firstNotice"
        ? `Failing since ${formatTime(item.failingSince)} (first notice to this channel)`
        : item.reason === "exceptionExpired"
          ? expiredNote(item)
          : undefined;
  const items: Element[] = [
    richText([
      { type: "TextRun", text: badge.text, weight: "bolder", color: badge.color },
      { type: "TextRun", text: `  ${item.title}`, weight: "bolder" },
    ]),
    richText([{ type: "TextRun", text: where, isSubtle: true }]),
    richText([{ type: "TextRun", text: detail, size: "small" }]),
  ];
  if (note !== undefined)
    items.push(richText([{ type: "TextRun", text: note, size: "small", isSubtle: true, italic: true }]));
  // The id a SIEM, a ticket or a report format knows the finding by.
  items.push(
    richText([{ type: "TextRun", text: `Fingerprint ${alertFingerprint(item)}`, size: "small", isSubtle: true }]),
  );
  items.push({
    type: "ActionSet",
    actions: [
      {
        type: "Action.OpenUrl",
        title: `History of ${truncate(item.resourceName, 40)}`,
        url: links.history(item.resourceId),
      },
    ],
  });
  return { type: "Container", spacing: "medium", items };
}

function heading(text: string): Element {
  return { type: "TextBlock", text, weight: "bolder", size: "medium", separator: true, spacing: "medium", wrap: true };
}

function moreLines(more: number, order: string, links: AlertLinks): Element[] {
  if (more <= 0) return [];
  return [
    { type: "TextBlock", text: `…and ${more} more, ${order}.`, isSubtle: true, wrap: true, spacing: "small" },
    {
      type: "ActionSet",
      actions: [{ type: "Action.OpenUrl", title: "See all on the dashboard", url: links.dashboard }],
    },
  ];
}

/**
 * "Exceptions expiring": each exception the channel was not yet warned of for its expiry date. Its id, approver and
 * ticket are people's words, so they go into TextRuns like estate text.
 */
function expiringSection(items: readonly ExpiringExceptionItem[], shown: number, links: AlertLinks): Element[] {
  if (items.length === 0) return [];
  const elements: Element[] = [heading(`Exceptions expiring (${items.length})`)];
  for (const item of items.slice(0, shown)) {
    const left = item.daysLeft === 0 ? "last day today" : `${item.daysLeft} day${item.daysLeft === 1 ? "" : "s"} left`;
    const rows: Element[] = [
      richText([
        { type: "TextRun", text: "EXPIRING", weight: "bolder", color: "warning" },
        { type: "TextRun", text: `  ${item.id}`, weight: "bolder" },
        { type: "TextRun", text: ` · expires ${expiryText(item.expiresOn)} (${left})` },
      ]),
      richText([{ type: "TextRun", text: `${item.ruleIds.join(", ")} · ${item.scopeName}`, isSubtle: true }]),
      richText([
        {
          type: "TextRun",
          text: `Approved by ${item.approvedBy}${item.ticket !== undefined ? ` · ${item.ticket}` : ""}`,
          size: "small",
        },
      ]),
    ];
    // Only the store's exceptions have a dashboard page; a file's live in its repository, a Policy exemption in Azure.
    if (item.source === "store")
      rows.push({
        type: "ActionSet",
        actions: [
          { type: "Action.OpenUrl", title: `Exception ${truncate(item.id, 40)}`, url: links.exception(item.id) },
        ],
      });
    elements.push({ type: "Container", spacing: "medium", items: rows });
  }
  elements.push(...moreLines(items.length - shown, "soonest shown first", links));
  if (items.some((item) => item.source === "store"))
    elements.push({
      type: "ActionSet",
      actions: [
        { type: "Action.OpenUrl", title: "Expiring exceptions on the dashboard", url: links.expiringExceptions },
      ],
    });
  elements.push({
    type: "TextBlock",
    text: "When an exception expires, the failures it covers count again and are announced. Extend or fix before then.",
    isSubtle: true,
    wrap: true,
    size: "small",
  });
  return elements;
}

/** A date exception's last day as written; a Policy exemption's instant in UTC. */
function expiryText(expiresOn: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(expiresOn) ? expiresOn : formatTime(expiresOn);
}

function expiredNote(item: AlertItem): string {
  const e = item.exception;
  if (e === undefined) return "Its exception expired: it counts again.";
  const ends = e.expiresOn !== undefined ? ` ended ${expiryText(e.expiresOn)}` : " expired";
  return `Exception ${e.id} (approved by ${e.approvedBy})${ends}: it counts again.`;
}

function richText(inlines: Element[]): Element {
  return { type: "RichTextBlock", inlines };
}

/** The run's baseline; when it differs from the previous run's, say so (its rules' changes are not news). */
function baselineText(baseline: string, previous: string | undefined): string {
  return previous !== undefined && previous !== baseline ? `${baseline} (previous run: ${previous})` : baseline;
}

function fact(title: string, value: string): Element {
  return { title, value };
}

function scoreText(score: number | null, previous: number | null): string {
  if (score === null) return "n/a (nothing assessed)";
  if (previous === null) return `${score}`;
  const change = Math.round((score - previous) * 10) / 10;
  if (change === 0) return `${score} (unchanged)`;
  return `${score} (${change > 0 ? "+" : "−"}${Math.abs(change)} since the previous run)`;
}

/** Both scores when excepted failures made them differ: the headline is the one the run's policy picked. */
function allFailuresText(run: AlertRunInfo): string {
  const all = run.estateScoreAllFailures;
  return all === undefined || all === null ? "" : `; ${all} counting excepted failures`;
}

function formatTime(iso: string | undefined): string {
  if (iso === undefined || Number.isNaN(Date.parse(iso))) return "unknown";
  return `${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
