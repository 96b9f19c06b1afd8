// The port through which a run reports its trace, metrics and summary record (src/telemetry implements it with
// OpenTelemetry). The use case names its steps and hands over its report; which exporter, if any, is not its concern.
// The default does nothing, so tests and the CLI run without telemetry.
import type { AuditReport, RunStatus } from "./run-audit";

/**
 * A step of a run, a child span of the run's: `audit.collect`, `audit.evaluate`, `audit.store`, `audit.plan` (a run
 * that may fan out), and one per post-run step (`audit.retention`, `audit.alerts`, `audit.log-analytics`).
 */
export type RunStep = `audit.${string}`;

/** Who asked for the run: the nightly timer, the API, or (a shard of a fanned-out run) the planner. */
export type RunTrigger = "timer" | "http" | "shard";

export interface RunStart {
  runId: string;
  trigger: RunTrigger;
  /** The run's baseline and scope key (`default`, `subscriptions:…`); a shard's span leaves them to the run's. */
  baseline?: string;
  scope?: string;
  /** A shard of a fanned-out run: its index, and the run's trace (a W3C traceparent) to link to. */
  shard?: { index: number; runTraceParent?: string };
}

/** How a run ended when it produced no report of its own (a fanned-out planner, a skipped or failed run). */
export interface RunEnd {
  status: RunStatus | "fannedOut";
  error?: unknown;
}

/** One run's trace: open from `startRun` until `end`. */
export interface RunTrace {
  /** The run span's W3C traceparent, for messages that carry the run to other workers (fan-out shards). */
  readonly traceParent: string | undefined;
  /** Runs one step inside a child span; an error is recorded on the span (and the run's) and rethrown. */
  step<T>(name: RunStep, work: () => Promise<T> | T): Promise<T>;
  /** Ends the run with its report: status, duration, results, failures, gaps and the summary record. */
  completed(report: AuditReport): void;
  /** Ends the run without a report of its own. */
  ended(end: RunEnd): void;
}

/** A Resource Graph request's outcome, as the paced client saw it. */
export type ResourceGraphOutcome = "ok" | "throttled" | "failed";

/** What the collector reports per Resource Graph request and per wait for the quota. */
export interface ResourceGraphObserver {
  request(outcome: ResourceGraphOutcome): void;
  /** `quota`: the pacer held the request back; `retryAfter`: the service answered 429 and the retry waited. */
  throttleWait(ms: number, cause: "quota" | "retryAfter"): void;
}

export interface RunTelemetry {
  startRun(start: RunStart): RunTrace;
  resourceGraph: ResourceGraphObserver;
}

const NO_TRACE: RunTrace = {
  traceParent: undefined,
  step: async (_name, work) => work(),
  completed: () => undefined,
  ended: () => undefined,
};

/** Telemetry off: every step simply runs. */
export const NO_TELEMETRY: RunTelemetry = {
  startRun: () => NO_TRACE,
  resourceGraph: { request: () => undefined, throttleWait: () => undefined },
};
