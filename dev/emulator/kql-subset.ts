// The KQL subset the collectors emit, and nothing more:
//
//   resources | resourcecontainers | policyresources   the table, first
//   | where PATH =~ 'text'                     case-insensitive equality
//   | where PATH == 'text'                     case-sensitive equality
//   | where PATH in~ ('a', 'b', ...)           case-insensitive membership
//   | project COLUMN, NAME = PATH, PATH, ...   PATH is column(.property)*; an unnamed PATH is named a_b_c, as in KQL
//   | order by COLUMN [asc|desc]
//
// Anything else is a `KqlError`, which the emulator answers with Resource Graph's 400 InvalidQuery.

export type Table = "resources" | "resourcecontainers" | "policyresources";

const TABLES: readonly string[] = ["resources", "resourcecontainers", "policyresources"];

type Operation =
  | { kind: "where"; path: string[]; operator: "=~" | "==" | "in~"; values: string[] }
  | { kind: "project"; columns: { name: string; path: string[] }[] }
  | { kind: "order"; column: string; descending: boolean };

export interface ParsedQuery {
  table: Table;
  operations: Operation[];
}

export class KqlError extends Error {
  constructor(
    message: string,
    readonly token: string,
    readonly position: number,
  ) {
    super(message);
    this.name = "KqlError";
  }
}

interface Token {
  kind: "identifier" | "string" | "symbol" | "end";
  text: string;
  position: number;
}

const SYMBOLS = ["=~", "==", "|", ",", "(", ")", ".", "=", "~"];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(index));
    if (identifier !== null) {
      tokens.push({ kind: "identifier", text: identifier[0], position: index });
      index += identifier[0].length;
      continue;
    }
    if (char === "'" || char === '"') {
      const end = text.indexOf(char, index + 1);
      if (end < 0) throw new KqlError("unterminated string literal", text.slice(index), index);
      tokens.push({ kind: "string", text: text.slice(index + 1, end), position: index });
      index = end + 1;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, index));
    if (symbol === undefined) throw new KqlError(`unexpected character '${char}'`, char, index);
    tokens.push({ kind: "symbol", text: symbol, position: index });
    index += symbol.length;
  }
  tokens.push({ kind: "end", text: "<end>", position: text.length });
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): ParsedQuery {
    const tableToken = this.next();
    const table = tableToken.text.toLowerCase();
    if (tableToken.kind !== "identifier" || !TABLES.includes(table)) {
      this.fail(tableToken, "the query must start with the table resources, resourcecontainers or policyresources");
    }
    const operations: Operation[] = [];
    while (this.peek().kind !== "end") {
      this.expectSymbol("|");
      operations.push(this.operation());
    }
    return { table: table as Table, operations };
  }

  private operation(): Operation {
    const keyword = this.next();
    switch (keyword.kind === "identifier" ? keyword.text : "") {
      case "where":
        return this.where();
      case "project":
        return this.project();
      case "order": {
        const by = this.next();
        if (by.text !== "by") this.fail(by, "expected 'by' after 'order'");
        const column = this.identifier();
        let descending = false;
        const direction = this.peek();
        if (direction.kind === "identifier" && (direction.text === "asc" || direction.text === "desc")) {
          this.next();
          descending = direction.text === "desc";
        }
        return { kind: "order", column, descending };
      }
      default:
        return this.fail(keyword, `unsupported operator '${keyword.text}'`);
    }
  }

  private where(): Operation {
    const path = this.path();
    const operator = this.next();
    if (operator.kind === "symbol" && (operator.text === "=~" || operator.text === "==")) {
      return { kind: "where", path, operator: operator.text, values: [this.string()] };
    }
    if (operator.kind === "identifier" && operator.text === "in") {
      this.expectSymbol("~");
      this.expectSymbol("(");
      const values = [this.string()];
      while (this.peek().text === ",") {
        this.next();
        values.push(this.string());
      }
      this.expectSymbol(")");
      return { kind: "where", path, operator: "in~", values };
    }
    return this.fail(operator, `unsupported comparison '${operator.text}'`);
  }

  private project(): Operation {
    const columns: { name: string; path: string[] }[] = [];
    do {
      if (columns.length > 0) this.next();
      const first = this.path();
      if (this.peek().text === "=" && first.length === 1) {
        this.next();
        columns.push({ name: first[0] as string, path: this.path() });
      } else {
        columns.push({ name: first.join("_"), path: first });
      }
    } while (this.peek().text === ",");
    return { kind: "project", columns };
  }

  private path(): string[] {
    const segments = [this.identifier()];
    while (this.peek().text === ".") {
      this.next();
      segments.push(this.identifier());
    }
    return segments;
  }

  private identifier(): string {
    const token = this.next();
    if (token.kind !== "identifier") this.fail(token, "expected a name");
    return token.text;
  }

  private string(): string {
    const token = this.next();
    if (token.kind !== "string") this.fail(token, "expected a string literal");
    return token.text;
  }

  private expectSymbol(symbol: string): void {
    const token = this.next();
    if (token.kind !== "symbol" || token.text !== symbol) this.fail(token, `expected '${symbol}'`);
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.index += 1;
    return token;
  }

  private fail(token: Token, message: string): never {
    throw new KqlError(`${message} at position ${token.position}`, token.text, token.position);
  }
}

export function parseQuery(text: string): ParsedQuery {
  return new Parser(tokenize(text)).parse();
}

export interface QueryOutput {
  rows: Record<string, unknown>[];
  /** Whether the output keeps the `id` column, which Resource Graph needs to page. */
  hasId: boolean;
}

export function runQuery(query: ParsedQuery, input: Record<string, unknown>[]): QueryOutput {
  let rows = input;
  let hasId = true;
  for (const operation of query.operations) {
    switch (operation.kind) {
      case "where": {
        const wanted =
          operation.operator === "==" ? operation.values : operation.values.map((value) => value.toLowerCase());
        rows = rows.filter((row) => {
          const value = valueAt(row, operation.path);
          if (typeof value !== "string") return false;
          return wanted.includes(operation.operator === "==" ? value : value.toLowerCase());
        });
        break;
      }
      case "project":
        rows = rows.map((row) => {
          const projected: Record<string, unknown> = {};
          for (const column of operation.columns) projected[column.name] = valueAt(row, column.path) ?? null;
          return projected;
        });
        hasId = operation.columns.some((column) => column.name === "id");
        break;
      case "order": {
        const sign = operation.descending ? -1 : 1;
        rows = [...rows].sort((a, b) => sign * compare(a[operation.column], b[operation.column]));
        break;
      }
    }
  }
  return { rows, hasId };
}

function valueAt(row: unknown, path: string[]): unknown {
  let node = row;
  for (const segment of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Ordinal, nulls first, like KQL's `asc`. */
function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : 1;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
