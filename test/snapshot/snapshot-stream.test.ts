// Large snapshots read row by row: the same rows, in the same order, as the whole-file reader, wherever the chunk
// boundaries fall; every malformed file is a named input error; and an audit through either path is the same audit.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSnapshotFile } from "../../src/snapshot/snapshot-reader";
import { streamSnapshotRows } from "../../src/snapshot/snapshot-stream";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { runAudit } from "../../src/audit/run-audit";
import { AuditorError } from "../../src/errors";
import type { Json } from "../../src/model/field-reader";

const dir = mkdtempSync(join(tmpdir(), "snapshot-stream-"));
const SAMPLE = join(__dirname, "..", "..", "samples", "estate.json");

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function streamed(path: string, chunkBytes: number): Promise<{ rows: Json[]; shape: string }> {
  const rows: Json[] = [];
  const { shape, rows: count } = await streamSnapshotRows(
    path,
    (row, index) => {
      expect(index).toBe(rows.length);
      rows.push(row);
    },
    { chunkBytes },
  );
  expect(count).toBe(rows.length);
  return { rows, shape };
}

async function failure(path: string, chunkBytes = 5): Promise<AuditorError> {
  const error = await streamSnapshotRows(path, () => undefined, { chunkBytes }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuditorError);
  return error as AuditorError;
}

// Rows whose strings hold everything a scanner can trip on: quotes, backslash runs, brackets, commas, non-ASCII.
const tricky: Json[] = [
  {
    id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/a",
    type: "microsoft.network/networksecuritygroups",
    name: 'quote " and \\" and \\\\',
    tags: { note: "brackets ] } [ { , : in text", emoji: "é ☃ 🚀", path: "C:\\\\dir\\\\" },
  },
  { id: "/x/2", type: "t", properties: { list: [1, -2.5e3, true, false, null, "", [[]], {}] } },
  "a bare string row",
  42,
  null,
  { id: "/x/3", type: "t", name: '\\\\\\"' },
];

describe("streamSnapshotRows", () => {
  const shapes: Array<[string, string, string]> = [
    ["plain array", JSON.stringify(tricky), "rows"],
    ["pretty array with a byte order mark", `\uFEFF${JSON.stringify(tricky, null, 2)}\n`, "rows"],
    [
      "az graph query -o json",
      JSON.stringify({ count: 6, data: tricky, skip_token: null, total_records: 6 }, null, 1),
      "az-cli",
    ],
    [
      "REST objectArray, data last",
      JSON.stringify({
        totalRecords: 6,
        count: 6,
        facets: [{ a: "]" }],
        resultTruncated: "false",
        $skipToken: 'x"y',
        data: tricky,
      }),
      "rest",
    ],
    ["REST objectArray, data first", JSON.stringify({ data: tricky, totalRecords: 6, facets: [] }), "rest"],
    ["empty array", " [ ] ", "rows"],
    ["empty file (an export that found nothing): no rows", "", "rows"],
    ["white space only: no rows", " \n\t ", "rows"],
  ];

  it.each(shapes)(
    "%s: the rows of the whole-file reader, in order, for every chunk size",
    async (label, text, shape) => {
      const path = write(`${label.replace(/\W+/g, "-")}.json`, text);
      const whole = await readSnapshotFile(path);
      for (const chunkBytes of [1, 2, 3, 7, 64, 1 << 20]) {
        const result = await streamed(path, chunkBytes);
        expect(result.rows).toEqual(whole.rows);
        expect(result.shape).toBe(shape);
      }
    },
  );

  it.each([
    [
      "truncated in a row",
      JSON.stringify(tricky).slice(0, 200),
      /ends inside the rows array after 0 row\(s\) \(the file is truncated\)/,
    ],
    ["truncated after a row", `${JSON.stringify(tricky).slice(0, -1)}`, /ends inside the rows array after 6 row\(s\)/],
    [
      "truncated object",
      JSON.stringify({ totalRecords: 1, data: [] }).slice(0, -1),
      /ends inside the top-level object/,
    ],
    ["a broken row", '[{"id": "/a", "type": "t"}, {"id": tru}]', /not valid JSON: row 1 .*/],
    ["garbage after the end", '[{"id": "/a"}] x', /unexpected content after the end of the document/],
    ["an object without data", JSON.stringify({ value: [1] }), /without a "data" array/],
    ["the table format", JSON.stringify({ data: { columns: [], rows: [] } }), /table format/],
    ["a scalar document", "42", /holds a number/],
    ["a missing row", "[{},,{}]", /a row is missing/],
  ])("%s is a named input error", async (label, text, message) => {
    const error = await failure(write(`bad-${label.replace(/\W+/g, "-")}.json`, text));
    expect(error.message).toMatch(message);
    expect(error.message).toContain(dir);
    expect(["INPUT_INVALID_JSON", "INPUT_UNKNOWN_SHAPE"]).toContain(error.code);
  });

  it("a missing file is INPUT_UNREADABLE", async () => {
    const error = await failure(join(dir, "nope.json"));
    expect(error.code).toBe("INPUT_UNREADABLE");
    expect(error.message).toBe(`cannot read snapshot ${join(dir, "nope.json")}: no such file`);
  });
});

describe("SnapshotSource reads large files row by row", () => {
  it("the sample audited through the row-by-row reader gives the same report as through the whole-file reader", async () => {
    const settings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
    const at = () => new Date("2026-11-22T00:00:00Z");
    const whole = await runAudit(new SnapshotSource([SAMPLE]), settings, { runId: "20261122T000000Z-aaaaaa", now: at });
    const rows = await runAudit(new SnapshotSource([SAMPLE], { streamFromBytes: 0, chunkBytes: 4096 }), settings, {
      runId: "20261122T000000Z-aaaaaa",
      now: at,
    });
    expect(rows.findings).toEqual(whole.findings);
    expect(rows.summary).toEqual(whole.summary);
    expect(rows.run.collection["rowsByFile"]).toEqual(whole.run.collection["rowsByFile"]);
    expect(whole.findings.length).toBeGreaterThan(50);
  });

  it("small files are still checked before any row is added: a bad small file after a large one fails first", async () => {
    const large = write("large.json", readFileSync(SAMPLE, "utf8"));
    const bad = write("bad-small.json", "{ not json");
    let added = 0;
    const source = new SnapshotSource([large, bad], { streamFromBytes: 10_000 });
    const error = await source.collect({ add: () => (added += 1), addCoverageGap: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuditorError);
    expect((error as AuditorError).message).toContain("bad-small.json");
    expect(added).toBe(0);
  });
});
