// Decides, for one channel and one run, what to announce. Pure: the alert service loads the inputs and stores the plan.
//
// Two sources meet here:
//   - the diff findingstate reported for this run (new, regressed, resolved, still failing): it names what changed;
//   - the channel's ledger, one entry per rule × resource the channel was told is failing (`open`) or was told is
//     fixed: it says what the channel already knows.
// A failure is announced when the channel does not know it is open; a fix when the channel knows it as open and this
// run, having read it fully, finds it passing. That keeps a channel's view exactly in step with the verdicts even when
// an earlier announcement was planned but a run was partial, or the alert step of a run never ran.
import type { AuditReport } from "../audit/run-audit";
import { FINDING_RESOURCE_FIELDS, pickIdentity, type Finding, type FindingIdentity } from "../engine/finding";
import type { CompletedRun, RunDetail, StateChange, StateTransitions, Transition } from "../audit/audit-store";
import { runVerification } from "../engine/gate";
import { defaultIsFullyRead, representativeResult } from "../store/finding-transitions";
import { stateKeys } from "../store/table-keys";
import type { Severity } from "../rules/rule";
import {
  bySeverityThenName,
  emptySections,
  isEmptyMessage,
  severityAtLeast,
  type AlertItem,
  type AlertMessage,
  type AlertRunInfo,
  type Section,
} from "./alert-message";
import { evidenceLine } from "./evidence-line";
import { baselinesOfRule } from "../rules/baselines";
import { exceptionKey, isExcepted } from "../engine/exceptions";
import { type ExceptionReportEntry } from "../engine/exception-outcome";
import { expiringNotices, type ExpiryNoticeChange } from "./exception-notices";

export interface LedgerEntry {
  /** The findingstate RowKey of the pair: `<resourceHash>|<ruleKey>`. */
  key: string;
  resourceId: string;
  ruleId: string;
  /** The channel was told it fails and has not been told it is fixed. */
  open: boolean;
  /** When the channel was last told it fails (announcement or reminder): the run's start, ISO. */
  announcedAt?: string;
  /** When the channel was first told of the current failure. */
  firstAnnouncedAt?: string;
  announcedRunId?: string;
}

export type LedgerAction = "open" | "remind" | "close";

/** The identity fields a ledger entry records. */
const LEDGER_IDENTITY_FIELDS = ["resourceId", "ruleId", "resourceName"] as const;

export interface LedgerChange extends Pick<FindingIdentity, (typeof LEDGER_IDENTITY_FIELDS)[number]> {
  key: string;
  action: LedgerAction;
}

export interface RunVerdicts {
  /** The result that speaks for each rule × resource pair this run decided (fully read, or a read fail). */
  verdicts: Map<string, Finding>;
  /** What findingstate made of each pair in this run. */
  transitions: Map<string, { transition: Transition; change: StateChange }>;
  /** Pairs a newer run had already set: this run's verdicts for them are out of date. */
  staleCount: number;
  notFullyRead: number;
}

export function pairKey(resourceId: string, ruleId: string): string {
  return stateKeys(resourceId, ruleId).rowKey;
}

/** Groups the report by rule × resource exactly as the store does when it updates findingstate. */
export function runVerdicts(report: AuditReport, transitions: StateTransitions): RunVerdicts {
  const groups = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const key = pairKey(finding.resourceId, finding.ruleId);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [finding]);
    else group.push(finding);
  }
  const isFullyRead = report.run.status === "partial" ? defaultIsFullyRead : () => true;
  const verdicts = new Map<string, Finding>();
  for (const [key, group] of groups) {
    const finding = representativeResult(group, isFullyRead);
    if (finding !== undefined) verdicts.set(key, finding);
  }
  const byKey = new Map<string, { transition: Transition; change: StateChange }>();
  for (const transition of ["new", "regressed", "resolved", "stillFailing"] as const) {
    for (const change of transitions[transition])
      byKey.set(pairKey(change.finding.resourceId, change.finding.ruleId), { transition, change });
  }
  return { verdicts, transitions: byKey, staleCount: transitions.stale, notFullyRead: transitions.notFullyRead };
}

/** What a channel's message says about the run: from the report, its stored record and the previous run's. */
export function alertRunInfo(
  report: AuditReport,
  completed: CompletedRun,
  detail: RunDetail | undefined,
  previous: RunDetail | undefined,
): AlertRunInfo {
  const previousRunId = detail?.summary?.delta.previousRunId;
  const unavailable = report.exceptions.exceptionsUnavailable;
  return {
    runId: report.run.runId,
    status: report.run.status as "completed" | "partial",
    scope: detail?.scope ?? report.run.source.kind,
    startedAt: report.run.startedAt,
    finishedAt: report.run.finishedAt,
    estateScore: report.summary.estateScore,
    ...(report.summary.estateScoreAllFailures !== report.summary.estateScore
      ? { estateScoreAllFailures: report.summary.estateScoreAllFailures }
      : {}),
    previousEstateScore: previous?.estateScore ?? null,
    ...(previousRunId !== undefined ? { previousRunId } : {}),
    // The previous run's baseline too: a rule new to the baseline is not a new failure (firstAssessedUnderBaseline).
    baseline: report.run.baseline,
    ...(previous !== undefined ? { previousBaseline: previous.baseline } : {}),
    notFullyRead: completed.transitions.notFullyRead,
    coverageGaps: report.run.coverageGaps.length,
    unverified: runVerification({ byRule: report.summary.byRule, coverageGaps: report.run.coverageGaps.length })
      .unverifiedBySeverity,
    ...(unavailable !== undefined ? { exceptionsUnavailable: unavailable } : {}),
  };
}

function passes(finding: Finding): boolean {
  return finding.status === "pass" || finding.status === "notApplicable";
}

/**
 * Pairs a channel knows as open that pass in this run although findingstate reported no transition for them: a fix
 * first seen by a partial run (which may not announce it), or by a run whose alert step did not run. When the run had
 * stale pairs these must be confirmed against findingstate before they are announced.
 */
export function deferredResolvedCandidates(
  run: AlertRunInfo,
  verdicts: RunVerdicts,
  ledger: ReadonlyMap<string, LedgerEntry>,
): string[] {
  if (run.status !== "completed") return [];
  const keys: string[] = [];
  for (const entry of ledger.values()) {
    if (!entry.open || verdicts.transitions.has(entry.key)) continue;
    const verdict = verdicts.verdicts.get(entry.key);
    if (verdict !== undefined && passes(verdict)) keys.push(entry.key);
  }
  return keys;
}

export interface ChannelPlanInput {
  channel: string;
  minSeverity: Severity;
  /** The channel's routing (severity aside). */
  accepts(finding: Finding): boolean;
  run: AlertRunInfo;
  verdicts: RunVerdicts;
  ledger: ReadonlyMap<string, LedgerEntry>;
  /** Deferred fixes this run may announce (see deferredResolvedCandidates). */
  confirmedResolved: ReadonlySet<string>;
  /** 0: never. */
  remindDays: number;
  /** Send a digest if there is nothing to announce (ALERT_DAILY_DIGEST, and the channel has heard nothing today). */
  digest: boolean;
  /** The run's exceptions that end soon (report.exceptions.expiring). */
  expiring?: readonly ExceptionReportEntry[];
  /** The expiry notices the channel was sent (noticeRowKey). */
  noticed?: ReadonlySet<string>;
}

/** What a plan writes to the channel's bookkeeping: its ledger, and the expiry notices it sent. */
export type PlannedChange = LedgerChange | ExpiryNoticeChange;

export interface ChannelPlan {
  kind: "alert" | "digest" | "none";
  message: AlertMessage;
  ledger: PlannedChange[];
}

const DAY_MS = 86_400_000;
// Nightly runs start a few seconds apart from one night to the next; a reminder due "7 days" after 02:00:05 is due at
// 02:00:03 a week later.
const REMINDER_GRACE_MS = 60 * 60 * 1000;

/** What planning one channel gathers while it walks the run's verdicts. */
interface Gathered {
  sections: Record<Section, AlertItem[]>;
  changes: PlannedChange[];
  failing: Array<{ finding: Finding; change?: StateChange }>;
  /** Keys (exceptionKey) of the exceptions that except a result this channel takes. */
  excepted: Set<string>;
  stillFailing: number;
  reminders: number;
}

export function planChannel(input: ChannelPlanInput): ChannelPlan {
  const { run, verdicts, ledger } = input;
  const g: Gathered = {
    sections: emptySections(),
    changes: [],
    failing: [],
    excepted: new Set(),
    stillFailing: 0,
    reminders: 0,
  };
  const announce = (section: Section, finding: Finding, action: LedgerAction, extra: Partial<AlertItem> = {}): void => {
    g.sections[section].push({ ...toItem(finding), ...extra });
    g.changes.push({
      key: pairKey(finding.resourceId, finding.ruleId),
      ...pickIdentity(finding, LEDGER_IDENTITY_FIELDS),
      action,
    });
  };

  for (const [key, finding] of verdicts.verdicts) {
    if (!severityAtLeast(finding.severity, input.minSeverity) || !input.accepts(finding)) continue;
    const entry = ledger.get(key);
    const open = entry?.open === true;
    const labelled = verdicts.transitions.get(key);
    // An accepted risk is neither news nor a reminder, and the channel's ledger is not opened for it; when its
    // exception expires the channel hears of it once (the branch below), and a fix it knew of is still announced.
    if (isExcepted(finding) && finding.exception !== undefined) {
      g.excepted.add(exceptionKey(finding.exception));
      continue;
    }
    if (finding.status === "fail") {
      planFailure(input, g, announce, { finding, entry, labelled });
      continue;
    }

    // A partial run cannot resolve anything: the channel hears of the fix from the next complete run.
    if (!passes(finding) || run.status !== "completed" || !open) continue;
    if (labelled?.transition === "resolved" || (labelled === undefined && input.confirmedResolved.has(key))) {
      const since = labelled?.change.previous?.statusChangedAt ?? entry?.firstAnnouncedAt;
      announce("resolved", finding, "close", since !== undefined ? { failingSince: since } : {});
    }
  }
  return finishPlan(input, g);
}

type Announce = (section: Section, finding: Finding, action: LedgerAction, extra?: Partial<AlertItem>) => void;

/** One failing verdict the channel takes and that no exception in force covers. */
function planFailure(
  input: ChannelPlanInput,
  g: Gathered,
  announce: Announce,
  pair: {
    finding: Finding;
    entry: LedgerEntry | undefined;
    labelled: { transition: Transition; change: StateChange } | undefined;
  },
): void {
  const { run } = input;
  const { finding, entry, labelled } = pair;
  const open = entry?.open === true;
  // No transition for a fail means findingstate kept a newer run's verdict: this run's is out of date.
  if (labelled === undefined || labelled.transition === "resolved") return;
  g.failing.push({ finding, change: labelled.change });
  const since = labelled.change.previous?.status === "fail" ? labelled.change.previous.statusChangedAt : run.startedAt;
  const isNew = labelled.transition === "new" && !firstAssessedUnderBaseline(run, finding.ruleId);
  if (!open && finding.exception?.effect === "expired")
    announce("exceptionExpired", finding, "open", {
      failingSince: since,
      reason: "exceptionExpired",
      exception: finding.exception,
    });
  else if (!open && isNew) announce("new", finding, "open", { failingSince: run.startedAt });
  else if (!open && labelled.transition === "regressed")
    announce("regressed", finding, "open", { failingSince: run.startedAt });
  else {
    g.stillFailing += 1;
    if (!open) {
      // Without the store's exceptions the run cannot tell an accepted risk from a failure the channel never heard
      // of: it waits for a run that has them rather than announce every accepted risk as a first notice.
      if (run.exceptionsUnavailable !== undefined) return;
      // The channel never heard of this failure (alerting or the route is new, or a run's alert step never ran).
      announce("stillFailing", finding, "open", { failingSince: since, reason: "firstNotice" });
    } else if (reminderDue(entry, run.startedAt, input.remindDays)) {
      g.reminders += 1;
      announce("stillFailing", finding, "remind", {
        failingSince: entry?.firstAnnouncedAt ?? since,
        reason: "reminder",
      });
    }
  }
}

/** The message from what was gathered: an alert, else a digest when one is due, else nothing. */
function finishPlan(input: ChannelPlanInput, g: Gathered): ChannelPlan {
  const { run } = input;
  const { sections } = g;
  const notices = expiringNotices(input.expiring ?? [], g.excepted, input.noticed ?? new Set());
  for (const section of Object.keys(sections) as Section[]) sections[section].sort(bySeverityThenName);
  const message: AlertMessage = {
    kind: "alert",
    channel: input.channel,
    minSeverity: input.minSeverity,
    run,
    counts: {
      new: sections.new.length,
      regressed: sections.regressed.length,
      resolved: sections.resolved.length,
      stillFailing: g.stillFailing,
      reminders: g.reminders,
      exceptionExpired: sections.exceptionExpired.length,
      exceptionsExpiring: notices.items.length,
    },
    sections,
    exceptionsExpiring: notices.items,
  };
  if (!isEmptyMessage(message)) return { kind: "alert", message, ledger: [...g.changes, ...notices.changes] };
  if (!input.digest) return { kind: "none", message, ledger: [] };

  const digest = g.failing.map(({ finding, change }) => ({
    ...toItem(finding),
    reason: "digest" as const,
    failingSince: change?.previous?.status === "fail" ? change.previous.statusChangedAt : run.startedAt,
  }));
  digest.sort(bySeverityThenName);
  return {
    kind: "digest",
    message: { ...message, kind: "digest", sections: { ...emptySections(), stillFailing: digest } },
    ledger: [],
  };
}

/**
 * A first failure of a rule the previous run's baseline did not have (the baseline changed): the failure is newly
 * assessed, not new, so it is announced as a first notice of an open failure rather than as "new". (A rule absent from
 * a run's baseline gives no verdict, so it is never "resolved" by that run either.)
 */
function firstAssessedUnderBaseline(run: AlertRunInfo, ruleId: string): boolean {
  const { baseline, previousBaseline } = run;
  if (baseline === undefined || previousBaseline === undefined || baseline === previousBaseline) return false;
  return !baselinesOfRule(ruleId).includes(previousBaseline);
}

function reminderDue(entry: LedgerEntry | undefined, at: string, remindDays: number): boolean {
  if (remindDays <= 0 || entry?.announcedAt === undefined) return false;
  return Date.parse(at) - Date.parse(entry.announcedAt) >= remindDays * DAY_MS - REMINDER_GRACE_MS;
}

export function toItem(finding: Finding): AlertItem {
  return {
    ...pickIdentity(finding, ["ruleId", "title", "severity"]),
    status: finding.status,
    ...pickIdentity(finding, FINDING_RESOURCE_FIELDS),
    location: finding.location,
    message: finding.message,
    evidence: evidenceLine(finding.evidence),
  };
}
