// GET /api/findings lists every result of any retained run, passes included, although a night stores only its
// failures and changes: real audits of the sample estate on Azurite, night after night, each listing compared with
// the report the engine produced for that night (captured as the audit completed it).
import { TableClient, odata } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useServices } from "../../src/app/services";
import type { AuditReport } from "../../src/audit/run-audit";
import type { FindingQuery, StoredFinding } from "../../src/audit/audit-store";
import { isExcepted } from "../../src/engine/exceptions";
import { listFindings } from "../../src/functions/list-findings";
import { useReportSettings } from "../../src/report-api/report-settings";
import { reportFingerprints } from "../../src/report/fingerprint";
import { FINGERPRINT_CSV_COLUMN, findingCsvHeader } from "../../src/report/csv";
import { TABLE_NAMES } from "../../src/store/table-client";
import { startAzurite, type Azurite } from "../support/azurite";
import { parseCsv } from "../support/csv-parse";
import { invoke } from "./invoke";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

let azurite: Azurite;
let fixture: ReportFixture;
let prefix: string;
const reports = new Map<string, AuditReport>();
let night1: string;
let night2: string;
let night3: string;

const DAY = 86_400_000;

beforeAll(async () => {
  azurite = await startAzurite();
  prefix = uniqueTablePrefix("posture");
  fixture = new ReportFixture(azurite.connectionString, prefix);
  const store = fixture.services.store;
  const complete = store.completeRun.bind(store);
  store.completeRun = async (report, options) => {
    reports.set(report.run.runId, report);
    return complete(report, options);
  };
  const now = Date.now();
  night1 = await fixture.audit(new Date(now - 3 * DAY), { weakTls: 1 });
  night2 = await fixture.audit(new Date(now - 2 * DAY), { weakTls: 1 });
  // One pair changes: sqlmi-shared-01 no longer accepts TLS 1.0.
  night3 = await fixture.audit(new Date(now - 1 * DAY), { weakTls: 0 });
  useServices(fixture.services);
  useReportSettings({});
}, 300_000);

afterAll(async () => {
  useServices(undefined);
  useReportSettings(undefined);
  fixture?.dispose();
  await azurite?.dispose();
});

type Line = string;
const line = (f: { ruleId: string; resourceId: string; status: string; message: string; fingerprint?: string }): Line =>
  [f.ruleId, f.resourceId.toLowerCase(), f.status, f.message, f.fingerprint ?? "-"].join(" | ");

/** The engine's results of the run, fingerprinted in report order, as sorted lines. */
function expected(runId: string, keep: (f: AuditReport["findings"][number]) => boolean = () => true): Line[] {
  const report = reports.get(runId)!;
  const fingerprints = reportFingerprints(report.findings);
  return report.findings
    .map((f, i) => ({ ...f, fingerprint: fingerprints[i]! }))
    .filter(keep)
    .map(line)
    .sort();
}

/** Every page of the store's listing, following tokens; fails on a duplicate. */
async function listAll(runId: string, query: FindingQuery = {}): Promise<{ items: StoredFinding[]; pages: number }> {
  const items: StoredFinding[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await fixture.services.store.listFindings(runId, {
      ...query,
      ...(token === undefined ? {} : { continuationToken: token }),
    });
    expect(page.complete).toBe(true);
    expect(page.items.length).toBeLessThanOrEqual(query.top ?? 50);
    items.push(...page.items);
    token = page.continuationToken;
    pages += 1;
    expect(pages).toBeLessThan(2_000);
  } while (token !== undefined);
  const keys = items.map((f) => f.fingerprint);
  expect(new Set(keys).size).toBe(keys.length);
  return { items, pages };
}

describe("a second, unchanged night", () => {
  it("stored only its failures and changes, yet status=pass lists exactly its passes at any page size", async () => {
    const record = await fixture.services.store.getRunRecord(night2);
    expect(record?.findingsStored).toBeLessThan(record?.findings ?? 0);
    const passes = record?.byStatus?.pass ?? 0;
    expect(passes).toBeGreaterThan(0);
    for (const top of [1, 7, 100, 1000]) {
      const { items, pages } = await listAll(night2, { top, filter: { status: "pass" } });
      expect(items).toHaveLength(passes);
      expect(items.every((f) => f.runId === night2 && f.status === "pass")).toBe(true);
      expect(items.map(line).sort()).toEqual(expected(night2, (f) => f.status === "pass"));
      if (top === 1) expect(pages).toBeGreaterThanOrEqual(passes);
    }
  });

  it("lists every result of every night, as the engine reported it (status, message, fingerprint)", async () => {
    for (const runId of [night1, night2, night3]) {
      const { items } = await listAll(runId, { top: 7 });
      expect(items.map(line).sort()).toEqual(expected(runId));
      const record = await fixture.services.store.getRunRecord(runId);
      expect(items).toHaveLength(record?.findings ?? -1);
    }
  });

  it("searches names (q) across the run's own rows and the passes it points at", async () => {
    for (const top of [1, 5, 100]) {
      const { items } = await listAll(night2, { top, nameContains: "SQLMI-SHARED" });
      expect(items.map(line).sort()).toEqual(
        expected(night2, (f) => f.resourceName.toLowerCase().includes("sqlmi-shared")),
      );
      expect(items.some((f) => f.status === "pass")).toBe(true);
    }
  });

  it("applies the excepted filter and the server-side filters to both parts of the listing", async () => {
    const { items: exclude } = await listAll(night3, { top: 9, filter: { excepted: "exclude" } });
    expect(exclude.map(line).sort()).toEqual(expected(night3, (f) => !isExcepted(f)));
    // An exception in force covers fails and unknowns only: no posture pair is ever excepted.
    const { items: only } = await listAll(night3, { filter: { excepted: "only" } });
    expect(only.every((f) => f.status === "fail" || f.status === "unknown")).toBe(true);
    const { items: na } = await listAll(night2, { top: 3, filter: { status: ["notApplicable"], severity: "high" } });
    expect(na.map(line).sort()).toEqual(expected(night2, (f) => f.status === "notApplicable" && f.severity === "high"));
  });
});

describe("the HTTP API", () => {
  it("answers status=pass on night 2 with its passes, fingerprints, complete: true, and tokens across both parts", async () => {
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const query = `/api/findings?runId=${night2}&status=pass&top=7${token === null ? "" : `&continuationToken=${encodeURIComponent(token)}`}`;
      const answer = await invoke(listFindings, query);
      expect(answer.status).toBe(200);
      expect(answer.json.complete).toBe(true);
      for (const item of answer.json.items as Array<{ fingerprint: string; status: string }>) {
        expect(item.fingerprint).toMatch(/^[0-9a-f]{32}$/);
        seen.push(item.fingerprint);
      }
      token = answer.json.continuationToken as string | null;
    } while (token !== null);
    const record = await fixture.services.store.getRunRecord(night2);
    expect(seen).toHaveLength(record?.byStatus?.pass ?? -1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("exports every result of night 2 as CSV, passes included, with the engine's fingerprints", async () => {
    const answer = await invoke(listFindings, `/api/findings?runId=${night2}&format=csv`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-findings-complete")).toBe("true");
    const rows = parseCsv(answer.text);
    const column = findingCsvHeader().trimEnd().split(",").indexOf(FINGERPRINT_CSV_COLUMN);
    expect(column).toBeGreaterThan(0);
    const fingerprints = reportFingerprints(reports.get(night2)!.findings);
    expect(rows.map((r) => r[column]).sort()).toEqual([...fingerprints].sort());
  });

  it("refuses a token it did not make, or made for another run, with a 400 naming the token", async () => {
    const first = await invoke(listFindings, `/api/findings?runId=${night2}&status=pass&top=1`);
    let token = first.json.continuationToken as string;
    // Walk into the posture part of the listing, whose tokens are the store's own.
    while (!token.startsWith("p1.")) {
      const next = await invoke(
        listFindings,
        `/api/findings?runId=${night2}&status=pass&top=1&continuationToken=${encodeURIComponent(token)}`,
      );
      token = next.json.continuationToken as string;
    }
    for (const bad of ["p1.bm9wZQ", "p1.%%%", token]) {
      const runId = bad === token ? night3 : night2;
      const answer = await invoke(
        listFindings,
        `/api/findings?runId=${runId}&status=pass&continuationToken=${encodeURIComponent(bad)}`,
      );
      expect(answer.status).toBe(400);
      expect(answer.text).toMatch(/continuation token/i);
    }
  });
});

describe("runs stored before posture records, and retention", () => {
  it("keeps the partitions retained runs point at, and drops them once nobody does", async () => {
    // night1 is past a 2.5-day retention; nights 2 and 3 point at its partition for their unchanged passes.
    const store = fixture.services.store;
    const result = await store.deleteExpiredFindings({ olderThanDays: 2.5 });
    expect(result.runsPurged).toContain(night1);
    expect(result.sourcesKept).toContain(night1);
    for (const runId of [night2, night3]) {
      const { items } = await listAll(runId, { top: 100 });
      expect(items.map(line).sort()).toEqual(expected(runId));
    }
    const answer = await invoke(listFindings, `/api/findings?runId=${night1}`);
    expect(answer.status).toBe(410);
  });

  it("says a run stored before posture records is not complete, and lists what it stored", async () => {
    const raw = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${TABLE_NAMES.posture}`, {
      allowInsecureConnection: true,
    });
    for await (const row of raw.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${night3}` } }))
      await raw.deleteEntity(night3, row.rowKey!);
    const answer = await invoke(listFindings, `/api/findings?runId=${night3}&top=1000`);
    expect(answer.status).toBe(200);
    expect(answer.json.complete).toBe(false);
    const record = await fixture.services.store.getRunRecord(night3);
    expect(answer.json.items).toHaveLength(record?.findingsStored ?? -1);
    expect(answer.json.items.length).toBeLessThan(record?.findings ?? 0);
    const csv = await invoke(listFindings, `/api/findings?runId=${night3}&format=csv`);
    expect(csv.headers.get("x-findings-complete")).toBe("false");
    expect(parseCsv(csv.text)).toHaveLength(record?.findingsStored ?? -1);
  });
});
