// Every rule in the catalog has a test file named after its source file, whose verdict table names the rule: a new
// rule without tests fails the suite.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "../../../src/rules/catalog";

const SOURCE_DIR = join(__dirname, "..", "..", "..", "src", "rules", "catalog");
const ruleFiles = readdirSync(SOURCE_DIR)
  .filter((file) => file.endsWith(".ts") && file !== "index.ts")
  .map((file) => file.slice(0, -".ts".length));

describe("rule catalog test coverage", () => {
  it("lists every rule file in the catalog, one rule per file", () => {
    expect(ruleFiles).toHaveLength(RULES.length);
  });

  it.each(ruleFiles.map((name) => [name, name] as const))("%s has test/rules/catalog/%s.test.ts", (name) => {
    expect(existsSync(join(__dirname, `${name}.test.ts`)), `test/rules/catalog/${name}.test.ts`).toBe(true);
  });

  // Rule files are named after the rule's id (dots become dashes), so the id finds its file and its test file.
  it.each(RULES.map((rule) => [rule.id, rule.id.replaceAll(".", "-")] as const))(
    "%s is tested in %s.test.ts by its id",
    (id, name) => {
      expect(ruleFiles).toContain(name);
      const testFile = join(__dirname, `${name}.test.ts`);
      expect(existsSync(testFile), `test/rules/catalog/${name}.test.ts`).toBe(true);
      expect(readFileSync(testFile, "utf8")).toContain(`verdictTable("${id}"`);
    },
  );
});
