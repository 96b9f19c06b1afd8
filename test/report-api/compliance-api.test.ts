// GET /api/compliance and the dashboard's framework page against Azurite, over real audits of the sample estate. The
// expected figures are recounted here from the run's stored summary (per-rule counts) and its stored failures, through
// the rules' control references; JSON answers are validated against the generated OpenAPI document; CSV is parsed by a
// strict RFC 4180 reader. Exceptions follow the gate: an excepted (applied) fail or unknown is counted as `excepted`,
// not failed or unverified, and every failure is still listed with its exception; a run that read the exception store
// (one applied, one expired exception) shows both in JSON, CSV and the dashboard page.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../src/app/services";
import { useReportSettings } from "../../src/report-api/report-settings";
import { compliance } from "../../src/functions/compliance";
import { dashboardCompliance } from "../../src/functions/dashboard-compliance";
import { COMPLIANCE_CSV_COLUMNS } from "../../src/report/compliance-text";
import { RULES } from "../../src/rules/catalog";
import { MCSB_CONTROLS } from "../../src/rules/framework-controls";
import type { RuleCounts } from "../../src/engine/scoring";
import type { StoredFinding } from "../../src/audit/audit-store";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import { AuditService } from "../../src/audit/audit-service";
import { readExceptionInput } from "../../src/engine/exception-input";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { SAMPLE } from "../support/run-cli";
import { startAzurite, type Azurite } from "../support/azurite";
import { parseCsv } from "../support/csv-parse";
import { invoke, type Answer } from "./invoke";
import { OpenApiValidator } from "./openapi-validator";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

const FORMULA_NAME = '=HYPERLINK("http://evil.example","sqlmi, <b>dev</b>")';
let azurite: Azurite;
let fixture: ReportFixture;
let runs: string[];
const validator = new OpenApiValidator();

async function call(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Answer> {
  const answer = await invoke(compliance, pathAndQuery, { headers });
  if (answer.json !== undefined)
    expect(validator.responseErrors("/compliance", answer.status, answer.json), pathAndQuery).toEqual([]);
  return answer;
}

async function stored(runId: string): Promise<{ byRule: RuleCounts[]; failures: StoredFinding[] }> {
  const run = await fixture.services.store.getRun(runId);
  const failures: StoredFinding[] = [];
  let token: string | undefined;
  do {
    const page = await fixture.services.store.listFindings(runId, {
      filter: { status: ["fail"] },
      top: 1000,
      ...(token !== undefined ? { continuationToken: token } : {}),
    });
    failures.push(...page.items);
    token = page.continuationToken;
  } while (token !== undefined);
  return { byRule: run!.summary!.scores.byRule, failures };
}

/** A control's counts recounted from the stored per-rule counts, as the gate reads them (excepted apart). */
function expectedCounts(byRule: readonly RuleCounts[], ids: readonly string[]): Record<string, number> {
  const rules = byRule.filter((r) => ids.includes(r.ruleId));
  const sum = (f: (r: RuleCounts) => number): number => rules.reduce((n, r) => n + f(r), 0);
  return {
    passed: sum((r) => r.counts.pass),
    failed: sum((r) => r.counts.fail - (r.excepted?.fail ?? 0)),
    unverified: sum((r) => r.counts.unknown - (r.excepted?.unknown ?? 0) + r.counts.error),
    notApplicable: sum((r) => r.counts.notApplicable),
    excepted: sum((r) => (r.excepted?.fail ?? 0) + (r.excepted?.unknown ?? 0)),
  };
}

const mcsbRules = (id: string): string[] =>
  RULES.filter((r) => r.controls.some((c) => "mcsb" in c && c.mcsb === id)).map((r) => r.id);

beforeAll(async () => {
  azurite = await startAzurite();
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("cmp"));
  const now = Date.now();
  runs = [
    await fixture.audit(new Date(now - 86_400_000), { weakTls: 2 }),
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

describe("GET /api/compliance", () => {
  it("MCSB of the latest run: counts from the run's summary, failing resources from its stored failures", async () => {
    const answer = await call("/api/compliance?framework=MCSB");
    expect(answer.status).toBe(200);
    const view = answer.json;
    expect(view).toMatchObject({ runId: runs[1], runStatus: "completed", framework: "MCSB" });
    const { byRule, failures } = await stored(runs[1]!);
    expect(view.controls.length).toBeGreaterThan(0);
    for (const control of view.controls) {
      const ids = mcsbRules(control.id);
      expect(control.title).toBe(MCSB_CONTROLS[control.id as keyof typeof MCSB_CONTROLS].title);
      expect(control.counts, control.id).toEqual(expectedCounts(byRule, ids));
      const expected = failures.filter((f) => ids.includes(f.ruleId)).map((f) => `${f.ruleId} ${f.resourceId}`);
      expect(control.failing.map((f: StoredFinding) => `${f.ruleId} ${f.resourceId}`).sort()).toEqual(expected.sort());
    }
    // The sample's public endpoint open to the Internet fails NS-2 (the rule's primary control).
    expect(view.controls.find((c: { id: string }) => c.id === "NS-2").status).toBe("fail");
  });

  it("an earlier run by runId: its own figures (two MIs on TLS 1.0 fail DP-3 twice)", async () => {
    const answer = await call(`/api/compliance?framework=MCSB&runId=${runs[0]}`);
    expect(answer.status).toBe(200);
    const dp3 = answer.json.controls.find((c: { id: string }) => c.id === "DP-3");
    const names = dp3.failing.map((f: { resourceName: string }) => f.resourceName).sort();
    expect(names).toEqual(expect.arrayContaining(["sqlmi-prod-01", "sqlmi-shared-01"]));
    const open = dp3.failing.filter((f: StoredFinding) => f.exception?.effect !== "applied");
    expect(dp3.counts.failed).toBe(open.length);
  });

  it("NIST through MCSB and CIS with versions, both valid against the document", async () => {
    const nist = await call("/api/compliance?framework=NIST&runId=latest");
    expect(nist.status).toBe(200);
    const ac4 = nist.json.controls.find((c: { id: string }) => c.id === "AC-4");
    expect(ac4.via).toEqual(expect.arrayContaining(["NS-2"]));
    const cis = await call("/api/compliance?framework=CIS");
    expect(cis.status).toBe(200);
    for (const control of cis.json.controls) expect(control.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(cis.json.unmapped.length).toBeGreaterThan(0);
  });

  it.each([
    ["format=csv", {}],
    ["", { accept: "text/csv" }],
  ])("CSV (%s %j): one row per control × failing resource, or per control when none fails", async (extra, headers) => {
    const json = (await call("/api/compliance?framework=MCSB")).json;
    const answer = await call(`/api/compliance?framework=MCSB${extra === "" ? "" : `&${extra}`}`, headers);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(answer.text.split("\r\n")[0]).toBe(COMPLIANCE_CSV_COLUMNS.join(","));
    const col = (name: (typeof COMPLIANCE_CSV_COLUMNS)[number]): number => COMPLIANCE_CSV_COLUMNS.indexOf(name);
    const rows = parseCsv(answer.text);
    const expected = json.controls.flatMap((c: { id: string; failing: { resourceId: string }[] }) =>
      c.failing.length === 0 ? [`${c.id} `] : c.failing.map((f) => `${c.id} ${f.resourceId}`),
    );
    expect(rows.map((r) => `${r[col("controlId")]} ${r[col("resourceId")]}`)).toEqual(expected);
    // The renamed MI's name starts like a formula: neutralised, the rest kept.
    const renamed = rows.filter((r) => r[col("resourceName")]!.includes("evil.example"));
    for (const row of renamed) expect(row[col("resourceName")]).toBe(`'${FORMULA_NAME}`);
  });

  it("Accept: text/csv;q=0 or an explicit format=json keeps JSON", async () => {
    expect((await call("/api/compliance?framework=MCSB", { accept: "text/csv;q=0" })).json.framework).toBe("MCSB");
    expect((await call("/api/compliance?framework=MCSB&format=json", { accept: "text/csv" })).json).toBeDefined();
  });

  it.each([
    ["?framework=ISO27001", /^framework: expected one of MCSB, CIS, NIST/],
    ["?framework=mcsb", /^framework: expected one of MCSB, CIS, NIST/],
    ["", /^framework: /],
    ["?framework=MCSB&runId=yesterday", /^runId: /],
    ["?framework=MCSB&format=xml", /^format: /],
    ["?framework=MCSB&status=fail", /^status: unknown query parameter/],
  ])("400 for %s, naming the parameter", async (query, message) => {
    const answer = await call(`/api/compliance${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(message);
  });

  it("404 for a run that does not exist, 410 for one whose findings retention deleted", async () => {
    const missing = await call("/api/compliance?framework=MCSB&runId=20200101T000000Z-abc123");
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toContain("20200101T000000Z-abc123");
    const oldRun = await fixture.audit(new Date(Date.now() - 200 * 86_400_000));
    try {
      await fixture.services.store.deleteExpiredFindings({ olderThanDays: 150 });
      const gone = await call(`/api/compliance?framework=MCSB&runId=${oldRun}`);
      expect(gone.status).toBe(410);
      expect(gone.json.error.message).toMatch(/deleted by retention/);
    } finally {
      fixture.runIds.pop();
    }
  });
});

describe("GET /api/dashboard/compliance", () => {
  it("renders the controls with a strict CSP, Azure names escaped, links back up to the dashboard", async () => {
    const answer = await invoke(dashboardCompliance, "/api/dashboard/compliance?framework=NIST&code=k1");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-security-policy")).toMatch(/script-src 'none'/);
    expect(answer.text).toContain('data-control="AC-4"');
    expect(answer.text).not.toContain("<b>dev</b>");
    expect(answer.text).toContain("sqlmi, &lt;b&gt;dev&lt;/b&gt;");
    expect(answer.text).toContain('href="../dashboard?code=k1"');
  });

  it("defaults to MCSB and refuses an unknown framework with 400", async () => {
    expect((await invoke(dashboardCompliance, "/api/dashboard/compliance")).text).toContain('data-control="NS-2"');
    const bad = await invoke(dashboardCompliance, "/api/dashboard/compliance?framework=SOC2");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^framework: expected one of MCSB, CIS, NIST/);
  });
});

describe("a run that read the exception store", () => {
  const dateIn = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  let runId: string;
  let applied: StoredFinding;
  let expired: StoredFinding;

  /** One audit of the sample stamped `at` that reads the fixture's exception store (as the app's audit service does). */
  async function auditWithStore(at: Date): Promise<string> {
    const messages: AuditRequestMessage[] = [];
    const audits = new AuditService({
      settings: fixture.services.settings,
      store: fixture.services.store,
      queue: { enqueue: async (message) => void messages.push(message) },
      now: () => at,
      openSource: () => new SnapshotSource([SAMPLE]),
      exceptions: fixture.services.exceptions,
    });
    await audits.requestAudit({ trigger: "http", requestedBy: "compliance-api-test" });
    const log = { info: () => {}, warn: () => {}, error: () => {} };
    const outcome = await audits.runRequested(messages[0]!, { dequeueCount: 1, maxDequeueCount: 3 }, log);
    return outcome.runId;
  }

  async function declare(id: string, f: StoredFinding, expiresOn: string): Promise<void> {
    const read = readExceptionInput(
      {
        id,
        rule: f.ruleId,
        scope: f.resourceId,
        justification: "Accepted until the workload moves behind the private endpoint.",
        approvedBy: "ciso@example.com",
        expiresOn,
      },
      { source: "store", now: new Date(), maxDays: 180, allowExpired: true },
    );
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    await fixture.services.exceptions.createException(read.exception, { by: "alice@example.com" });
  }

  beforeAll(async () => {
    const open = (await stored(runs[1]!)).failures.filter(
      (f) => mcsbRules("NS-2").includes(f.ruleId) && f.exception === undefined,
    );
    expect(open.length).toBeGreaterThanOrEqual(2);
    [applied, expired] = [open[0]!, open[1]!];
    await declare("EX-CMP-1", applied, dateIn(30));
    await declare("EX-CMP-2", expired, dateIn(-5));
    // Stamped before the other runs, so "latest" stays theirs; EX-CMP-2 had expired three days before that run.
    runId = await auditWithStore(new Date(Date.now() - 2 * 86_400_000));
  }, 120_000);

  it("JSON: NS-2's counts leave the excepted failure for `excepted`; both failures are listed with their exception", async () => {
    const answer = await call(`/api/compliance?framework=MCSB&runId=${runId}`);
    expect(answer.status).toBe(200);
    const { byRule, failures } = await stored(runId);
    const ns2 = answer.json.controls.find((c: { id: string }) => c.id === "NS-2");
    expect(ns2.counts).toEqual(expectedCounts(byRule, mcsbRules("NS-2")));
    const plain = (await call(`/api/compliance?framework=MCSB&runId=${runs[1]}`)).json.controls.find(
      (c: { id: string }) => c.id === "NS-2",
    );
    // The store's exception took exactly one failure out of `failed` (the expired one counts again).
    expect(ns2.counts.failed).toBe(plain.counts.failed - 1);
    expect(ns2.counts.excepted).toBe(plain.counts.excepted + 1);
    expect(ns2.failing).toHaveLength(failures.filter((f) => mcsbRules("NS-2").includes(f.ruleId)).length);
    const of = (f: StoredFinding): unknown =>
      ns2.failing.find((x: StoredFinding) => x.ruleId === f.ruleId && x.resourceId === f.resourceId)?.exception;
    expect(of(applied)).toEqual({ id: "EX-CMP-1", source: "store", effect: "applied", expiresOn: dateIn(30) });
    expect(of(expired)).toEqual({ id: "EX-CMP-2", source: "store", effect: "expired", expiresOn: dateIn(-5) });
  });

  it("CSV: the control's excepted count on its rows, the exception on the failure's row", async () => {
    const answer = await call(`/api/compliance?framework=MCSB&runId=${runId}&format=csv`);
    const col = (name: (typeof COMPLIANCE_CSV_COLUMNS)[number]): number => COMPLIANCE_CSV_COLUMNS.indexOf(name);
    const rows = parseCsv(answer.text).filter((r) => r[col("controlId")] === "NS-2");
    const json = (await call(`/api/compliance?framework=MCSB&runId=${runId}`)).json;
    const excepted = json.controls.find((c: { id: string }) => c.id === "NS-2").counts.excepted;
    for (const row of rows) expect(row[col("excepted")]).toBe(String(excepted));
    const row = (f: StoredFinding): string[] | undefined =>
      rows.find((r) => r[col("ruleId")] === f.ruleId && r[col("resourceId")] === f.resourceId);
    const fields = (r: string[] | undefined): (string | undefined)[] =>
      ["exceptionId", "exceptionSource", "exceptionEffect", "exceptionExpiresOn"].map(
        (name) => r?.[col(name as (typeof COMPLIANCE_CSV_COLUMNS)[number])],
      );
    expect(fields(row(applied))).toEqual(["EX-CMP-1", "store", "applied", dateIn(30)]);
    expect(fields(row(expired))).toEqual(["EX-CMP-2", "store", "expired", dateIn(-5)]);
  });

  it("the dashboard page shows the excepted count beside the status and marks both failures", async () => {
    const page = await invoke(dashboardCompliance, `/api/dashboard/compliance?framework=MCSB&runId=${runId}`);
    expect(page.status).toBe(200);
    const row = /<tr class="control[^"]*" data-control="NS-2"[\s\S]*?<\/tr>/.exec(page.text)?.[0] ?? "";
    const json = (await call(`/api/compliance?framework=MCSB&runId=${runId}`)).json;
    const excepted = json.controls.find((c: { id: string }) => c.id === "NS-2").counts.excepted;
    expect(row).toContain(`<span class="ctl-excepted">, ${excepted} excepted</span>`);
    expect(row).toContain(`<td class="num" data-label="Excepted">${excepted}</td>`);
    expect(row).toMatch(
      /data-exception-id="EX-CMP-1" data-effect="applied">excepted <a class="exc-id"[^>]*>EX-CMP-1<\/a>/,
    );
    expect(row).toMatch(
      /data-exception-id="EX-CMP-2" data-effect="expired">exception expired <a class="exc-id"[^>]*>EX-CMP-2<\/a>/,
    );
  });
});
