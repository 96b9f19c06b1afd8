// npm run package: builds the deployable zip of the Functions app: host.json and package.json at the root (where the
// Functions host and a Flex Consumption zip deployment look for them), the compiled product (dist/src, never dist/test
// or dist/dev) and the production dependencies only. Run from the repository root after `npm run build` (the npm
// script does both) and `npm ci`. Prints the zip's path and size.
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { rename } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { errorMessage } from "../../src/errors";

export const ZIP_NAME = "mi-exposure-auditor.zip";
/** Where `npm run package` writes the zip: under dist/, which git ignores and .funcignore keeps out of a publish. */
export const DEFAULT_OUT_DIR = join("dist", "package");

export interface PackageOptions {
  /** The repository root: host.json, package.json, package-lock.json and the built dist/src are read from here. */
  root: string;
  /** The folder the zip is written to (created when missing). */
  outDir: string;
  /** Progress lines; nothing by default. */
  log?: (line: string) => void;
}

export interface PackageResult {
  zipPath: string;
  bytes: number;
  /** Every path in the zip, "/"-separated, sorted. */
  entries: string[];
}

/** One file of the zip: where it is read from and its path inside the zip. */
export interface Entry {
  source: string;
  path: string;
}

// Fixed so that the same inputs give the same zip, byte for byte (the host never reads these times).
const ENTRY_TIME = new Date("2000-01-01T00:00:00Z");

/**
 * Files of dependencies that nothing loads at run time: source maps (read only with --enable-source-maps, and they
 * describe the packages' own sources, which are not shipped) and TypeScript declarations. They are half the size of
 * the production node_modules.
 */
function isRuntimeFile(name: string): boolean {
  return !/\.(map|d\.ts|d\.mts|d\.cts)$/.test(name);
}

/** Writes the deployment zip and returns where it is, its size and its entries. */
export async function packageApp(options: PackageOptions): Promise<PackageResult> {
  const { root, outDir, log = () => undefined } = options;
  const entries = deploymentEntries(root);
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, ZIP_NAME);
  log(`writing ${entries.length} files to ${zipPath}`);
  await writeZip(entries, zipPath);
  return { zipPath, bytes: statSync(zipPath).size, entries: entries.map((e) => e.path) };
}

/** What the zip holds, sorted by path: the root files, the compiled product and the production dependencies. */
export function deploymentEntries(root: string): Entry[] {
  const manifest = readManifest(root);
  const product = productEntries(root);
  checkMain(manifest.main, product);
  const dependencies = productionPackages(root).flatMap((pkg) =>
    treeEntries(join(root, pkg), pkg, (rel) => rel !== "node_modules/" && isRuntimeFile(rel)),
  );
  return [
    { source: join(root, "host.json"), path: "host.json" },
    { source: join(root, "package.json"), path: "package.json" },
    ...product,
    ...dependencies,
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/**
 * The folders `npm ci --omit=dev` would install: package-lock.json's "packages" keys are install paths, and npm marks
 * the ones only devDependencies reach `dev`. They are taken from the node_modules `npm ci` installed (checked against
 * the lock's versions), so packaging needs no second install and no network.
 */
function productionPackages(root: string): string[] {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    lockfileVersion?: number;
    packages?: Record<string, LockEntry>;
  };
  if (lock.packages === undefined)
    throw new Error(
      `package-lock.json (lockfileVersion ${lock.lockfileVersion}) has no "packages": npm 7 or later writes it`,
    );
  const folders: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith("node_modules/") || entry.dev === true) continue;
    if (entry.link === true) throw new Error(`${path} is a link (a workspace): packaging does not follow links`);
    const manifest = join(root, path, "package.json");
    if (!existsSync(manifest)) {
      if (entry.optional === true || entry.devOptional === true) continue; // not for this platform
      throw new Error(`${path} is missing: run \`npm ci\` before packaging`);
    }
    const installed = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
    if (installed !== entry.version)
      throw new Error(
        `${path} is ${installed}, package-lock.json says ${entry.version}: run \`npm ci\` before packaging`,
      );
    folders.push(path);
  }
  return folders;
}

function readManifest(root: string): { main: string } {
  const file = join(root, "package.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { main?: unknown };
  if (typeof manifest.main !== "string" || manifest.main === "")
    throw new Error(`${file} has no "main": the Functions host finds the functions through it`);
  for (const needed of ["host.json", "package-lock.json", "node_modules"])
    if (!existsSync(join(root, needed))) throw new Error(`${join(root, needed)} is missing; it is needed to package`);
  return { main: manifest.main };
}

/**
 * The compiled product: the files under dist/src that a file of src/ compiles to. tsc never deletes an output whose
 * source was removed or renamed, and a stale dist/src/functions/*.js would deploy as a function.
 */
function productEntries(root: string): Entry[] {
  const dist = join(root, "dist", "src");
  if (!existsSync(join(dist, "functions")))
    throw new Error(`${join(dist, "functions")} is missing: run \`npm run build\` first (\`npm run package\` does)`);
  const hasSource = (rel: string): boolean =>
    rel.endsWith("/") || existsSync(join(root, "src", rel.replace(/\.js(\.map)?$/, ".ts")));
  return treeEntries(dist, "dist/src", hasSource);
}

/** Every file under `dir` (symbolic links followed), as entries under `prefix`, filtered by their path in `dir`. */
function treeEntries(dir: string, prefix: string, keep: (rel: string) => boolean): Entry[] {
  const out: Entry[] = [];
  const walk = (current: string): void => {
    for (const dirent of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, dirent.name);
      const rel = relative(dir, full).split(sep).join("/");
      const isDir = dirent.isDirectory() || (dirent.isSymbolicLink() && statSync(full).isDirectory());
      if (isDir) {
        if (keep(`${rel}/`)) walk(full);
      } else if (keep(rel)) {
        out.push({ source: dirent.isSymbolicLink() ? realpathSync(full) : full, path: `${prefix}/${rel}` });
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * The Functions host loads the files `main` names (a path or a glob with `*` in file names, e.g.
 * dist/src/functions/*.js): a zip whose `main` names nothing would deploy an app with no functions.
 */
function checkMain(main: string, product: Entry[]): void {
  const pattern = new RegExp(
    `^${main
      .replace(/^\.\//, "")
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^/]*")}$`,
  );
  if (!product.some((entry) => pattern.test(entry.path)))
    throw new Error(`package.json "main" (${main}) matches no file under dist/src: the zip would hold no function`);
}

async function writeZip(entries: Entry[], zipPath: string): Promise<void> {
  const zip = new ZipFile();
  for (const entry of entries) {
    // Executable bits kept (a dependency may ship a script it spawns); everything else is a plain file.
    const mode = statSync(entry.source).mode & 0o111 ? 0o100755 : 0o100644;
    zip.addFile(entry.source, entry.path, { mtime: ENTRY_TIME, mode });
  }
  zip.end();
  // Written beside the target and renamed, so an interrupted run never leaves a truncated zip under the final name.
  const partial = join(dirname(zipPath), `.${ZIP_NAME}.partial`);
  await pipeline(zip.outputStream, createWriteStream(partial));
  await rename(partial, zipPath);
}

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf("--out");
  const outDir = outIndex > 0 ? process.argv[outIndex + 1] : DEFAULT_OUT_DIR;
  if (outDir === undefined || outDir.startsWith("--")) throw new Error("--out needs a folder");
  const result = await packageApp({ root: process.cwd(), outDir, log: (line) => console.log(line) });
  console.log(
    `wrote ${result.zipPath} (${(result.bytes / 1024 / 1024).toFixed(1)} MB, ${result.entries.length} files)`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`package: ${errorMessage(error)}`);
    process.exitCode = 1;
  });
}
