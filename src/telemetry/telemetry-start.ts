// Starts OpenTelemetry for the process, once, before the modules it instruments are used: Azure Monitor (the
// `@azure/monitor-opentelemetry` distro) when APPLICATIONINSIGHTS_CONNECTION_STRING is set, else the console
// exporters or nothing (TELEMETRY_EXPORTER). The SDKs are loaded only for the mode that needs them, so a process
// without telemetry (tests, the CLI) pays nothing for it.
import { logs } from "@opentelemetry/api-logs";
import { metrics, trace } from "@opentelemetry/api";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { NO_TELEMETRY, type RunTelemetry } from "../audit/run-telemetry";
import { otelRunTelemetry } from "./otel-run-telemetry";
import { METER_NAME } from "./run-metrics";
import type { TelemetryPlan } from "./telemetry-settings";
import { turnOffSdkSelfReporting } from "../config/telemetry-settings";

export interface StartedTelemetry {
  plan: TelemetryPlan["kind"];
  /** The port the audit service reports to. */
  telemetry: RunTelemetry;
  /** Exports what is buffered and stops the providers (the local host on exit, tests). */
  shutdown(): Promise<void>;
}

const TRACER_NAME = METER_NAME;

export function startTelemetry(plan: TelemetryPlan, env: NodeJS.ProcessEnv = process.env): StartedTelemetry {
  if (plan.kind === "none") return { plan: "none", telemetry: NO_TELEMETRY, shutdown: async () => undefined };
  const shutdown = plan.kind === "console" ? startConsole() : startAzureMonitor(plan, env);
  return {
    plan: plan.kind,
    telemetry: otelRunTelemetry({
      tracer: trace.getTracer(TRACER_NAME),
      meter: metrics.getMeter(METER_NAME),
      logger: logs.getLogger(TRACER_NAME),
    }),
    shutdown,
  };
}

function startAzureMonitor(
  plan: Extract<TelemetryPlan, { kind: "azureMonitor" }>,
  env: NodeJS.ProcessEnv,
): () => Promise<void> {
  turnOffSdkSelfReporting(env);
  // Loaded here, not at the top: the distro pulls in every instrumentation it ships.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only in the mode that uses it
  const distro = require("@azure/monitor-opentelemetry") as typeof import("@azure/monitor-opentelemetry");
  distro.useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: plan.connectionString,
      ...(plan.entra === undefined ? {} : { credential: managedIdentity(plan.entra.clientId) }),
    },
    enableLiveMetrics: false,
    // Every run's trace is kept: the distro's default (a rate limit of 5 traces a second that adapts from zero) drops
    // the first spans after a start, which is when a first-start or a cold nightly run begins. Volume is a trace per
    // run plus the API's requests.
    samplingRatio: 1,
    tracesPerSecond: 0,
  });
  return () => distro.shutdownAzureMonitor();
}

/**
 * The app's managed identity, built on first use: @azure/identity loads the Azure SDK's tracing module, which must
 * load after the distro has hooked it, or the SDK's calls (Table Storage, Resource Graph) are not traced.
 */
function managedIdentity(clientId: string | undefined): TokenCredential {
  let credential: TokenCredential | undefined;
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (see above)
      const identity = require("@azure/identity") as typeof import("@azure/identity");
      credential ??=
        clientId === undefined
          ? new identity.ManagedIdentityCredential()
          : new identity.ManagedIdentityCredential({ clientId });
      return credential.getToken(scopes, options);
    },
  };
}

function startConsole(): () => Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only in the mode that uses them */
  const traces = require("@opentelemetry/sdk-trace-base") as typeof import("@opentelemetry/sdk-trace-base");
  const sdkMetrics = require("@opentelemetry/sdk-metrics") as typeof import("@opentelemetry/sdk-metrics");
  const sdkLogs = require("@opentelemetry/sdk-logs") as typeof import("@opentelemetry/sdk-logs");
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The run's spans name their parents explicitly, so the console needs no context manager or propagator.
  const tracerProvider = new traces.BasicTracerProvider({
    spanProcessors: [new traces.SimpleSpanProcessor(new traces.ConsoleSpanExporter())],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const meterProvider = new sdkMetrics.MeterProvider({
    readers: [
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter: new sdkMetrics.ConsoleMetricExporter(),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  const loggerProvider = new sdkLogs.LoggerProvider({
    processors: [new sdkLogs.SimpleLogRecordProcessor({ exporter: new sdkLogs.ConsoleLogRecordExporter() })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  return async () => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
  };
}
