// Finds the functions to serve: every module in the functions directory (dist/src/functions/*.js by default) is loaded
// and each exported value that is a FunctionRegistration (or an array of them) is collected. Outside the Functions runtime each `app.*`
// call in those modules makes @azure/functions warn that it is in test mode (and `app.setup({ enableHttpStream })`
// says so on the console); that chatter becomes one line here. Everything else the modules print passes through.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isFunctionRegistration, type FunctionRegistration } from "../app/function-registration";
import type { HostLog } from "./host-log";
import { errorMessage } from "../errors";

export class FunctionLoadError extends Error {
  override name = "FunctionLoadError";
}

const MODULE_FILE = /\.(c?js|mjs|ts)$/;
const TEST_MODE_WARNING =
  /Switching "@azure\/functions" package to test mode|because the "@azure\/functions" package is in test mode/;
/** A debug line of app.setup(); the local host streams HTTP bodies anyway. */
const HTTP_STREAM_NOTICE = /^HTTP streaming enabled\.$/;

export async function loadFunctionRegistrations(directory: string, log: HostLog): Promise<FunctionRegistration[]> {
  let files: string[];
  try {
    files = readdirSync(directory)
      .filter((name) => MODULE_FILE.test(name) && !name.endsWith(".d.ts"))
      .sort()
      .map((name) => join(directory, name))
      .filter((file) => statSync(file).isFile());
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") {
      throw new FunctionLoadError(
        `No functions directory at ${directory}: run 'npm run build' first, or point HOST_FUNCTIONS_DIR at the compiled functions.`,
      );
    }
    throw error;
  }

  const registrations: FunctionRegistration[] = [];
  const seen = new Set<unknown>();
  let skippedWarnings = 0;
  for (const file of files) {
    const exports = await withTestModeWarningsCounted(
      () => importModule(file),
      () => (skippedWarnings += 1),
    );
    // An HTTP route exports the registrations of its two doors as one array (app/function-registration.ts).
    for (const value of exportedValues(exports).flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]))) {
      if (!isFunctionRegistration(value) || seen.has(value)) continue;
      seen.add(value);
      registrations.push(value);
    }
  }
  if (skippedWarnings > 0) {
    log.info(
      `@azure/functions runs in test mode outside the Functions runtime (${skippedWarnings} warnings about skipped app.* registrations hidden); the local host serves the exported registrations.`,
    );
  }
  return registrations;
}

/** Checks what the Functions host checks at start-up: unique names and a handler on every registration. */
export function validateRegistrations(registrations: readonly FunctionRegistration[]): void {
  const names = new Map<string, FunctionRegistration>();
  for (const registration of registrations) {
    const key = registration.name.toLowerCase();
    if (names.has(key))
      throw new FunctionLoadError(
        `Two functions are named '${registration.name}'; function names must be unique (case-insensitive).`,
      );
    names.set(key, registration);
    if (typeof registration.options.handler !== "function")
      throw new FunctionLoadError(`Function '${registration.name}' has no handler.`);
  }
}

async function importModule(file: string): Promise<unknown> {
  try {
    // import() loads CommonJS (dist) and, under vitest, TypeScript fixtures alike.
    return (await import(pathToFileURL(file).href)) as unknown;
  } catch (error) {
    throw new FunctionLoadError(`Loading ${file} failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** Named exports, plus the members of a CommonJS `module.exports` seen through `default`. */
function exportedValues(moduleNamespace: unknown): unknown[] {
  if (typeof moduleNamespace !== "object" || moduleNamespace === null) return [];
  const values: unknown[] = Object.values(moduleNamespace);
  const defaultExport = (moduleNamespace as { default?: unknown }).default;
  if (typeof defaultExport === "object" && defaultExport !== null && !isFunctionRegistration(defaultExport))
    values.push(...(Object.values(defaultExport) as unknown[]));
  return values;
}

async function withTestModeWarningsCounted<T>(load: () => Promise<T>, onWarning: () => void): Promise<T> {
  const { warn, debug } = console;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && TEST_MODE_WARNING.test(args[0])) onWarning();
    else warn.apply(console, args);
  };
  console.debug = (...args: unknown[]) => {
    if (!(typeof args[0] === "string" && HTTP_STREAM_NOTICE.test(args[0]))) debug.apply(console, args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
    console.debug = debug;
  }
}
