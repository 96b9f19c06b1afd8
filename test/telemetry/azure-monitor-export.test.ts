// The Azure Monitor path end to end: the compiled app's telemetry, started from APPLICATIONINSIGHTS_CONNECTION_STRING
// as in Azure, exports a run's trace to the ingestion endpoint the connection string names. The endpoint here is a
// local HTTPS receiver (Application Insights' track contract: POST /v2.1/track, gzip JSON lines of envelopes). The
// child process looks like a Functions worker (WEBSITE_SITE_NAME, FUNCTIONS_EXTENSION_VERSION), as it would in Azure,
// so the distro does not probe the VM metadata address: nothing leaves 127.0.0.1.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCertificates } from "../../dev/emulator/certificates";

const REPO = join(__dirname, "..", "..");

interface Received {
  path: string;
  envelopes: Array<{ name?: string; data?: { baseType?: string; baseData?: Record<string, unknown> } }>;
}

let server: Server;
let port = 0;
let dir = "";
const received: Received[] = [];

beforeAll(async () => {
  const certificates = generateCertificates();
  dir = mkdtempSync(join(tmpdir(), "ai-ingestion-"));
  writeFileSync(join(dir, "ca.pem"), certificates.caPem);
  server = createServer({ cert: certificates.certPem, key: certificates.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      const text = (request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      const envelopes = text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .flatMap((line) => {
          const parsed = JSON.parse(line) as Received["envelopes"] | Received["envelopes"][number];
          return Array.isArray(parsed) ? parsed : [parsed];
        });
      received.push({ path: request.url ?? "", envelopes });
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the compiled telemetry in a child, as process-telemetry.ts does, records one failed run, and shuts down. */
const CHILD = `
const { telemetryPlanFromEnv } = require(${JSON.stringify(join(REPO, "dist/src/telemetry/telemetry-settings.js"))});
const { startTelemetry } = require(${JSON.stringify(join(REPO, "dist/src/telemetry/telemetry-start.js"))});
(async () => {
  const started = startTelemetry(telemetryPlanFromEnv(process.env));
  if (started.plan !== "azureMonitor") throw new Error("plan " + started.plan);
  const run = started.telemetry.startRun({ runId: "20261205T020000Z-000abc", trigger: "timer", baseline: "current", scope: "tenant" });
  await run.step("audit.collect", async () => undefined);
  run.ended({ status: "failed", error: new Error("collection refused") });
  await started.shutdown();
})().catch((error) => { console.error(error); process.exit(1); });
`;

function runChild(): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["-e", CHILD], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
      WEBSITE_SITE_NAME: "mi-audit-probe",
      FUNCTIONS_EXTENSION_VERSION: "~4",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

describe("APPLICATIONINSIGHTS_CONNECTION_STRING", () => {
  it("exports the run's trace to the connection string's ingestion endpoint, every span of it", async () => {
    const { code, output } = await runChild();
    expect(code, output).toBe(0);
    const envelopes = received.filter((r) => r.path.startsWith("/v2.1/track")).flatMap((r) => r.envelopes);
    const names = envelopes.map((e) => String(e.data?.baseData?.name ?? ""));
    // The first run after a start is kept: the distro's default rate-limited sampler would drop it.
    expect(names).toContain("audit.run");
    expect(names).toContain("audit.collect");
    const run = envelopes.find((e) => e.data?.baseData?.name === "audit.run")!;
    expect(run.data?.baseData?.success).toBe(false);
    expect(JSON.stringify(run.data?.baseData?.properties)).toContain("20261205T020000Z-000abc");
    // Nothing but the track endpoint was called (no live metrics, no statsbeat to Microsoft's hosts; those would fail
    // to resolve here and never reach this receiver, so the child's clean exit and the paths are what can be checked).
    expect(received.every((r) => r.path.startsWith("/v2.1/track"))).toBe(true);
  }, 60_000);
});
