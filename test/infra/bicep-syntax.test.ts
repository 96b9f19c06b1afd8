// Every .bicep file under infra/, and every ```bicep block of docs/deployment.md, parses with the Bicep grammar
// (tree-sitter-bicep; syntax only: types and API versions were checked against Microsoft's docs and API specs, see
// docs/deployment.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { bicepParser, syntaxProblems } from "../support/bicep-parser";
import { INFRA, infraBicepNames } from "./bicep-template";

let parser: Parser;
beforeAll(async () => {
  parser = await bicepParser();
});

const files = infraBicepNames();

describe("infra/*.bicep", () => {
  it("holds the entry template, the management group grant and the modules", () => {
    expect(files).toEqual(
      expect.arrayContaining(["main.bicep", "reader-management-group.bicep", "modules/function-app.bicep"]),
    );
  });

  it.each(files)("%s parses without an error or a missing node", (name) => {
    const tree = parser.parse(readFileSync(join(INFRA, name), "utf8"))!;
    expect(syntaxProblems(tree.rootNode)).toEqual([]);
  });

  it("finds the error in a broken copy (an unclosed object, a property without a value)", () => {
    const text = readFileSync(join(INFRA, "modules", "storage.bicep"), "utf8");
    const unclosed = text.replace("properties: {\n    allowSharedKeyAccess", "properties: \n    allowSharedKeyAccess");
    const valueless = text.replace("allowSharedKeyAccess: false", "allowSharedKeyAccess: ");
    expect(unclosed).not.toBe(text);
    expect(valueless).not.toBe(text);
    expect(syntaxProblems(parser.parse(unclosed)!.rootNode).length).toBeGreaterThan(0);
    expect(syntaxProblems(parser.parse(valueless)!.rootNode).length).toBeGreaterThan(0);
  });
});

describe("docs/deployment.md", () => {
  const page = readFileSync(join(__dirname, "..", "..", "docs", "deployment.md"), "utf8");
  const blocks = [...page.matchAll(/```bicep\n([\s\S]*?)```/g)].map((match) => match[1]!);

  it("each Bicep block parses", () => {
    for (const block of blocks) expect(syntaxProblems(parser.parse(block)!.rootNode)).toEqual([]);
  });
});
