// The emulator side of the collection benchmark, in a child process of its own (so the collector's RSS is its own
// and a 1M-row estate gets a heap of its own): generate N rows, serve them, print `{ url, caFile, ... }` as one JSON
// line, then answer "stats" on stdin with the emulator's counters (one JSON line), "log FILE" by writing its Resource
// Graph request log (time, duration, quota left, page, first type queried) to FILE, and exit on "close" or stdin end.
//
//   node --max-old-space-size=8192 dist/dev/bench/collection-emulator.js --resources N [--seed K] [--faults SPEC]
//        [--max-response-bytes N]   (Resource Graph's response size limit; default its 16 MiB)
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { generateEstateRows } from "../generate/estate-generator";
import { startEmulator } from "../emulator/emulator";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      resources: { type: "string" },
      seed: { type: "string" },
      faults: { type: "string" },
      "max-response-bytes": { type: "string" },
    },
    strict: true,
  });
  const maxResponseBytes =
    values["max-response-bytes"] === undefined ? undefined : Number(values["max-response-bytes"]);
  const resources = Number(values.resources);
  const seed = Number(values.seed ?? "1");
  const started = Date.now();
  const rows: unknown[] = [];
  for (const row of generateEstateRows({ resources, seed })) rows.push(row);
  const generateMs = Date.now() - started;
  const emulator = await startEmulator({
    estate: rows,
    faults: values.faults ?? "latency:ms=200",
    limits: { maxResponseBytes },
  });
  const loadMs = Date.now() - started - generateMs;
  const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  out({
    url: emulator.url,
    caFile: emulator.caFile,
    rows: rows.length,
    generateMs,
    loadMs,
    rssMiB: Math.round(process.memoryUsage.rss() / 1048576),
  });
  const lines = createInterface({ input: process.stdin });
  const close = async () => {
    lines.close();
    await emulator.close();
    process.exit(0);
  };
  lines.on("line", (line) => {
    if (line.trim() === "stats") {
      const { resourceGraphLog: _log, armLog: _arm, ...stats } = emulator.stats;
      out({ ...stats, rssMiB: Math.round(process.memoryUsage.rss() / 1048576) });
    } else if (line.trim().startsWith("log ")) {
      const entries = emulator.stats.resourceGraphLog.map(({ query, ...entry }) => ({
        ...entry,
        type: /'([^']+)'/.exec(query)?.[1] ?? "",
      }));
      writeFileSync(line.trim().slice("log ".length), JSON.stringify(entries));
      out({ entries: entries.length });
    } else if (line.trim() === "close") void close();
  });
  lines.on("close", () => void close());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
