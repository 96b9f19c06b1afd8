// A realistic audit report of about N results for the storage and API benchmarks: a generated estate (seed 1) run
// through the engine with the estate's own IPs not trusted (the fast path; see docs/performance.md), cut to exactly
// N results. 1M rows give 552k results, so N results need about N / 0.55 rows.
import { emptyExceptionsOutcome } from "../../src/engine/exception-outcome";
import { evaluate, newRunId, type AuditReport } from "../../src/audit/run-audit";
import { scoreFindings } from "../../src/engine/scoring";
import { generateEstateRows } from "../generate/estate-generator";
import { EstateBuilder } from "../../src/model/build-estate";
import { DEFAULT_BASELINE, rulesOfBaseline } from "../../src/rules/baselines";

export function generatedReport(results: number, seed = 1, at: Date = new Date()): AuditReport {
  const resources = Math.ceil((results / 0.55) * 1.02);
  const builder = new EstateBuilder();
  let index = 0;
  for (const row of generateEstateRows({ resources, seed })) builder.add(row, `row ${index++}`);
  const estate = builder.build();
  const { findings: all } = evaluate(estate, {
    trustedPrefixes: [],
    trustOwnedPublicIps: false,
    baseline: DEFAULT_BASELINE,
  });
  const findings = all.slice(0, results);
  const runId = newRunId(at);
  return {
    run: {
      runId,
      status: "completed",
      startedAt: at.toISOString(),
      finishedAt: new Date(at.getTime() + 60_000).toISOString(),
      durationMs: 60_000,
      source: { kind: "snapshot", files: [`generated-${resources}-seed-${seed}.json`] },
      trustedPrefixes: [],
      trustOwnedPublicIps: false,
      baseline: DEFAULT_BASELINE,
      rulesEvaluated: rulesOfBaseline(DEFAULT_BASELINE).length,
      resourcesInEstate: estate.resources.size,
      collection: { rows: resources },
      coverageGaps: [],
      dataQuality: { warnings: 0, sample: [] },
    },
    summary: scoreFindings(findings),
    findings,
    exceptions: emptyExceptionsOutcome(),
  };
}

/** The same results as a new run (the next night's, nothing changed), `minutes` later. */
export function nextRun(report: AuditReport, minutes: number): AuditReport {
  const at = new Date(new Date(report.run.startedAt).getTime() + minutes * 60_000);
  const runId = newRunId(at);
  return {
    ...report,
    run: {
      ...report.run,
      runId,
      startedAt: at.toISOString(),
      finishedAt: new Date(at.getTime() + 60_000).toISOString(),
    },
  };
}
