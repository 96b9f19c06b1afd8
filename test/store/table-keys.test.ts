import { describe, expect, it } from "vitest";
import {
  findingRowKey,
  isRunId,
  isValidTableKey,
  lockRowKey,
  MAX_KEY_CODE_UNITS,
  newerRunRowKeys,
  resourceHash,
  resourceRowKeyRange,
  ruleKey,
  runRowKey,
  runRowKeyLowerBoundBefore,
  runSummaryChunkRowKey,
  runTimestamp,
  stateKeys,
  tableKeyProblem,
} from "../../src/store/table-keys";
import { FORBIDDEN_CHARACTERS, LONG_ID, miId, NASTY_ID, runIdAt } from "./fixtures";

describe("tableKeyProblem", () => {
  it.each(FORBIDDEN_CHARACTERS.map((c) => [`U+${c.charCodeAt(0).toString(16).padStart(4, "0")}`, c]))(
    "rejects %s",
    (_label, c) => {
      expect(tableKeyProblem(`ab${c}cd`)).toMatch(/must not contain/);
    },
  );

  it.each([
    ["a plain key", "abc", true],
    ["dots, dashes, pipes, tildes, quotes", "a.b-c|d~e'f", true],
    ["non-ASCII letters", "Zürich-東京", true],
    ["U+00A0 (just past the C1 range)", "a\u00a0b", true],
    ["the empty string", "", false],
    [`exactly ${MAX_KEY_CODE_UNITS} code units (1 KiB of UTF-16)`, "k".repeat(MAX_KEY_CODE_UNITS), true],
    [`${MAX_KEY_CODE_UNITS + 1} code units`, "k".repeat(MAX_KEY_CODE_UNITS + 1), false],
  ])("%s → valid: %s", (_label, key, valid) => {
    expect(isValidTableKey(key)).toBe(valid);
  });
});

describe("derived keys", () => {
  it("are valid for ids holding every forbidden character and for a 2 KB id", () => {
    for (const id of [NASTY_ID, LONG_ID]) {
      expect(tableKeyProblem(findingRowKey(id, "mi.public-endpoint.untrusted-source", 0))).toBeUndefined();
      const state = stateKeys(id, "rule#with/odd?chars");
      expect(tableKeyProblem(state.partitionKey)).toBeUndefined();
      expect(tableKeyProblem(state.rowKey)).toBeUndefined();
      expect(tableKeyProblem(lockRowKey(id))).toBeUndefined();
    }
    expect(LONG_ID.length).toBeGreaterThan(2_048);
  });

  it("fold case: one resource however its id is spelled", () => {
    const id = miId("MI-Prod");
    expect(resourceHash(id.toUpperCase())).toBe(resourceHash(id));
    expect(resourceHash(`${id}/`)).toBe(resourceHash(id));
    expect(resourceHash(id)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keep slug rule ids readable and hash anything else", () => {
    expect(ruleKey("mi.public-endpoint.untrusted-source")).toBe("mi.public-endpoint.untrusted-source");
    expect(ruleKey("x' or '1' eq '1")).toMatch(/^~[0-9a-f]{64}$/);
  });

  it("put one resource's findings in one RowKey range, and no other resource's", () => {
    const range = resourceRowKeyRange(miId("a"));
    const inside = findingRowKey(miId("a"), "zzz.last-rule", 9999);
    const other = findingRowKey(miId("b"), "aaa", 0);
    expect(inside >= range.from && inside < range.to).toBe(true);
    expect(other >= range.from && other < range.to).toBe(false);
  });
});

describe("run keys", () => {
  const older = runIdAt("2026-11-21T23:59:59Z", "aaaaaa");
  const newer = runIdAt("2026-11-22T00:00:00Z", "aaaaaa");
  const newest = runIdAt("2027-01-01T00:00:00Z", "000000");

  it("sort newest first and derive from the run id alone", () => {
    const keys = [older, newest, newer].map(runRowKey).sort();
    expect(keys).toEqual([runRowKey(newest), runRowKey(newer), runRowKey(older)]);
    expect(runRowKey(newer)).toBe(`79738877999999-${newer}`);
  });

  it("read the run's timestamp back", () => {
    expect(runTimestamp("20261122T120415Z-919379").toISOString()).toBe("2026-11-22T12:04:15.000Z");
  });

  it.each([
    ["20261122T120415Z-919379", true],
    ["20261122T120415Z-", false],
    ["2026-11-22T12:04:15Z-919379", false],
    ["latest", false],
    ["20261122T120415Z-91/379", false],
  ])("isRunId(%s) is %s", (runId, expected) => {
    expect(isRunId(runId)).toBe(expected);
  });

  it("bound runs strictly older than a cut-off", () => {
    const bound = runRowKeyLowerBoundBefore(new Date("2026-11-22T00:00:00Z"));
    expect(runRowKey(older) >= bound).toBe(true);
    expect(runRowKey(newer) >= bound).toBe(false);
    expect(runRowKey(newest) >= bound).toBe(false);
  });

  it("select exactly the runs newer than a run, in run id order, itself excluded", () => {
    const self = runIdAt("2026-11-22T00:00:00Z", "mmmmmm");
    const candidates = [
      older,
      newer,
      newest,
      self,
      runIdAt("2026-11-22T00:00:00Z", "zzzzzz"),
      runIdAt("2026-11-22T00:00:00Z", "mmmmmm0"),
      runIdAt("2026-11-22T00:00:01Z", "000000"),
    ];
    const { laterThan, own, sameSecondEnd } = newerRunRowKeys(self);
    const selected = candidates.filter((id) => {
      const key = runRowKey(id);
      return key < laterThan || (key > own && key < sameSecondEnd);
    });
    expect(selected.sort()).toEqual(candidates.filter((id) => id > self).sort());
    expect(selected).not.toContain(self);
  });

  it("give summary chunks keys under their run", () => {
    expect(runSummaryChunkRowKey(newer, 3)).toBe(`${runRowKey(newer)}|003`);
  });
});
