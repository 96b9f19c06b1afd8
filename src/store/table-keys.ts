// Table Storage key design: every PartitionKey/RowKey the store writes is derived here, and every one is valid.
//
// Table keys forbid `/ \ # ?` and control characters (U+0000–U+001F, U+007F–U+009F) and are at most 1 KiB of UTF-16,
// i.e. 512 code units. ARM ids contain `/` and can be long, so a resource is keyed by the SHA-256 (hex) of its
// case-folded id; the readable id is kept as an ordinary property beside it.
//
//   table          PartitionKey              RowKey                                  why
//   auditruns      "run"                     <inverted stamp>-<runId>                newest first in one range scan; derived from the runId alone
//   auditruns      "runsummary"              <inverted stamp>-<runId>|<nnn>          overflow chunks of a large run summary
//   findings       <runId>                   <resourceHash>|<ruleKey>|<nnnn>          one partition per run (retention drops whole partitions);
//                                                                                    one resource's results in a run are one range query
//   findingstate   <first hex of hash>       <resourceHash>|<ruleKey>                 16 partitions: a run's state update batches 100 at a time,
//                                                                                    one resource's states across rules are one range query
//   auditlocks     "scope"                   sha256(folded scope)                     one lock entity per audited scope
//   exceptions     <lower-cased id>          "current" | v<nnnnnn>                    an exception's state and its append-only history
//                                                                                    in one partition: a write is one transaction
import { createHash } from "node:crypto";
import { armKey } from "../model/arm-id";

/** 1 KiB of UTF-16. */
export const MAX_KEY_CODE_UNITS = 512;

const FORBIDDEN_KEY_CHARACTERS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

/** Why `key` cannot be a PartitionKey or RowKey, or `undefined` when it can. */
export function tableKeyProblem(key: string): string | undefined {
  if (typeof key !== "string") return "a key must be a string";
  if (key.length === 0) return "a key must not be empty";
  if (key.length > MAX_KEY_CODE_UNITS)
    return `a key is at most 1 KiB (${MAX_KEY_CODE_UNITS} UTF-16 code units); this one has ${key.length}`;
  const forbidden = FORBIDDEN_KEY_CHARACTERS.exec(key);
  if (forbidden !== null) {
    const code = forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return `a key must not contain / \\ # ? or control characters; found U+${code} at index ${forbidden.index}`;
  }
  return undefined;
}

export function isValidTableKey(key: string): boolean {
  return tableKeyProblem(key) === undefined;
}

/** Throws when a derived key breaks the rules: that is a bug in this file, never bad input. */
function checked(key: string): string {
  const problem = tableKeyProblem(key);
  if (problem !== undefined) throw new Error(`Internal error: derived table key is invalid (${problem})`);
  return key;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** SHA-256 hex of the case-folded ARM id, so `/Subscriptions/A/...` and `/subscriptions/a/...` are one resource. */
export function resourceHash(resourceId: string): string {
  return sha256Hex(armKey(resourceId));
}

const SLUG = /^[A-Za-z0-9._-]{1,200}$/;

/** Rule ids are dotted slugs and pass through as they are; anything else is hashed rather than escaped. */
export function ruleKey(ruleId: string): string {
  return SLUG.test(ruleId) ? ruleId : `~${sha256Hex(ruleId)}`;
}

// ---- runs -------------------------------------------------------------------------------------------------------

const RUN_ID = /^(\d{8})T(\d{6})Z-([A-Za-z0-9_-]{1,64})$/;

export const RUN_PARTITION = "run";
export const RUN_SUMMARY_PARTITION = "runsummary";

/** True when `runId` has the shape `newRunId` produces: `YYYYMMDDTHHMMSSZ-suffix`. */
export function isRunId(runId: string): boolean {
  return RUN_ID.test(runId);
}

/** The UTC second the run id was stamped with. */
export function runTimestamp(runId: string): Date {
  const match = RUN_ID.exec(runId);
  if (match === null) throw new RangeError(`'${runId}' is not a run id (YYYYMMDDTHHMMSSZ-suffix)`);
  const [date, time] = [match[1]!, match[2]!];
  return new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}Z`,
  );
}

/** 9 minus each digit: for fixed-width digit strings this reverses lexical order, so newer sorts first. */
function invertDigits(digits: string): string {
  let inverted = "";
  for (const digit of digits) inverted += String(9 - Number(digit));
  return inverted;
}

function stampDigits(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** auditruns RowKey: the inverted `YYYYMMDDHHMMSS` of the run id, then the run id itself. */
export function runRowKey(runId: string): string {
  const match = RUN_ID.exec(runId);
  if (match === null) throw new RangeError(`'${runId}' is not a run id (YYYYMMDDTHHMMSSZ-suffix)`);
  return checked(`${invertDigits(match[1]! + match[2]!)}-${runId}`);
}

/**
 * The lowest RowKey of runs stamped strictly before `at`. Inverted stamps of older runs are larger; '.' sorts after
 * '-', so runs from the cut-off second itself (`<inverted>-...`) stay below this bound.
 */
export function runRowKeyLowerBoundBefore(at: Date): string {
  return `${invertDigits(stampDigits(at))}.`;
}

/**
 * The RowKeys of runs newer than `runId`, as a filter on the run partition: stamped in a later second (`RowKey lt
 * laterThan`, smaller inverted digits), or in the same second with a greater id (`RowKey gt own and RowKey lt
 * sameSecondEnd`), the order run ids compare in. The run itself, shards of a fanned-out run included, is not newer.
 */
export function newerRunRowKeys(runId: string): { laterThan: string; own: string; sameSecondEnd: string } {
  const own = runRowKey(runId);
  const inverted = own.slice(0, own.indexOf("-"));
  return { laterThan: inverted, own, sameSecondEnd: `${inverted}.` };
}

export function runSummaryChunkRowKey(runId: string, index: number): string {
  return checked(`${runRowKey(runId)}|${String(index).padStart(3, "0")}`);
}

// ---- findings and state ---------------------------------------------------------------------------------------

/** findings RowKey: results of one resource sort together; `ordinal` separates several results of one rule. */
export function findingRowKey(resourceId: string, ruleId: string, ordinal: number): string {
  return checked(`${resourceHash(resourceId)}|${ruleKey(ruleId)}|${String(ordinal).padStart(4, "0")}`);
}

/** RowKey bounds (`ge from`, `lt to`) that select exactly one resource's rows in findings or findingstate. */
export function resourceRowKeyRange(resourceId: string): { from: string; to: string } {
  const hash = resourceHash(resourceId);
  // '}' is the character after '|', so the range ends just past every `<hash>|...` key.
  return { from: `${hash}|`, to: `${hash}}` };
}

export function stateKeys(resourceId: string, ruleId: string): { partitionKey: string; rowKey: string } {
  const hash = resourceHash(resourceId);
  return { partitionKey: stateShard(hash), rowKey: checked(`${hash}|${ruleKey(ruleId)}`) };
}

/**
 * 16 partitions: few enough that even a small run's state update fills 100-entity transactions (1,000 resources make
 * ~16 transactions, not ~250), enough to spread a large estate's writes.
 */
export function stateShard(hash: string): string {
  return hash.slice(0, 1);
}

// ---- locks ------------------------------------------------------------------------------------------------------

export const LOCK_PARTITION = "scope";

/** Scopes are compared case-insensitively and without surrounding blanks. */
export function lockRowKey(scope: string): string {
  return sha256Hex(scope.trim().toLowerCase());
}

// ---- exceptions -------------------------------------------------------------------------------------------------

export const EXCEPTION_CURRENT_ROW = "current";
const HISTORY_DIGITS = 6;

/** Exception ids are compared case-insensitively; they are key-safe by their pattern (EXCEPTION_ID_PATTERN). */
export function exceptionPartitionKey(id: string): string {
  return checked(id.toLowerCase());
}

/** `v000001`, `v000002`, ...: fixed width, so history rows sort by version and after `current`. */
export function exceptionHistoryRowKey(version: number): string {
  if (!Number.isInteger(version) || version < 1 || version >= 10 ** HISTORY_DIGITS)
    throw new RangeError(`An exception's version must be 1-${10 ** HISTORY_DIGITS - 1}, found ${version}`);
  return `v${String(version).padStart(HISTORY_DIGITS, "0")}`;
}
