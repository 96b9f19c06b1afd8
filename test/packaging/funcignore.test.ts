// .funcignore: what a Core Tools publish (`func azure functionapp publish`) and azd leave out of the app's zip. Read
// the way each tool reads it: Core Tools with a port of codemix's gitignore-parser (the npm package here is that
// parser), azd with git's syntax (the `ignore` package). Under both readings it keeps exactly what `npm run package`
// ships and drops every other file of the repository, of the build and of local runs.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import ignore from "ignore";
import { describe, expect, it } from "vitest";
import { deploymentEntries } from "../../dev/scripts/package-app";

// gitignore-parser 0.0.2 ships no types: compile(content) returns accepts/denies over "/"-separated relative paths.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped CommonJS package
const coreToolsParser = require("gitignore-parser") as { compile(content: string): { accepts(path: string): boolean } };

const ROOT = resolve(__dirname, "..", "..");
const funcignore = readFileSync(join(ROOT, ".funcignore"), "utf8");

/** Core Tools never reads these whatever .funcignore says (it skips them itself); azd reads them through .funcignore. */
const CORE_TOOLS_SKIPS = [/^\.git\//, /^\.vscode\//, /^\.funcignore$/, /^\.gitignore$/, /^local\.settings\.json$/];

const coreTools = coreToolsParser.compile(funcignore);
const git = ignore().add(funcignore);
const readings: Array<{ tool: string; keeps: (path: string) => boolean }> = [
  {
    tool: "Core Tools",
    keeps: (path) => !CORE_TOOLS_SKIPS.some((skip) => skip.test(path)) && coreTools.accepts(path),
  },
  { tool: "git's syntax (azd)", keeps: (path) => !git.ignores(path) },
];

/** Every file git tracks or would track (not ignored), "/"-separated. */
function repositoryFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT });
  return out
    .toString("utf8")
    .split("\0")
    .filter((path) => path !== "");
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const dirent of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, dirent.name);
      if (dirent.isDirectory()) walk(full);
      else out.push(relative(ROOT, full).split(sep).join("/"));
    }
  };
  walk(dir);
  return out;
}

/** Files that runs leave in the work tree (git ignores them), one of each kind. */
const LOCAL_STATE = [
  ".azurite/__azurite_db_table__.json",
  ".local/host/keys.json",
  "test-artifacts/vitest.json",
  "coverage/index.html",
  "local.settings.json",
  "npm-debug.log",
  ".azure/dev/.env",
  ".git/HEAD",
  ".vscode/settings.json",
  ".funcignore",
  ".gitignore",
  "dist/package/mi-exposure-auditor.zip",
  "dist/package/app/host.json",
  "dist/test/report-api/report-api.test.js",
  "dist/dev/emulator/main.js",
];

describe(".funcignore", () => {
  const shipped = deploymentEntries(ROOT).map((entry) => entry.path);
  const shippedSet = new Set(shipped);

  for (const { tool, keeps } of readings)
    it(`keeps every file npm run package ships, read as ${tool} reads it`, () => {
      expect(shipped).toContain("host.json");
      expect(shipped.some((path) => path.startsWith("node_modules/@azure/functions/"))).toBe(true);
      expect(shipped.filter((path) => !keeps(path))).toEqual([]);
    });

  for (const { tool, keeps } of readings)
    it(`drops every other file of the repository, the build and local runs, read as ${tool} reads it`, () => {
      const built = filesUnder(join(ROOT, "dist")).filter((path) => !path.startsWith("dist/src/"));
      const others = [...repositoryFiles(), ...built, ...LOCAL_STATE].filter((path) => !shippedSet.has(path));
      expect(others).toContain("src/functions/health.ts");
      expect(others).toContain("samples/estate.json");
      const kept = others.filter((path) => keeps(path));
      expect(
        kept,
        "add these to .funcignore (anchored with a leading /), or ship them in dev/scripts/package-app.ts",
      ).toEqual([]);
    });

  it("anchors every entry at the root, so neither reading reaches into node_modules or dist/src", () => {
    const entries = funcignore
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.filter((line) => !line.startsWith("/"))).toEqual([]);
    // A package's own src/ or test/ folder is loaded at run time by some packages: it must survive both readings.
    for (const { keeps } of readings)
      for (const path of ["node_modules/zod/src/index.ts", "node_modules/a/test/x.js", "node_modules/a/docs/x.md"])
        expect(keeps(path), path).toBe(true);
  });
});
