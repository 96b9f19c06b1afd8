#!/usr/bin/env node
// Benchmark runner: `npm run bench -- [--only NAME[,NAME]] [module options]`. Each benchmark is a module in this
// folder registered below; it prints a table and writes its figures to test-artifacts/bench-<name>.json.
// Adding one (collection, storage, api…) is a new module exporting a Benchmark plus one line in BENCHMARKS.
import { join } from "node:path";
import { BenchUsageError, formatTable, machine, writeFigures, type Benchmark } from "./benchmark";
import { apiBenchmark } from "./api";
import { collectionBenchmark } from "./collection";
import { engineBenchmark } from "./engine";
import { exceptionMatchingBenchmark } from "./exception-matching";
import { nsgDifferentialBenchmark } from "./nsg-differential";
import { rowSizesBenchmark } from "./row-sizes";
import { storageBenchmark } from "./storage";

export const BENCHMARKS: readonly Benchmark[] = [
  engineBenchmark,
  exceptionMatchingBenchmark,
  collectionBenchmark,
  rowSizesBenchmark,
  storageBenchmark,
  apiBenchmark,
  nsgDifferentialBenchmark,
];

const USAGE = `usage: bench [--only ${BENCHMARKS.map((b) => b.name).join("|")}[,...]] [options for the benchmark]`;

/** Splits `--only` from the rest, which go to the selected benchmarks. */
export function selectBenchmarks(argv: string[]): { selected: Benchmark[]; rest: string[] } {
  const rest: string[] = [];
  let only: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === "--only") {
      only = argv[i + 1];
      if (only === undefined) throw new BenchUsageError("--only needs a benchmark name");
      i += 1;
    } else if (arg.startsWith("--only=")) {
      only = arg.slice("--only=".length);
    } else {
      rest.push(arg);
    }
  }
  if (only === undefined) return { selected: [...BENCHMARKS], rest };
  const selected = only.split(",").map((name) => {
    const found = BENCHMARKS.find((b) => b.name === name.trim());
    if (found === undefined)
      throw new BenchUsageError(
        `--only: no benchmark named '${name}'; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`,
      );
    return found;
  });
  return { selected, rest };
}

async function main(argv: string[]): Promise<number> {
  const root = join(__dirname, "..", "..", "..");
  let plan: { selected: Benchmark[]; rest: string[] };
  try {
    plan = selectBenchmarks(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const host = machine();
  process.stdout.write(`machine: ${host.cpus} × ${host.cpuModel}, Node ${host.node}, ${host.platform}, ${host.date}\n`);
  for (const benchmark of plan.selected) {
    process.stdout.write(`\n== ${benchmark.name}: ${benchmark.description}\n`);
    try {
      const report = await benchmark.run({ args: plan.rest, root, log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`${formatTable(report.table)}\n`);
      for (const note of report.notes ?? []) process.stdout.write(`  ${note}\n`);
      process.stdout.write(`figures: ${writeFigures(root, report)}\n`);
    } catch (error) {
      if (!(error instanceof BenchUsageError)) throw error;
      process.stderr.write(`bench ${benchmark.name}: ${error.message}\n`);
      return 2;
    }
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
