// Exceptions through the report API's handlers (against Azurite, runs made by the real engine over the sample estate):
// GET /api/findings carries each result's `exception` and filters excepted=include|exclude|only (JSON pages and the
// CSV export, with its exception columns); GET /api/runs/{id} carries the run's exceptions outcome and both scores; a
// run stored before exceptions existed still answers in the documented shape. Every JSON answer is validated against
// the generated OpenAPI document.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../src/app/services";
import { runAudit, type AuditReport } from "../../src/audit/run-audit";
import { isExcepted, type AuditException } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { getRun } from "../../src/functions/get-run";
import { listFindings } from "../../src/functions/list-findings";
import { listRuns } from "../../src/functions/list-runs";
import { resourceHistory } from "../../src/functions/resource-history";
import { toApiFinding } from "../../src/report-api/report-queries";
import { useReportSettings } from "../../src/report-api/report-settings";
import { encodeResourceId } from "../../src/report-api/resource-id";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { startAzurite, type Azurite } from "../support/azurite";
import { parseCsv } from "../support/csv-parse";
import { sampleWithoutPolicyObjects } from "../store/exceptions-sample";
import { runIdAt } from "../store/fixtures";
import { rewriteAsPreExceptions } from "../store/pre-exceptions-shapes";
import { invoke, type Answer, type Handler } from "./invoke";
import { OpenApiValidator } from "./openapi-validator";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

/** The sample without its Policy exemption: the runs get exactly the exceptions these tests give them. */
const SAMPLE_ESTATE = sampleWithoutPolicyObjects();
const PROD = "/subscriptions/6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/resourceGroups/rg-data-prod";
const PROD_02 = `${PROD}/providers/Microsoft.Sql/managedInstances/sqlmi-prod-02`;

/** Audited at 2026-12-01 02:00 UTC: EX-0042 in force (two failures, and passes where it is not needed), EX-0003 ended. */
const EXCEPTIONS: AuditException[] = [
  {
    id: "EX-0042",
    source: "store",
    ruleIds: ["mi.public-endpoint.enabled", "mi.network.unsupported-configuration"],
    scope: PROD,
    justification: '=cmd|" /c calc"!A1, accepted while the partner "ETL" range moves to private link.',
    approvedBy: "secops-lead@contoso.com",
    expiresOn: "2027-03-31",
    ticket: "CHG-1182",
    createdBy: "admin key",
  },
  {
    id: "EX-0003",
    source: "file",
    ruleIds: ["mi.tls.minimum-version"],
    scope: PROD_02,
    justification: "A reporting client needed TLS 1.0 until its upgrade in November.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn: "2026-11-30",
  },
];

const EXCEPTION_COLUMNS = [
  "exceptionId",
  "exceptionSource",
  "exceptionEffect",
  "exceptionExpiresOn",
  "exceptionApprovedBy",
  "exceptionJustification",
  "exceptionTicket",
];

let azurite: Azurite;
let fixture: ReportFixture;
let current: AuditReport;
let old: AuditReport;
const validator = new OpenApiValidator();

async function audit(at: string, exceptions: AuditException[]): Promise<AuditReport> {
  const started = new Date(at);
  return runAudit(new SnapshotSource([SAMPLE_ESTATE]), fixture.services.settings.audit, {
    runId: runIdAt(at),
    now: () => started,
    exceptions,
  });
}

async function call(
  handler: Handler,
  docPath: string,
  pathAndQuery: string,
  options: { params?: Record<string, string> } = {},
): Promise<Answer> {
  const answer = await invoke(handler, pathAndQuery, options);
  if (answer.json !== undefined)
    expect(validator.responseErrors(docPath, answer.status, answer.json), `${pathAndQuery} → ${answer.status}`).toEqual(
      [],
    );
  return answer;
}

type Item = Pick<Finding, "ruleId" | "resourceId" | "resourceName" | "status" | "exception">;

async function allPages(query: string, top: number): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const page = await call(
      listFindings,
      "/findings",
      `/api/findings?${query}&top=${top}${token === null ? "" : `&continuationToken=${encodeURIComponent(token)}`}`,
    );
    expect(page.status).toBe(200);
    items.push(...(page.json.items as Item[]));
    token = page.json.continuationToken;
    pages += 1;
  } while (token !== null && pages < 200);
  return { items, pages };
}

const pairs = (items: readonly Item[]) => items.map((f) => `${f.ruleId}|${f.resourceId}`).sort();

beforeAll(async () => {
  azurite = await startAzurite();
  const prefix = uniqueTablePrefix("exapi");
  fixture = new ReportFixture(azurite.connectionString, prefix);
  const store = fixture.services.store;
  old = await audit("2026-11-20T02:00:00Z", []);
  await store.completeRun(old);
  await rewriteAsPreExceptions(
    azurite.connectionString,
    prefix,
    old.run.runId,
    (await store.getRun(old.run.runId))!.summary!,
  );
  current = await audit("2026-12-01T02:00:00Z", EXCEPTIONS);
  await store.completeRun(current);
}, 120_000);

afterAll(async () => {
  useServices(undefined);
  useReportSettings(undefined);
  fixture?.dispose();
  await azurite?.dispose();
});

beforeEach(() => {
  useServices(fixture.services);
  useReportSettings({});
});

describe("GET /api/findings with exceptions", () => {
  it("each item carries the exception that covers it, as the engine decided it", async () => {
    const { items } = await allPages(`runId=${current.run.runId}`, 1000);
    const expected = current.findings.filter((f) => f.exception !== undefined);
    // The fixture can fail: three excepted failures, the expired one, and a pass the exception is not needed for.
    expect(expected.map((f) => [f.resourceName, f.ruleId, f.status, f.exception!.effect])).toEqual([
      ["sqlmi-prod-02", "mi.tls.minimum-version", "fail", "expired"],
      ["sqlmi-prod-01", "mi.public-endpoint.enabled", "fail", "applied"],
      ["sqlmi-prod-02", "mi.public-endpoint.enabled", "fail", "applied"],
      ["sqlmi-prod-01", "mi.network.unsupported-configuration", "pass", "notNeeded"],
      ["sqlmi-prod-02", "mi.network.unsupported-configuration", "fail", "applied"],
    ]);
    const byPair = new Map(items.map((f) => [`${f.ruleId}|${f.resourceId}`, f]));
    // Every result is listed with its exception, the pass the exception is not needed for included.
    for (const f of expected) expect(byPair.get(`${f.ruleId}|${f.resourceId}`)?.exception).toEqual(f.exception);
    expect(items.filter((f) => f.exception !== undefined)).toHaveLength(5);
  });

  it("excepted=only and excepted=exclude split the run's results, page by page; include is the default", async () => {
    const run = current.run.runId;
    const all = await allPages(`runId=${run}`, 1000);
    const included = await allPages(`runId=${run}&excepted=include`, 9);
    const only = await allPages(`runId=${run}&excepted=only`, 2);
    const excluded = await allPages(`runId=${run}&excepted=exclude`, 9);
    expect(pairs(included.items)).toEqual(pairs(all.items));
    expect(only.items.every((f) => f.exception?.effect === "applied")).toBe(true);
    expect(pairs(only.items)).toEqual(pairs(current.findings.filter(isExcepted)));
    expect(only.pages).toBe(2);
    expect(excluded.items.some((f) => f.exception?.effect === "applied")).toBe(false);
    expect(pairs([...excluded.items, ...only.items])).toEqual(pairs(all.items));
    expect(excluded.pages).toBeGreaterThan(3);
    // With the other filters and the name search.
    const failing = await allPages(`runId=${run}&status=fail&excepted=exclude&q=prod`, 2);
    expect(failing.items.length).toBeGreaterThan(0);
    expect(pairs(failing.items)).toEqual(
      pairs(all.items.filter((f) => f.status === "fail" && !isExcepted(f) && f.resourceName.includes("prod"))),
    );
  });

  it("refuses any other value with a 400 that names the parameter", async () => {
    for (const value of ["yes", "ONLY", "", "include,only"]) {
      const answer = await call(listFindings, "/findings", `/api/findings?excepted=${encodeURIComponent(value)}`);
      expect(answer.status, value).toBe(400);
      expect(answer.json.error.message).toMatch(/^excepted: /);
      expect(answer.json.error.message).toContain("include, exclude, only");
    }
  });

  it("format=csv exports the exception columns and applies the filter", async () => {
    const answer = await invoke(listFindings, `/api/findings?runId=${current.run.runId}&format=csv&excepted=only`);
    expect(answer.status).toBe(200);
    const header = answer.text.split("\r\n")[0]!.split(",");
    // The exception columns, then the fingerprint, the last column.
    expect(header.slice(-EXCEPTION_COLUMNS.length - 1, -1)).toEqual(EXCEPTION_COLUMNS);
    const rows = parseCsv(answer.text);
    expect(rows).toHaveLength(3);
    const at = (name: string) => header.indexOf(name);
    for (const row of rows) expect(row[at("exceptionEffect")]).toBe("applied");
    const partner = rows.find((row) => row[at("exceptionId")] === "EX-0042")!;
    expect(partner[at("exceptionSource")]).toBe("store");
    expect(partner[at("exceptionExpiresOn")]).toBe("2027-03-31");
    expect(partner[at("exceptionTicket")]).toBe("CHG-1182");
    // A justification is user text: a leading formula is neutralised like any other cell.
    expect(partner[at("exceptionJustification")]).toBe(`'${EXCEPTIONS[0]!.justification}`);

    const everything = parseCsv(
      (await invoke(listFindings, `/api/findings?runId=${current.run.runId}&format=csv`)).text,
    );
    const expired = everything.filter((row) => row[at("exceptionEffect")] === "expired");
    expect(expired.map((row) => [row[at("exceptionId")], row[at("status")]])).toEqual([["EX-0003", "fail"]]);
    expect(everything.filter((row) => row[at("exceptionId")] !== "")).toHaveLength(5);
  });

  it("a resource's history shows the exception on each result it covered", async () => {
    const answer = await call(resourceHistory, "/resources/{id}/history", "/api/resources/x/history", {
      params: { id: encodeResourceId(PROD_02) },
    });
    expect(answer.status).toBe(200);
    const latest = answer.json.runs[0] as { runId: string; results: Item[] };
    expect(latest.runId).toBe(current.run.runId);
    const publicEndpoint = latest.results.find((r) => r.ruleId === "mi.public-endpoint.enabled");
    expect(publicEndpoint).toMatchObject({ status: "fail", exception: { id: "EX-0042", effect: "applied" } });
    const olderRun = answer.json.runs[1] as { runId: string; results: Item[] };
    expect(olderRun.runId).toBe(old.run.runId);
    expect(olderRun.results.every((r) => r.exception === undefined)).toBe(true);
  });
});

describe("GET /api/runs with exceptions", () => {
  it("the summary carries what the exceptions did and both scores; the record the excepted counts", async () => {
    const runId = current.run.runId;
    const answer = await call(getRun, "/runs/{runId}", `/api/runs/${runId}`, { params: { runId } });
    expect(answer.status).toBe(200);
    const run = answer.json;
    expect(run.summary.exceptions).toEqual(current.exceptions);
    expect(run.summary.exceptions).toMatchObject({
      considered: { file: 1, store: 1, policy: 0 },
      applied: 1,
      exceptedResults: { fail: 3, unknown: 0 },
      counts: { expired: 1, notNeeded: 0, stale: 0 },
    });
    expect(run.summary.exceptions.expired.map((e: { id: string }) => e.id)).toEqual(["EX-0003"]);
    expect(run.summary.scores).toMatchObject({
      estateScore: current.summary.estateScoreExceptedNotCounted,
      exceptionsAffectScore: false,
      estateScoreAllFailures: current.summary.estateScoreAllFailures,
      estateScoreExceptedNotCounted: current.summary.estateScoreExceptedNotCounted,
      excepted: { byStatus: { fail: 3, unknown: 0 } },
    });
    expect(run.summary.scores.estateScoreExceptedNotCounted).toBeGreaterThan(run.summary.scores.estateScoreAllFailures);
    expect(run.excepted).toEqual({ fail: 3, unknown: 0 });
    // An excepted failure is still a failure in every count.
    expect(run.byStatus.fail).toBe(current.findings.filter((f) => f.status === "fail").length);

    const list = await call(listRuns, "/runs", "/api/runs");
    expect(list.json.items.map((r: { runId: string; excepted?: unknown }) => [r.runId, r.excepted])).toEqual([
      [runId, { fail: 3, unknown: 0 }],
      [old.run.runId, undefined],
    ]);
  });

  it("a run stored before exceptions: no outcome, its one score as both, nothing excepted; filters still answer", async () => {
    const runId = old.run.runId;
    const answer = await call(getRun, "/runs/{runId}", `/api/runs/${runId}`, { params: { runId } });
    expect(answer.status).toBe(200);
    expect(answer.json.summary).not.toHaveProperty("exceptions");
    expect(answer.json).not.toHaveProperty("excepted");
    expect(answer.json.summary.scores).toMatchObject({
      estateScore: old.summary.estateScore,
      estateScoreAllFailures: old.summary.estateScore,
      estateScoreExceptedNotCounted: old.summary.estateScore,
    });
    const all = await allPages(`runId=${runId}`, 1000);
    expect(all.items.every((f) => f.exception === undefined)).toBe(true);
    expect(pairs((await allPages(`runId=${runId}&excepted=exclude`, 50)).items)).toEqual(pairs(all.items));
    expect((await allPages(`runId=${runId}&excepted=only`, 50)).items).toEqual([]);
  });
});

describe("the OpenAPI document", () => {
  it("documents the excepted parameter of GET /api/findings and refuses other values", () => {
    const parameter = validator.doc.paths["/findings"]!.get.parameters.find((p) => p.name === "excepted");
    expect(parameter).toMatchObject({ in: "query", required: false, schema: { enum: ["include", "exclude", "only"] } });
    for (const value of ["include", "exclude", "only"])
      expect(validator.parameterErrors("/findings", "excepted", value)).toEqual([]);
    expect(validator.parameterErrors("/findings", "excepted", "all")).not.toEqual([]);
  });

  it("would catch an item whose exception is not of the documented shape (the check can fail)", () => {
    const item = toApiFinding(current.findings.find(isExcepted)!);
    const page = (exception: unknown) => ({
      runId: current.run.runId,
      items: [{ ...item, exception }],
      continuationToken: null,
      complete: true,
    });
    expect(validator.responseErrors("/findings", 200, page(item.exception))).toEqual([]);
    expect(validator.responseErrors("/findings", 200, page({ ...item.exception, effect: "waived" }))).not.toEqual([]);
    expect(validator.responseErrors("/findings", 200, page({ id: "EX-1" }))).not.toEqual([]);
  });
});
