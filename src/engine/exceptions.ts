// Exceptions: accepted risks, each with a reason, an approver and an expiry date. An exception never hides a result:
// a fail or unknown it covers keeps its status and gains `exception` (so every format shows it), and only the counts
// that gate, score and alert leave it out. Pure: the CLI reads exception files, the store keeps the API's, and Azure
// Policy exemptions arrive with the estate; all three become the same AuditException here.
import type { Finding } from "./finding";
import type { Status } from "../rules/rule";
import { managementGroupOfScope } from "../model/management-group-ancestry";

/** Where an exception was declared: a file given to the CLI, the app's exception store, or an Azure Policy exemption. */
export const EXCEPTION_SOURCES = ["file", "store", "policy"] as const;
export type ExceptionSource = (typeof EXCEPTION_SOURCES)[number];

export interface AuditException {
  /** Unique within its source (`EX-0042`; a Policy exemption's ARM id). */
  id: string;
  source: ExceptionSource;
  /** The rules it excepts (catalog ids). */
  ruleIds: readonly string[];
  /**
   * An ARM id: a resource (it and its child resources), or a resource group or subscription (every resource in it).
   * Compared case-insensitively, at segment boundaries.
   */
  scope: string;
  /** Tags the resource must carry, every one (names case-insensitive, values exact, as ARM compares them). */
  tags?: Readonly<Record<string, string>>;
  justification: string;
  approvedBy: string;
  /**
   * `YYYY-MM-DD` (the exception applies through the end of that day, UTC) or an ISO instant (a Policy exemption's
   * `expiresOn`). Absent only for a Policy exemption that has no expiry.
   */
  expiresOn?: string;
  /** A change or ticket reference, or a link. */
  ticket?: string;
  /** Recorded by the system (the store: the signed-in caller; a Policy exemption: its creator, when known). */
  createdBy?: string;
  createdAt?: string;
  /**
   * An Azure Policy exemption's resource selectors: when present, the exception covers a resource only if it meets
   * every condition of at least one selector (Azure Policy's rule). Tags cannot say this: it is about location and type.
   */
  resourceSelectors?: readonly ExceptionResourceSelector[];
}

/** A resource selector as Azure Policy writes it (`resourceLocation`, `resourceType`, `resourceWithoutLocation`). */
export interface ExceptionResourceSelector {
  name: string;
  selectors: ReadonlyArray<{ kind: string; in?: readonly string[]; notIn?: readonly string[] }>;
}

/**
 * What an exception did to one result:
 * - `applied`: the result is a fail or unknown the exception covers; it does not gate, alert as new, or (by default)
 *   lower the score;
 * - `expired`: the exception covered it but has expired; the result counts again;
 * - `notNeeded`: the result passes (or no longer applies): the exception is no longer needed for it.
 */
export type ExceptionEffect = "applied" | "expired" | "notNeeded";

/** The exception as a finding carries it, in every output. */
export interface FindingException {
  id: string;
  source: ExceptionSource;
  justification: string;
  approvedBy: string;
  expiresOn?: string;
  ticket?: string;
  effect: ExceptionEffect;
}

/** The statuses an exception excepts. `error` is not one: a rule that threw is the auditor's fault, not a risk. */
export const EXCEPTABLE_STATUSES: ReadonlySet<Status> = new Set<Status>(["fail", "unknown"]);

/** Whether a finding's result is excepted (covered by an exception in force): the one test every count uses. */
export function isExcepted(finding: Pick<Finding, "exception">): boolean {
  return finding.exception?.effect === "applied";
}

// ---- expiry ---------------------------------------------------------------------------------------------------------

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant the exception stops applying (ms since the epoch); `undefined` when it never expires. */
export function expiryInstant(exception: Pick<AuditException, "expiresOn">): number | undefined {
  const text = exception.expiresOn;
  if (text === undefined) return undefined;
  const date = DATE_ONLY.exec(text);
  // A date is a whole day: the exception applies through its end, in UTC, whatever the runner's time zone.
  if (date !== null) return Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]) + 1);
  return Date.parse(text);
}

/**
 * Whether the exception is in force at `now` (ms). An expiry that cannot be read counts as passed: doubt never hides a
 * failure, and every part of the run (standing, effect, tally) must agree on it.
 */
export function inForceAt(exception: Pick<AuditException, "expiresOn">, now: number): boolean {
  const end = expiryInstant(exception);
  return end === undefined || end > now;
}

/** `expiring`: in force, and its date is at most `warnDays` days away (daysUntilExpiry <= warnDays). */
export type ExceptionStanding = "active" | "expiring" | "expired";

export function exceptionStanding(
  exception: Pick<AuditException, "expiresOn">,
  at: Date,
  warnDays: number,
): ExceptionStanding {
  if (!inForceAt(exception, at.getTime())) return "expired";
  const daysLeft = daysUntilExpiry(exception, at);
  // "Within 14 days of its date" counts days to the date as people do: 14 days before it, it is expiring.
  return daysLeft !== undefined && daysLeft <= warnDays ? "expiring" : "active";
}

/** Whole days from `at` until the exception ends (0 on its last day); negative once expired; undefined: no expiry. */
export function daysUntilExpiry(exception: Pick<AuditException, "expiresOn">, at: Date): number | undefined {
  const end = expiryInstant(exception);
  if (end === undefined) return undefined;
  return Math.ceil((end - at.getTime()) / DAY_MS) - 1;
}

// ---- matching -------------------------------------------------------------------------------------------------------

/** The key of an exception across sources (ids are unique within a source). */
export function exceptionKey(exception: Pick<AuditException, "source" | "id">): string {
  return `${exception.source}:${exception.id.toLowerCase()}`;
}

/** Lower-cased, without a trailing slash: the form scopes and resource ids are compared in. */
export function scopeKey(armId: string): string {
  return armId.toLowerCase().replace(/\/+$/, "");
}

export interface ExceptionIndexOptions {
  /**
   * The names (lower case) of the management groups a subscription (lower-case id) sits under, every ancestor up to
   * the tenant root; undefined when not known. Only Policy exemptions have management-group scopes (exception input
   * refuses them); without this lookup, or for a subscription it does not know, they cover nothing.
   */
  subscriptionGroups?: (subscriptionId: string) => readonly string[] | undefined;
}

/**
 * Finds the exceptions that cover a finding: indexed by rule and scope, so a lookup walks the finding's resource id
 * up its segments (a dozen map reads) and its subscription's management groups (one read per ancestor), whatever the
 * number of exceptions.
 */
export class ExceptionIndex {
  private readonly byRuleAndScope = new Map<string, AuditException[]>();
  private readonly byRuleAndGroup = new Map<string, AuditException[]>();
  private readonly subscriptionGroups: ExceptionIndexOptions["subscriptionGroups"];
  readonly size: number;

  constructor(
    readonly exceptions: readonly AuditException[],
    options: ExceptionIndexOptions = {},
  ) {
    this.size = exceptions.length;
    this.subscriptionGroups = options.subscriptionGroups;
    for (const exception of exceptions) {
      const group = managementGroupOfScope(exception.scope);
      const [map, scope] =
        group === undefined ? [this.byRuleAndScope, scopeKey(exception.scope)] : [this.byRuleAndGroup, group];
      // A set: an exception that names a rule twice (an initiative's two policies mapping to one rule) covers once.
      for (const ruleId of new Set(exception.ruleIds)) {
        const key = `${ruleId}|${scope}`;
        const list = map.get(key);
        if (list === undefined) map.set(key, [exception]);
        else list.push(exception);
      }
    }
  }

  /** Every exception (in force or not) whose rule, scope and tags cover the finding. */
  covering(
    finding: Pick<Finding, "ruleId" | "resourceId" | "tags"> & Partial<Pick<Finding, "location" | "resourceType">>,
  ): AuditException[] {
    if (this.size === 0) return [];
    const id = scopeKey(finding.resourceId);
    const found: AuditException[] = [];
    // The id itself, then each ancestor at a segment boundary, down to /subscriptions/<id>.
    for (let end = id.length; end > 0; end = id.lastIndexOf("/", end - 1)) {
      const list = this.byRuleAndScope.get(`${finding.ruleId}|${id.slice(0, end)}`);
      if (list !== undefined)
        for (const exception of list)
          if (tagsMatch(exception, finding.tags) && selectorsMatch(exception, finding)) found.push(exception);
    }
    if (this.byRuleAndGroup.size > 0) this.addGroupScoped(finding, id, found);
    return found;
  }

  /** Management-group scoped exceptions of a group the finding's subscription sits under (at any depth). */
  private addGroupScoped(
    finding: Pick<Finding, "ruleId" | "tags"> & Partial<Pick<Finding, "location" | "resourceType">>,
    id: string,
    found: AuditException[],
  ): void {
    const subscription = /^\/subscriptions\/([^/]+)/.exec(id)?.[1];
    const groups = subscription === undefined ? undefined : this.subscriptionGroups?.(subscription);
    for (const group of groups ?? []) {
      const list = this.byRuleAndGroup.get(`${finding.ruleId}|${group.toLowerCase()}`);
      if (list !== undefined)
        for (const exception of list)
          if (!found.includes(exception) && tagsMatch(exception, finding.tags) && selectorsMatch(exception, finding))
            found.push(exception);
    }
  }
}

/**
 * Azure Policy's resource selectors: any selector whose conditions all hold. Locations compare as ARM writes them
 * (lower case, no spaces), types case-insensitively; `resourceWithoutLocation` (only `subscriptionLevelResources`
 * exists) describes resources without a location, which no audited resource is. A kind this code does not know, or a
 * field the finding lacks, never matches: an exception is never widened by guessing.
 */
function selectorsMatch(
  exception: AuditException,
  finding: Partial<Pick<Finding, "location" | "resourceType">>,
): boolean {
  const selectors = exception.resourceSelectors;
  if (selectors === undefined || selectors.length === 0) return true;
  const fold = (text: string) => text.toLowerCase().replace(/\s+/g, "");
  const valueOf = (kind: string): string | undefined => {
    if (kind === "resourcelocation") return finding.location === undefined ? undefined : fold(finding.location);
    if (kind === "resourcetype") return finding.resourceType === undefined ? undefined : fold(finding.resourceType);
    if (kind === "resourcewithoutlocation") return finding.location ? "" : "subscriptionlevelresources";
    return undefined;
  };
  return selectors.some((selector) =>
    selector.selectors.every((condition) => {
      const value = valueOf(condition.kind.toLowerCase());
      if (value === undefined) return false;
      if (condition.in !== undefined && !condition.in.some((v) => fold(v) === value)) return false;
      if (condition.notIn !== undefined && condition.notIn.some((v) => fold(v) === value)) return false;
      return true;
    }),
  );
}

function tagsMatch(exception: AuditException, tags: Readonly<Record<string, string>> | undefined): boolean {
  if (exception.tags === undefined) return true;
  const wanted = Object.entries(exception.tags);
  if (wanted.length === 0) return true;
  if (tags === undefined) return false;
  const byName = new Map(Object.entries(tags).map(([name, value]) => [name.toLowerCase(), value]));
  return wanted.every(([name, value]) => byName.get(name.toLowerCase()) === value);
}

/** The latest-ending first (no expiry is latest), then by source and id: the one a finding shows, deterministically. */
function preferred(a: AuditException, b: AuditException): number {
  const ea = expiryInstant(a) ?? Number.POSITIVE_INFINITY;
  const eb = expiryInstant(b) ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return eb - ea;
  return exceptionKey(a).localeCompare(exceptionKey(b));
}

export function toFindingException(exception: AuditException, effect: ExceptionEffect): FindingException {
  const shown: FindingException = {
    id: exception.id,
    source: exception.source,
    justification: exception.justification,
    approvedBy: exception.approvedBy,
    effect,
  };
  if (exception.expiresOn !== undefined) shown.expiresOn = exception.expiresOn;
  if (exception.ticket !== undefined) shown.ticket = exception.ticket;
  return shown;
}

/**
 * What the covering exceptions make of one result at run time `at`: a fail or unknown under an exception in force is
 * excepted; one whose exceptions have all expired says so (it counts again); a pass or not-applicable result under an
 * exception in force marks that exception as no longer needed. `undefined`: nothing to show.
 */
export function exceptionFor(
  status: Status,
  covering: readonly AuditException[],
  at: Date,
): FindingException | undefined {
  if (covering.length === 0 || status === "error") return undefined;
  const now = at.getTime();
  const inForce = covering.filter((e) => inForceAt(e, now));
  const exceptable = EXCEPTABLE_STATUSES.has(status);
  if (inForce.length > 0)
    return toFindingException([...inForce].sort(preferred)[0]!, exceptable ? "applied" : "notNeeded");
  if (!exceptable) return undefined;
  return toFindingException([...covering].sort(preferred)[0]!, "expired");
}

// ---- what the exceptions did in a run -------------------------------------------------------------------------------

/** One exception's tally in a run (or a part of one): JSON-safe, and parts add up (mergeExceptionUsage). */
export interface ExceptionUsage {
  exception: AuditException;
  /** Fail and unknown results it excepted. */
  applied: number;
  /** Pass and not-applicable results it covered while in force. */
  notNeeded: number;
  /** Fail and unknown results it covered after it expired. */
  expired: number;
  /** Whether its scope lies inside what the run audited (else "matched nothing" is no news: it was not looked at). */
  inScope: boolean;
}

/** Counts, per exception, what it covered. Every exception of the run is listed, matched or not (for `stale`). */
export class ExceptionTally {
  private readonly usage = new Map<string, ExceptionUsage>();

  constructor(exceptions: readonly AuditException[], inScope: (exception: AuditException) => boolean) {
    for (const exception of exceptions)
      this.usage.set(exceptionKey(exception), {
        exception,
        applied: 0,
        notNeeded: 0,
        expired: 0,
        inScope: inScope(exception),
      });
  }

  /** Records one result's covering exceptions (all of them count as matched, not only the one the finding shows). */
  add(status: Status, covering: readonly AuditException[], at: Date): void {
    if (covering.length === 0 || status === "error") return;
    const now = at.getTime();
    const exceptable = EXCEPTABLE_STATUSES.has(status);
    for (const exception of covering) {
      const usage = this.usage.get(exceptionKey(exception));
      if (usage === undefined) continue;
      const expired = !inForceAt(exception, now);
      if (!exceptable) {
        if (!expired) usage.notNeeded += 1;
      } else if (expired) usage.expired += 1;
      else usage.applied += 1;
    }
  }

  sums(): Record<string, ExceptionUsage> {
    return Object.fromEntries([...this.usage].map(([key, usage]) => [key, { ...usage }]));
  }
}

/** Adds up the tallies of parts of one run (fan-out shards): counts add, in scope if any part saw it in scope. */
export function mergeExceptionUsage(
  parts: ReadonlyArray<Readonly<Record<string, ExceptionUsage>> | undefined>,
): Record<string, ExceptionUsage> {
  const merged: Record<string, ExceptionUsage> = {};
  for (const part of parts) {
    if (part === undefined) continue;
    for (const [key, usage] of Object.entries(part)) {
      const into = merged[key];
      if (into === undefined) merged[key] = { ...usage };
      else {
        into.applied += usage.applied;
        into.notNeeded += usage.notNeeded;
        into.expired += usage.expired;
        into.inScope ||= usage.inScope;
      }
    }
  }
  return merged;
}

/** One exception in a run's report. */
export interface ExceptionReportEntry {
  id: string;
  source: ExceptionSource;
  ruleIds: string[];
  scope: string;
  approvedBy: string;
  justification: string;
  expiresOn?: string;
  ticket?: string;
  standing: ExceptionStanding;
  /** Whole days left (0 on its last day); absent when it never expires; negative once expired. */
  daysLeft?: number;
  applied: number;
  notNeeded: number;
  expired: number;
}

/** How many entries each list of the outcome keeps; the counts are always complete. */
export const EXCEPTION_LIST_LIMIT = 100;

/**
 * What a run's exceptions did: the counts, and the exceptions people must act on, each list sorted by expiry then id
 * and capped at EXCEPTION_LIST_LIMIT.
 * - `expiring`: in force, and ending within the warning window;
 * - `expired`: past their expiry (what they covered counts again);
 * - `stale`: in force, inside the audited scope, and matched no result at all;
 * - `notNeeded`: in force, and every result they matched passes or no longer applies;
 * - `noExpiry`: Policy exemptions without an expiry date (honoured; exceptions of this tool always have one).
 */
export interface ExceptionsOutcome {
  /** Exceptions the run considered, per source. */
  considered: Record<ExceptionSource, number>;
  /** Exceptions that excepted at least one result. */
  applied: number;
  /** Results excepted, by status (fail, unknown). */
  exceptedResults: { fail: number; unknown: number };
  counts: { expiring: number; expired: number; stale: number; notNeeded: number; noExpiry: number };
  expiring: ExceptionReportEntry[];
  expired: ExceptionReportEntry[];
  stale: ExceptionReportEntry[];
  notNeeded: ExceptionReportEntry[];
  noExpiry: ExceptionReportEntry[];
  /**
   * Why the run went without the store's exceptions (the store could not be read): every failure then counts, and
   * the run says so rather than silently dropping accepted risks.
   */
  exceptionsUnavailable?: string;
}

export function emptyExceptionsOutcome(): ExceptionsOutcome {
  return {
    considered: { file: 0, store: 0, policy: 0 },
    applied: 0,
    exceptedResults: { fail: 0, unknown: 0 },
    counts: { expiring: 0, expired: 0, stale: 0, notNeeded: 0, noExpiry: 0 },
    expiring: [],
    expired: [],
    stale: [],
    notNeeded: [],
    noExpiry: [],
  };
}

/** The outcome from the run's merged tallies, at the run's start `at`. */
export function describeExceptions(
  usage: Readonly<Record<string, ExceptionUsage>> | undefined,
  exceptedResults: { fail: number; unknown: number },
  options: { at: Date; warnDays: number },
): ExceptionsOutcome {
  const outcome = emptyExceptionsOutcome();
  outcome.exceptedResults = { ...exceptedResults };
  const lists: Record<"expiring" | "expired" | "stale" | "notNeeded" | "noExpiry", ExceptionReportEntry[]> = {
    expiring: [],
    expired: [],
    stale: [],
    notNeeded: [],
    noExpiry: [],
  };
  for (const u of Object.values(usage ?? {})) {
    const e = u.exception;
    outcome.considered[e.source] += 1;
    if (u.applied > 0) outcome.applied += 1;
    const standing = exceptionStanding(e, options.at, options.warnDays);
    const entry: ExceptionReportEntry = {
      id: e.id,
      source: e.source,
      ruleIds: [...e.ruleIds],
      scope: e.scope,
      approvedBy: e.approvedBy,
      justification: e.justification,
      standing,
      applied: u.applied,
      notNeeded: u.notNeeded,
      expired: u.expired,
    };
    if (e.expiresOn !== undefined) entry.expiresOn = e.expiresOn;
    if (e.ticket !== undefined) entry.ticket = e.ticket;
    const daysLeft = daysUntilExpiry(e, options.at);
    if (daysLeft !== undefined) entry.daysLeft = daysLeft;
    if (standing === "expired") lists.expired.push(entry);
    else {
      if (standing === "expiring") lists.expiring.push(entry);
      if (e.expiresOn === undefined) lists.noExpiry.push(entry);
      if (u.applied === 0 && u.notNeeded > 0) lists.notNeeded.push(entry);
      else if (u.applied === 0 && u.notNeeded === 0 && u.inScope) lists.stale.push(entry);
    }
  }
  for (const name of Object.keys(lists) as Array<keyof typeof lists>) {
    const list = lists[name].sort(byExpiryThenId);
    outcome.counts[name] = list.length;
    outcome[name] = list.slice(0, EXCEPTION_LIST_LIMIT);
  }
  return outcome;
}

function byExpiryThenId(a: ExceptionReportEntry, b: ExceptionReportEntry): number {
  const ea = expiryInstant(a) ?? Number.POSITIVE_INFINITY;
  const eb = expiryInstant(b) ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.source.localeCompare(b.source) || a.id.localeCompare(b.id);
}
