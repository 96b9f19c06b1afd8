// Bicep through tree-sitter-bicep's grammar (the Bicep CLI cannot be installed here, see NOTES): a parser, and the
// syntax problems of a tree (ERROR and missing nodes). It checks syntax, not resource types or API versions.
import { join } from "node:path";
import { Language, Parser, type Node } from "web-tree-sitter";

const REPO = join(__dirname, "..", "..");

export async function bicepParser(): Promise<Parser> {
  await Parser.init();
  const parser = new Parser();
  parser.setLanguage(await Language.load(join(REPO, "node_modules", "tree-sitter-bicep", "tree-sitter-bicep.wasm")));
  return parser;
}

/** Every ERROR or missing node under `node`, with its line. */
export function syntaxProblems(node: Node, found: string[] = []): string[] {
  if (node.type === "ERROR" || node.isMissing)
    found.push(
      `${node.isMissing ? "missing" : "error"} at line ${node.startPosition.row + 1}: ${node.text.slice(0, 60)}`,
    );
  for (const child of node.children) if (child !== null) syntaxProblems(child, found);
  return found;
}
