// Exceptions through the store of findings (against Azurite): the exception each result carries round-trips with its
// run (rows, record, summary); the `excepted` filter (include / exclude / only) pages without losing or repeating a
// result, also through the name search; an excepted failure is stored like any failure, night after night; and runs
// stored before exceptions existed read back with no exception, no outcome, and both scores equal to the one they had.
import { randomBytes } from "node:crypto";
import { odata, TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditStore, FindingQuery, StoredFinding } from "../../src/audit/audit-store";
import { runAudit, type AuditReport } from "../../src/audit/run-audit";
import type { AuditSettings } from "../../src/config/audit-settings";
import { isExcepted, type AuditException } from "../../src/engine/exceptions";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { createAuditStore } from "../../src/store/table-audit-store";
import { TABLE_NAMES } from "../../src/store/table-client";
import { startAzurite, type Azurite } from "../support/azurite";
import { sampleWithoutPolicyObjects } from "./exceptions-sample";
import { runIdAt } from "./fixtures";
import { rewriteAsPreExceptions } from "./pre-exceptions-shapes";

/** The sample without its Policy exemption: the runs get exactly the exceptions these tests give them. */
const SAMPLE_ESTATE = sampleWithoutPolicyObjects();
const PROD_SUB = "/subscriptions/6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const DEV_MIS = "/subscriptions/7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f/resourceGroups/rg-data-dev";
const MI = "providers/Microsoft.Sql/managedInstances";

const SETTINGS: AuditSettings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" };

/** The run is audited at 2026-12-01 02:00 UTC: EX-0042 is in force, EX-0007 ends within the warning window, EX-0001 ended. */
const EXCEPTIONS: AuditException[] = [
  {
    id: "EX-0042",
    source: "file",
    ruleIds: ["mi.public-endpoint.enabled"],
    scope: PROD_SUB,
    justification: 'Partner ETL range 198.51.100.0/28, "temporary", until the private link cut-over — ticket inside.',
    approvedBy: "secops-lead@contoso.com",
    expiresOn: "2027-03-31",
    ticket: "CHG-1182",
  },
  {
    id: "EX-0007",
    source: "store",
    ruleIds: ["mi.public-endpoint.untrusted-source"],
    scope: `${DEV_MIS}/${MI}/sqlmi-dev-02`,
    justification: "The dev instance's NSG is rebuilt by the network team this sprint.",
    approvedBy: "dev-lead@contoso.com",
    expiresOn: "2026-12-10",
    createdBy: "admin key",
  },
  {
    id: "EX-0001",
    source: "file",
    ruleIds: ["mi.tls.minimum-version"],
    scope: `${DEV_MIS}/${MI}/sqlmi-dev-01`,
    justification: "A legacy client needed TLS 1.0 until its upgrade in November.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn: "2026-11-15",
  },
  {
    id: "EX-0099",
    source: "file",
    ruleIds: ["mi.tls.minimum-version"],
    scope: `${PROD_SUB}/resourceGroups/rg-data-prod/${MI}/sqlmi-prod-01`,
    justification: "Kept while the vendor confirms its driver supports TLS 1.2 everywhere.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn: "2027-01-31",
  },
];

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.dispose();
});

function freshStore(): { store: AuditStore; prefix: string } {
  const prefix = `x${randomBytes(4).toString("hex")}`;
  return { store: createAuditStore({ connectionString: azurite.connectionString }, { tablePrefix: prefix }), prefix };
}

function audit(at: string, exceptions: AuditException[] = EXCEPTIONS): Promise<AuditReport> {
  const started = new Date(at);
  return runAudit(new SnapshotSource([SAMPLE_ESTATE]), SETTINGS, {
    runId: runIdAt(at),
    now: () => started,
    exceptions,
  });
}

/** Every page of the run's findings for `query`, with how many pages it took. */
async function allFindings(
  store: AuditStore,
  runId: string,
  query: FindingQuery,
): Promise<{ items: StoredFinding[]; pages: number }> {
  const items: StoredFinding[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await store.listFindings(runId, {
      ...query,
      ...(token === undefined ? {} : { continuationToken: token }),
    });
    items.push(...page.items);
    token = page.continuationToken;
    pages += 1;
  } while (token !== undefined && pages < 500);
  return { items, pages };
}

const pair = (f: { ruleId: string; resourceId: string }) => `${f.ruleId}|${f.resourceId.toLowerCase()}`;
const keys = (items: readonly StoredFinding[]) => items.map(pair).sort();

describe("a run with excepted results", () => {
  let store: AuditStore;
  let prefix: string;
  let report: AuditReport;

  beforeAll(async () => {
    ({ store, prefix } = freshStore());
    report = await audit("2026-12-01T02:00:00Z");
    await store.completeRun(report);
  }, 60_000);

  it("the engine's verdicts are what the cases need (the fixture can fail)", () => {
    const byId = (id: string) => report.findings.filter((f) => f.exception?.id === id);
    expect(byId("EX-0042").map((f) => [f.resourceName, f.status, f.exception?.effect])).toEqual([
      ["sqlmi-prod-01", "fail", "applied"],
      ["sqlmi-prod-02", "fail", "applied"],
      // The subscription scope covers every resource in it: the ERP instances pass, so it is not needed there.
      ["sqlmi-erp-weu", "pass", "notNeeded"],
      ["sqlmi-erp-neu", "pass", "notNeeded"],
    ]);
    expect(byId("EX-0007").map((f) => [f.status, f.exception?.effect])).toEqual([["unknown", "applied"]]);
    expect(byId("EX-0001").map((f) => [f.status, f.exception?.effect])).toEqual([["fail", "expired"]]);
    expect(byId("EX-0099").map((f) => [f.status, f.exception?.effect])).toEqual([["pass", "notNeeded"]]);
  });

  it("stores each result's exception and reads it back as the engine made it", async () => {
    const { items } = await allFindings(store, report.run.runId, { top: 1000 });
    const stored = new Map(items.map((f) => [pair(f), f]));
    const withException = report.findings.filter((f) => f.exception !== undefined);
    expect(withException).toHaveLength(7);
    for (const f of withException) expect(stored.get(pair(f))?.exception).toEqual(f.exception);
    const without = items.filter((f) => f.exception === undefined);
    expect(without.length).toBe(items.length - 7);
    for (const f of without) expect(Object.keys(f)).not.toContain("exception");

    // The columns themselves, and the flag the server-side filter compares.
    const table = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${TABLE_NAMES.findings}`, {
      allowInsecureConnection: true,
    });
    const flagged: Array<[string, unknown]> = [];
    for await (const row of table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${report.run.runId}` },
    })) {
      expect(typeof row.excepted).toBe("boolean");
      if (row.excepted === true) flagged.push([String(row.exceptionId), row.exceptionEffect]);
      if (row.exceptionId === "EX-0042" && row.status === "fail")
        expect(row).toMatchObject({
          exceptionSource: "file",
          exceptionEffect: "applied",
          exceptionExpiresOn: "2027-03-31",
          exceptionApprovedBy: "secops-lead@contoso.com",
          exceptionJustification: EXCEPTIONS[0]!.justification,
          exceptionTicket: "CHG-1182",
        });
    }
    expect(flagged.sort()).toEqual([
      ["EX-0007", "applied"],
      ["EX-0042", "applied"],
      ["EX-0042", "applied"],
    ]);
  });

  it("keeps the outcome, both scores and the excepted counts in the summary, and the counts on the record", async () => {
    const detail = await store.getRun(report.run.runId);
    expect(detail?.summary?.exceptions).toEqual(report.exceptions);
    expect(detail?.summary?.exceptions?.counts).toMatchObject({ expiring: 1, expired: 1, notNeeded: 1 });
    expect(detail?.summary?.scores).toEqual(report.summary);
    expect(report.summary.estateScoreExceptedNotCounted).not.toBe(report.summary.estateScoreAllFailures);
    expect(detail?.summary?.scores.excepted.byStatus).toMatchObject({ fail: 2, unknown: 1 });
    expect(detail?.excepted).toEqual({ fail: 2, unknown: 1 });
    expect((await store.getRunRecord(report.run.runId))?.excepted).toEqual({ fail: 2, unknown: 1 });
    expect((await store.listRuns()).items[0]?.excepted).toEqual({ fail: 2, unknown: 1 });
  });

  it("filters excepted results: include, exclude and only, page by page", async () => {
    const runId = report.run.runId;
    const all = await allFindings(store, runId, { top: 1000 });
    const included = await allFindings(store, runId, { top: 7, filter: { excepted: "include" } });
    const excluded = await allFindings(store, runId, { top: 7, filter: { excepted: "exclude" } });
    const only = await allFindings(store, runId, { top: 2, filter: { excepted: "only" } });
    expect(keys(included.items)).toEqual(keys(all.items));
    expect(included.pages).toBeGreaterThan(5);
    expect(only.items.map((f) => [f.resourceName, f.exception?.id]).sort()).toEqual([
      ["sqlmi-dev-02", "EX-0007"],
      ["sqlmi-prod-01", "EX-0042"],
      ["sqlmi-prod-02", "EX-0042"],
    ]);
    expect(only.pages).toBe(2);
    expect(excluded.items.some(isExcepted)).toBe(false);
    expect(keys(excluded.items)).toEqual(keys(all.items.filter((f) => !isExcepted(f))));
    // Expired and no-longer-needed exceptions do not make a result excepted.
    expect(
      excluded.items
        .map((f) => f.exception?.id)
        .filter((id) => id !== undefined)
        .sort(),
    ).toEqual(["EX-0001", "EX-0042", "EX-0042", "EX-0099"]);

    const failingNotExcepted = await allFindings(store, runId, {
      top: 5,
      filter: { status: "fail", excepted: "exclude" },
    });
    expect(failingNotExcepted.items).toHaveLength(report.summary.byStatus.fail - 2);
  });

  it("combines the filter with the name search, whose tokens are the store's own", async () => {
    const runId = report.run.runId;
    const only = await allFindings(store, runId, { top: 1, nameContains: "PROD", filter: { excepted: "only" } });
    expect(only.items.map((f) => f.resourceName).sort()).toEqual(["sqlmi-prod-01", "sqlmi-prod-02"]);
    const excluded = await allFindings(store, runId, { top: 3, nameContains: "prod", filter: { excepted: "exclude" } });
    const all = await allFindings(store, runId, { top: 1000, nameContains: "prod" });
    expect(keys(excluded.items)).toEqual(keys(all.items.filter((f) => !isExcepted(f))));
    expect(excluded.items.length).toBe(all.items.length - 2);
  });
});

describe("the nightly write economy", () => {
  it("stores an excepted failure like any failure: the same rows as without exceptions, night after night", async () => {
    const plain = freshStore().store;
    const excepting = freshStore().store;
    for (const at of ["2026-12-01T02:00:00Z", "2026-12-02T02:00:00Z"]) {
      const withExceptions = await audit(at);
      const withoutExceptions: AuditReport = { ...(await audit(at, [])), run: withExceptions.run };
      const a = await plain.completeRun(withoutExceptions);
      const b = await excepting.completeRun(withExceptions);
      expect(b.run.findingsStored).toBe(a.run.findingsStored);
      const rowsA = await allFindings(plain, withExceptions.run.runId, { top: 1000 });
      const rowsB = await allFindings(excepting, withExceptions.run.runId, { top: 1000 });
      expect(keys(rowsB.items)).toEqual(keys(rowsA.items));
      // Every excepted result is stored, the second night too (when unchanged passes are not).
      const excepted = withExceptions.findings.filter(isExcepted);
      expect(excepted).toHaveLength(3);
      expect(rowsB.items.filter(isExcepted).map(pair).sort()).toEqual(excepted.map(pair).sort());
      // The transitions do not change: status is never changed by an exception.
      expect(b.transitions.new.length).toBe(a.transitions.new.length);
      expect(b.transitions.stillFailing.length).toBe(a.transitions.stillFailing.length);
    }
    const second = (await plain.listRuns()).items[0]!;
    expect(second.findingsStored).toBeLessThan(second.findings!);
  }, 60_000);
});

describe("a run stored before exceptions existed", () => {
  it("reads back with no exception, no outcome, no excepted counts, and its one score as both scores", async () => {
    const { store, prefix } = freshStore();
    const report = await audit("2026-11-20T02:00:00Z", []);
    await store.completeRun(report);
    const stored = (await store.getRun(report.run.runId))!.summary!;
    const rows = await rewriteAsPreExceptions(azurite.connectionString, prefix, report.run.runId, stored);
    expect(rows).toBe(report.findings.length);

    const detail = (await store.getRun(report.run.runId))!;
    expect(detail.excepted).toBeUndefined();
    expect(detail.summary?.exceptions).toBeUndefined();
    expect(detail.summary?.scores).toMatchObject({
      estateScore: report.summary.estateScore,
      estateScoreAllFailures: report.summary.estateScore,
      estateScoreExceptedNotCounted: report.summary.estateScore,
      exceptionsAffectScore: false,
      excepted: { byStatus: { fail: 0, unknown: 0 }, failuresBySeverity: { critical: 0, high: 0 } },
    });
    expect((await store.listRuns()).items[0]?.excepted).toBeUndefined();

    const all = await allFindings(store, report.run.runId, { top: 1000 });
    expect(all.items).toHaveLength(report.findings.length);
    expect(all.items.every((f) => f.exception === undefined)).toBe(true);
    // Old rows have no `excepted` property: they are not excepted, so exclude keeps them all and only finds none.
    const excluded = await allFindings(store, report.run.runId, { top: 50, filter: { excepted: "exclude" } });
    expect(keys(excluded.items)).toEqual(keys(all.items));
    const only = await allFindings(store, report.run.runId, { filter: { excepted: "only" } });
    expect(only.items).toEqual([]);
    const byName = await allFindings(store, report.run.runId, {
      nameContains: "sqlmi",
      filter: { excepted: "exclude", status: "fail" },
    });
    expect(byName.items.length).toBeGreaterThan(0);
    expect(keys(byName.items)).toEqual(
      keys(all.items.filter((f) => f.status === "fail" && f.resourceName.includes("sqlmi"))),
    );
  }, 60_000);
});
