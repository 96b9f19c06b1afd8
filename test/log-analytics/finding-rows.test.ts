// The rows' selection and limits, table-driven: which results LOG_ANALYTICS_SEND sends (docs/log-analytics.md, What is
// sent), and text and dynamic columns cut under the Logs Ingestion API's 64 KB field limit with a marker, never inside
// a surrogate pair.
import { describe, expect, it } from "vitest";
import {
  boundedJson,
  EVIDENCE_CUT,
  isSent,
  text,
  TEXT_FIELD_BYTES,
  type SendMode,
} from "../../src/log-analytics/finding-rows";
import type { Transition } from "../../src/audit/audit-store";
import type { Status } from "../../src/rules/rule";

describe("which results are sent", () => {
  const cases: Array<[Status, Transition | undefined, SendMode, boolean]> = [
    ["fail", undefined, "changes", true],
    ["unknown", undefined, "changes", true],
    ["error", undefined, "changes", true],
    ["pass", undefined, "changes", false],
    ["notApplicable", undefined, "changes", false],
    ["pass", "resolved", "changes", true],
    ["fail", "new", "changes", true],
    ["fail", "stillFailing", "changes", true],
    ["fail", "regressed", "changes", true],
    ["pass", undefined, "all", true],
    ["notApplicable", undefined, "all", true],
  ];
  it.each(cases)("%s (transition %s) with %s: %s", (status, transition, mode, sent) => {
    expect(isSent({ status }, transition, mode)).toBe(sent);
  });
});

describe("text columns", () => {
  it("stay as they are up to the limit", () => {
    const exact = "a".repeat(TEXT_FIELD_BYTES);
    expect(text(exact)).toBe(exact);
    expect(text("<script>]]>|`\u0000\u202e")).toBe("<script>]]>|`\u0000\u202e");
  });

  it("are cut with a marker giving the original length, within the limit, never splitting a surrogate pair", () => {
    const emoji = "\ud83d\ude00".repeat(10_000); // 4 bytes each in UTF-8
    const cut = text(emoji);
    expect(Buffer.byteLength(cut, "utf8")).toBeLessThanOrEqual(TEXT_FIELD_BYTES);
    expect(cut).toMatch(/ …\[truncated: 20000 characters in all\]$/);
    const kept = cut.slice(0, cut.indexOf(" …["));
    expect(kept.length % 2).toBe(0);
    expect(emoji.startsWith(kept)).toBe(true);
  });
});

describe("dynamic columns", () => {
  it("keep a value whose JSON fits", () => {
    expect(boundedJson({ rule: "deny-all", priority: 4096 }, 1024, EVIDENCE_CUT)).toEqual({
      value: { rule: "deny-all", priority: 4096 },
      truncated: false,
    });
  });

  it("replace a value whose JSON does not fit by the marked shape, its JSON within the limit", () => {
    const value = { sources: Array.from({ length: 5_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24 "quoted" \\`) };
    const json = JSON.stringify(value);
    const { value: bounded, truncated } = boundedJson(value, 4096, EVIDENCE_CUT);
    expect(truncated).toBe(true);
    const shape = bounded as { evidenceTruncated: boolean; originalBytes: number; partialJson: string };
    expect(shape).toMatchObject({ evidenceTruncated: true, originalBytes: Buffer.byteLength(json) });
    expect(json.startsWith(shape.partialJson)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(4096);
    // As long as it can be: one more character would not fit.
    const longer = { ...shape, partialJson: json.slice(0, shape.partialJson.length + 1) };
    expect(Buffer.byteLength(JSON.stringify(longer))).toBeGreaterThan(4096);
  });
});
