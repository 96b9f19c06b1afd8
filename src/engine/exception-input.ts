// Reads one exception as people write it (a YAML or JSON file entry, an API body) into an AuditException, or says
// which fields are wrong and why. Pure and shared: the CLI's files, the API and its import all check exactly this.
import { RULES } from "../rules/catalog";
import type { AuditException, ExceptionSource } from "./exceptions";

/** The fields people write, in the order the docs and the file form list them. */
export const EXCEPTION_INPUT_FIELDS = [
  "id",
  "rule",
  "scope",
  "tags",
  "justification",
  "approvedBy",
  "expiresOn",
  "ticket",
] as const;

/** Recorded by the system, never accepted from people. */
const SYSTEM_FIELDS = ["createdBy", "createdAt", "source"];

export const EXCEPTION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** "At least a sentence": enough words that a reviewer can tell why, a year later. */
export const JUSTIFICATION_MIN_WORDS = 4;
export const JUSTIFICATION_MIN_CHARS = 20;
// ARM's own tag limits: names up to 512 characters, values up to 256 (a longer one could never match).
const LIMITS = {
  justification: 2_000,
  approvedBy: 256,
  ticket: 512,
  scope: 1_024,
  tagName: 512,
  tagValue: 256,
  tags: 15,
} as const;

// /subscriptions/<guid>, optionally /resourceGroups/<name>, optionally /providers/<namespace>/<type>/<name>[/...].
const SUBSCRIPTION_SCOPE = /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GROUP_SCOPE = /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/[-\w._()]{1,90}$/i;
const RESOURCE_SCOPE =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/[-\w._()]{1,90}\/providers\/[A-Za-z0-9.]+\/[^/]+\/[^/]+(\/[^/]+\/[^/]+)*$/i;

export interface ExceptionProblem {
  /** The field at fault (`rule[1]`, `tags.env`), or `entry` for the entry as a whole. */
  field: string;
  message: string;
}

export type ExceptionInputResult =
  { ok: true; exception: AuditException; expired: boolean } | { ok: false; problems: ExceptionProblem[] };

export interface ExceptionInputOptions {
  source: ExceptionSource;
  /** Today, for the expiry checks (the date part, in UTC). */
  now: Date;
  /** How far ahead `expiresOn` may be, in days (EXCEPTION_MAX_DAYS). */
  maxDays: number;
  /**
   * Whether a date already past is accepted. Files: yes (the entry is reported expired, never an error: a committed
   * file must not break a pipeline on the day an exception lapses). The API: no.
   */
  allowExpired: boolean;
}

const RULE_IDS = new Set(RULES.map((rule) => rule.id));

/** Checks one entry; every problem is listed, each naming its field. */
export function readExceptionInput(input: unknown, options: ExceptionInputOptions): ExceptionInputResult {
  if (input === null || typeof input !== "object" || Array.isArray(input))
    return {
      ok: false,
      problems: [{ field: "entry", message: `expected an object with fields ${EXCEPTION_INPUT_FIELDS.join(", ")}` }],
    };
  const entry = input as Record<string, unknown>;
  const problems: ExceptionProblem[] = [];
  const problem = (field: string, message: string): void => void problems.push({ field, message });

  for (const key of Object.keys(entry)) {
    if (SYSTEM_FIELDS.includes(key)) problem(key, "is recorded by the system and cannot be set");
    else if (!(EXCEPTION_INPUT_FIELDS as readonly string[]).includes(key))
      problem(key, `is not a field of an exception (expected ${EXCEPTION_INPUT_FIELDS.join(", ")})`);
  }

  const id = requiredText(entry, "id", 64, problem);
  if (id !== undefined && !EXCEPTION_ID_PATTERN.test(id))
    problem("id", "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. EX-0042)");

  const ruleIds = readRules(entry.rule, problem);
  const scope = readScope(entry.scope, problem);
  const tags = readTags(entry.tags, problem);

  const justification = requiredText(entry, "justification", LIMITS.justification, problem);
  if (justification !== undefined) {
    const words = justification.split(/\s+/).filter((word) => word !== "").length;
    if (words < JUSTIFICATION_MIN_WORDS || justification.length < JUSTIFICATION_MIN_CHARS)
      problem(
        "justification",
        `must say why the risk is accepted, in at least a sentence (${JUSTIFICATION_MIN_WORDS} words, ${JUSTIFICATION_MIN_CHARS} characters)`,
      );
  }
  const approvedBy = requiredText(entry, "approvedBy", LIMITS.approvedBy, problem);
  const expiry = readExpiry(entry.expiresOn, options, problem);
  const ticket = entry.ticket === undefined ? undefined : optionalText(entry.ticket, "ticket", LIMITS.ticket, problem);

  if (problems.length > 0) return { ok: false, problems };
  const exception: AuditException = {
    id: id!,
    source: options.source,
    ruleIds: ruleIds!,
    scope: scope!,
    justification: justification!,
    approvedBy: approvedBy!,
    expiresOn: expiry!.date,
  };
  if (tags !== undefined) exception.tags = tags;
  if (ticket !== undefined) exception.ticket = ticket;
  return { ok: true, exception, expired: expiry!.expired };
}

type Report = (field: string, message: string) => void;

function requiredText(entry: Record<string, unknown>, field: string, max: number, problem: Report): string | undefined {
  const value = entry[field];
  if (value === undefined || value === null) {
    problem(field, "is required");
    return undefined;
  }
  return optionalText(value, field, max, problem);
}

function optionalText(value: unknown, field: string, max: number, problem: Report): string | undefined {
  // YAML reads `ticket: 1182` as a number; a reference is text, so plain numbers are taken as written.
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== "string") {
    problem(field, `must be text, found ${describe(value)}`);
    return undefined;
  }
  const trimmed = text.trim();
  if (trimmed === "") {
    problem(field, "must not be empty");
    return undefined;
  }
  if (trimmed.length > max) {
    problem(field, `must be at most ${max} characters (found ${trimmed.length})`);
    return undefined;
  }
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) {
    problem(field, "must not contain control characters");
    return undefined;
  }
  return trimmed;
}

function readRules(value: unknown, problem: Report): string[] | undefined {
  if (value === undefined || value === null) {
    problem("rule", "is required (a rule id, or a list of rule ids; see mi-audit rules)");
    return undefined;
  }
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) {
    problem("rule", "must name at least one rule");
    return undefined;
  }
  const ids: string[] = [];
  list.forEach((item, index) => {
    const field = Array.isArray(value) ? `rule[${index}]` : "rule";
    if (typeof item !== "string") return problem(field, `must be a rule id, found ${describe(item)}`);
    const id = item.trim();
    if (!RULE_IDS.has(id)) return problem(field, `names no rule: ${JSON.stringify(item)} (see mi-audit rules)`);
    if (!ids.includes(id)) ids.push(id);
  });
  return ids.length > 0 ? ids : undefined;
}

function readScope(value: unknown, problem: Report): string | undefined {
  const text = value === undefined || value === null ? undefined : optionalText(value, "scope", LIMITS.scope, problem);
  if (value === undefined || value === null)
    problem("scope", "is required (a resource, resource group or subscription id)");
  if (text === undefined) return undefined;
  const scope = text.replace(/\/+$/, "");
  if (SUBSCRIPTION_SCOPE.test(scope) || GROUP_SCOPE.test(scope) || RESOURCE_SCOPE.test(scope)) return scope;
  problem(
    "scope",
    `must be a subscription id (/subscriptions/<guid>), a resource group id (.../resourceGroups/<name>) or a resource id (.../providers/<namespace>/<type>/<name>), found ${JSON.stringify(text)}`,
  );
  return undefined;
}

function readTags(value: unknown, problem: Report): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    problem("tags", `must be a map of tag names to values, found ${describe(value)}`);
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > LIMITS.tags) problem("tags", `must list at most ${LIMITS.tags} tags`);
  const tags: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const [name, tagValue] of entries) {
    const field = `tags.${name}`;
    if (name.trim() === "" || name.length > LIMITS.tagName) {
      problem(field, `must be a tag name of 1-${LIMITS.tagName} characters`);
      continue;
    }
    // ARM tag names are case-insensitive: Env and env are one tag, and asking for two values of it matches nothing.
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) {
      problem(field, `names the same tag as tags.${other} (tag names are case-insensitive)`);
      continue;
    }
    seen.set(name.toLowerCase(), name);
    const text = optionalText(tagValue, field, LIMITS.tagValue, problem);
    if (text !== undefined) tags[name] = text;
  }
  return tags;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

function readExpiry(
  value: unknown,
  options: ExceptionInputOptions,
  problem: Report,
): { date: string; expired: boolean } | undefined {
  if (value === undefined || value === null) {
    problem("expiresOn", `is required (a date, YYYY-MM-DD, at most ${options.maxDays} days ahead)`);
    return undefined;
  }
  // YAML reads an unquoted 2027-03-31 as a timestamp at midnight UTC: that is the date written.
  const text = value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : value;
  const match = typeof text === "string" ? DATE.exec(text.trim()) : null;
  const day = match === null ? Number.NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (match === null || Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== match[0]) {
    problem("expiresOn", `must be a calendar date, YYYY-MM-DD, found ${describe(value)}`);
    return undefined;
  }
  const today = Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth(), options.now.getUTCDate());
  const ahead = Math.round((day - today) / DAY_MS);
  if (ahead > options.maxDays) {
    problem(
      "expiresOn",
      `${match[0]} is ${ahead} days ahead; an exception may run at most ${options.maxDays} days (EXCEPTION_MAX_DAYS), until ${new Date(today + options.maxDays * DAY_MS).toISOString().slice(0, 10)}`,
    );
    return undefined;
  }
  // The exception applies through the end of its date: it has expired once that day is over.
  const expired = ahead < 0;
  if (expired && !options.allowExpired) {
    problem("expiresOn", `${match[0]} has passed; an exception must expire today or later`);
    return undefined;
  }
  return { date: match[0], expired };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}
