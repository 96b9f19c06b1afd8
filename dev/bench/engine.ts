// The engine benchmark: generated estates of growing size, each built, evaluated and scored in a child process of its
// own (pinned to one CPU with --cpu N, where taskset exists), so every run reports its own time, CPU time and peak RSS.
// Target: 1M rows in under 60 s on one core within 1.5 GB RSS.
//
// Two ladders:
// - the size ladder (10k, 100k, 1M), findings streamed and held, with the estate's own public IPs *not* trusted;
// - the owned-IP ladder (10k, 20k, 40k by default), streamed, with them trusted as the CLI does by default; it used to
//   grow with the square of the estate (see docs/performance.md) and is kept separate so that both growths show.
//
// Memory budget: a streamed run gets the heap a 1.5 GB process can afford (`--max-old-space-size=1400`, young
// generation `--max-semi-space-size=32`), so "within 1.5 GB RSS" is measured under the limit a Consumption instance
// imposes, not with a heap that lets garbage pile up. A held run keeps every finding (about 570 bytes each, 300 MB at
// 1M rows) and gets 6 GiB. `--heap-mb` and `--node-flags` override both.
import { join } from "node:path";
import {
  BenchUsageError,
  benchOptions,
  positiveWhole,
  canPin,
  runMeasuredChild,
  type Benchmark,
  type BenchmarkContext,
  type BenchmarkReport,
} from "./benchmark";
import type { EngineMeasurement } from "./engine-measure";

const TARGET = { resources: 1_000_000, seconds: 60, rssMiB: 1536 };
/** The old-generation limit that keeps a streamed 1M-row run's RSS within the 1.5 GB target (young generation aside). */
const BUDGET_HEAP_MIB = 1400;
const HOLD_HEAP_MIB = 6144;
const DEFAULT_NODE_FLAGS = "--max-semi-space-size=32";

interface EngineRun {
  resources: number;
  exceptions: number;
  findingsMode: string;
  trustOwnedPublicIps: boolean;
  outcome:
    | { ok: true; measurement: EngineMeasurement; childWallMs: number }
    | { ok: false; reason: string; childWallMs: number };
}

interface Plan {
  resources: number;
  mode: "hold" | "stream";
  trust: boolean;
  /** Exceptions applied (held runs only). */
  exceptions: number;
}

function list(text: string | undefined, fallback: string, option: string, allowed?: readonly string[]): string[] {
  const items = (text ?? fallback)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const item of items)
    if (allowed !== undefined && !allowed.includes(item))
      throw new BenchUsageError(`${option} takes ${allowed.join(" or ")}, got '${item}'`);
  return items;
}

/** `--exceptions`: a list of counts, 0 allowed; default 0 (no exceptions). */
function sizesOrZero(text: string | undefined): number[] {
  return list(text, "0", "--exceptions").map((s) => (s === "0" ? 0 : positiveWhole(s, "--exceptions")));
}

function sizes(text: string | undefined, fallback: string, option: string): number[] {
  if (text === "none") return [];
  return list(text, fallback, option).map((s) => positiveWhole(s, option));
}

export const engineBenchmark: Benchmark = {
  name: "engine",
  description: "build the estate, evaluate all rules and score, for generated estates of 10k, 100k and 1M rows",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    const values = benchOptions(context.args, [
      "sizes",
      "owned-ip-sizes",
      "findings",
      "seed",
      "timeout",
      "heap-mb",
      "cpu",
      "node-flags",
      "exceptions",
    ]);
    const modes = list(values["findings"], "stream,hold", "--findings", ["hold", "stream"]) as ("hold" | "stream")[];
    const seed = values["seed"] === undefined ? 1 : positiveWhole(values["seed"], "--seed");
    const timeoutMs = positiveWhole(values["timeout"] ?? "1200", "--timeout") * 1000;
    const heapOverride = values["heap-mb"] === undefined ? undefined : positiveWhole(values["heap-mb"], "--heap-mb");
    const heapFor = (mode: "hold" | "stream"): number =>
      heapOverride ?? (mode === "stream" ? BUDGET_HEAP_MIB : HOLD_HEAP_MIB);
    // Pinning is opt-in: on a shared machine a pinned run competes for its one CPU, and CPU time is the steadier figure.
    const cpu =
      values["cpu"] === undefined || values["cpu"] === "none" || !canPin() ? undefined : Number(values["cpu"]);
    if (cpu !== undefined && (!Number.isSafeInteger(cpu) || cpu < 0))
      throw new BenchUsageError(`--cpu must be a CPU number or none, got '${values["cpu"]}'`);
    const nodeFlags = (values["node-flags"] ?? DEFAULT_NODE_FLAGS).split(/\s+/).filter((flag) => flag !== "");
    // `--exceptions 0,1000,10000`: each held size once per count, side by side (what matching exceptions costs).
    const exceptionCounts = sizesOrZero(values["exceptions"]);
    const plan: Plan[] = [
      ...sizes(values["sizes"], "10000,100000,1000000", "--sizes").flatMap((resources) =>
        modes.flatMap((mode) =>
          (mode === "hold" ? exceptionCounts : [0]).map((exceptions) => ({
            resources,
            mode,
            trust: false,
            exceptions,
          })),
        ),
      ),
      ...sizes(values["owned-ip-sizes"], "10000,20000,40000", "--owned-ip-sizes").map((resources) => ({
        resources,
        mode: "stream" as const,
        trust: true,
        exceptions: 0,
      })),
    ];

    const script = join(context.root, "dist", "dev", "bench", "engine-measure.js");
    const runs: EngineRun[] = [];
    for (const { resources, mode, trust, exceptions } of plan) {
      context.log(
        `engine: ${resources} rows, findings ${mode}, owned IPs trusted: ${trust}${exceptions > 0 ? `, ${exceptions} exceptions` : ""} …`,
      );
      const outcome = await runMeasuredChild<EngineMeasurement>(
        script,
        [`--max-old-space-size=${heapFor(mode)}`, ...nodeFlags],
        [
          "--resources",
          String(resources),
          "--seed",
          String(seed),
          "--findings",
          mode,
          "--trust-owned-ips",
          String(trust),
          "--exceptions",
          String(exceptions),
        ],
        timeoutMs,
        cpu,
      );
      if (!outcome.ok && outcome.stderr.trim() !== "")
        context.log(outcome.stderr.trim().split("\n").slice(-5).join("\n"));
      const run: EngineRun = {
        resources,
        exceptions,
        findingsMode: mode,
        trustOwnedPublicIps: trust,
        outcome: outcome.ok
          ? { ok: true, measurement: outcome.result, childWallMs: outcome.wallMs }
          : { ok: false, reason: outcome.reason, childWallMs: outcome.wallMs },
      };
      runs.push(run);
      context.log(
        run.outcome.ok
          ? `  engine ${(run.outcome.measurement.engineMs / 1000).toFixed(1)} s, max RSS ${run.outcome.measurement.maxRssMiB} MiB`
          : `  ${run.outcome.reason}`,
      );
    }

    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    const perSecond = (count: number, ms: number) => Math.round(count / (ms / 1000)).toLocaleString("en-US");
    const rows = runs.map((run) => {
      const head = [
        run.resources.toLocaleString("en-US"),
        run.findingsMode,
        run.trustOwnedPublicIps ? "yes" : "no",
        run.exceptions.toLocaleString("en-US"),
        heapFor(run.findingsMode as "hold" | "stream"),
      ];
      if (!run.outcome.ok) return [...head, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", run.outcome.reason];
      const m = run.outcome.measurement;
      const meetsTarget = m.engineMs / 1000 < TARGET.seconds && m.maxRssMiB <= TARGET.rssMiB;
      return [
        ...head,
        m.findings.toLocaleString("en-US"),
        seconds(m.readMs),
        seconds(m.relateMs),
        seconds(m.evaluateMs),
        seconds(m.engineMs),
        seconds(m.engineCpuMs),
        perSecond(m.resources, m.engineMs),
        perSecond(m.findings, m.evaluateMs),
        m.peakHeapUsedMiB,
        m.maxRssMiB,
        run.resources === TARGET.resources && run.findingsMode === "stream"
          ? meetsTarget
            ? "target met"
            : "target missed"
          : "",
      ];
    });
    return {
      name: "engine",
      table: {
        columns: [
          "rows",
          "findings",
          "owned IPs trusted",
          "exceptions",
          "heap limit MiB",
          "results",
          "read s",
          "relate s",
          "evaluate s",
          "engine s",
          "engine CPU s",
          "resources/s",
          "results/s",
          "peak heap MiB",
          "max RSS MiB",
          "",
        ],
        rows,
      },
      figures: {
        target: TARGET,
        heapLimitMiB: { stream: heapFor("stream"), hold: heapFor("hold") },
        nodeFlags,
        pinnedToCpu: cpu ?? null,
        seed,
        runs,
      },
      notes: [
        "engine s (wall) = read (EstateBuilder.add) + relate (build) + evaluate (trust policy, rules, scoring); producing the generated rows is excluded.",
        "engine CPU s = user + system time of the child over the same phases, all threads (GC helpers included): steadier than wall time on a busy machine.",
        "findings hold = every finding kept, as runAudit returns them; stream = each finding is scored and dropped.",
        "peak heap = largest heapUsed sampled during the run (live objects plus garbage not yet collected).",
        `max RSS = process.resourceUsage().maxRSS of the child; old-generation limit per run in the table${nodeFlags.length > 0 ? `, node ${nodeFlags.join(" ")}` : ""}; ${cpu === undefined ? "not pinned" : `pinned to CPU ${cpu} with taskset`}.`,
        "The target (1M rows under 60 s within 1.5 GB RSS) is judged on the streamed 1M run, under the 1.5 GB heap budget.",
      ],
    };
  },
};
