// Snapshot shapes: every usual export of Resource Graph rows is accepted; anything else is a named input error.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSnapshotFile } from "../../src/snapshot/snapshot-reader";
import { AuditorError } from "../../src/errors";

const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
const row = {
  id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Sql/managedInstances/m",
  type: "microsoft.sql/managedinstances",
  properties: {},
};
function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("readSnapshotFile", () => {
  it.each([
    ["plain array", [row], "rows"],
    ["az graph query -o json", { count: 1, data: [row], skip_token: null, total_records: 1 }, "az-cli"],
    ["REST objectArray", { totalRecords: 1, count: 1, data: [row], facets: [], resultTruncated: "false" }, "rest"],
    ["REST with $skipToken", { totalRecords: 2, count: 1, data: [row], $skipToken: "abc" }, "rest"],
    [
      "REST table format",
      {
        totalRecords: 1,
        count: 1,
        data: {
          columns: [
            { name: "id", type: "string" },
            { name: "type", type: "string" },
            { name: "properties", type: "object" },
          ],
          rows: [[row.id, row.type, {}]],
        },
      },
      "rest-table",
    ],
  ])("%s", async (_label, content, shape) => {
    const snapshot = await readSnapshotFile(write(`${shape}.json`, content));
    expect(snapshot.shape).toBe(shape);
    expect(snapshot.rows).toEqual([row]);
  });

  it("accepts a UTF-8 byte order mark", async () => {
    expect((await readSnapshotFile(write("bom.json", `\ufeff${JSON.stringify([row])}`))).rows).toHaveLength(1);
  });

  it.each([
    ["missing.json", undefined, "INPUT_UNREADABLE", /missing\.json: no such file/],
    ["broken.json", "[{", "INPUT_INVALID_JSON", /broken\.json is not valid JSON/],
    ["object.json", { value: [row] }, "INPUT_UNKNOWN_SHAPE", /object\.json .*"data" array/],
    ["null.json", "null", "INPUT_UNKNOWN_SHAPE", /null\.json holds null/],
  ])("%s is a coded input error", async (name, content, code, message) => {
    const path = content === undefined ? join(dir, name) : write(name, content);
    const error = await readSnapshotFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditorError);
    expect((error as AuditorError).code).toBe(code);
    expect((error as AuditorError).message).toMatch(message);
  });
});
