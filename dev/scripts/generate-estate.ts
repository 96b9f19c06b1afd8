#!/usr/bin/env node
// generate-estate: writes a generated estate (dev/generate) as a snapshot file that `mi-audit scan` reads.
// Usage: generate-estate --resources N [--subscriptions S] [--seed K] --out FILE
// Exit codes: 0 written; 2 usage error (the message names the option) or the file cannot be written.
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  checkGeneratorOptions,
  defaultSubscriptions,
  generateEstateRows,
  type EstateGeneratorOptions,
} from "../generate/estate-generator";
import { snapshotJsonChunks } from "../generate/snapshot-json";
import { errorMessage } from "../../src/errors";

const USAGE = "usage: generate-estate --resources N [--subscriptions S] [--seed K] --out FILE";

export interface ScriptIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Parses and validates the arguments: the options, or the problems (each naming its option). */
export function parseGenerateArguments(
  argv: string[],
): { options: EstateGeneratorOptions; out: string } | { problems: string[] } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        resources: { type: "string" },
        subscriptions: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // parseArgs reports unknown options, missing values and stray positionals as TypeErrors with an ERR_PARSE_ARGS code.
    if (error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS"))
      return { problems: [error.message] };
    throw error;
  }
  const problems: string[] = [];
  const whole = (name: string): number | undefined => {
    const text = values[name];
    if (typeof text !== "string") return undefined;
    if (/^\d+$/.test(text.trim())) return Number(text.trim());
    problems.push(`--${name} must be a whole number, got '${text}'`);
    return Number.NaN;
  };
  const resources = whole("resources");
  const subscriptions = whole("subscriptions");
  const seed = whole("seed");
  if (resources === undefined) problems.push("--resources is required");
  if (typeof values["out"] !== "string" || values["out"].trim() === "")
    problems.push("--out is required (the snapshot file to write)");
  if (problems.length > 0) return { problems };
  const options: EstateGeneratorOptions = {
    resources: resources!,
    ...(subscriptions === undefined ? {} : { subscriptions }),
    ...(seed === undefined ? {} : { seed }),
  };
  const invalid = checkGeneratorOptions(options);
  return invalid.length > 0 ? { problems: invalid } : { options, out: values["out"] as string };
}

export function main(argv: string[], io: ScriptIo): number {
  const parsed = parseGenerateArguments(argv);
  if ("problems" in parsed) {
    for (const problem of parsed.problems) io.stderr(`generate-estate: ${problem}\n`);
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  const { options, out } = parsed;
  const started = Date.now();
  // Written beside the target and renamed at the end, so an interrupted run never leaves a truncated snapshot.
  const partial = `${out}.partial`;
  let fd: number;
  try {
    fd = openSync(partial, "w");
  } catch (error) {
    io.stderr(`generate-estate: --out ${out} cannot be written: ${errorMessage(error)}\n`);
    return 2;
  }
  const types = new Map<string, number>();
  let bytes = 0;
  try {
    const counted = (function* () {
      for (const row of generateEstateRows(options)) {
        const type = String(row["type"]);
        types.set(type, (types.get(type) ?? 0) + 1);
        yield row;
      }
    })();
    for (const chunk of snapshotJsonChunks(counted, options.resources)) bytes += writeSync(fd, chunk);
    closeSync(fd);
    renameSync(partial, out);
  } catch (error) {
    closeSync(fd);
    rmSync(partial, { force: true });
    if (
      error instanceof Error &&
      "code" in error &&
      typeof (error as NodeJS.ErrnoException).code === "string" &&
      (error as NodeJS.ErrnoException).syscall !== undefined
    ) {
      io.stderr(`generate-estate: --out ${out} cannot be written: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const subscriptions = options.subscriptions ?? defaultSubscriptions(options.resources);
  io.stdout(
    `wrote ${options.resources} rows in ${subscriptions} subscriptions (seed ${options.seed ?? 1}, ${(bytes / 1048576).toFixed(1)} MiB) to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  for (const [type, count] of [...types.entries()].sort((a, b) => b[1] - a[1])) {
    io.stdout(
      `  ${type.padEnd(42)} ${String(count).padStart(9)}  ${((100 * count) / options.resources).toFixed(1).padStart(5)}%\n`,
    );
  }
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
