// OpenTelemetry for the Functions worker process. It must be running before the modules it instruments (node:http,
// the Azure SDK's tracing) are loaded, so it starts when this module is first imported: services.ts imports it before
// anything else, and every function module reaches services.ts before any SDK client module. Settings read here are
// the only ones read at import time; a bad one does not stop the app from loading: it surfaces, naming the setting,
// when the services are built (getServices), as any other bad setting does.
import type { RunTelemetry } from "../audit/run-telemetry";
import { startTelemetry, type StartedTelemetry } from "../telemetry/telemetry-start";
import { telemetryPlanFromEnv } from "../telemetry/telemetry-settings";

let started: StartedTelemetry | undefined;
let problem: Error | undefined;

function start(): void {
  try {
    started = startTelemetry(telemetryPlanFromEnv(process.env));
  } catch (error) {
    problem = error instanceof Error ? error : new Error(String(error));
  }
}

start();

/** The process's telemetry port; throws the settings' problem when they could not be read. */
export function processTelemetry(): RunTelemetry {
  if (problem !== undefined) throw problem;
  if (started === undefined) throw new Error("telemetry was not started");
  return started.telemetry;
}

/** Exports what is buffered (the local host calls it before it exits). */
export async function flushProcessTelemetry(): Promise<void> {
  await started?.shutdown();
}
