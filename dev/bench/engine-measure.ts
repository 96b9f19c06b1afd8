// One measured engine run, in a child process of dev/bench/engine.ts: generate rows, build the estate, evaluate every
// rule and score, then print the figures as one JSON line. Generated rows go to the builder as JSON.parse makes them
// (no file), and the time spent producing them is subtracted, so the figures are the engine's own.
//
//   node dist/dev/bench/engine-measure.js --resources N [--seed K] [--findings hold|stream] [--trust-owned-ips true|false]
//                                        [--exceptions N]
//
// `--exceptions N` (held findings only, where the audit applies them) evaluates with N exceptions spread over the
// estate: a third on single resources, a third on resource groups, a third on subscriptions narrowed by a tag no
// resource carries (so every lookup walks the whole id and finds candidates to reject).
//
// `hold` keeps every finding, as runAudit (and so the CLI's JSON report) does today; `stream` hands each finding to
// the score accumulator and drops it, which is what a run that stores or counts findings as they come needs.
import { parseArgs } from "node:util";
import { generateEstateRows } from "../generate/estate-generator";
import { EstateBuilder } from "../../src/model/build-estate";
import { evaluate } from "../../src/audit/run-audit";
import { evaluateEstate } from "../../src/engine/run-engine";
import { ScoreAccumulator, type Scores } from "../../src/engine/scoring";
import { buildTrustPolicy } from "../../src/net/trust";
import { DEFAULT_BASELINE, rulesOfBaseline } from "../../src/rules/baselines";
import type { AuditException } from "../../src/engine/exceptions";
import type { Estate, Resource } from "../../src/model/estate";
import { RssSampler } from "./benchmark";

export interface EngineMeasurement {
  resources: number;
  seed: number;
  findingsMode: "hold" | "stream";
  trustOwnedPublicIps: boolean;
  /** Exceptions the run applied (held findings only). */
  exceptions: number;
  /** Results an exception excepted. */
  excepted: number;
  estateResources: number;
  ownedPublicPrefixes: number;
  findings: number;
  /** Time inside EstateBuilder.add, i.e. reading rows (generation excluded). */
  readMs: number;
  /** Producing the rows (the generator), not part of the engine. */
  generateMs: number;
  /** EstateBuilder.build: resolving relations. */
  relateMs: number;
  /** Trust policy, rule evaluation and scoring. */
  evaluateMs: number;
  /** read + relate + evaluate. */
  engineMs: number;
  /** CPU time (user + system, all threads, GC helpers included) of read + relate + evaluate. */
  engineCpuMs: number;
  peakRssMiB: number;
  /** process.resourceUsage().maxRSS: the kernel's peak resident set for the whole run. */
  maxRssMiB: number;
  peakHeapUsedMiB: number;
  summary: Pick<Scores, "estateScore" | "byStatus" | "resourcesAssessed">;
}

/** `count` exceptions over the estate's resources that the baseline's rules judge, spread evenly and deterministically. */
export function benchExceptions(estate: Estate, count: number): AuditException[] {
  const rules = rulesOfBaseline(DEFAULT_BASELINE);
  const judged = rules.flatMap((rule) => (estate.byKind[rule.appliesTo] as Resource[]).map((r) => ({ rule, r })));
  const exceptions: AuditException[] = [];
  if (judged.length === 0) return exceptions;
  for (let i = 0; i < count; i += 1) {
    const { rule, r } = judged[(i * 7919) % judged.length]!;
    const group = `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}`;
    const scope = i % 3 === 0 ? r.id : i % 3 === 1 ? group : `/subscriptions/${r.subscriptionId}`;
    exceptions.push({
      id: `BENCH-${i}`,
      source: "file",
      ruleIds: [rule.id],
      scope,
      ...(i % 3 === 2 ? { tags: { "bench-no-such-tag": "x" } } : {}),
      justification: "Benchmark exception: measures what matching costs.",
      approvedBy: "bench",
      expiresOn: "2099-12-31",
    });
  }
  return exceptions;
}

function measure(
  resources: number,
  seed: number,
  findingsMode: "hold" | "stream",
  trustOwnedPublicIps: boolean,
  exceptionCount = 0,
): EngineMeasurement {
  if (exceptionCount > 0 && findingsMode !== "hold") throw new Error("--exceptions needs --findings hold");
  const memory = new RssSampler();
  const builder = new EstateBuilder();
  const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
  let readNs = 0n;
  let readCpuMs = 0;
  const loopStart = process.hrtime.bigint();
  let index = 0;
  // Rows come in pages of 1,000, as Resource Graph and the snapshot reader hand them over. Each page goes through JSON,
  // as the CLI (snapshot file) and the collector (HTTP response) see every row: the generator builds its strings by
  // concatenation, and V8 keeps those as trees of ConsStrings (about 100 bytes per name), which JSON.parse never
  // produces. Only adding the page to the builder is timed (wall and CPU), so the generator's share is left out even
  // on a busy machine, without a clock call per row (which cost about 10 µs a row).
  let page: unknown[] = [];
  const addPage = (): void => {
    const rows = JSON.parse(JSON.stringify(page)) as Parameters<EstateBuilder["add"]>[0][];
    page = [];
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (const row of rows) builder.add(row, `row ${index++}`);
    readNs += process.hrtime.bigint() - t;
    readCpuMs += cpuMs(process.cpuUsage(cpu));
    memory.tick(1);
  };
  for (const generated of generateEstateRows({ resources, seed })) {
    page.push(generated);
    if (page.length === 1_000) addPage();
  }
  if (page.length > 0) addPage();
  const loopNs = process.hrtime.bigint() - loopStart;
  memory.sample();

  const afterRead = process.cpuUsage();
  const relateStart = process.hrtime.bigint();
  const estate = builder.build();
  const relateNs = process.hrtime.bigint() - relateStart;
  memory.sample();

  // Made before the clock starts: the exceptions are the run's input, not its work.
  const exceptions = benchExceptions(estate, exceptionCount);
  const evaluateStart = process.hrtime.bigint();
  let findings = 0;
  let summary: Scores;
  if (findingsMode === "hold") {
    const outcome = evaluate(
      estate,
      { trustedPrefixes: [], trustOwnedPublicIps, baseline: DEFAULT_BASELINE },
      { exceptions },
    );
    findings = outcome.findings.length;
    summary = outcome.summary;
  } else {
    const trust = buildTrustPolicy({
      configuredPrefixes: [],
      ownedPublicPrefixes: trustOwnedPublicIps ? estate.ownedPublicPrefixes : [],
    });
    const scores = new ScoreAccumulator();
    evaluateEstate(
      estate,
      { trust, baseline: DEFAULT_BASELINE },
      (finding) => {
        findings += 1;
        scores.add(finding);
        memory.tick(500);
      },
      { rules: rulesOfBaseline(DEFAULT_BASELINE) },
    );
    summary = scores.result();
  }
  const evaluateNs = process.hrtime.bigint() - evaluateStart;
  memory.sample();

  const ms = (ns: bigint) => Number(ns / 1000n) / 1000;
  return {
    resources,
    seed,
    findingsMode,
    trustOwnedPublicIps,
    exceptions: exceptions.length,
    excepted: summary.excepted.byStatus.fail + summary.excepted.byStatus.unknown,
    estateResources: estate.resources.size,
    ownedPublicPrefixes: estate.ownedPublicPrefixes.length,
    findings,
    readMs: ms(readNs),
    generateMs: ms(loopNs - readNs),
    relateMs: ms(relateNs),
    evaluateMs: ms(evaluateNs),
    engineMs: ms(readNs + relateNs + evaluateNs),
    engineCpuMs: Math.round(readCpuMs + cpuMs(process.cpuUsage(afterRead))),
    peakRssMiB: Math.round(memory.peakRss / 1048576),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    peakHeapUsedMiB: Math.round(memory.peakHeapUsed / 1048576),
    summary: {
      estateScore: summary.estateScore,
      byStatus: summary.byStatus,
      resourcesAssessed: summary.resourcesAssessed,
    },
  };
}

if (require.main === module) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      resources: { type: "string" },
      seed: { type: "string" },
      findings: { type: "string" },
      "trust-owned-ips": { type: "string" },
      exceptions: { type: "string" },
    },
    strict: true,
  });
  const mode = values.findings ?? "stream";
  if (mode !== "hold" && mode !== "stream") throw new Error(`--findings must be hold or stream, got ${mode}`);
  const result = measure(
    Number(values.resources),
    Number(values.seed ?? 1),
    mode,
    values["trust-owned-ips"] !== "false",
    Number(values.exceptions ?? 0),
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
