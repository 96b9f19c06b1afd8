// The load generator of the API benchmark, in a child process of its own so that it does not share an event loop
// with the host it measures: C concurrent clients (keep-alive) GET one loopback URL until D seconds or N requests
// (or, with --once, one request each, all sent at once), then print latency percentiles, throughput and status
// counts as one JSON line. A request that takes longer than --timeout seconds is abandoned and counted as an error.
//
//   node dist/dev/bench/api-load.js --url http://127.0.0.1:PORT/api/... --key KEY [--clients 50] [--seconds 10] [--max 20000]
//     [--once] [--timeout 30] [--if-none-match ETAG]
import { parseArgs } from "node:util";
import { Agent, request } from "node:http";
import { errorMessage } from "../../src/errors";

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
  /** The first error's message (a timeout, a refused connection). */
  firstError?: string;
  meanBytes: number;
}

function get(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: "GET", headers }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      key: { type: "string" },
      clients: { type: "string" },
      seconds: { type: "string" },
      max: { type: "string" },
      once: { type: "boolean" },
      timeout: { type: "string" },
      "if-none-match": { type: "string" },
    },
    strict: true,
  });
  const url = new URL(values.url!);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error("loopback only");
  const clients = Number(values.clients ?? "50");
  const deadline = Date.now() + Number(values.seconds ?? "10") * 1000;
  const max = values.once === true ? clients : Number(values.max ?? "20000");
  const timeoutMs = Number(values.timeout ?? "30") * 1000;
  const headers: Record<string, string> = { "x-functions-key": values.key ?? "", accept: "application/json" };
  if (values["if-none-match"] !== undefined) headers["if-none-match"] = values["if-none-match"];
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  let bytes = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      // With --once every client sends one request whatever the time: the deadline does not cut a cold start short.
      while (issued < max && (values.once === true || Date.now() < deadline)) {
        issued += 1;
        const t = performance.now();
        try {
          const answer = await get(agent, url, headers, timeoutMs);
          latencies.push(performance.now() - t);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          bytes += answer.bytes;
        } catch (error) {
          errors += 1;
          firstError ??= errorMessage(error);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 10) / 10;
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
    ...(firstError !== undefined ? { firstError } : {}),
    meanBytes: Math.round(bytes / Math.max(1, latencies.length)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
