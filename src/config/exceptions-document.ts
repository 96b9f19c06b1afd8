// The exceptions document: the YAML (or JSON) form teams keep in git, read by `mi-audit scan --exceptions FILE` and
// imported by `POST /api/exceptions/import`. A malformed document, an unknown rule, a missing field or an expiry
// beyond the limit is the user's to fix, named by file, entry and field; an entry whose date has passed is not an
// error: it is expired, it no longer applies, and the run says so.
import { isScalar, parseDocument, visit, type Document } from "yaml";
import { AuditorError } from "../errors";
import { readExceptionInput, type ExceptionProblem } from "../engine/exception-input";
import { exceptionKey, type AuditException, type ExceptionSource } from "../engine/exceptions";

export interface ExceptionsDocumentOptions {
  /** What to call the document in messages: a file path, or "the request body". */
  name: string;
  source: ExceptionSource;
  now: Date;
  maxDays: number;
  allowExpired: boolean;
}

export interface ExceptionsDocument {
  /** Every entry, expired ones included (they no longer apply, and runs report them). */
  exceptions: AuditException[];
  /** The ids of entries whose date has passed. */
  expiredIds: string[];
}

/** Entries at most; a document is read whole, so this bounds what one file or request costs. */
export const MAX_EXCEPTIONS_PER_DOCUMENT = 5_000;

/** Parses and checks a whole document; throws INPUT_INVALID_REQUEST listing (up to 20) problems. */
export function readExceptionsDocument(text: string, options: ExceptionsDocumentOptions): ExceptionsDocument {
  const entries = documentEntries(text, options.name);
  if (entries.length > MAX_EXCEPTIONS_PER_DOCUMENT)
    fail(options.name, [`has ${entries.length} exceptions; at most ${MAX_EXCEPTIONS_PER_DOCUMENT} per document`]);
  const problems: string[] = [];
  const exceptions: AuditException[] = [];
  const expiredIds: string[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const label = entryLabel(entry, index);
    const result = readExceptionInput(entry, options);
    if (!result.ok) {
      // "entry" is the entry as a whole, already named by the label.
      const line = (p: ExceptionProblem) => `${label}: ${p.field === "entry" ? "" : `${p.field} `}${p.message}`;
      problems.push(...result.problems.map(line));
      return;
    }
    const key = exceptionKey(result.exception);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`${label}: id ${result.exception.id} is already used by entry ${first + 1}`);
      return;
    }
    seen.set(key, index);
    exceptions.push(result.exception);
    if (result.expired) expiredIds.push(result.exception.id);
  });
  if (problems.length > 0) fail(options.name, problems);
  return { exceptions, expiredIds };
}

/** Several documents read as one set (CLI `--exceptions` is repeatable): an id may appear in one document only. */
export function mergeExceptionsDocuments(
  documents: ReadonlyArray<{ name: string; document: ExceptionsDocument }>,
): ExceptionsDocument {
  const owner = new Map<string, string>();
  const merged: ExceptionsDocument = { exceptions: [], expiredIds: [] };
  for (const { name, document } of documents) {
    for (const exception of document.exceptions) {
      const key = exceptionKey(exception);
      const other = owner.get(key);
      if (other !== undefined)
        throw new AuditorError(
          "INPUT_INVALID_REQUEST",
          `${name}: exception ${exception.id}: id is already used in ${other}; ids must be unique across exception files`,
        );
      owner.set(key, name);
      merged.exceptions.push(exception);
    }
    merged.expiredIds.push(...document.expiredIds);
  }
  return merged;
}

function documentEntries(text: string, name: string): unknown[] {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where =
      first.linePos?.[0] === undefined ? "" : ` at line ${first.linePos[0].line}, column ${first.linePos[0].col}`;
    // The parser's first line repeats the position and ends with a colon; its multi-document advice names its API.
    const reason =
      first.code === "MULTIPLE_DOCS"
        ? "it holds several YAML documents (---); put every exception in one `exceptions:` list"
        : first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    fail(name, [`is not valid YAML or JSON${where}: ${reason}`]);
  }
  keepPlainScalarsAsWritten(document);
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) fail(name, ["is empty; expected `exceptions:` with a list of exceptions"]);
  if (Array.isArray(value)) return value as unknown[];
  if (typeof value === "object") {
    const root = value as Record<string, unknown>;
    const extra = Object.keys(root).filter((key) => key !== "exceptions");
    if (extra.length > 0) fail(name, [`has unexpected top-level key(s) ${extra.join(", ")}; expected only exceptions`]);
    const list = root.exceptions;
    if (list === null || list === undefined) return [];
    if (Array.isArray(list)) return list as unknown[];
  }
  return fail(name, ["must be `exceptions:` followed by a list of exceptions"]);
}

/**
 * Every field of an exception is text, so an unquoted scalar YAML would read as a number, a boolean or a timestamp is
 * taken as written: `id: 0042` stays "0042" (not 42, nor octal 34 under YAML 1.1), `ticket: 1e3` stays "1e3",
 * `critical: true` is the tag value "true", and a YAML 1.1 timestamp is checked as the text it is. Null stays null.
 */
function keepPlainScalarsAsWritten(document: Document): void {
  visit(document, {
    Scalar(_key, node) {
      const value: unknown = node.value;
      if (typeof value === "string" || value === null || value === undefined) return;
      if (isScalar(node) && typeof node.source === "string") node.value = node.source;
    },
  });
}

function entryLabel(entry: unknown, index: number): string {
  const id =
    entry !== null && typeof entry === "object" && typeof (entry as Record<string, unknown>).id === "string"
      ? ` (${(entry as Record<string, unknown>).id as string})`
      : "";
  return `entry ${index + 1}${id}`;
}

function fail(name: string, problems: readonly string[]): never {
  const shown = problems.slice(0, 20);
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : "";
  throw new AuditorError("INPUT_INVALID_REQUEST", `${name}: ${shown.join("; ")}${more}`);
}
