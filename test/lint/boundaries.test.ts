// The walls hold: eslint.config.mjs, run through ESLint's Node API on small snippets placed in each layer, reports an
// import that points up and lets one that points down through. The layering is written out here again, from STYLE.md,
// on purpose: a test that read the config's own table could not notice the config loosening a wall.
import { join } from "node:path";
import { ESLint, type Linter } from "eslint";
import { describe, expect, it } from "vitest";
import tseslint from "typescript-eslint";

const REPO = join(__dirname, "..", "..");

/** Top to bottom. `config` may be renamed `settings`: both names are the same layer. */
const LAYERS: { name: string; folders: string[] }[] = [
  { name: "entry point", folders: ["functions", "cli", "host"] },
  { name: "composition root", folders: ["app"] },
  { name: "feature", folders: ["alerts", "fanout", "report-api", "log-analytics"] },
  { name: "adapter", folders: ["collect", "snapshot", "store", "queue", "http", "report", "telemetry"] },
  { name: "use case", folders: ["audit"] },
  { name: "settings", folders: ["config", "settings"] },
  { name: "engine", folders: ["engine"] },
  { name: "rules", folders: ["rules"] },
  { name: "net", folders: ["net"] },
  { name: "model", folders: ["model"] },
];
const CORE = ["engine", "rules", "net", "model"];
const FOLDERS = LAYERS.flatMap((layer, index) => layer.folders.map((folder) => ({ folder, index })));
const FOLDER_ROWS = FOLDERS.map(({ folder, index }) => [folder, index] as const);

// The probes are not files of the TypeScript program, so type-aware rules are switched off for them; every rule under
// test here (imports, syntax, sizes, directive comments) is syntactic and comes from the project's config unchanged.
const eslint = new ESLint({ cwd: REPO, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO, filePath) });
  if (result === undefined) throw new Error(`ESLint returned no result for ${filePath}`);
  const fatal = result.messages.find((message) => message.fatal === true);
  if (fatal !== undefined) throw new Error(`${filePath} did not parse: ${fatal.message}`);
  return result.messages;
}

function byRule(messages: Linter.LintMessage[], ruleId: string): Linter.LintMessage[] {
  return messages.filter((message) => message.ruleId === ruleId);
}

/** An import used by an export, so no other rule (unused vars) has anything to say. */
function importing(specifier: string): string {
  return `import { thing } from "${specifier}";\nexport const used = thing;\n`;
}

async function boundaryMessages(filePath: string, specifier: string): Promise<string[]> {
  return byRule(await lint(filePath, importing(specifier)), "no-restricted-imports").map((message) => message.message);
}

/** A function spanning `lines` lines, signature and closing brace included, one statement per body line. */
function functionOf(lines: number): string {
  const body = Array.from({ length: lines - 4 }, (_, i) => `  total += ${i};`);
  return ["export function long(): number {", "  let total = 0;", ...body, "  return total;", "}"].join("\n");
}

describe("layer boundaries", () => {
  it.each(FOLDER_ROWS)("src/%s may not import any layer above it", async (folder, index) => {
    for (const layer of LAYERS.slice(0, index)) {
      for (const above of layer.folders) {
        const messages = await boundaryMessages(`src/${folder}/probe.ts`, `../${above}/thing`);
        expect(messages, `src/${folder} importing src/${above}`).toHaveLength(1);
        expect(messages[0]).toContain(`src/${folder}`);
        expect(messages[0]).toContain(`src/${above}`);
        if (above !== "app") expect(messages[0]).toContain(`${layer.name} layer`);
      }
    }
  });

  it.each(FOLDER_ROWS)("src/%s may import its own layer and every layer below", async (folder, index) => {
    const allowed = [...LAYERS.slice(index).flatMap((layer) => layer.folders.filter((other) => other !== folder))];
    for (const below of allowed) {
      expect(
        await boundaryMessages(`src/${folder}/probe.ts`, `../${below}/thing`),
        `src/${folder} -> ${below}`,
      ).toEqual([]);
    }
    expect(await boundaryMessages(`src/${folder}/probe.ts`, "./sibling")).toEqual([]);
    expect(await boundaryMessages(`src/${folder}/probe.ts`, "../errors")).toEqual([]);
  });

  it("holds from subfolders too (src/model/readers, src/rules/catalog, src/report-api/dashboard)", async () => {
    expect(await boundaryMessages("src/model/readers/probe.ts", "../../net/address-set")).toHaveLength(1);
    expect(await boundaryMessages("src/rules/catalog/probe.ts", "../../engine/finding")).toHaveLength(1);
    expect(await boundaryMessages("src/report-api/dashboard/probe.ts", "../../app/services")).toHaveLength(1);
    expect(await boundaryMessages("src/rules/catalog/probe.ts", "../../net/nsg-evaluation")).toEqual([]);
    expect(await boundaryMessages("src/rules/catalog/probe.ts", "../rule")).toEqual([]);
    expect(await boundaryMessages("src/report-api/dashboard/probe.ts", "../../report/csv")).toEqual([]);
  });

  it("catches a folder imported by its index as well as by a file in it", async () => {
    expect(await boundaryMessages("src/model/probe.ts", "../net")).toHaveLength(1);
    expect(await boundaryMessages("src/model/probe.ts", "../net/deep/file")).toHaveLength(1);
    expect(await boundaryMessages("src/model/probe.ts", "../network/file")).toEqual([]);
  });

  it("src/app is imported by entry points only", async () => {
    for (const feature of ["alerts", "fanout", "report-api"]) {
      const [message] = await boundaryMessages(`src/${feature}/probe.ts`, "../app/services");
      expect(message).toContain("composition root");
    }
    for (const entry of ["functions", "cli", "host"]) {
      expect(await boundaryMessages(`src/${entry}/probe.ts`, "../app/services")).toEqual([]);
    }
  });

  it("nothing under src/ imports dev/ or test/", async () => {
    for (const { folder } of FOLDERS) {
      for (const outside of ["../../dev/emulator/main", "../../test/support/rows"]) {
        const messages = await boundaryMessages(`src/${folder}/probe.ts`, outside);
        expect(messages, `src/${folder} importing ${outside}`).toHaveLength(1);
        expect(messages[0]).toContain("dev/ or test/");
      }
    }
    expect(await boundaryMessages("src/model/readers/probe.ts", "../../../dev/generate/estate")).toHaveLength(1);
    expect(await boundaryMessages("src/report-api/dashboard/probe.ts", "../../../test/support/rows")).toHaveLength(1);
    // dev tools and tests may import the product.
    expect(await boundaryMessages("dev/bench/probe.ts", "../../src/store/table-store")).toEqual([]);
    expect(await boundaryMessages("test/store/probe.ts", "../../src/app/services")).toEqual([]);
  });

  it("src/errors.ts is a leaf", async () => {
    expect(await boundaryMessages("src/errors.ts", "./model/estate")).toHaveLength(1);
    expect(await boundaryMessages("src/errors.ts", "zod")).toEqual([]);
  });
});

describe("the pure core", () => {
  const outsideWorld = ["@azure/data-tables", "@azure/identity", "node:fs", "node:crypto", "fs", "path", "fs/promises"];

  it.each(CORE)("src/%s imports no Azure SDK and no Node builtin", async (folder) => {
    for (const specifier of outsideWorld) {
      const messages = await boundaryMessages(`src/${folder}/probe.ts`, specifier);
      expect(messages, `src/${folder} importing ${specifier}`).toHaveLength(1);
      expect(messages[0]).toContain("pure core");
    }
    expect(await boundaryMessages(`src/${folder}/probe.ts`, "ipaddr.js")).toEqual([]);
  });

  it("adapters and entry points may use them", async () => {
    for (const folder of ["store", "collect", "functions", "audit", "config"]) {
      for (const specifier of outsideWorld) {
        expect(await boundaryMessages(`src/${folder}/probe.ts`, specifier), `${folder} -> ${specifier}`).toEqual([]);
      }
    }
  });
});

describe("conventions", () => {
  const inlineErrorText = [
    "export function reason(error: unknown): string {",
    "  return error instanceof Error ? error.message : String(error);",
    "}",
  ].join("\n");

  it("reports the inline errorText pattern outside src/errors.ts", async () => {
    for (const filePath of ["src/audit/probe.ts", "src/engine/probe.ts", "dev/bench/probe.ts"]) {
      const messages = byRule(await lint(filePath, inlineErrorText), "no-restricted-syntax");
      expect(messages.map((message) => message.message)).toEqual(["use errorMessage or errorText from src/errors"]);
    }
    expect(byRule(await lint("src/errors.ts", inlineErrorText), "no-restricted-syntax")).toEqual([]);
    const narrowed =
      "export function reason(error: unknown): string {\n  return error instanceof RangeError ? 'range' : 'other';\n}\n";
    expect(byRule(await lint("src/audit/probe.ts", narrowed), "no-restricted-syntax")).toEqual([]);
  });

  it("reports a function over 80 lines in src/, not one of 80", async () => {
    expect(functionOf(81).split("\n")).toHaveLength(81);
    const long = byRule(await lint("src/engine/probe.ts", functionOf(81)), "max-lines-per-function");
    expect(long).toHaveLength(1);
    expect(long[0]?.line).toBe(1);
    expect(byRule(await lint("src/engine/probe.ts", functionOf(80)), "max-lines-per-function")).toEqual([]);
  });

  it("reports a src/ file over 500 lines", async () => {
    const lines = (count: number): string =>
      Array.from({ length: count }, (_, i) => `export const value${i} = ${i};`).join("\n");
    expect(byRule(await lint("src/net/probe.ts", lines(501)), "max-lines")).toHaveLength(1);
    expect(byRule(await lint("src/net/probe.ts", lines(500)), "max-lines")).toEqual([]);
  });

  it("asks a reason of every disable comment", async () => {
    const silenced = (comment: string): string => `${comment}\n${functionOf(81)}`;
    const bare = await lint("src/engine/probe.ts", silenced("// eslint-disable-next-line max-lines-per-function"));
    expect(byRule(bare, "@eslint-community/eslint-comments/require-description")).toHaveLength(1);
    const argued = await lint(
      "src/engine/probe.ts",
      silenced("// eslint-disable-next-line max-lines-per-function -- one table, read top to bottom"),
    );
    expect(argued).toEqual([]);
  });

  it("reports a catch block that drops the error", async () => {
    const dropped =
      "export function parse(text: string): unknown {\n  try {\n    return JSON.parse(text);\n  } catch {}\n  return undefined;\n}\n";
    expect(byRule(await lint("src/store/probe.ts", dropped), "no-empty")).toHaveLength(1);
  });
});
