// The load generator of the API benchmark, in a child process of its own so that it does not share an event loop
// with the host it measures: C concurrent clients (keep-alive) GET one loopback URL until D seconds or N requests,
// then print latency percentiles, throughput and status counts as one JSON line.
//
//   node dist/bench/api-load.js --url http://127.0.0.1:PORT/api/... --key KEY [--clients 50] [--seconds 10] [--max 20000]
import { parseArgs } from "node:util";
import { Agent, request } from "node:http";

export interface LoadResult {
  clients: number;
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  statuses: Record<string, number>;
  errors: number;
  meanBytes: number;
}

function get(agent: Agent, url: URL, key: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: "GET", headers: { "x-functions-key": key, accept: "application/json" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: "string" }, key: { type: "string" }, clients: { type: "string" }, seconds: { type: "string" }, max: { type: "string" } },
    strict: true,
  });
  const url = new URL(values.url!);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error("loopback only");
  const clients = Number(values.clients ?? "50");
  const deadline = Date.now() + Number(values.seconds ?? "10") * 1000;
  const max = Number(values.max ?? "20000");
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let bytes = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (issued < max && Date.now() < deadline) {
        issued += 1;
        const t = performance.now();
        try {
          const answer = await get(agent, url, values.key ?? "");
          latencies.push(performance.now() - t);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          bytes += answer.bytes;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 10) / 10;
  const result: LoadResult = {
    clients,
    requests: latencies.length,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round((latencies.length / seconds) * 10) / 10,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: Math.round((latencies[latencies.length - 1] ?? NaN) * 10) / 10,
    statuses,
    errors,
    meanBytes: Math.round(bytes / Math.max(1, latencies.length)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
