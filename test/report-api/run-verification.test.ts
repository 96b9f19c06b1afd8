// A partial run, or one with results it could not decide, says so in the run summary (GET /api/runs/{runId}) and at
// the top of the dashboard, so nobody reads it as clean. Real audits on Azurite; responses checked against the
// generated OpenAPI document.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../src/app/services";
import { useReportSettings } from "../../src/report-api/report-settings";
import { getRun } from "../../src/functions/get-run";
import { dashboard } from "../../src/functions/dashboard";
import { SEVERITIES } from "../../src/rules/rule";
import { startAzurite, type Azurite } from "../support/azurite";
import { invoke, type Answer, type Handler } from "./invoke";
import { OpenApiValidator } from "./openapi-validator";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

const PROD = "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const NSG_GAP = {
  types: ["microsoft.network/networksecuritygroups"],
  subscriptionIds: [PROD],
  reason: "networkSecurityGroups: HTTP 403 AuthorizationFailed (after 1 attempt)",
};

let azurite: Azurite;
let fixture: ReportFixture;
let complete: string;
let partial: string;
const validator = new OpenApiValidator();

async function call(handler: Handler, docPath: string, runId: string): Promise<Answer> {
  const answer = await invoke(handler, `/api/runs/${runId}`, { params: { runId } });
  if (answer.json !== undefined) expect(validator.responseErrors(docPath, answer.status, answer.json)).toEqual([]);
  return answer;
}

beforeAll(async () => {
  azurite = await startAzurite();
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("verify"));
  complete = await fixture.audit(new Date(Date.now() - 86_400_000));
  // The same estate, but the NSGs of the production subscription could not be read.
  partial = await fixture.audit(new Date(Date.now() - 60_000), { gap: NSG_GAP });
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

describe("GET /api/runs/{runId}: verification", () => {
  it("a partial run is never complete: it counts its gaps and the results it could not decide, per severity, in one line", async () => {
    const answer = await call(getRun, "/runs/{runId}", partial);
    expect(answer.status).toBe(200);
    const run = answer.json;
    expect(run.status).toBe("partial");
    const { verification, summary } = run;
    expect(verification).toMatchObject({ complete: false, coverageGaps: 1, nothingAudited: false });
    for (const severity of SEVERITIES)
      expect(verification.unverifiedBySeverity[severity]).toBe(
        summary.bySeverity[severity].unknown + summary.bySeverity[severity].error,
      );
    expect(verification.note).toMatch(
      /^Partial run: 1 coverage gap, not everything was read; not verified \(unknown or error\): \d+ critical/,
    );

    // Without its NSGs, whether 3342 and 1433 are open in production cannot be decided: more critical unknowns.
    const before = (await call(getRun, "/runs/{runId}", complete)).json.verification;
    expect(verification.unverifiedBySeverity.critical).toBeGreaterThan(before.unverifiedBySeverity.critical);
  });

  it("a complete run says so, and still counts the results it could not decide", async () => {
    const run = (await call(getRun, "/runs/{runId}", complete)).json;
    expect(run.status).toBe("completed");
    expect(run.verification.complete).toBe(true);
    expect(run.verification.coverageGaps).toBe(0);
    const unverified = SEVERITIES.reduce((n, s) => n + run.verification.unverifiedBySeverity[s], 0);
    expect(unverified).toBe(run.summary.scores.unassessed);
    expect(run.verification.note === null).toBe(unverified === 0);
  });
});

describe("GET /api/dashboard: verification banner", () => {
  it("the latest run is partial: the page opens with a banner saying so, with the counts", async () => {
    const answer = await invoke(dashboard, "/api/dashboard");
    expect(answer.status).toBe(200);
    const banner =
      /<div class="verify-banner" role="alert" data-verification="partial"><strong>Partial run: not a clean result\.<\/strong> ([^<]*)<\/div>/.exec(
        answer.text,
      );
    expect(banner?.[1]).toMatch(
      /^Partial run: 1 coverage gap, not everything was read; not verified \(unknown or error\): \d+ critical/,
    );
    // Above the overview, so it is read first.
    expect(answer.text.indexOf('verify-banner"')).toBeLessThan(answer.text.indexOf('class="overview"'));
  });
});
