// Local telemetry: `console` prints the run's spans, metrics and summary record; `none` registers nothing and prints
// nothing. Each starts the process-wide providers, so this file runs apart from the others (vitest isolates files).
import { afterEach, describe, expect, it, vi } from "vitest";
import { trace } from "@opentelemetry/api";
import { startTelemetry } from "../../src/telemetry/telemetry-start";
import { NO_TELEMETRY } from "../../src/audit/run-telemetry";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything printed through console.log / console.dir while `work` runs, as text. */
async function printed(work: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => void lines.push(args.map((a) => JSON.stringify(a) ?? String(a)).join(" "));
  vi.spyOn(console, "log").mockImplementation(keep);
  vi.spyOn(console, "dir").mockImplementation(keep);
  await work();
  return lines.join("\n");
}

async function aRun(telemetry: typeof NO_TELEMETRY): Promise<void> {
  const run = telemetry.startRun({
    runId: "20261205T020000Z-000abc",
    trigger: "timer",
    baseline: "current",
    scope: "tenant",
  });
  await run.step("audit.collect", async () => undefined);
  run.ended({ status: "failed", error: new Error("collection refused") });
}

describe("TELEMETRY_EXPORTER", () => {
  it("none: the port does nothing and no provider is registered", async () => {
    const started = startTelemetry({ kind: "none" });
    expect(started.telemetry).toBe(NO_TELEMETRY);
    const output = await printed(async () => {
      await aRun(started.telemetry);
      await started.shutdown();
    });
    expect(output).toBe("");
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
  });

  it("console: prints the run's span with its attributes, the summary record and the duration metric", async () => {
    const started = startTelemetry({ kind: "console" });
    const output = await printed(async () => {
      await aRun(started.telemetry);
      await started.shutdown();
    });
    expect(output).toContain('"name":"audit.run"');
    expect(output).toContain('"name":"audit.collect"');
    expect(output).toContain('"miaudit.run.id":"20261205T020000Z-000abc"');
    expect(output).toContain("collection refused");
    expect(output).toContain("miaudit.run.summary");
    expect(output).toContain("miaudit.run.duration");
  });
});
