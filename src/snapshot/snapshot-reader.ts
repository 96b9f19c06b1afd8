// Reads snapshot files: JSON exports of Resource Graph rows in any of the usual shapes. A file that cannot be read,
// parsed or recognised is a coded input error naming the file; a bad row inside a good file is the estate builder's
// business and never stops the run.
import { readFile } from "node:fs/promises";
import { AuditorError } from "../errors";
import { isRecord, type Json } from "../model/field-reader";

export type SnapshotShape = "rows" | "az-cli" | "rest" | "rest-table";

export interface SnapshotContent {
  shape: SnapshotShape;
  rows: Json[];
}

export async function readSnapshotFile(path: string): Promise<SnapshotContent> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason =
      error instanceof Error && "code" in error
        ? describeFsError(String((error as NodeJS.ErrnoException).code))
        : String(error);
    throw new AuditorError("INPUT_UNREADABLE", `cannot read snapshot ${path}: ${reason}`, { cause: error });
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // An empty file is what an export that found nothing (or a redirect of a failed one) leaves: no rows, which the gate
  // reports as "nothing was audited" (exit 4), never as a clean pass.
  if (body.trim() === "") return { shape: "rows", rows: [] };
  let parsed: Json;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : String(error);
    throw new AuditorError("INPUT_INVALID_JSON", `snapshot ${path} is not valid JSON: ${reason}`, { cause: error });
  }
  return recogniseSnapshot(parsed, path);
}

/** Works out which export shape a parsed document is. */
export function recogniseSnapshot(document: Json, path: string): SnapshotContent {
  if (Array.isArray(document)) return { shape: "rows", rows: document };
  if (isRecord(document)) {
    const data = document["data"];
    const isAzCli = "skip_token" in document || "total_records" in document;
    const isRest = "totalRecords" in document || "$skipToken" in document || "resultTruncated" in document;
    if (Array.isArray(data) && (isAzCli || isRest || "count" in document))
      return { shape: isAzCli ? "az-cli" : "rest", rows: data };
    if (isRecord(data) && Array.isArray(data["columns"]) && Array.isArray(data["rows"]))
      return { shape: "rest-table", rows: tableToRows(data["columns"], data["rows"], path) };
    if (Array.isArray(data)) return { shape: "rest", rows: data };
    throw new AuditorError(
      "INPUT_UNKNOWN_SHAPE",
      `snapshot ${path} is a JSON object without a "data" array; expected an array of Resource Graph rows, the output of "az graph query -o json", or a Resource Graph REST response`,
    );
  }
  throw new AuditorError(
    "INPUT_UNKNOWN_SHAPE",
    `snapshot ${path} holds ${document === null ? "null" : `a ${typeof document}`}; expected an array of Resource Graph rows or a Resource Graph response object`,
  );
}

/** resultFormat "table": `{ columns: [{name}], rows: [[...]] }` → row objects. */
function tableToRows(columns: Json[], rows: Json[], path: string): Json[] {
  const names = columns.map((column, index) => {
    if (isRecord(column) && typeof column["name"] === "string") return column["name"];
    throw new AuditorError("INPUT_UNKNOWN_SHAPE", `snapshot ${path}: table column ${index} has no name`);
  });
  return rows.map((row) => (Array.isArray(row) ? Object.fromEntries(names.map((name, i) => [name, row[i]])) : row));
}

/** A file system error code as the input errors word it. */
export function describeFsError(code: string): string {
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return code;
  }
}
