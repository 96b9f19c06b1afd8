// The Functions app path with ARM enrichment failing for good: the queued audit ends `partial` (never `completed`),
// the run summary names what was not read and says the run could not be verified, and the verdicts that needed the
// missing reads are `unknown`. Real Azurite, the emulator with fault injection, the real handlers.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { useServices, sourceOpener } from "../../src/app/services";
import { AuditService } from "../../src/audit/audit-service";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createExceptionStore } from "../../src/store/table-exception-store";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import { ARM_CHILD_TYPES } from "../../src/model/arm-child-types";
import { getRun } from "../../src/functions/get-run";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { readFileSync } from "node:fs";
import { SAMPLE } from "../support/run-cli";

let azurite: Azurite;
let emulator: RunningEmulator;

beforeAll(async () => {
  azurite = await startAzurite();
  // 403 is not retried: every Entra-only child read fails at once, for good.
  emulator = await startEmulator({
    estate: SAMPLE,
    quota: { limit: 10_000 },
    faults: "error:status=403,target=arm,match=azureadonlyauthentications",
  });
}, 120_000);

afterAll(async () => {
  useServices(undefined);
  await emulator?.close();
  await azurite?.dispose();
});

describe("a run whose ARM reads fail for good", () => {
  it("ends partial, its summary names the unread child per subscription and is not verified, and the Entra-only verdicts are unknown", async () => {
    const settings = appSettingsFromEnv({
      AzureWebJobsStorage: azurite.connectionString,
      AUDIT_ARM_ENDPOINT: emulator.url,
      AUDIT_ARM_CA: emulator.caFile,
      TRUSTED_SOURCE_PREFIXES: "",
    });
    const store = createAuditStore(settings.tables, { tablePrefix: `partial${Date.now().toString(36)}` });
    const queued: AuditRequestMessage[] = [];
    const queue = { enqueue: async (message: AuditRequestMessage) => void queued.push(message) };
    const audits = new AuditService({ settings, store, queue, openSource: sourceOpener(settings.source) });
    useServices({ settings, store, queue, audits, exceptions: createExceptionStore(settings.tables) });

    const { runId } = await audits.requestAudit({ trigger: "http" });
    const outcome = await audits.runRequested(
      queued[0],
      { dequeueCount: 1, maxDequeueCount: 3 },
      { info: () => {}, warn: () => {}, error: () => {} },
    );
    expect(outcome.status).toBe("partial");

    const answer = await getRun(
      new HttpRequest({ method: "GET", url: `http://127.0.0.1/api/runs/${runId}`, params: { runId } }),
      new InvocationContext({ functionName: "getRun" }),
    );
    expect(answer.status).toBe(200);
    const run = answer.jsonBody;
    expect(run.status).toBe("partial");
    const gaps = run.summary.run.coverageGaps as Array<{ types: string[]; subscriptionIds: string[]; reason: string }>;
    expect(gaps.length).toBe(3);
    for (const gap of gaps) {
      expect(gap.types).toEqual([ARM_CHILD_TYPES.entraOnlyAuthentication]);
      expect(gap.reason).toMatch(
        /^ARM read of azureADOnlyAuthentications\/Default failed for \d resource\(s\): sqlmi-.*HTTP 403/,
      );
    }
    expect(run.verification).toMatchObject({ complete: false, coverageGaps: 3 });
    expect(run.verification.unverifiedBySeverity.medium).toBeGreaterThanOrEqual(6);
    expect(run.verification.note).toMatch(
      /^Partial run: 3 coverage gaps, not everything was read; not verified \(unknown or error\): .*\d+ medium/,
    );

    const entra = (await store.listFindings(runId, { top: 1000, filter: { ruleId: "mi.auth.entra-only" } })).items;
    // One verdict per managed instance of the sample, every one unknown.
    const sample = JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: { type: string }[] };
    const instances = sample.data.filter((row) => row.type === "microsoft.sql/managedinstances").length;
    expect(instances).toBeGreaterThan(1);
    expect(entra.map((f) => f.status)).toEqual(Array.from({ length: instances }, () => "unknown"));
  });
});
