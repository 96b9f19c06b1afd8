// The RunTelemetry port over the OpenTelemetry API: one trace per run (a root span `audit.run` and a child span per
// step), the run's metrics on the meter `mi-exposure-auditor`, and its summary as one log record. It takes a tracer,
// a meter and a logger, so the app hands it the global ones (telemetry-start.ts) and tests their in-memory ones.
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Meter,
  type Span,
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

/** The run's span links to the run it belongs to when it is a shard (the planner's span, from the shard message). */
function linksOf(start: RunStart): Link[] {
  const parent = start.shard?.runTraceParent;
  if (parent === undefined) return [];
  const carrier = { traceparent: parent };
  const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
  return linked === undefined ? [] : [{ context: linked, attributes: { [ATTR.runId]: start.runId } }];
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
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, this.span), carrier);
    if (carrier["traceparent"] !== undefined) return carrier["traceparent"];
    // No propagator registered (telemetry off or a test's own providers): W3C trace context by hand.
    const { traceId, spanId, traceFlags } = this.span.spanContext();
    return trace.isSpanContextValid(this.span.spanContext())
      ? `00-${traceId}-${spanId}-0${traceFlags.toString(16)}`
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

  private finish(status: string, outcome: Attributes, seconds: number | undefined): void {
    this.finished = true;
    this.span.setAttributes(outcome);
    if (status === "failed") this.span.setStatus({ code: SpanStatusCode.ERROR });
    if (seconds !== undefined)
      this.metrics.runDuration.record(seconds, {
        [ATTR.status]: status,
        [ATTR.trigger]: String(this.attributes[ATTR.trigger]),
        ...((outcome[ATTR.baseline] ?? this.attributes[ATTR.baseline])
          ? { [ATTR.baseline]: String(outcome[ATTR.baseline] ?? this.attributes[ATTR.baseline]) }
          : {}),
      });
    // The run's summary, once, as a structured record correlated with the run's trace.
    this.parts.logger.emit({
      severityNumber: status === "failed" ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: status === "failed" ? "ERROR" : "INFO",
      body: `audit run ${String(this.attributes[ATTR.runId])} ${status}`,
      attributes: {
        ...this.attributes,
        ...outcome,
        ...(seconds === undefined ? {} : { [ATTR.durationSeconds]: seconds }),
        "event.name": "miaudit.run.summary",
      },
      context: trace.setSpan(ROOT_CONTEXT, this.span),
    });
    this.span.end();
  }
}

function recordError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException({ message: errorText(error) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(error) });
}
