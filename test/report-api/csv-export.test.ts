// The CSV export of a large run goes out page by page: every matching finding, one store page in memory at a time.
// Prints the figures (findings, pages, time, heap growth) so they can be quoted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useServices } from "../../src/app/services";
import { useReportSettings } from "../../src/report-api/report-settings";
import { findingsCsv } from "../../src/report-api/report-queries";
import { findingCsvHeader, findingCsvRow } from "../../src/report/csv";
import { listFindings } from "../../src/functions/list-findings";
import { startAzurite, type Azurite } from "../support/azurite";
import { parseCsv } from "../support/csv-parse";
import { manyFindings, report, runIdAt } from "../store/fixtures";
import { invoke } from "./invoke";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

const N = 12_000;
let azurite: Azurite;
let fixture: ReportFixture;
let runId: string;

beforeAll(async () => {
  azurite = await startAzurite();
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("csv"));
  runId = runIdAt(new Date(Date.now() - 3_600_000).toISOString());
  // Messages with commas, quotes and line breaks, and names that start like formulas, in every 7th finding.
  const findings = manyFindings(N).map((f, i) =>
    i % 7 === 0 ? { ...f, resourceName: `=cmd|' /C calc'!A${i}`, message: `line one, "quoted"\r\nline two ${i}` } : f,
  );
  await fixture.services.store.createRun({ baseline: "current", runId, scope: "bulk" });
  await fixture.services.store.completeRun(report(runId, findings));
  useServices(fixture.services);
  useReportSettings({});
}, 300_000);

afterAll(async () => {
  useServices(undefined);
  useReportSettings(undefined);
  fixture?.dispose();
  await azurite?.dispose();
});

describe("CSV export of a large run", () => {
  it(`streams all ${N} findings in store-page chunks, quoted and neutralised`, async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const started = performance.now();
    const answer = await invoke(listFindings, `/api/findings?runId=${runId}&format=csv`);
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    expect(answer.status).toBe(200);
    const rows = parseCsv(answer.text);
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r[8])).size).toBe(N);
    expect(answer.chunks).toBeGreaterThanOrEqual(Math.ceil(N / 1000));
    const formula = rows.filter((r) => r[3]!.includes("cmd|"));
    expect(formula.length).toBe(Math.ceil(N / 7));
    expect(formula.every((r) => r[3]!.startsWith("'=cmd|"))).toBe(true);
    expect(rows.filter((r) => r[10]!.includes('"quoted"\r\nline two')).length).toBe(Math.ceil(N / 7));
    console.log(
      `CSV export: ${N} findings, ${(answer.text.length / 1e6).toFixed(1)} MB in ${answer.chunks} chunks, ${Math.round(elapsed)} ms; heap peak +${((peak - heapBefore) / 1e6).toFixed(1)} MB (the test also holds the whole text to check it)`,
    );
  });

  it("holds one page at a time: the producer reads the next page only when the consumer asks for it", async () => {
    const store = fixture.services.store;
    let reads = 0;
    const counting = {
      ...store,
      listFindings: (...args: Parameters<typeof store.listFindings>) => ((reads += 1), store.listFindings(...args)),
    };
    const { body, complete } = await findingsCsv(
      counting,
      runId,
      { filter: {} },
      { header: findingCsvHeader, row: findingCsvRow },
      "current",
    );
    expect(reads).toBe(1);
    expect(complete).toBe(true);
    const iterator = body[Symbol.asyncIterator]();
    await iterator.next();
    expect(reads).toBe(1);
    await iterator.next();
    expect(reads).toBe(2);
    await iterator.return?.();
  });
});
