// Every rule quotes the Microsoft passage it enforces. When the seed articles are beside the checkout (as they are
// for the team and CI), check that each quote really is in the article it names, word for word.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "../../src/rules/catalog";

const SEEDS = join(__dirname, "..", "..", "..", "shared", "seeds");

/** Folds whitespace, markdown link targets and list bullets, which the quotes flatten into one sentence. */
function fold(text: string): string {
  return text
    .replace(/\]\([^)]*\)/g, "]")
    .replace(/^\s*[-*]\s+/gm, "- ")
    .replace(/\s+/g, " ")
    .trim();
}

describe("rule rationale quotes", () => {
  it.each(RULES.map((rule) => [rule.id, rule] as const))("%s has a rationale, remediation and links", (_id, rule) => {
    expect(rule.rationale.length).toBeGreaterThan(40);
    expect(rule.remediation.length).toBeGreaterThan(20);
    expect(rule.references.length).toBeGreaterThan(0);
  });

  const seeded = RULES.flatMap((rule) => (rule.source === undefined ? [] : [[rule.id, rule.source] as const]));
  it.each(seeded)("%s quotes its seed verbatim", (_id, source) => {
    expect(source.quote.length).toBeGreaterThan(40);
    const path = join(SEEDS, source.seed);
    if (!existsSync(path)) {
      console.warn(`notice: ${path} not found; checking the quote's presence only`);
      return;
    }
    expect(fold(readFileSync(path, "utf8"))).toContain(fold(source.quote));
  });

  it("rule ids are unique dotted slugs", () => {
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
  });
});
