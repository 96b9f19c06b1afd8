// Sibling folders of one layer (features, adapters, entry points) may import each other only while no cycle forms. The
// boundary rules cannot see that (each folder allows its whole layer), and import/no-cycle would type-walk every file on
// every lint; the folder graph is small enough to read here, from the import specifiers of src/.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname, "..", "..", "src");

// Static imports and re-exports (`from "..."`), side-effect imports and dynamic `import("...")`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']*)["']/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The top folder of src/ a path is in, or undefined for src/ itself (errors.ts) and anything outside src/. */
function topFolder(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 && parts[0] !== ".." ? parts[0] : undefined;
}

/** folder → the other src/ folders its files import. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = topFolder(file);
    if (from === undefined) continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const to = topFolder(resolve(dirname(file), specifier!));
      if (to !== undefined && to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle's folders in import order, each cycle found once from its first folder in a depth-first walk. */
function findCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      cycles.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    path.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    path.pop();
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) visit(node);
  return cycles;
}

describe("folder cycles", () => {
  it("finds a cycle when there is one, and none in a layered graph", () => {
    const graph = (edges: [string, string][]): Map<string, Set<string>> => {
      const map = new Map<string, Set<string>>();
      for (const [from, to] of edges) map.set(from, (map.get(from) ?? new Set()).add(to));
      return map;
    };
    expect(
      findCycles(
        graph([
          ["report-api", "alerts"],
          ["alerts", "store"],
          ["store", "model"],
        ]),
      ),
    ).toEqual([]);
    expect(
      findCycles(
        graph([
          ["report-api", "alerts"],
          ["alerts", "report-api"],
        ]),
      ),
    ).toEqual([["alerts", "report-api", "alerts"]]);
    expect(
      findCycles(
        graph([
          ["queue", "store"],
          ["store", "http"],
          ["http", "queue"],
        ]),
      ),
    ).toHaveLength(1);
  });

  it("reads the imports of src/ (the graph is not empty)", () => {
    const graph = folderGraph();
    expect(graph.get("engine")).toContain("rules");
    expect(graph.get("functions")?.size).toBeGreaterThan(0);
  });

  it("no two folders of src/ import each other, directly or round a loop", () => {
    expect(findCycles(folderGraph())).toEqual([]);
  });
});
