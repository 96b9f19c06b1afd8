// Rows come from outside and any field may be missing or of the wrong type. A FieldReader reads typed values out of an
// untyped object and records a DataIssue for each value that is present but unusable, so a bad row becomes `unknown`
// verdicts with a note instead of a crash. A field that is simply absent is not an issue; callers decide what that means.
//
// A value of the wrong type whose meaning is not in doubt is converted instead, and the conversion is recorded as a
// warning, not an issue, so the verdicts that read it stand: the string "true" where ARM sends a boolean, the digits
// "100" where it sends an integer, the number 3342 where it sends text. Anything else of the wrong type ("yes", 1,
// "1e2", an object) is an issue. docs/collection.md (Snapshots) lists the fields and what happens to each.
import type { DataIssue } from "./estate";

export type Json = unknown;

/**
 * Where the readers of an issue list record their conversions: the estate builder registers each row's lists with
 * the row's warning list (see convertInto). A list nobody registered records a conversion as an issue instead, so a
 * reader created without a warning list can only make verdicts `unknown`, never let a doubtful value pass unseen.
 */
// Kept on the list itself under a symbol, not in a WeakMap: every row and every security rule registers a list, and
// millions of short-lived WeakMap keys made the garbage collector's ephemeron work double the engine's time at 1M rows.
const CONVERSIONS: unique symbol = Symbol("conversions");
type RegisteredIssues = DataIssue[] & { [CONVERSIONS]?: DataIssue[] };

/** Conversions recorded by readers that write issues to `issues` go to `warnings`. Returns `issues`. */
export function convertInto(issues: DataIssue[], warnings: DataIssue[]): DataIssue[] {
  Object.defineProperty(issues, CONVERSIONS, {
    value: warnings,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return issues;
}

/** The warning list registered for `issues`, if any (for a nested list that should share its row's). */
export function conversionsOf(issues: DataIssue[]): DataIssue[] | undefined {
  return (issues as RegisteredIssues)[CONVERSIONS];
}

export function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class FieldReader {
  constructor(
    private readonly source: Json,
    private readonly path: string,
    private readonly issues: DataIssue[],
  ) {}

  /** A nested reader; a missing or non-object child reads as empty (a non-object is recorded as an issue). */
  child(name: string): FieldReader {
    const value = this.raw(name);
    if (value !== undefined && value !== null && !isRecord(value)) {
      this.issue(name, `expected an object, found ${describe(value)}`);
      return new FieldReader(undefined, this.at(name), this.issues);
    }
    return new FieldReader(value, this.at(name), this.issues);
  }

  raw(name: string): Json {
    return isRecord(this.source) ? this.source[name] : undefined;
  }

  has(name: string): boolean {
    const value = this.raw(name);
    return value !== undefined && value !== null;
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "number" && Number.isFinite(value))
      return this.converted(name, value, String(value), "a string");
    this.issue(name, `expected a string, found ${describe(value)}`);
    return undefined;
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "boolean") return value;
    const folded = typeof value === "string" ? value.trim().toLowerCase() : undefined;
    if (folded === "true") return this.converted(name, value, true, "a boolean");
    if (folded === "false") return this.converted(name, value, false, "a boolean");
    this.issue(name, `expected true or false, found ${describe(value)}`);
    return undefined;
  }

  number(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isFinite(value)) return value;
    // Whole numbers only: "1e2" or "100.0" are numbers to JavaScript but not how anyone writes a priority.
    if (typeof value === "string" && /^-?\d{1,15}$/.test(value.trim()))
      return this.converted(name, value, Number(value.trim()), "a number");
    this.issue(name, `expected a number, found ${describe(value)}`);
    return undefined;
  }

  /** An array field; undefined when absent, [] plus an issue when not an array. */
  array(name: string): Json[] | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value as Json[];
    this.issue(name, `expected an array, found ${describe(value)}`);
    return [];
  }

  /**
   * A list of strings; non-string entries are recorded and dropped. With `numbers: "convert"`, whole numbers are read as
   * their digits with a warning instead (a port list written `[1433, 3342]`); in other lists a number means nothing.
   */
  strings(name: string, options: { numbers?: "convert" | "reject" } = {}): string[] | undefined {
    const values = this.array(name);
    if (values === undefined) return undefined;
    const out: string[] = [];
    values.forEach((value, index) => {
      if (typeof value === "string") out.push(value);
      else if (options.numbers === "convert" && Number.isSafeInteger(value))
        out.push(this.converted(`${name}[${index}]`, value, String(value), "a string"));
      else this.issue(`${name}[${index}]`, `expected a string, found ${describe(value)}`);
    });
    return out;
  }

  /** `{ id: "..." }` reference objects, as ARM nests them. */
  refId(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (isRecord(value)) {
      const id = value["id"];
      if (typeof id === "string" && id.trim() !== "") return id;
      if (id === undefined || id === null) return undefined;
      this.issue(`${name}.id`, `expected an id string, found ${describe(id)}`);
      return undefined;
    }
    if (typeof value === "string") return value;
    this.issue(name, `expected a reference object, found ${describe(value)}`);
    return undefined;
  }

  issue(name: string, problem: string): void {
    this.issues.push({ field: this.at(name), problem });
  }

  /** Records that `found` was read as `value` (see CONVERSIONS for where it goes) and returns `value`. */
  private converted<T extends string | number | boolean>(name: string, found: Json, value: T, expected: string): T {
    const note = {
      field: this.at(name),
      problem: `expected ${expected}, found ${describe(found)}; read as ${JSON.stringify(value)}`,
    };
    (conversionsOf(this.issues) ?? this.issues).push(note);
    return value;
  }

  at(name: string): string {
    return this.path === "" ? name : `${this.path}.${name}`;
  }
}

export function describe(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
