// npm run package: the zip a Flex Consumption app is deployed from. Microsoft's zip deployment needs host.json at the
// root of the extracted folder, and the Node.js worker finds the functions through package.json's `main`; the zip must
// hold the compiled product and the production dependencies that package-lock.json names, and nothing of the dev
// side. The extracted zip is then loaded on its own, and its health function answers against Azurite.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { packageApp, ZIP_NAME, type PackageResult } from "../../dev/scripts/package-app";
import { startAzurite, type Azurite } from "../support/azurite";
import { extractZip, zipEntries } from "./zip-reader";

const ROOT = resolve(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  main: string;
  devDependencies: Record<string, string>;
};
interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
}
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};

let work: string;
let result: PackageResult;
let entries: Set<string>;

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "src", "functions", "health.js")))
    throw new Error("dist/src is not built: run `npx tsc -p tsconfig.json` first (npm test does)");
  work = mkdtempSync(join(tmpdir(), "package-test-"));
  result = await packageApp({ root: ROOT, outDir: join(work, "out") });
  entries = new Set(await zipEntries(result.zipPath));
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** The functions modules: one per file of src/functions, as `main` (dist/src/functions/*.js) names them. */
function functionModules(): string[] {
  return readdirSync(join(ROOT, "src", "functions"))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => `dist/src/functions/${file.replace(/\.ts$/, ".js")}`);
}

/** The lock's package folders: `node_modules/a`, `node_modules/@s/b`, `node_modules/a/node_modules/c`. */
function lockPackages(keep: (entry: LockEntry) => boolean): string[] {
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith("node_modules/") && keep(entry))
    .map(([path]) => path);
}

describe("npm run package: the deployment zip", () => {
  it("is written where asked, under its name, and reports its real size and entries", () => {
    expect(result.zipPath).toBe(join(work, "out", ZIP_NAME));
    expect(readFileSync(result.zipPath).length).toBe(result.bytes);
    expect(new Set(result.entries)).toEqual(entries);
  });

  it("has host.json and package.json at its root, byte for byte the repository's", async () => {
    const dir = join(work, "roots");
    await extractZip(result.zipPath, dir, (path) => path === "host.json" || path === "package.json");
    for (const file of ["host.json", "package.json"])
      expect(readFileSync(join(dir, file), "utf8")).toBe(readFileSync(join(ROOT, file), "utf8"));
  });

  it("holds every function module that package.json's main names, and no stale output without a source", () => {
    expect(manifest.main).toBe("dist/src/functions/*.js");
    const modules = functionModules();
    expect(modules.length).toBeGreaterThan(10);
    for (const module of modules) expect(entries, module).toContain(module);
    const inZip = [...entries].filter((path) => /^dist\/src\/functions\/[^/]+\.js$/.test(path));
    expect(inZip.sort()).toEqual(modules.sort());
    for (const path of entries) {
      if (!path.startsWith("dist/src/") || !path.endsWith(".js")) continue;
      expect(existsSync(join(ROOT, path.replace(/^dist\//, "").replace(/\.js$/, ".ts"))), path).toBe(true);
    }
  });

  it("holds every production package of package-lock.json and no dev-only one", () => {
    const production = lockPackages((entry) => entry.dev !== true && entry.optional !== true);
    expect(production).toContain("node_modules/@azure/functions");
    for (const pkg of production) expect(entries, pkg).toContain(`${pkg}/package.json`);
    const devOnly = lockPackages((entry) => entry.dev === true);
    for (const name of ["vitest", "typescript", "azurite", "eslint", "yazl", "playwright-core"])
      expect(devOnly).toContain(`node_modules/${name}`);
    const prefixes = devOnly.map((pkg) => `${pkg}/`);
    const leaked = [...entries].filter((path) => prefixes.some((prefix) => path.startsWith(prefix)));
    expect(leaked).toEqual([]);
  });

  it("holds every package the compiled product requires, lazily loaded ones too (the local host's Azurite aside)", () => {
    const required = new Map<string, string>();
    for (const path of entries) {
      // The local host (npm start) starts Azurite, a devDependency; nothing in Azure loads src/host.
      if (!path.startsWith("dist/src/") || !path.endsWith(".js") || path.startsWith("dist/src/host/")) continue;
      const code = readFileSync(join(ROOT, path), "utf8");
      for (const [, specifier] of code.matchAll(/require(?:\.resolve)?\("([^"./][^"]*)"\)/g)) {
        if (specifier === undefined || specifier.startsWith("node:")) continue;
        const parts = specifier.split("/");
        required.set(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier), path);
      }
    }
    expect(required.has("@azure/functions")).toBe(true);
    expect(required.has("adaptivecards")).toBe(true); // required lazily, on the first alert card
    const missing = [...required].filter(([pkg]) => !entries.has(`node_modules/${pkg}/package.json`));
    expect(missing.map(([pkg, by]) => `${pkg} (required by ${by})`)).toEqual([]);
  });

  it("has nothing of the dev side: no tests, dev tools, sources, docs, samples, maps or declarations of dependencies", () => {
    const outside = [...entries].filter((path) => !path.startsWith("node_modules/") && !path.startsWith("dist/src/"));
    expect(outside.sort()).toEqual(["host.json", "package.json"]);
    const devSide = [...entries].filter((path) =>
      /^(dist\/(test|dev)\/|test\/|dev\/|src\/|docs\/|samples\/|infra\/|node_modules\/\.bin\/)/.test(path),
    );
    expect(devSide).toEqual([]);
    const unused = [...entries].filter((path) => path.startsWith("node_modules/") && /\.(map|d\.[mc]?ts)$/.test(path));
    expect(unused).toEqual([]);
  });
});

describe("the extracted zip runs on its own", () => {
  let azurite: Azurite;
  let app: string;

  beforeAll(async () => {
    azurite = await startAzurite();
    app = join(work, "app");
    await extractZip(result.zipPath, app);
  }, 180_000);

  afterAll(async () => {
    await azurite?.dispose();
  });

  it("loads every function module and answers health against Azurite, resolving packages only inside the zip", async () => {
    // Node looks for node_modules in every parent folder: a node_modules above the extraction folder could supply a
    // package the zip lacks, and the check would prove nothing.
    for (let dir = dirname(app); dir !== dirname(dir); dir = dirname(dir))
      expect(existsSync(join(dir, "node_modules")), `${dir}/node_modules`).toBe(false);
    const script = join(app, "check-package.js");
    writeFileSync(script, CHECK_SCRIPT);
    const { code, stdout, stderr } = await runNode(script, app, {
      AzureWebJobsStorage: azurite.connectionString,
      MODULES: JSON.stringify(functionModules()),
    });
    expect(stderr).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    expect(report).toMatchObject({
      loaded: functionModules().length,
      outsideZip: [],
      cardProblems: [],
      health: { status: 200, body: { status: "ok", storage: { reachable: true } } },
    });
  }, 120_000);
});

// Runs inside the extracted zip with the machine's node and nothing of the repository: requires each function module,
// lists any module loaded from outside the zip, loads the lazily required Adaptive Cards bundle through the alert
// step's own validator, and calls the health function (the composition root builds every client on the way).
const CHECK_SCRIPT = `
const path = require("node:path");
const { HttpRequest, InvocationContext } = require("@azure/functions");
const modules = JSON.parse(process.env.MODULES);
for (const module of modules) require(path.join(__dirname, module));
const { cardProblems } = require("./dist/src/alerts/card-validation.js");
const problems = cardProblems({ type: "AdaptiveCard", version: "1.4", body: [{ type: "TextBlock", text: "ok" }] });
const { health } = require("./dist/src/functions/health.js");
const request = new HttpRequest({ method: "GET", url: "http://127.0.0.1/api/health" });
Promise.resolve(health(request, new InvocationContext({ functionName: "health" }))).then((response) => {
  const outsideZip = Object.keys(require.cache).filter((file) => !file.startsWith(__dirname + path.sep));
  console.log(JSON.stringify({
    loaded: modules.length,
    outsideZip,
    cardProblems: problems,
    health: { status: response.status ?? 200, body: response.jsonBody },
  }));
});
`;

function runNode(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Only PATH and the given settings: nothing of the test's environment (NODE_PATH, the repository's settings) leaks in.
  const child = spawn(process.execPath, [script], { cwd, env: { PATH: process.env.PATH ?? "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}
