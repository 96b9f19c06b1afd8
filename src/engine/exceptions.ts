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
  // Read once per exception object: a run asks for each covering exception's expiry once per result it covers.
  const cached = EXPIRY_CACHE.get(exception);
  if (cached !== undefined) return cached === NO_EXPIRY ? undefined : cached;
  const instant = readExpiry(exception.expiresOn);
  EXPIRY_CACHE.set(exception, instant ?? NO_EXPIRY);
  return instant;
}

const NO_EXPIRY = Symbol("no expiry");
const EXPIRY_CACHE = new WeakMap<object, number | typeof NO_EXPIRY>();

function readExpiry(text: string | undefined): number | undefined {
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
  /**
   * rule id → subscription → scope key → exceptions: a result of a rule, or in a subscription, that nobody excepted
   * costs one or two map reads; only results in an excepted subscription walk their id's segments.
   */
  private readonly byRuleAndScope = new Map<string, Map<string, ScopeTable>>();
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
      // A set: an exception that names a rule twice (an initiative's two policies mapping to one rule) covers once.
      for (const ruleId of new Set(exception.ruleIds)) {
        if (group !== undefined) {
          const key = `${ruleId}|${group}`;
          const list = this.byRuleAndGroup.get(key);
          if (list === undefined) this.byRuleAndGroup.set(key, [exception]);
          else list.push(exception);
          continue;
        }
        const scope = scopeKey(exception.scope);
        // A scope that is neither a management group nor under a subscription matches nothing: never widened.
        const subscription = subscriptionOfKey(scope);
        if (subscription === undefined) continue;
        let bySubscription = this.byRuleAndScope.get(ruleId);
        if (bySubscription === undefined)
          this.byRuleAndScope.set(ruleId, (bySubscription = new Map<string, ScopeTable>()));
        let scopes = bySubscription.get(subscription);
        if (scopes === undefined)
          bySubscription.set(subscription, (scopes = { byScope: new Map(), lengths: new Set() }));
        const list = scopes.byScope.get(scope);
        if (list === undefined) scopes.byScope.set(scope, [exception]);
        else list.push(exception);
        scopes.lengths.add(scope.length);
      }
    }
  }

  /** Every exception (in force or not) whose rule, scope and tags cover the finding. */
  covering(
    finding: Pick<Finding, "ruleId" | "resourceId" | "tags"> & Partial<Pick<Finding, "location" | "resourceType">>,
  ): AuditException[] {
    if (this.size === 0) return [];
    const bySubscription = this.byRuleAndScope.get(finding.ruleId);
    if (bySubscription === undefined && this.byRuleAndGroup.size === 0) return [];
    const id = scopeKey(finding.resourceId);
    const subscription = subscriptionOfKey(id);
    const scopes = subscription === undefined ? undefined : bySubscription?.get(subscription);
    if (scopes === undefined && this.byRuleAndGroup.size === 0) return [];
    const found: AuditException[] = [];
    const tags = new TagLookup(finding.tags);
    // The id itself, then each ancestor at a segment boundary, down to /subscriptions/<id>.
    if (scopes !== undefined)
      for (let end = id.length; end > 0; end = id.lastIndexOf("/", end - 1)) {
        // Only a prefix as long as some scope can be one: most levels are skipped without cutting a string.
        if (!scopes.lengths.has(end)) continue;
        const list = scopes.byScope.get(id.slice(0, end));
        if (list !== undefined)
          for (const exception of list)
            if (tags.matches(exception) && selectorsMatch(exception, finding)) found.push(exception);
      }
    if (this.byRuleAndGroup.size > 0) this.addGroupScoped(finding, id, tags, found);
    return found;
  }

  /** Management-group scoped exceptions of a group the finding's subscription sits under (at any depth). */
  private addGroupScoped(
    finding: Pick<Finding, "ruleId" | "tags"> & Partial<Pick<Finding, "location" | "resourceType">>,
    id: string,
    tags: TagLookup,
    found: AuditException[],
  ): void {
    const subscription = /^\/subscriptions\/([^/]+)/.exec(id)?.[1];
    const groups = subscription === undefined ? undefined : this.subscriptionGroups?.(subscription);
    for (const group of groups ?? []) {
      const list = this.byRuleAndGroup.get(`${finding.ruleId}|${group.toLowerCase()}`);
      if (list !== undefined)
        for (const exception of list)
          if (!found.includes(exception) && tags.matches(exception) && selectorsMatch(exception, finding))
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

/** The scopes of one rule in one subscription, and their lengths. */
interface ScopeTable {
  byScope: Map<string, AuditException[]>;
  lengths: Set<number>;
}

const SUBSCRIPTIONS_PREFIX = "/subscriptions/";

/** The subscription id of a lower-cased ARM id under /subscriptions/, or undefined. */
function subscriptionOfKey(key: string): string | undefined {
  if (!key.startsWith(SUBSCRIPTIONS_PREFIX)) return undefined;
  const end = key.indexOf("/", SUBSCRIPTIONS_PREFIX.length);
  const id = key.slice(SUBSCRIPTIONS_PREFIX.length, end === -1 ? undefined : end);
  return id === "" ? undefined : id;
}

/** A resource's tags by lower-cased name, folded once per result and only if an exception asks for tags. */
class TagLookup {
  private byName: Map<string, string> | undefined;

  constructor(private readonly tags: Readonly<Record<string, string>> | undefined) {}

  matches(exception: AuditException): boolean {
    const wanted = wantedTags(exception);
    if (wanted.length === 0) return true;
    if (this.tags === undefined) return false;
    this.byName ??= new Map(Object.entries(this.tags).map(([name, value]) => [name.toLowerCase(), value]));
    return wanted.every(([name, value]) => this.byName!.get(name) === value);
  }
}

const WANTED_TAGS = new WeakMap<AuditException, ReadonlyArray<readonly [string, string]>>();

/** The exception's tags with lower-cased names (ARM compares tag names case-insensitively), folded once. */
function wantedTags(exception: AuditException): ReadonlyArray<readonly [string, string]> {
  let wanted = WANTED_TAGS.get(exception);
  if (wanted === undefined) {
    wanted = Object.entries(exception.tags ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const);
    WANTED_TAGS.set(exception, wanted);
  }
  return wanted;
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
