// The RunTelemetry port over the OpenTelemetry API: one trace per run (a root span `audit.run` and a child span per
// step), the run's metrics on the meter `mi-exposure-auditor`, and its summary as one log record. It takes a tracer,
// a meter and a logger, so the app hands it the global ones (telemetry-start.ts) and tests their in-memory ones.
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Meter,
  type Span,
  type SpanContext,
  type Tracer,
} from "@opentelemetry/api";
import { SeverityNumber, type Logger as OtelLogger } from "@opentelemetry/api-logs";
import type { AuditReport } from "../audit/run-audit";
import type { RunEnd, RunStart, RunStep, RunTelemetry, RunTrace } from "../audit/run-telemetry";
import { errorText } from "../errors";
import { coverageGapKind } from "./coverage-gap-kind";
import { ATTR, METER_NAME, runMetrics, type RunMetrics } from "./run-metrics";

export { METER_NAME };

export interface OtelParts {
  tracer: Tracer;
  meter: Meter;
  logger: OtelLogger;
}

export function otelRunTelemetry(parts: OtelParts): RunTelemetry {
  const metrics = runMetrics(parts.meter);
  return {
    startRun: (start) => new OtelRunTrace(parts, metrics, start),
    resourceGraph: {
      request: (outcome) => metrics.resourceGraphRequests.add(1, { [ATTR.outcome]: outcome }),
      throttleWait: (ms, cause) =>
        metrics.throttleWait.record(ms, { [ATTR.cause]: cause === "retryAfter" ? "retry_after" : "quota" }),
    },
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A shard's span links to its run's span, from the W3C traceparent its message carries. Parsed here rather than by
 * the global propagator, which is a no-op unless a distro registered one.
 */
function linksOf(start: RunStart): Link[] {
  const parsed = TRACEPARENT.exec(start.shard?.runTraceParent ?? "");
  if (parsed === null) return [];
  const linked: SpanContext = {
    traceId: parsed[1]!,
    spanId: parsed[2]!,
    traceFlags: parseInt(parsed[3]!, 16),
    isRemote: true,
  };
  return trace.isSpanContextValid(linked) ? [{ context: linked, attributes: { [ATTR.runId]: start.runId } }] : [];
}

class OtelRunTrace implements RunTrace {
  private readonly span: Span;
  private readonly started = performance.now();
  private readonly attributes: Attributes;
  private finished = false;
  private readonly isShard: boolean;

  constructor(
    private readonly parts: OtelParts,
    private readonly metrics: RunMetrics,
    start: RunStart,
  ) {
    this.attributes = {
      [ATTR.runId]: start.runId,
      [ATTR.trigger]: start.trigger,
      ...(start.baseline === undefined ? {} : { [ATTR.baseline]: start.baseline }),
      ...(start.scope === undefined ? {} : { [ATTR.scope]: start.scope }),
      ...(start.shard === undefined ? {} : { [ATTR.shard]: start.shard.index }),
    };
    this.isShard = start.shard !== undefined;
    // A run is a trace of its own (root span), whatever invocation span the host has open.
    this.span = parts.tracer.startSpan(
      start.shard === undefined ? "audit.run" : "audit.shard",
      { kind: SpanKind.INTERNAL, root: true, attributes: this.attributes, links: linksOf(start) },
      ROOT_CONTEXT,
    );
  }

  get traceParent(): string | undefined {
    const { traceId, spanId, traceFlags } = this.span.spanContext();
    return trace.isSpanContextValid(this.span.spanContext())
      ? `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`
      : undefined;
  }

  async step<T>(name: RunStep, work: () => Promise<T> | T): Promise<T> {
    const parent = trace.setSpan(context.active(), this.span);
    const span = this.parts.tracer.startSpan(
      name,
      { attributes: { [ATTR.runId]: this.attributes[ATTR.runId] } },
      parent,
    );
    try {
      // The step's own context is active, so SDK calls inside it (Resource Graph, Table Storage) nest under it.
      return await context.with(trace.setSpan(parent, span), work);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  completed(report: AuditReport): void {
    if (this.finished) return;
    const { run, summary } = report;
    const outcome: Attributes = {
      [ATTR.status]: run.status,
      [ATTR.resources]: run.resourcesInEstate,
      [ATTR.results]: report.findings.length,
      [ATTR.failing]: summary.byStatus.fail,
      [ATTR.coverageGaps]: run.coverageGaps.length,
      ...(summary.estateScore === null ? {} : { [ATTR.score]: summary.estateScore }),
    };
    const common = { [ATTR.baseline]: run.baseline };
    // A fanned-out run's finaliser reports the whole run's duration (planner to merge), not its own shard's.
    const seconds = this.isShard ? run.durationMs / 1000 : this.elapsedSeconds();
    for (const [status, count] of Object.entries(summary.byStatus))
      if (count > 0) this.metrics.results.add(count, { ...common, [ATTR.resultStatus]: status });
    for (const [severity, count] of Object.entries(summary.failuresBySeverity))
      if (count > 0) this.metrics.failures.add(count, { ...common, [ATTR.severity]: severity });
    for (const gap of run.coverageGaps)
      this.metrics.coverageGaps.add(1, { [ATTR.gapKind]: coverageGapKind(gap.reason) });
    this.finish(run.status, { ...outcome, [ATTR.baseline]: run.baseline }, seconds);
  }

  ended(end: RunEnd): void {
    if (this.finished) return;
    if (end.error !== undefined) recordError(this.span, end.error);
    // A run's duration is recorded when the run is over: not for a planner that handed it to shards, nor per shard.
    const over = !this.isShard && end.status !== "fannedOut" && end.status !== "queued";
    this.finish(end.status, { [ATTR.status]: end.status }, over ? this.elapsedSeconds() : undefined);
  }

  private elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** `seconds` is given when the run is over: its duration is recorded and its summary logged, once per run. */
  private finish(status: string, outcome: Attributes, seconds: number | undefined): void {
    this.finished = true;
    this.span.setAttributes(outcome);
    if (status === "failed") this.span.setStatus({ code: SpanStatusCode.ERROR });
    if (seconds !== undefined) {
      const baseline = outcome[ATTR.baseline] ?? this.attributes[ATTR.baseline];
      this.metrics.runDuration.record(seconds, {
        [ATTR.status]: status,
        [ATTR.trigger]: String(this.attributes[ATTR.trigger]),
        ...(baseline === undefined ? {} : { [ATTR.baseline]: String(baseline) }),
      });
      this.logSummary(status, { ...outcome, [ATTR.durationSeconds]: seconds });
    }
    this.span.end();
  }

  /** The run's summary as one structured record, correlated with the run's trace. */
  private logSummary(status: string, outcome: Attributes): void {
    this.parts.logger.emit({
      severityNumber: status === "failed" ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: status === "failed" ? "ERROR" : "INFO",
      body: `audit run ${String(this.attributes[ATTR.runId])} ${status}`,
      attributes: { ...this.attributes, ...outcome, "event.name": "miaudit.run.summary" },
      context: trace.setSpan(ROOT_CONTEXT, this.span),
    });
  }
}

function recordError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException({ message: errorText(error) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(error) });
}
