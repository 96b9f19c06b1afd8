// Reads a large snapshot file row by row. readSnapshotFile reads the whole file into one string and parses it at once:
// a 1M-row export is about 3 GB, past the longest string V8 allows (about 512 MB), and its parsed rows would not fit a
// 1.5 GB process anyway. Here the file is read in chunks and scanned byte by byte (strings skipped with indexOf) for
// the rows' boundaries; each row alone goes through JSON.parse and on to the sink, and is then garbage.
//
// Shapes: a top-level array of rows, or an object whose `data` is the array of rows (`az graph query -o json`, the REST
// response). The REST "table" format (`data: { columns, rows }`) is accepted only by the whole-file reader.
import { open } from "node:fs/promises";
import { AuditorError } from "../errors";
import type { Json } from "../model/field-reader";
import { describeFsError, type SnapshotShape } from "./snapshot-reader";

export interface StreamOptions {
  /** Bytes read at a time. Default 8 MiB; tests use tiny chunks to put boundaries everywhere. */
  chunkBytes?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Calls `onRow(row, index)` for every row of the snapshot, in file order. Throws an AuditorError naming the file (and
 * the row or byte offset) when the file cannot be read, is not JSON, or has no array of rows.
 */
export async function streamSnapshotRows(
  path: string,
  onRow: (row: Json, index: number) => void,
  options: StreamOptions = {},
): Promise<{ shape: SnapshotShape; rows: number }> {
  const chunkBytes = Math.max(1, Math.floor(options.chunkBytes ?? 8 * 1024 * 1024));
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new AuditorError("INPUT_UNREADABLE", `cannot read snapshot ${path}: ${unreadable(error)}`, { cause: error });
  }
  const scanner = new RowScanner(path, onRow);
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, chunkBytes, null));
      } catch (error) {
        throw new AuditorError("INPUT_UNREADABLE", `cannot read snapshot ${path}: ${unreadable(error)}`, {
          cause: error,
        });
      }
      if (bytesRead === 0) break;
      scanner.push(buffer.subarray(0, bytesRead));
    }
    return scanner.finish();
  } finally {
    await handle.close();
  }
}

type Phase =
  /** Before the first value of the document. */
  | "start"
  /** Inside the top-level object, before a key (or its end). */
  | "objectKey"
  /** After a key, before its colon. */
  | "objectColon"
  /** After a colon, before the value. */
  | "objectValue"
  /** Skipping a top-level value that is not the rows. */
  | "skipValue"
  /** After a top-level value: a comma or the end of the object. */
  | "objectNext"
  /** In the rows array, before a row or the end of the array. */
  | "rowStart"
  /** Inside a row. */
  | "row"
  /** After a row: a comma or the end of the array. */
  | "rowNext"
  /** The document ended: only whitespace may follow. */
  | "after";

class RowScanner {
  private phase: Phase = "start";
  private offset = 0;
  /** Nesting depth inside the current row or skipped value. */
  private depth = 0;
  private inString = false;
  /** Whether the byte before the current one (inside a string) was an unescaped backslash. */
  private escaped = false;
  /** The bytes of the current row, or of the key being read. */
  private parts: Buffer[] = [];
  private key: Buffer[] = [];
  private keyText = "";
  private keysSeen: string[] = [];
  private rowsArrayFound = false;
  private topLevelIsArray = false;
  private rows = 0;
  /** A primitive (number, literal) row or skipped value being read. */
  private primitive = false;

  constructor(
    private readonly path: string,
    private readonly onRow: (row: Json, index: number) => void,
  ) {}

  // eslint-disable-next-line max-lines-per-function -- One function of ~150 lines on purpose: this is a byte-at-a-time state machine over files of gigabytes, and every byte passes through the switch below. Splitting the phases into methods would put a call (and the chunk-local row and key starts into fields) on the path of every byte; the phases are short cases, each commented.
  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    let rowStart = this.phase === "row" ? 0 : -1;
    let keyStart = this.phase === "objectKey" && this.inString ? 0 : -1;
    while (i < n) {
      if (this.inString) {
        // Jump to the next quote; it ends the string unless an odd run of backslashes precedes it.
        const quote = chunk.indexOf(QUOTE, i);
        const end = quote === -1 ? n : quote;
        let escaped = this.escaped;
        if (end > i) {
          let run = 0;
          for (let j = end - 1; j >= i && chunk[j] === BACKSLASH; j -= 1) run += 1;
          escaped = run === end - i ? (escaped ? run % 2 === 0 : run % 2 === 1) : run % 2 === 1;
        }
        if (quote === -1) {
          this.escaped = escaped;
          i = n;
          break;
        }
        i = quote + 1;
        if (escaped) {
          this.escaped = false;
          continue;
        }
        this.escaped = false;
        this.inString = false;
        if (this.phase === "objectKey") {
          this.key.push(chunk.subarray(keyStart === -1 ? 0 : keyStart, i));
          keyStart = -1;
          this.keyText = this.decode(Buffer.concat(this.key), "a key of the top-level object");
          this.key = [];
          this.phase = "objectColon";
        } else if ((this.phase === "row" || this.phase === "skipValue") && this.depth === 0 && !this.primitive) {
          // A row or skipped value that is a bare string ends with its closing quote.
          if (this.phase === "row") {
            this.endRow(chunk, rowStart, i);
            rowStart = -1;
          } else if (this.phase === "skipValue") this.phase = "objectNext";
        }
        continue;
      }
      const byte = chunk[i]!;
      switch (this.phase) {
        case "start":
          // A UTF-8 byte order mark (EF BB BF) at the very start, however the chunks split it.
          if (isSpace(byte) || (this.offset + i < 3 && byte === [0xef, 0xbb, 0xbf][this.offset + i])) break;
          if (byte === OPEN_ARRAY) {
            this.topLevelIsArray = true;
            this.rowsArrayFound = true;
            this.phase = "rowStart";
          } else if (byte === OPEN_OBJECT) this.phase = "objectKey";
          else
            this.fail(
              `it holds ${describeStart(byte)}; expected an array of Resource Graph rows or a Resource Graph response object`,
              "INPUT_UNKNOWN_SHAPE",
            );
          break;
        case "objectKey":
          if (isSpace(byte)) break;
          if (byte === CLOSE_OBJECT && this.keysSeen.length === 0) {
            this.phase = "after";
            break;
          }
          if (byte !== QUOTE) this.fail(`expected a key at byte ${this.offset + i}`);
          this.inString = true;
          keyStart = i;
          break;
        case "objectColon":
          if (isSpace(byte)) break;
          if (byte !== COLON) this.fail(`expected ':' after key "${this.keyText}" at byte ${this.offset + i}`);
          this.keysSeen.push(this.keyText);
          this.phase = "objectValue";
          break;
        case "objectValue":
          if (isSpace(byte)) break;
          if (this.keyText === "data" && byte === OPEN_ARRAY) {
            this.rowsArrayFound = true;
            this.phase = "rowStart";
            break;
          }
          if (this.keyText === "data" && byte === OPEN_OBJECT) {
            this.fail(
              `its "data" is the table format (columns and rows); a snapshot this large must be an array of rows or have a "data" array of rows (resultFormat objectArray, or "az graph query -o json")`,
              "INPUT_UNKNOWN_SHAPE",
            );
          }
          this.phase = "skipValue";
          this.startValue(byte);
          if (byte === QUOTE) break;
          if (this.primitive && (byte === COMMA || byte === CLOSE_OBJECT))
            this.fail(`a value is missing after key "${this.keyText}" at byte ${this.offset + i}`);
          break;
        case "skipValue":
          if (this.primitive) {
            if (byte === COMMA || byte === CLOSE_OBJECT || isSpace(byte)) {
              this.primitive = false;
              this.phase = "objectNext";
              continue; // the byte is handled as objectNext
            }
            break;
          }
          this.nest(byte, i);
          if (this.depth === 0) this.phase = "objectNext";
          break;
        case "objectNext":
          if (isSpace(byte)) break;
          if (byte === COMMA) this.phase = "objectKey";
          else if (byte === CLOSE_OBJECT) this.phase = "after";
          else this.fail(`expected ',' or '}' at byte ${this.offset + i}`);
          break;
        case "rowStart":
          if (isSpace(byte)) break;
          if (byte === CLOSE_ARRAY) {
            this.endRows();
            break;
          }
          if (byte === COMMA) this.fail(`a row is missing at byte ${this.offset + i}`);
          this.phase = "row";
          rowStart = i;
          this.startValue(byte);
          break;
        case "row":
          if (this.primitive) {
            if (byte === COMMA || byte === CLOSE_ARRAY || isSpace(byte)) {
              this.primitive = false;
              this.endRow(chunk, rowStart, i);
              rowStart = -1;
              continue; // the byte is handled as rowNext
            }
            break;
          }
          this.nest(byte, i);
          if (this.depth === 0) {
            this.endRow(chunk, rowStart, i + 1);
            rowStart = -1;
          }
          break;
        case "rowNext":
          if (isSpace(byte)) break;
          if (byte === COMMA) this.phase = "rowStart";
          else if (byte === CLOSE_ARRAY) this.endRows();
          else this.fail(`expected ',' or ']' after row ${this.rows - 1} at byte ${this.offset + i}`);
          break;
        case "after":
          if (!isSpace(byte)) this.fail(`unexpected content after the end of the document at byte ${this.offset + i}`);
          break;
      }
      i += 1;
    }
    if (rowStart !== -1 && this.phase === "row") this.parts.push(Buffer.from(chunk.subarray(rowStart, n)));
    if (keyStart !== -1 && this.phase === "objectKey" && this.inString)
      this.key.push(Buffer.from(chunk.subarray(keyStart, n)));
    this.offset += n;
  }

  finish(): { shape: SnapshotShape; rows: number } {
    // Nothing but white space: an export that found nothing, read as no rows like the whole-file reader does (the
    // gate then says nothing was audited).
    if (this.phase === "start") return { shape: "rows", rows: 0 };
    if (this.phase === "row" || this.phase === "rowStart" || this.phase === "rowNext")
      this.fail(`it ends inside the rows array after ${this.rows} row(s) (the file is truncated)`);
    if (!this.rowsArrayFound) {
      if (this.phase !== "after") this.fail("it ends inside the top-level object (the file is truncated)");
      this.fail(
        'it is a JSON object without a "data" array; expected an array of Resource Graph rows, the output of "az graph query -o json", or a Resource Graph REST response',
        "INPUT_UNKNOWN_SHAPE",
      );
    }
    if (this.phase !== "after")
      this.fail(`it ends inside the top-level ${this.topLevelIsArray ? "array" : "object"} (the file is truncated)`);
    const isAzCli = this.keysSeen.includes("skip_token") || this.keysSeen.includes("total_records");
    return { shape: this.topLevelIsArray ? "rows" : isAzCli ? "az-cli" : "rest", rows: this.rows };
  }

  private startValue(byte: number): void {
    this.depth = 0;
    this.primitive = false;
    if (byte === QUOTE) this.inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) this.depth = 1;
    else this.primitive = true;
  }

  private nest(byte: number, i: number): void {
    if (byte === QUOTE) this.inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) this.depth += 1;
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      this.depth -= 1;
      if (this.depth < 0) this.fail(`unexpected '${String.fromCharCode(byte)}' at byte ${this.offset + i}`);
    }
  }

  private endRow(chunk: Buffer, start: number, end: number): void {
    const tail = chunk.subarray(start === -1 ? 0 : start, end);
    const bytes = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    this.parts = [];
    const row = this.parseRow(bytes);
    this.onRow(row, this.rows);
    this.rows += 1;
    this.phase = "rowNext";
  }

  private endRows(): void {
    if (this.topLevelIsArray) {
      this.phase = "after";
    } else {
      // The rows were `data`; the rest of the object is skipped, its keys still noted for the shape.
      this.phase = "objectNext";
    }
  }

  private parseRow(bytes: Buffer): Json {
    try {
      return JSON.parse(bytes.toString("utf8")) as Json;
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : String(error);
      throw new AuditorError(
        "INPUT_INVALID_JSON",
        `snapshot ${this.path} is not valid JSON: row ${this.rows} (ending at byte ${this.offset}): ${reason}`,
        { cause: error },
      );
    }
  }

  private decode(bytes: Buffer, what: string): string {
    try {
      return JSON.parse(bytes.toString("utf8")) as string;
    } catch (error) {
      throw new AuditorError("INPUT_INVALID_JSON", `snapshot ${this.path} is not valid JSON: ${what} cannot be read`, {
        cause: error,
      });
    }
  }

  private fail(problem: string, code: "INPUT_INVALID_JSON" | "INPUT_UNKNOWN_SHAPE" = "INPUT_INVALID_JSON"): never {
    throw new AuditorError(
      code,
      `snapshot ${this.path} ${code === "INPUT_INVALID_JSON" && !problem.startsWith("it ") ? "is not valid JSON: " : ""}${problem}`,
    );
  }
}

/** Worded as readSnapshotFile words it, so a large file fails with the same message a small one would. */
function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? String(error) : describeFsError(code);
}

function describeStart(byte: number): string {
  if (byte === QUOTE) return "a string";
  if (byte === 0x6e) return "null";
  if (byte === 0x74 || byte === 0x66) return "a boolean";
  return "a number";
}
