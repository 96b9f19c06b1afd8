// What matching exceptions costs: the results of a generated estate (evaluated once, without exceptions) matched
// against growing sets of exceptions, exactly as the audit matches them (ExceptionIndex.covering, then exceptionFor),
// timed alone so that the figure is not lost in the noise of a whole evaluation. Median of five passes per set.
//
//   npm run bench -- --only exception-matching [--resources N] [--seed K] [--exceptions 0,1000,10000,100000]
import { generateEstateRows } from "../generate/estate-generator";
import { EstateBuilder } from "../../src/model/build-estate";
import { evaluate } from "../../src/audit/run-audit";
import { ExceptionIndex, exceptionFor } from "../../src/engine/exceptions";
import { DEFAULT_BASELINE } from "../../src/rules/baselines";
import { benchExceptions } from "./engine-measure";
import { benchOptions, positiveWhole, type Benchmark, type BenchmarkContext, type BenchmarkReport } from "./benchmark";

const PASSES = 5;

interface MatchingRun {
  exceptions: number;
  results: number;
  /** Results an exception in force covers (excepted fails and unknowns, and passes it is no longer needed for). */
  covered: number;
  medianMs: number;
  minMs: number;
  nsPerResult: number;
}

export const exceptionMatchingBenchmark: Benchmark = {
  name: "exception-matching",
  description: "match a generated estate's results against 0 to 100,000 exceptions, as the audit does",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    const values = benchOptions(context.args, ["resources", "seed", "exceptions"]);
    const resources = positiveWhole(values["resources"] ?? "100000", "--resources");
    const seed = positiveWhole(values["seed"] ?? "1", "--seed");
    const counts = (values["exceptions"] ?? "0,1000,10000,100000")
      .split(",")
      .map((s) => (s.trim() === "0" ? 0 : positiveWhole(s.trim(), "--exceptions")));

    context.log(`exception-matching: ${resources} rows, seed ${seed} …`);
    const builder = new EstateBuilder();
    let index = 0;
    for (const row of generateEstateRows({ resources, seed })) builder.add(row, `row ${index++}`);
    const estate = builder.build();
    const settings = { trustedPrefixes: [], trustOwnedPublicIps: false, baseline: DEFAULT_BASELINE };
    const { findings } = evaluate(estate, settings);
    const at = new Date();

    const runs: MatchingRun[] = counts.map((count) => {
      const exceptions = benchExceptions(estate, count);
      const times: number[] = [];
      let covered = 0;
      for (let pass = 0; pass < PASSES; pass += 1) {
        const start = process.hrtime.bigint();
        const matcher = new ExceptionIndex(exceptions);
        covered = 0;
        for (const finding of findings) if (exceptionFor(finding.status, matcher.covering(finding), at)) covered += 1;
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      times.sort((a, b) => a - b);
      const medianMs = times[Math.floor(PASSES / 2)]!;
      return {
        exceptions: count,
        results: findings.length,
        covered,
        medianMs,
        minMs: times[0]!,
        nsPerResult: Math.round((medianMs * 1e6) / Math.max(1, findings.length)),
      };
    });

    return {
      name: "exception-matching",
      table: {
        columns: ["exceptions", "results", "covered", "median ms", "min ms", "ns per result"],
        rows: runs.map((r) => [
          r.exceptions.toLocaleString("en-US"),
          r.results.toLocaleString("en-US"),
          r.covered.toLocaleString("en-US"),
          r.medianMs.toFixed(1),
          r.minMs.toFixed(1),
          r.nsPerResult,
        ]),
      },
      figures: { resources, seed, passes: PASSES, runs },
      notes: [
        "Exceptions: a third on single resources, a third on resource groups, a third on subscriptions narrowed by a tag no resource carries (every lookup in those subscriptions finds candidates to reject).",
        "Timed: building the index and matching every result (covering + exceptionFor); evaluation is done once, before, and not timed.",
      ],
    };
  },
};
