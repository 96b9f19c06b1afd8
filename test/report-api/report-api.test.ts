// The report API's handlers against real Azurite, with runs made by real audits of the sample estate: filters,
// paging to the end, CSV quoting and formula neutralisation, 400/403/404/410, the OData-injection attempt, and every
// JSON response validated against the generated OpenAPI document.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useServices, type Services } from "../../src/app/services";
import { AuditorError } from "../../src/errors";
import { useReportSettings, reportSettingsFromEnv } from "../../src/report-api/report-settings";
import { encodeResourceId } from "../../src/report-api/resource-id";
import { createAuditStore } from "../../src/store/table-audit-store";
import { RULES } from "../../src/rules/catalog";
import { rulesOfBaseline } from "../../src/rules/baselines";
import { REPORT_REGISTRATIONS } from "../support/report-registrations";
import { listRuns } from "../../src/functions/list-runs";
import { getRun } from "../../src/functions/get-run";
import { listFindings } from "../../src/functions/list-findings";
import { resourceHistory } from "../../src/functions/resource-history";
import { listRules } from "../../src/functions/list-rules";
import { health } from "../../src/functions/health";
import { openApi } from "../../src/functions/openapi";
import { dashboard } from "../../src/functions/dashboard";
import { freePort, startAzurite, type Azurite } from "../support/azurite";
import { parseCsv } from "../support/csv-parse";
import { invoke, principalHeader, type Answer, type Handler } from "./invoke";
import { OpenApiValidator } from "./openapi-validator";
import { EXCEPTION_ROUTES } from "../../src/report-api/exception-routes";
import { ADMIN_ROUTES } from "../../src/report-api/admin-routes";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

let azurite: Azurite;
let fixture: ReportFixture;
let runs: string[];
const validator = new OpenApiValidator();

const LEGACY_NSG =
  "/subscriptions/7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f/resourceGroups/rg-compute-dev/providers/Microsoft.Network/networkSecurityGroups/nsg-sqlvm-legacy";
const SHARED_MI =
  "/subscriptions/8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60/resourceGroups/rg-data-shared/providers/Microsoft.Sql/managedInstances/sqlmi-shared-01";
const INJECTION = "x' or '1' eq '1";
const FORMULA_NAME = '=HYPERLINK("http://evil.example","sqlmi, "dev"")';

/** Calls the handler and checks a JSON answer against the OpenAPI document's response for that status. */
async function call(
  handler: Handler,
  docPath: string,
  pathAndQuery: string,
  options: { params?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const answer = await invoke(handler, pathAndQuery, options);
  if (answer.json !== undefined && docPath !== "/openapi.json")
    expect(validator.responseErrors(docPath, answer.status, answer.json), `${pathAndQuery} → ${answer.status}`).toEqual(
      [],
    );
  return answer;
}

const findings = (query: string) => call(listFindings, "/findings", `/api/findings${query}`);

async function allPages(query: string, top: number): Promise<{ items: Array<Record<string, string>>; pages: number }> {
  const items: Array<Record<string, string>> = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const answer = await findings(
      `${query}${query === "" ? "?" : "&"}top=${top}${token === null ? "" : `&continuationToken=${encodeURIComponent(token)}`}`,
    );
    expect(answer.status).toBe(200);
    items.push(...answer.json.items);
    token = answer.json.continuationToken;
    pages += 1;
  } while (token !== null && pages < 200);
  return { items, pages };
}

beforeAll(async () => {
  azurite = await startAzurite();
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("api"));
  const now = Date.now();
  runs = [
    await fixture.audit(new Date(now - 2 * 86_400_000), { weakTls: true, legacyNsgClosed: true }),
    await fixture.audit(new Date(now - 86_400_000), { weakTls: true, legacyNsgClosed: true }),
    // The latest: the sample as it is, but one MI renamed so a cell starts with a formula.
    await fixture.audit(new Date(now - 60_000), { renameDevMi: FORMULA_NAME }),
  ];
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

describe("GET /api/runs", () => {
  it("lists runs newest first and pages to the end with continuation tokens", async () => {
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const answer: Answer = await call(
        listRuns,
        "/runs",
        `/api/runs?top=1${token === null ? "" : `&continuationToken=${encodeURIComponent(token)}`}`,
      );
      expect(answer.status).toBe(200);
      expect(answer.json.items.length).toBeLessThanOrEqual(1);
      seen.push(...answer.json.items.map((r: { runId: string }) => r.runId));
      for (const item of answer.json.items as { baseline: string }[]) expect(item.baseline).toBe("current");
      token = answer.json.continuationToken;
    } while (token !== null && seen.length < 10);
    expect(seen).toEqual([...runs].reverse());
    const all = await call(listRuns, "/runs", "/api/runs");
    expect(all.json.items[0]).toMatchObject({
      runId: runs[2],
      status: "completed",
      estateScore: expect.any(Number),
      failuresBySeverity: { critical: 3 },
    });
    expect(all.json.continuationToken).toBeNull();
  });

  it.each([
    ["?top=101", /^top: expected a whole number from 1 to 100/],
    ["?top=0", /^top: expected a whole number from 1 to 100/],
    ["?top=ten", /^top: /],
    ["?status=done", /^status: expected a run status/],
    ["?continuationToken=not%20a%20token", /^continuationToken: /],
    ["?sort=asc", /^sort: unknown query parameter \(accepted: top, continuationToken, status\)/],
    ["?top=1&top=2", /^top: given more than once/],
  ])("%s is a 400 naming the parameter", async (query, message) => {
    const answer = await call(listRuns, "/runs", `/api/runs${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe("BadRequest");
    expect(answer.json.error.message).toMatch(message);
  });

  it("accepts the function key parameter `code` without treating it as a filter", async () => {
    expect((await call(listRuns, "/runs", "/api/runs?code=abc&top=2")).status).toBe(200);
  });
});

describe("GET /api/runs/{runId}", () => {
  it("returns status, scope, timings, coverage gaps, scores, counts and the delta against the previous run", async () => {
    const answer = await call(getRun, "/runs/{runId}", "/api/runs/latest", { params: { runId: "latest" } });
    expect(answer.status).toBe(200);
    const run = answer.json;
    expect(run).toMatchObject({
      runId: runs[2],
      status: "completed",
      scope: expect.stringMatching(/^snapshot:/),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(run.baseline).toBe("current");
    expect(run.summary.run).toMatchObject({ baseline: "current", rulesEvaluated: rulesOfBaseline("current").length });
    expect(run.summary.run.coverageGaps).toEqual([]);
    expect(run.summary.scores.estateScore).toEqual(expect.any(Number));
    expect(run.summary.scores.bySubscription).toHaveLength(3);
    expect(run.summary.scores.byStatus).toMatchObject({ fail: 33, pass: 71 });
    expect(run.summary.bySeverity.critical.fail).toBe(3);
    expect(run.summary.scores.byRule.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual(
      rulesOfBaseline("current")
        .map((r) => r.id)
        .sort(),
    );
    const delta = run.summary.delta;
    expect(delta.previousRunId).toBe(runs[1]);
    expect(delta.newFailures).toBeGreaterThanOrEqual(1);
    expect(delta.samples.newFailures.map((s: { resourceName: string }) => s.resourceName)).toContain(
      "nsg-sqlvm-legacy",
    );
    expect(delta.samples.resolved).toEqual([
      expect.objectContaining({ resourceName: "sqlmi-shared-01", ruleId: "mi.tls.minimum-version" }),
    ]);
    expect(delta.stillFailing).toBeGreaterThan(10);
    expect(run.alerts).toEqual([]);
  });

  it("includes the run's alert delivery per channel when alerting is configured", async () => {
    const delivery = {
      channel: "default",
      webhook: "sha256:0123456789ab",
      format: "teams",
      kind: "alert",
      state: "delivered",
      attempts: 1,
      deliveredAt: new Date().toISOString(),
      httpStatus: 200,
      counts: { new: 1, regressed: 0, resolved: 1, stillFailing: 17, reminders: 0 },
    };
    const asked: string[] = [];
    const alerts = {
      deliveryForRun: async (runId: string) => (asked.push(runId), [delivery]),
    } as unknown as NonNullable<Services["alerts"]>;
    useServices({ ...fixture.services, alerts });
    const answer = await call(getRun, "/runs/{runId}", "/api/runs/latest", { params: { runId: "latest" } });
    expect(answer.status).toBe(200);
    expect(asked).toEqual([runs[2]]);
    expect(answer.json.alerts).toEqual([delivery]);
  });

  it("answers 404 for an unknown run, 400 for a malformed id or an unknown parameter", async () => {
    expect(
      (
        await call(getRun, "/runs/{runId}", "/api/runs/20200101T000000Z-abcdef", {
          params: { runId: "20200101T000000Z-abcdef" },
        })
      ).status,
    ).toBe(404);
    const bad = await call(getRun, "/runs/{runId}", "/api/runs/x", { params: { runId: INJECTION } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^runId: /);
    const extra = await call(getRun, "/runs/{runId}", "/api/runs/latest?verbose=1", { params: { runId: "latest" } });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toMatch(/^verbose: unknown query parameter \(this route takes none\)/);
  });
});

describe("GET /api/findings", () => {
  it("defaults to the latest run and returns items in the CLI's finding shape", async () => {
    const answer = await findings("?top=5");
    expect(answer.status).toBe(200);
    expect(answer.json.runId).toBe(runs[2]);
    expect(answer.json.complete).toBe(true);
    expect(Object.keys(answer.json.items[0]).sort()).toEqual([
      "evidence",
      "fingerprint",
      "location",
      "message",
      "resourceGroup",
      "resourceId",
      "resourceName",
      "resourceType",
      "ruleId",
      "severity",
      "status",
      "subscriptionId",
      "title",
    ]);
    expect(answer.json.continuationToken).toEqual(expect.any(String));
  });

  it("lists every result of the run, though it stored only its failures, unknowns, errors and changes", async () => {
    const run = (await call(getRun, "/runs/{runId}", `/api/runs/${runs[2]}`, { params: { runId: runs[2]! } })).json;
    // 144 results; stored: 33 failures, 2 unknowns, and the passes whose state changed: sqlmi-shared-01's TLS (fixed)
    // and the renamed MI's rules (a display field changed). The 64 other passes and the 35 other not-applicables are
    // only counted.
    expect(run).toMatchObject({
      findings: 144,
      findingsStored: 45,
      byStatus: { fail: 33, unknown: 2, error: 0, pass: 71, notApplicable: 38 },
    });
    const everything = (await allPages("", 1000)).items;
    expect(everything).toHaveLength(144);
    const counted = { fail: 0, unknown: 0, error: 0, pass: 0, notApplicable: 0 };
    for (const f of everything) counted[f.status as keyof typeof counted] += 1;
    expect(counted).toEqual(run.byStatus);
    // The older runs: the first stored every result (all new); the second, unchanged, only its failures and unknowns.
    const older = await Promise.all(
      [runs[0]!, runs[1]!].map(
        async (id) => (await call(getRun, "/runs/{runId}", `/api/runs/${id}`, { params: { runId: id } })).json,
      ),
    );
    expect(older[0]).toMatchObject({ findings: 144, findingsStored: 144 });
    expect(older[1].findingsStored).toBe(older[1].byStatus.fail + older[1].byStatus.unknown + older[1].byStatus.error);
  });

  it("pages to the end without losing or repeating a finding, with and without filters", async () => {
    const everything = await allPages("", 7);
    expect(everything.items).toHaveLength(144);
    // 45 own rows, then the unchanged passes from the run that stored them: a page may end at the seam.
    expect(everything.pages).toBeGreaterThanOrEqual(21);
    expect(everything.pages).toBeLessThanOrEqual(22);
    expect(new Set(everything.items.map((f) => f.fingerprint)).size).toBe(144);
    const failing = await allPages("?status=fail", 4);
    expect(failing.items).toHaveLength(33);
    expect(failing.items.every((f) => f.status === "fail")).toBe(true);
    const searched = await allPages("?q=SQLMI", 2);
    expect(searched.items.length).toBeGreaterThan(10);
    expect(searched.items.every((f) => f.resourceName!.toLowerCase().includes("sqlmi"))).toBe(true);
    const direct = (await allPages("", 1000)).items.filter((f) => f.resourceName!.toLowerCase().includes("sqlmi"));
    expect(searched.items.map((f) => `${f.resourceId}|${f.ruleId}`)).toEqual(
      direct.map((f) => `${f.resourceId}|${f.ruleId}`),
    );
  });

  it.each([
    ["?status=fail,unknown", (f: Record<string, string>) => f.status === "fail" || f.status === "unknown", 35],
    [
      "?severity=critical&status=fail",
      (f: Record<string, string>) => f.severity === "critical" && f.status === "fail",
      3,
    ],
    [
      "?minSeverity=high&status=fail",
      (f: Record<string, string>) => (f.severity === "critical" || f.severity === "high") && f.status === "fail",
      12,
    ],
    ["?ruleId=mi.tls.minimum-version", (f: Record<string, string>) => f.ruleId === "mi.tls.minimum-version", 8],
    [
      "?subscriptionId=7C2D1E4F-5A6B-4C7D-9E8F-0A1B2C3D4E5F&status=fail",
      (f: Record<string, string>) => f.subscriptionId === "7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f" && f.status === "fail",
      12,
    ],
    ["?resourceGroup=RG-COMPUTE-DEV", (f: Record<string, string>) => f.resourceGroup === "rg-compute-dev", undefined],
    [
      "?resourceType=Microsoft.Network/networkSecurityGroups",
      (f: Record<string, string>) => f.resourceType === "microsoft.network/networksecuritygroups",
      undefined,
    ],
    [
      "?q=legacy&status=fail",
      (f: Record<string, string>) => f.resourceName === "nsg-sqlvm-legacy" && f.status === "fail",
      1,
    ],
  ])("%s returns exactly the matching findings", async (query, matches, expected) => {
    const everything = (await allPages("", 1000)).items;
    const answer = await findings(`${query}&top=1000`);
    expect(answer.status).toBe(200);
    const want = everything.filter(matches);
    expect(want.length).toBeGreaterThan(0);
    if (expected !== undefined) expect(want).toHaveLength(expected);
    expect(
      answer.json.items.map((f: { resourceId: string; ruleId: string }) => `${f.resourceId}|${f.ruleId}`).sort(),
    ).toEqual(want.map((f) => `${f.resourceId}|${f.ruleId}`).sort());
  });

  it("an older run by id, and 404 for an unknown one", async () => {
    const old = await findings(`?runId=${runs[0]}&ruleId=nsg.sql-inbound-internet&status=fail`);
    expect(old.json.runId).toBe(runs[0]);
    expect(old.json.items.map((f: { resourceName: string }) => f.resourceName)).not.toContain("nsg-sqlvm-legacy");
    const missing = await findings("?runId=20200101T000000Z-abcdef");
    expect(missing.status).toBe(404);
    expect(missing.json.error).toEqual({ code: "NotFound", message: "Run 20200101T000000Z-abcdef not found." });
  });

  it.each([
    ["?severity=urgent", /^severity: expected critical \| high \| medium \| low/],
    ["?severity=high&minSeverity=low", /^minSeverity: give either severity or minSeverity/],
    ["?top=1001", /^top: expected a whole number from 1 to 1000/],
    ["?format=xml", /^format: /],
    ["?format=csv&top=10", /^top: not used with format=csv/],
    ["?subscriptionId=nope", /^subscriptionId: expected a subscription id/],
    ["?ruleId=mi.unknown", /^ruleId: expected a rule id/],
    ["?continuationToken=bm90LWEtdG9rZW4", /continuation token is not valid/],
    ["?q=sqlmi&continuationToken=eyJ4IjoxfQ", /continuation token is not valid/],
    ["?runid=latest", /^runid: unknown query parameter/],
    [`?q=${"x".repeat(101)}`, /^q: expected 1 to 100 characters/],
  ])("%s is a 400 naming the parameter", async (query, message) => {
    const answer = await findings(query);
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(message);
  });

  it("treats an OData injection attempt as a value: refused where the allow-list applies, matched literally in the text search", async () => {
    for (const name of ["resourceGroup", "ruleId", "subscriptionId", "resourceType", "runId", "status"]) {
      const answer = await findings(`?${name}=${encodeURIComponent(INJECTION)}`);
      expect(answer.status, name).toBe(400);
      expect(answer.json.error.message).toMatch(new RegExp(`^${name}: `));
    }
    const searched = await findings(`?q=${encodeURIComponent(INJECTION)}`);
    expect(searched.status).toBe(200);
    expect(searched.json.items).toEqual([]);
    expect(searched.json.continuationToken).toBeNull();
    // Below the allow-list, the store quotes the value: the same text as a resource group matches nothing.
    const page = await fixture.services.store.listFindings(runs[2]!, {
      filter: { resourceGroup: INJECTION },
      nameContains: "a",
      top: 1000,
    });
    expect(page.items).toEqual([]);
  });

  it("format=csv streams every matching finding as RFC 4180 with formula cells neutralised", async () => {
    const answer = await call(listFindings, "/findings", "/api/findings?format=csv");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^text\/csv; charset=utf-8/);
    expect(answer.headers.get("content-disposition")).toBe(`attachment; filename="findings-${runs[2]}.csv"`);
    // parseCsv (strict RFC 4180) returns the records after the header.
    const rows = parseCsv(answer.text);
    expect(answer.text.split("\r\n")[0]).toBe(
      "ruleId,severity,status,resourceName,resourceType,subscriptionId,resourceGroup,location,resourceId,title,message,evidence,baseline," +
        "exceptionId,exceptionSource,exceptionEffect,exceptionExpiresOn,exceptionApprovedBy,exceptionJustification,exceptionTicket,fingerprint",
    );
    expect(rows.every((row) => row[12] === "current")).toBe(true);
    // Every result of the run, the 99 unchanged passes it did not store again included.
    expect(rows).toHaveLength(144);
    expect(new Set(rows.map((r) => r[20])).size).toBe(144);
    expect(answer.text.endsWith("\r\n")).toBe(true);
    const renamed = rows.filter((r) => r[3]!.includes("HYPERLINK"));
    expect(renamed.length).toBeGreaterThan(0);
    for (const row of renamed) expect(row[3]).toBe(`'${FORMULA_NAME}`);
    expect(answer.text).toContain(`"'=HYPERLINK(""http://evil.example"",""sqlmi, ""dev"""")"`);
    const legacy = rows.find((r) => r[3] === "nsg-sqlvm-legacy" && r[2] === "fail")!;
    expect(JSON.parse(legacy[11]!).decidingRule).toMatchObject({
      name: "allow_sql_anywhere",
      priority: 1000,
      description: "<script>alert(1)</script> legacy vendor access",
    });
  });

  it("format=csv applies the filters and the name search", async () => {
    const answer = await invoke(listFindings, "/api/findings?format=csv&status=fail&q=sqlmi-prod");
    const rows = parseCsv(answer.text);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r[2] === "fail" && r[3]!.startsWith("sqlmi-prod"))).toBe(true);
  });

  it("answers 410 for a run whose findings retention deleted", async () => {
    const old = new Date(Date.now() - 200 * 86_400_000);
    const oldRun = await fixture.audit(old);
    try {
      await fixture.services.store.deleteExpiredFindings({ olderThanDays: 150 });
      const answer = await findings(`?runId=${oldRun}`);
      expect(answer.status).toBe(410);
      expect(answer.json.error.message).toMatch(new RegExp(`findings of run ${oldRun} were deleted by retention`));
    } finally {
      fixture.runIds.pop();
    }
  });
});

describe("GET /api/resources/{id}/history", () => {
  const history = (resourceId: string, query = "") =>
    call(resourceHistory, "/resources/{id}/history", `/api/resources/x/history${query}`, {
      params: { id: encodeResourceId(resourceId) },
    });

  it("first seen, last seen and status changes come from findingstate; results per run newest first", async () => {
    const answer = await history(LEGACY_NSG);
    expect(answer.status).toBe(200);
    const body = answer.json;
    expect(body.resourceName).toBe("nsg-sqlvm-legacy");
    const rule = body.rules.find((r: { ruleId: string }) => r.ruleId === "nsg.sql-inbound-internet");
    expect(rule).toMatchObject({
      status: "fail",
      previousStatus: "pass",
      statusChangedByRunId: runs[2],
      firstSeenRunId: runs[0],
      lastSeenRunId: runs[2],
      everFailed: true,
    });
    expect(body.changes).toContainEqual(
      expect.objectContaining({ ruleId: "nsg.sql-inbound-internet", runId: runs[2], from: "pass", to: "fail" }),
    );
    expect(body.runs.slice(0, 3).map((r: { runId: string }) => r.runId)).toEqual([runs[2], runs[1], runs[0]]);
    expect(body.firstSeenAt < body.lastSeenAt).toBe(true);
    const resolved = await history(SHARED_MI.toUpperCase(), "?runs=2");
    expect(resolved.json.runs).toHaveLength(2);
    expect(resolved.json.rules.find((r: { ruleId: string }) => r.ruleId === "mi.tls.minimum-version")).toMatchObject({
      status: "pass",
      previousStatus: "fail",
    });
  });

  it("404 for a resource never audited, 400 for an id that is not base64url of an ARM id", async () => {
    expect(
      (
        await history(
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/Microsoft.Sql/managedInstances/none",
        )
      ).status,
    ).toBe(404);
    for (const id of ["%%%", "abc=", Buffer.from("not an arm id").toString("base64url")]) {
      const answer = await call(resourceHistory, "/resources/{id}/history", "/api/resources/x/history", {
        params: { id },
      });
      expect(answer.status, id).toBe(400);
      expect(answer.json.error.message).toMatch(/^id: /);
    }
    expect((await history(LEGACY_NSG, "?runs=0")).json.error.message).toMatch(/^runs: /);
  });
});

describe("GET /api/rules and /api/health", () => {
  it("gives each rule's baselines, and with ?baseline= only that baseline's rules; an unknown one is a 400", async () => {
    const all = (await call(listRules, "/rules", "/api/rules")).json.items as { id: string; baselines: string[] }[];
    expect(all.find((rule) => rule.id === "mi.tls.minimum-version")?.baselines).toEqual(["seed-2019", "current"]);
    expect(all.find((rule) => rule.id === "mi.peering.same-region")?.baselines).toEqual(["seed-2019"]);
    const current = (await call(listRules, "/rules", "/api/rules?baseline=current")).json.items as { id: string }[];
    expect(current.map((rule) => rule.id)).toEqual(rulesOfBaseline("current").map((rule) => rule.id));
    expect(current.map((rule) => rule.id)).not.toContain("expressroute.microsoft-peering");
    const seed = (await call(listRules, "/rules", "/api/rules?baseline=seed-2019")).json.items as { id: string }[];
    expect(seed).toHaveLength(13);
    const bad = await invoke(listRules, "/api/rules?baseline=seed-2018");
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/baseline/);
  });

  it("lists the catalog with rationale, remediation, references and the seed quote", async () => {
    const answer = await call(listRules, "/rules", "/api/rules");
    expect(answer.json.items).toHaveLength(RULES.length);
    expect(answer.json.items[0]).toMatchObject({
      id: "mi.public-endpoint.untrusted-source",
      severity: "critical",
      source: { quote: expect.any(String) },
      references: expect.any(Array),
    });
  });

  it("health is 200 ok when storage answers, and 200 degraded (naming the problem) when it does not", async () => {
    const ok = await call(health, "/health", "/api/health");
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ status: "ok", storage: { reachable: true } });
    const deadPort = await freePort();
    const deadStore = createAuditStore(
      {
        connectionString: azurite.connectionString.replace(
          /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
          `TableEndpoint=http://127.0.0.1:${deadPort}`,
        ),
      },
      { tablePrefix: "dead", retry: { maxRetries: 0 } },
    );
    useServices({ ...fixture.services, store: deadStore });
    const down = await call(health, "/health", "/api/health");
    expect(down.status).toBe(200);
    expect(down.json).toMatchObject({
      status: "degraded",
      storage: { reachable: false, error: expect.stringMatching(/STORAGE_UNAVAILABLE/) },
    });
  });
});

describe("authorization at the key door: REPORT_REQUIRED_ROLE", () => {
  const ROLE = "MiAudit.Reader";
  const routes: Array<[string, Handler, string, Record<string, string>]> = [
    ["/runs", listRuns, "/api/runs", {}],
    ["/runs/{runId}", getRun, "/api/runs/latest", { runId: "latest" }],
    ["/findings", listFindings, "/api/findings", {}],
    ["/resources/{id}/history", resourceHistory, "/api/resources/x/history", { id: encodeResourceId(LEGACY_NSG) }],
    ["/rules", listRules, "/api/rules", {}],
    ["/openapi.json", openApi, "/api/openapi.json", {}],
  ];
  const principal = (header: string) => ({ "x-ms-client-principal": header });

  it.each(routes)(
    "%s: a key alone reads; a trusted principal needs the role (403 without, 401 malformed, 200 with)",
    async (docPath, handler, url, params) => {
      useReportSettings({ requiredRole: ROLE, authEnabled: true });
      // The host checked the function key: a key alone may read.
      expect((await call(handler, docPath, url, { params })).status).toBe(200);
      const other = await call(handler, docPath, url, { params, headers: principal(principalHeader(["Other.Role"])) });
      expect(other.status).toBe(403);
      expect(other.json.error.message).toMatch(/needs the app role 'MiAudit.Reader' \(REPORT_REQUIRED_ROLE\)/);
      const malformed = await call(handler, docPath, url, { params, headers: principal("%%% not base64 json") });
      expect(malformed.status).toBe(401);
      expect(malformed.json.error.message).toMatch(/x-ms-client-principal header is not base64-encoded JSON/);
      expect((await call(handler, docPath, url, { params, headers: principal(principalHeader([ROLE])) })).status).toBe(
        200,
      );
      const longForm = principalHeader([ROLE], "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", {
        role_typ: undefined,
      });
      expect((await call(handler, docPath, url, { params, headers: principal(longForm) })).status).toBe(200);
    },
  );

  it("a principal header is ignored where App Service Authentication is off (anyone could have written it)", async () => {
    useReportSettings({ requiredRole: ROLE });
    const forged = principal(principalHeader(["Other.Role"]));
    expect((await call(listRules, "/rules", "/api/rules", { headers: forged })).status).toBe(200);
  });

  it("a principal's own role_typ is honoured; a role must match exactly", async () => {
    useReportSettings({ requiredRole: ROLE, authEnabled: true });
    expect(
      (
        await call(listRules, "/rules", "/api/rules", {
          headers: principal(principalHeader([ROLE], "custom-role", { role_typ: "custom-role" })),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(listRules, "/rules", "/api/rules", {
          headers: principal(principalHeader([ROLE.toLowerCase()])),
        })
      ).status,
    ).toBe(403);
  });

  it("health stays anonymous", async () => {
    useReportSettings({ requiredRole: ROLE, authEnabled: true });
    expect((await call(health, "/health", "/api/health")).status).toBe(200);
  });

  it("is refused as configuration in App Service when authentication is off (nobody could hold the role)", () => {
    expect(reportSettingsFromEnv({ REPORT_REQUIRED_ROLE: ROLE })).toEqual({ requiredRole: ROLE });
    expect(
      reportSettingsFromEnv({ REPORT_REQUIRED_ROLE: ROLE, WEBSITE_SITE_NAME: "app", WEBSITE_AUTH_ENABLED: "True" }),
    ).toEqual({ requiredRole: ROLE, authEnabled: true });
    expect(() => reportSettingsFromEnv({ REPORT_REQUIRED_ROLE: ROLE, WEBSITE_SITE_NAME: "app" })).toThrow(AuditorError);
    expect(() => reportSettingsFromEnv({ REPORT_REQUIRED_ROLE: "two words" })).toThrow(/REPORT_REQUIRED_ROLE/);
    expect(reportSettingsFromEnv({})).toEqual({});
  });
});

describe("GET /api/dashboard (handler)", () => {
  const page = (query: string) => invoke(dashboard, `/api/dashboard${query}`);

  it("shows the run's baseline in the run header", async () => {
    const answer = await page("");
    expect(answer.text).toMatch(/<div class="kpi-note" id="run-baseline"[^>]*>baseline current<\/div>/);
  });

  it("reads unset form fields as no filter, and still refuses bad or unknown parameters", async () => {
    const blank = await page("?severity=&ruleId=&subscriptionId=&status=fail&q=");
    expect(blank.status).toBe(200);
    expect(blank.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(blank.text).toContain('id="findings-count">33 findings<');
    // The list is what the run stored; the page says so.
    expect((await page("?status=any")).text).toContain(
      `id="findings-stored">144 results, 45 stored: this run's failures, unknowns, errors and changes.`,
    );
    const bad = await page("?severity=bogus");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^severity: /);
    expect((await page("?foo=1")).json.error.message).toMatch(/^foo: unknown query parameter/);
  });

  it("shows a resource's history with ?resource=, 404 for one never audited, 400 for a bad id", async () => {
    const history = await page(`?resource=${encodeResourceId(LEGACY_NSG)}`);
    expect(history.status).toBe(200);
    expect(history.text).toContain("nsg-sqlvm-legacy");
    expect(history.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt; legacy vendor access");
    expect(history.text).not.toContain("<script>");
    expect(history.text).toContain(">Last recorded</th>");
    expect(history.text).toMatch(/id="h-latest">Results stored by run \d{8}T\d{6}Z-/);
    expect(
      (
        await page(
          `?resource=${encodeResourceId("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/Microsoft.Sql/managedInstances/none")}`,
        )
      ).status,
    ).toBe(404);
    const bad = await page("?resource=abc");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^resource: /);
  });

  it("says so when no run has completed yet", async () => {
    const empty = new ReportFixture(azurite.connectionString, uniqueTablePrefix("empty"));
    try {
      useServices(empty.services);
      const answer = await page("");
      expect(answer.status).toBe(200);
      expect(answer.text).toContain("No audit yet");
    } finally {
      empty.dispose();
    }
  });
});

describe("GET /api/openapi.json", () => {
  it("describes exactly the registered report functions: routes, methods and auth levels", async () => {
    const answer = await call(openApi, "/openapi.json", "/api/openapi.json");
    expect(answer.status).toBe(200);
    const doc = answer.json;
    expect(doc.openapi).toBe("3.1.0");
    const registrations = REPORT_REGISTRATIONS;
    // The exceptions API's routes are held to their registrations in exception-routes.test.ts, the admin routes in
    // openapi-contract.test.ts.
    const exceptionPaths = [...Object.values(EXCEPTION_ROUTES), ...Object.values(ADMIN_ROUTES)].map(
      (r) => `/${r.route}`,
    );
    // Each door's route is the document's path under that door's server (/api or /api/web).
    const docPath = (route: string) => `/${route.replace(/^web\//, "")}`;
    expect(doc.servers.map((server: { url: string }) => server.url)).toEqual(["/api", "/api/web"]);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        ...new Set([...registrations.map((r) => docPath((r.options as { route: string }).route)), ...exceptionPaths]),
      ].sort(),
    );
    for (const registration of registrations) {
      const options = registration.options as { route: string; methods: string[]; authLevel: string };
      expect(options.methods).toEqual(["GET"]);
      const operation = doc.paths[docPath(options.route)].get;
      const signedIn = options.route.startsWith("web/");
      expect(operation.operationId).toBe(signedIn ? registration.name.replace(/SignedIn$/, "") : registration.name);
      expect(options.authLevel).toBe(signedIn || registration.name === "health" ? "anonymous" : "function");
      expect(operation.security.length > 0).toBe(registration.name !== "health");
      expect(Object.keys(operation.responses)).toContain("400");
    }
  });

  it("documents the findings page's 304 (no body) and the If-None-Match header that asks for it", async () => {
    const doc = (await call(openApi, "/openapi.json", "/api/openapi.json")).json;
    const findings = doc.paths["/findings"].get;
    // No body: only the validators (ETag, Cache-Control) a 304 repeats.
    expect(findings.responses["304"]).toEqual({
      description: expect.stringContaining("If-None-Match"),
      headers: { ETag: expect.anything(), "Cache-Control": expect.anything() },
    });
    expect(findings.parameters).toContainEqual(
      expect.objectContaining({ name: "If-None-Match", in: "header", required: false }),
    );
    // Only the route that answers 304 takes the header.
    expect(doc.paths["/runs"].get.parameters.map((p: { name: string }) => p.name)).not.toContain("If-None-Match");
    expect(doc.paths["/runs"].get.responses["304"]).toBeUndefined();
  });

  // The document and the handlers must agree on every value: what the document's parameter schema accepts, the
  // handler accepts, and what it refuses, the handler refuses with a 400 naming the parameter.
  it.each([
    ["runId", ["latest", runIdLike()], ["LATEST", "20261122T020000Z", INJECTION]],
    ["status", ["fail", "fail,pass"], ["Fail", "fail,", ""]],
    ["severity", ["critical", "high,low"], ["severe"]],
    ["minSeverity", ["medium"], ["med"]],
    ["ruleId", ["mi.tls.minimum-version", "app.managed-identity,ase.dedicated-subnet"], ["mi.tls", INJECTION]],
    ["subscriptionId", ["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"], ["6b1c0d3e", INJECTION]],
    ["resourceGroup", ["rg-data-prod", "rg.(x)_y,Ünïcode"], [INJECTION, "a/b"]],
    [
      "resourceType",
      ["microsoft.sql/managedinstances", "microsoft.network/virtualnetworks/subnets"],
      ["microsoft.sql", INJECTION],
    ],
    ["q", ["sqlmi", INJECTION], ["x".repeat(101), "tab\there"]],
    ["top", ["1", "1000"], ["0", "01", "1.5", "-1", "1001", "1e3", "0x10"]],
    ["format", ["json", "csv"], ["xml"]],
  ])("?%s: the document and the handler accept and refuse the same values", async (name, good, bad) => {
    for (const value of good) {
      expect(validator.parameterErrors("/findings", name, value), `${name}=${value}`).toEqual([]);
      const answer = await invoke(listFindings, `/api/findings?${name}=${encodeURIComponent(value)}`);
      expect(
        answer.status === 400 && String(answer.json?.error?.message).startsWith(`${name}:`),
        `${name}=${value}: ${answer.text.slice(0, 200)}`,
      ).toBe(false);
    }
    for (const value of bad) {
      expect(validator.parameterErrors("/findings", name, value).length, `${name}=${value}`).toBeGreaterThan(0);
      const answer = await invoke(listFindings, `/api/findings?${name}=${encodeURIComponent(value)}`);
      expect(answer.status, `${name}=${value}`).toBe(400);
      expect(answer.json.error.message).toMatch(new RegExp(`^${name}: `));
    }
  });

  it("a response that breaks the document is caught (the check can fail)", () => {
    expect(
      validator.responseErrors("/findings", 200, { runId: "r", items: [{ ruleId: "x" }], continuationToken: null })
        .length,
    ).toBeGreaterThan(0);
    expect(
      validator.responseErrors("/runs", 200, { items: [], continuationToken: null, extra: 1 }).length,
    ).toBeGreaterThan(0);
    expect(
      validator.responseErrors("/health", 200, {
        status: "fine",
        time: "t",
        storage: { reachable: true, latencyMs: 1 },
      }).length,
    ).toBeGreaterThan(0);
  });
});

function runIdLike(): string {
  return "20261122T020000Z-a1b2c3";
}
