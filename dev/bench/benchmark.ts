// What every benchmark module provides, and the plumbing they share: a table on stdout, JSON figures in
// test-artifacts/bench-<name>.json, and measured runs in child processes (so each run's peak RSS is its own).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage } from "../../src/errors";

export interface BenchmarkContext {
  /** Arguments after the runner's own (`--only`), for the module to read. */
  args: string[];
  /** Repository root; built scripts live under dist/. */
  root: string;
  log: (line: string) => void;
}

export interface BenchmarkTable {
  columns: string[];
  rows: (string | number)[][];
}

export interface BenchmarkReport {
  /** Short, printable; also names the JSON file. */
  name: string;
  table: BenchmarkTable;
  /** Everything measured, for test-artifacts/bench-<name>.json. */
  figures: unknown;
  notes?: string[];
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchmarkContext): Promise<BenchmarkReport>;
}

export class BenchUsageError extends Error {}

/** A benchmark's `--name value` options (all strings); an unknown or valueless option is a usage error. */
export function benchOptions(args: string[], names: readonly string[]): Record<string, string | undefined> {
  try {
    return parseArgs({
      args,
      options: Object.fromEntries(names.map((name) => [name, { type: "string" as const }])),
      strict: true,
    }).values;
  } catch (error) {
    if (error instanceof TypeError) throw new BenchUsageError(error.message);
    throw error;
  }
}

/** A positive whole number as options take it: `10000`, `10_000`, `10k`, and `1m` unless `millions` is false. */
export function positiveWhole(text: string, option: string, { millions = true }: { millions?: boolean } = {}): number {
  let digits = text.replace(/_/g, "").replace(/k$/i, "000");
  if (millions) digits = digits.replace(/m$/i, "000000");
  const value = Number(digits);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new BenchUsageError(
      `${option} must be a positive whole number${millions ? " (10000, 10k, 1m)" : ""}, got '${text}'`,
    );
  }
  return value;
}

export function machine(): {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  date: string;
  loadAverage: number[];
} {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const TASKSET = "/usr/bin/taskset";

/** True when runs can be pinned to one CPU (Linux taskset), so "one core" means one core, GC threads included. */
export function canPin(): boolean {
  return existsSync(TASKSET);
}

export function formatTable(table: BenchmarkTable): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export function writeFigures(root: string, report: BenchmarkReport): string {
  const dir = join(root, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${report.name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ benchmark: report.name, machine: machine(), table: report.table, notes: report.notes ?? [], figures: report.figures }, null, 2)}\n`,
  );
  return file;
}

export type ChildOutcome<T> =
  { ok: true; result: T; wallMs: number } | { ok: false; reason: string; wallMs: number; stderr: string };

/**
 * Runs `node [nodeArgs] script [args]` and parses the JSON its last stdout line holds. A run that exceeds `timeoutMs`
 * is killed (by its own pid, nothing else) and reported as such, so one pathological size cannot stall the whole bench.
 */
export function runMeasuredChild<T>(
  script: string,
  nodeArgs: string[],
  args: string[],
  timeoutMs: number,
  pinToCpu?: number,
): Promise<ChildOutcome<T>> {
  return new Promise((resolve) => {
    const started = Date.now();
    const command = [process.execPath, ...nodeArgs, script, ...args];
    const child =
      pinToCpu === undefined
        ? spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] })
        : spawn(TASKSET, ["-c", String(pinToCpu), ...command], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const wallMs = Date.now() - started;
      if (timedOut)
        return resolve({
          ok: false,
          reason: `did not finish within ${Math.round(timeoutMs / 1000)} s`,
          wallMs,
          stderr,
        });
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) {
        const oom = /heap out of memory|Allocation failed/i.test(stderr);
        return resolve({
          ok: false,
          reason: oom ? "out of memory (heap limit reached)" : `exited with ${code ?? signal}`,
          wallMs,
          stderr,
        });
      }
      try {
        resolve({ ok: true, result: JSON.parse(last) as T, wallMs });
      } catch (error) {
        resolve({
          ok: false,
          reason: `unreadable result: ${errorMessage(error)}`,
          wallMs,
          stderr,
        });
      }
    });
  });
}

/** Tracks the peak RSS by sampling; synchronous work starves timers, so callers also call `sample()` from hot loops. */
export class RssSampler {
  peakRss = 0;
  peakHeapUsed = 0;
  private calls = 0;

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
  }

  /** Cheap enough for every iteration: reads memory once per `every` calls. */
  tick(every = 2000): void {
    this.calls += 1;
    if (this.calls % every !== 0) return;
    this.sample();
    const { heapUsed } = process.memoryUsage();
    if (heapUsed > this.peakHeapUsed) this.peakHeapUsed = heapUsed;
  }
}

export function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
