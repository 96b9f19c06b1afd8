// The NSG differential run at scale: the set evaluator against the naive reference (test/net/nsg-differential.ts) on
// many more seeded rule sets than the suite runs, with the disagreement rate per class. Not a speed benchmark; it
// lives here so `npm run bench` is the one place long runs start from.
//
//   npm run bench -- --only nsg-differential [--cases 100000] [--worlds 4] [--first-seed 1]
import {
  DOCUMENTED_CLASSES,
  PENDING_CLASSES,
  compareSeed,
  formatTally,
  newTally,
  record,
} from "../../test/net/nsg-differential";
import { benchOptions, positiveWhole, type Benchmark, type BenchmarkContext, type BenchmarkReport } from "./benchmark";

async function run(context: BenchmarkContext): Promise<BenchmarkReport> {
  const options = benchOptions(context.args, ["cases", "worlds", "first-seed"]);
  const cases = options["cases"] === undefined ? 100_000 : positiveWhole(options["cases"], "--cases");
  const worlds =
    options["worlds"] === undefined ? 4 : positiveWhole(options["worlds"], "--worlds", { millions: false });
  const firstSeed = options["first-seed"] === undefined ? 1 : positiveWhole(options["first-seed"], "--first-seed");
  const tally = newTally();
  const started = performance.now();
  for (let seed = firstSeed; seed < firstSeed + cases; seed += 1) {
    record(tally, compareSeed(seed, worlds), seed);
    if ((seed - firstSeed + 1) % 10_000 === 0)
      context.log(`nsg-differential: ${seed - firstSeed + 1} cases, ${countAll(tally)} disagreements`);
    // Yield now and then so a long run stays interruptible and its progress lines flush.
    if (seed % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = (performance.now() - started) / 1000;
  const rows: (string | number)[][] = [
    ["cases (rule sets × 2 directions)", cases],
    ["worlds per case", worlds],
    ["seconds", seconds.toFixed(1)],
    ["cases/s", Math.round(cases / seconds)],
    ...Object.entries(tally.verdicts)
      .sort()
      .map(([verdict, n]) => [verdict, n]),
    ["pure rule sets (inbound / outbound)", `${tally.pureCases.inbound} / ${tally.pureCases.outbound}`],
    [
      "uncertain with one reference answer in every world (inbound / outbound)",
      `${tally.needlessUncertain.inbound} / ${tally.needlessUncertain.outbound}`,
    ],
  ];
  for (const [kind, list] of tally.disagreements) {
    const status = DOCUMENTED_CLASSES.has(kind) ? "documented" : PENDING_CLASSES.has(kind) ? "pending" : "DEFECT";
    rows.push([`${status}: ${kind}`, `${list.length} (${((list.length / cases) * 100).toFixed(3)} %)`]);
  }
  const examples = Object.fromEntries([...tally.disagreements].map(([kind, list]) => [kind, list.slice(0, 5)]));
  return {
    name: "nsg-differential",
    table: { columns: ["measure", "value"], rows },
    figures: {
      cases,
      worlds,
      firstSeed,
      seconds,
      verdicts: tally.verdicts,
      pureCases: tally.pureCases,
      needlessUncertain: tally.needlessUncertain,
      examples,
    },
    notes: [
      ...formatTally(tally),
      ...[...tally.disagreements].map(
        ([kind, list]) => `first ${kind}:\n    ${list[0]!.detail.replace(/\n/g, "\n  ")}`,
      ),
    ],
  };
}

function countAll(tally: ReturnType<typeof newTally>): number {
  return [...tally.disagreements.values()].reduce((sum, list) => sum + list.length, 0);
}

export const nsgDifferentialBenchmark: Benchmark = {
  name: "nsg-differential",
  description: "set-based NSG evaluator vs the naive reference on seeded random rule sets (disagreements per class)",
  run,
};
