// The run's instruments and attribute names, declared once: the OpenTelemetry adapter records them, docs/telemetry.md
// lists them, and the tests read them back by these names. Names follow the OpenTelemetry naming guidance: a
// namespace (`miaudit.`), dot-separated, units in UCUM (`s`, `ms`, `{result}`) rather than in the name.
import type { Counter, Histogram, Meter } from "@opentelemetry/api";

export const METER_NAME = "mi-exposure-auditor";

/** Span, metric and log attributes. */
export const ATTR = {
  runId: "miaudit.run.id",
  trigger: "miaudit.run.trigger",
  baseline: "miaudit.run.baseline",
  scope: "miaudit.run.scope",
  shard: "miaudit.run.shard",
  status: "miaudit.run.status",
  resources: "miaudit.run.resources",
  results: "miaudit.run.results",
  failing: "miaudit.run.failing",
  coverageGaps: "miaudit.run.coverage_gaps",
  score: "miaudit.run.estate_score",
  durationSeconds: "miaudit.run.duration_s",
  resultStatus: "miaudit.result.status",
  severity: "miaudit.result.severity",
  outcome: "miaudit.request.outcome",
  cause: "miaudit.wait.cause",
  gapKind: "miaudit.gap.kind",
} as const;

/** Instrument name, unit and description: the table docs/telemetry.md shows. */
export const INSTRUMENTS = {
  runDuration: { name: "miaudit.run.duration", unit: "s", description: "Duration of an audit run, by status." },
  results: { name: "miaudit.run.results", unit: "{result}", description: "Results of completed runs, by status." },
  failures: { name: "miaudit.run.failures", unit: "{result}", description: "Failing results, by rule severity." },
  resourceGraphRequests: {
    name: "miaudit.resource_graph.requests",
    unit: "{request}",
    description: "Resource Graph requests sent, by outcome (ok, throttled, failed).",
  },
  throttleWait: {
    name: "miaudit.resource_graph.throttle_wait",
    unit: "ms",
    description: "Time a Resource Graph request waited for the quota (pacing) or after a 429 (Retry-After).",
  },
  coverageGaps: {
    name: "miaudit.run.coverage_gaps",
    unit: "{gap}",
    description: "Coverage gaps of completed runs, by kind of reason.",
  },
} as const;

export interface RunMetrics {
  runDuration: Histogram;
  results: Counter;
  failures: Counter;
  resourceGraphRequests: Counter;
  throttleWait: Histogram;
  coverageGaps: Counter;
}

export function runMetrics(meter: Meter): RunMetrics {
  const histogram = (i: { name: string; unit: string; description: string }) =>
    meter.createHistogram(i.name, { unit: i.unit, description: i.description });
  const counter = (i: { name: string; unit: string; description: string }) =>
    meter.createCounter(i.name, { unit: i.unit, description: i.description });
  return {
    runDuration: histogram(INSTRUMENTS.runDuration),
    results: counter(INSTRUMENTS.results),
    failures: counter(INSTRUMENTS.failures),
    resourceGraphRequests: counter(INSTRUMENTS.resourceGraphRequests),
    throttleWait: histogram(INSTRUMENTS.throttleWait),
    coverageGaps: counter(INSTRUMENTS.coverageGaps),
  };
}
