// Exceptions ending soon, as a channel hears of them: once per channel per exception and expiry date. An exception whose
// expiry is extended has a new date, so the channel is warned again when the new date comes close; one revoked and
// created again with the same date is not news. The notices a channel was sent live in the alert tables beside its
// ledger (alert-tables.ts), written when the entry's ledger changes are written, so a retried run plans the same.
import { createHash } from "node:crypto";
import { exceptionKey } from "../engine/exceptions";
import { type ExceptionReportEntry } from "../engine/exception-outcome";
import type { ExceptionSource } from "../engine/exceptions";

/** One expiring exception in an alert. */
export interface ExpiringExceptionItem {
  id: string;
  source: ExceptionSource;
  ruleIds: string[];
  scope: string;
  /** The scope in a few words: the resource's name, `resource group rg-data`, `subscription <id>`. */
  scopeName: string;
  expiresOn: string;
  /** Whole days left at the run's start (0 on its last day). */
  daysLeft: number;
  approvedBy: string;
  ticket?: string;
}

/** A planned record that the channel was warned of an exception's expiry date (applied with the ledger changes). */
export interface ExpiryNoticeChange {
  action: "notice";
  /** The notice's RowKey: see noticeRowKey. */
  key: string;
  exceptionKey: string;
  expiresOn: string;
}

/** Hashed: a Policy exemption's id is an ARM id, and `/` may not appear in a table key. */
export function noticeRowKey(key: string, expiresOn: string): string {
  return createHash("sha256").update(`${key}|${expiresOn}`, "utf8").digest("hex");
}

/**
 * The expiring exceptions one channel is to hear of in this run: those that except at least one result the channel
 * takes (its routing and threshold), and whose expiry date it was not warned of yet. An exception that excepts nothing
 * the channel takes changes nothing for it when it ends, so it stays in the run's report only.
 */
export function expiringNotices(
  expiring: readonly ExceptionReportEntry[],
  exceptedForChannel: ReadonlySet<string>,
  noticed: ReadonlySet<string>,
): { items: ExpiringExceptionItem[]; changes: ExpiryNoticeChange[] } {
  const items: ExpiringExceptionItem[] = [];
  const changes: ExpiryNoticeChange[] = [];
  for (const entry of expiring) {
    const key = exceptionKey(entry);
    if (entry.expiresOn === undefined || entry.daysLeft === undefined || !exceptedForChannel.has(key)) continue;
    const rowKey = noticeRowKey(key, entry.expiresOn);
    if (noticed.has(rowKey)) continue;
    items.push(expiringItem(entry, entry.expiresOn, entry.daysLeft));
    changes.push({ action: "notice", key: rowKey, exceptionKey: key, expiresOn: entry.expiresOn });
  }
  // The report lists them by expiry then id already; keep that order (soonest first).
  return { items, changes };
}

function expiringItem(entry: ExceptionReportEntry, expiresOn: string, daysLeft: number): ExpiringExceptionItem {
  const item: ExpiringExceptionItem = {
    id: entry.id,
    source: entry.source,
    ruleIds: [...entry.ruleIds],
    scope: entry.scope,
    scopeName: scopeShortName(entry.scope),
    expiresOn,
    daysLeft,
    approvedBy: entry.approvedBy,
  };
  if (entry.ticket !== undefined) item.ticket = entry.ticket;
  return item;
}

/** `subscription <id>`, `resource group <name>`, or the resource's own name (the last segment of its id). */
export function scopeShortName(scope: string): string {
  const segments = scope.split("/").filter((s) => s !== "");
  if (segments.length === 2 && segments[0]!.toLowerCase() === "subscriptions") return `subscription ${segments[1]}`;
  if (segments.length === 4 && segments[2]!.toLowerCase() === "resourcegroups") return `resource group ${segments[3]}`;
  return segments.at(-1) ?? scope;
}
