// In-memory OpenTelemetry for the tests: a tracer, meter and logger whose spans, metric points and log records the
// test reads back, built on the SDK's own in-memory exporters (nothing is registered globally, nothing leaves).
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { MeterProvider, MetricReader, type DataPoint, type MetricData } from "@opentelemetry/sdk-metrics";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { otelRunTelemetry } from "../../src/telemetry/otel-run-telemetry";
import { METER_NAME } from "../../src/telemetry/run-metrics";
import type { RunTelemetry } from "../../src/audit/run-telemetry";

/** A reader that exports on demand: `collect()` gives the cumulative points so far. */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface OtelKit {
  telemetry: RunTelemetry;
  spans(): ReadableSpan[];
  metrics(): Promise<MetricData[]>;
  logs: InMemoryLogRecordExporter;
  shutdown(): Promise<void>;
}

export function otelKit(): OtelKit {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const logs = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
  return {
    telemetry: otelRunTelemetry({
      tracer: tracerProvider.getTracer(METER_NAME),
      meter: meterProvider.getMeter(METER_NAME),
      logger: loggerProvider.getLogger(METER_NAME),
    }),
    spans: () => spans.getFinishedSpans(),
    metrics: async () => {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    },
    logs,
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}

/** The points of one instrument, by name; none when it was never recorded. */
export function pointsOf(metrics: MetricData[], name: string): DataPoint<unknown>[] {
  return metrics
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric): DataPoint<unknown>[] => metric.dataPoints);
}

/** Sums a counter's points by one attribute: `{ fail: 12, pass: 30 }`. */
export function sumBy(points: DataPoint<unknown>[], attribute: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const point of points) {
    const key = String(point.attributes[attribute]);
    sums[key] = (sums[key] ?? 0) + (point.value as number);
  }
  return sums;
}
