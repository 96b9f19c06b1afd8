// Rows come from outside and any field may be missing or of the wrong type. A FieldReader reads typed values out of an
// untyped object and records a DataIssue for each value that is present but unusable, so a bad row becomes `unknown`
// verdicts with a note instead of a crash. A field that is simply absent is not an issue; callers decide what that means.
import type { DataIssue } from "./estate";

export type Json = unknown;

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
    if (typeof value === "number") return String(value);
    this.issue(name, `expected a string, found ${describe(value)}`);
    return undefined;
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "True") return true;
    if (value === "false" || value === "False") return false;
    this.issue(name, `expected true or false, found ${describe(value)}`);
    return undefined;
  }

  number(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
    this.issue(name, `expected a number, found ${describe(value)}`);
    return undefined;
  }

  /** An array field; undefined when absent, [] plus an issue when not an array. */
  array(name: string): Json[] | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value;
    this.issue(name, `expected an array, found ${describe(value)}`);
    return [];
  }

  /** A list of strings; non-string entries are recorded and dropped. */
  strings(name: string): string[] | undefined {
    const values = this.array(name);
    if (values === undefined) return undefined;
    const out: string[] = [];
    values.forEach((value, index) => {
      if (typeof value === "string") out.push(value);
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

  at(name: string): string {
    return this.path === "" ? name : `${this.path}.${name}`;
  }
}

export function describe(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
