// The Bicep in docs/log-analytics.md parses: every ```bicep block through tree-sitter-bicep's grammar (the Bicep CLI
// cannot be installed here, see NOTES), with no ERROR or missing node. It checks syntax, not resource types or API
// versions: those were checked against Microsoft's docs (Microsoft.Insights/dataCollectionRules@2023-03-11 kind Direct,
// Microsoft.OperationalInsights/workspaces/tables@2022-10-01, Microsoft.SecurityInsights/alertRules@2023-02-01).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { bicepParser, syntaxProblems as problems } from "../support/bicep-parser";

const REPO = join(__dirname, "..", "..");
const page = readFileSync(join(REPO, "docs", "log-analytics.md"), "utf8");
const blocks = [...page.matchAll(/```bicep\n([\s\S]*?)```/g)].map((match) => match[1]!);

let parser: Parser;

beforeAll(async () => {
  parser = await bicepParser();
});

it("has Bicep blocks, each of which parses without an error", () => {
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  for (const block of blocks) {
    const tree = parser.parse(block)!;
    expect(problems(tree.rootNode)).toEqual([]);
  }
});

it("the parser does find an error in broken Bicep (the check can fail)", () => {
  const tree = parser.parse("resource dcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {\n  name: \n")!;
  expect(problems(tree.rootNode).length).toBeGreaterThan(0);
});
