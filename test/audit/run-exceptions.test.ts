// Queued runs of the sample estate through the audit service, with the exception store on Azurite: a stored exception
// excepts the failure it covers (its status stays fail, its counts say excepted), a revoked one excepts nothing, and a
// store that cannot be read leaves the run complete but saying it went without the store's exceptions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appSettingsFromEnv, type AppSettings } from "../../src/app/app-settings";
import { sourceOpener } from "../../src/app/services";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import { AuditService, type PostRunStep } from "../../src/audit/audit-service";
import type { AuditStore } from "../../src/audit/audit-store";
import type { ExceptionStore } from "../../src/audit/exception-store";
import type { AuditReport } from "../../src/audit/run-audit";
import { readExceptionInput } from "../../src/engine/exception-input";
import type { AuditException } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createExceptionStore } from "../../src/store/table-exception-store";
import { freePort, startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";

let azurite: Azurite;
let settings: AppSettings;
let prefixCounter = 0;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  settings = appSettingsFromEnv({
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_SOURCE: `snapshot:${SAMPLE}`,
    TRUSTED_SOURCE_PREFIXES: "",
  });
});
afterAll(async () => {
  await azurite?.dispose();
});

interface Rig {
  store: AuditStore;
  exceptions: ExceptionStore;
  warnings: string[];
  /** Requests an audit and runs its queue message, as the queue trigger would; returns the report it stored. */
  audit: (exceptions?: ExceptionStore) => Promise<AuditReport>;
}

function rig(): Rig {
  const tablePrefix = `rx${Date.now().toString(36)}${prefixCounter++}`;
  const store = createAuditStore(settings.tables, { tablePrefix });
  const exceptions = createExceptionStore(settings.tables, { tablePrefix });
  const warnings: string[] = [];
  const audit = async (from: ExceptionStore = exceptions): Promise<AuditReport> => {
    const messages: AuditRequestMessage[] = [];
    const reports: AuditReport[] = [];
    const capture: PostRunStep = { name: "capture", run: async ({ report }) => void reports.push(report) };
    const audits = new AuditService({
      settings,
      store,
      exceptions: from,
      queue: { enqueue: async (message) => void messages.push(message) },
      postRunSteps: [capture],
      openSource: sourceOpener(settings.source),
    });
    await audits.requestAudit({ trigger: "http", requestedBy: "run-exceptions-test" });
    // The sample's data-quality warnings (an NSG with a null rule) are expected; everything else is collected.
    const note = (m: string): void => void (m.startsWith("data quality:") ? undefined : warnings.push(m));
    const log = { info: () => {}, warn: note, error: note };
    const outcome = await audits.runRequested(messages[0], { dequeueCount: 1, maxDequeueCount: 3 }, log);
    expect(outcome.status).toBe("completed");
    return reports[0]!;
  };
  return { store, exceptions, warnings, audit };
}

/** An entry as an API caller would POST it, expiring a month from today. */
function declared(id: string, failure: Finding): AuditException {
  const expiresOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const read = readExceptionInput(
    {
      id,
      rule: failure.ruleId,
      scope: failure.resourceId,
      justification: "Accepted until the vendor moves the workload behind the private endpoint.",
      approvedBy: "ciso@example.com",
      expiresOn,
    },
    { source: "store", now: new Date(), maxDays: 180, allowExpired: false },
  );
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  return read.exception;
}

/** Results an exception on (rule, resource) covers: that rule, on the resource or below it, ids compared lower-case. */
function coveredBy(findings: readonly Finding[], failure: Finding): Finding[] {
  const scope = failure.resourceId.toLowerCase();
  return findings.filter((f) => {
    const id = f.resourceId.toLowerCase();
    return f.ruleId === failure.ruleId && (id === scope || id.startsWith(`${scope}/`));
  });
}

function firstFailure(report: AuditReport): Finding {
  const failure = report.findings.find((f) => f.status === "fail" && f.severity === "critical");
  if (failure === undefined) throw new Error("the sample estate has no critical failure to except");
  return failure;
}

describe("runs and the exception store", () => {
  it("a stored exception excepts the failure it covers; the outcome and the stored summary say so", async () => {
    const { store, exceptions, audit, warnings } = rig();
    const before = await audit();
    expect(before.exceptions.considered.store).toBe(0);
    const failure = firstFailure(before);
    const covered = coveredBy(before.findings, failure);
    const exceptedFails = covered.filter((f) => f.status === "fail").length;
    await exceptions.createException(declared("EX-0042", failure), { by: "alice@example.com" });

    const after = await audit();
    const excepted = after.findings.filter((f) => f.exception?.effect === "applied");
    expect(excepted.map((f) => `${f.ruleId}|${f.resourceId}|${f.status}`).sort()).toEqual(
      covered
        .filter((f) => f.status === "fail" || f.status === "unknown")
        .map((f) => `${f.ruleId}|${f.resourceId}|${f.status}`)
        .sort(),
    );
    expect(excepted[0]!.exception).toMatchObject({ id: "EX-0042", source: "store", approvedBy: "ciso@example.com" });
    // An exception never changes a status: the failure is still a failure, counted as excepted besides.
    expect(after.summary.byStatus).toEqual(before.summary.byStatus);
    expect(after.summary.excepted.byStatus.fail).toBe(exceptedFails);
    expect(after.exceptions).toMatchObject({
      considered: { file: 0, store: 1 },
      applied: 1,
      exceptedResults: { fail: exceptedFails },
    });
    expect(after.exceptions.exceptionsUnavailable).toBeUndefined();
    // By default excepted failures do not lower the headline score (EXCEPTIONS_AFFECT_SCORE=false).
    expect(after.summary.estateScore).toBe(after.summary.estateScoreExceptedNotCounted);
    expect(after.summary.estateScoreExceptedNotCounted!).toBeGreaterThan(after.summary.estateScoreAllFailures!);
    expect(after.summary.estateScoreAllFailures).toBe(before.summary.estateScore);

    const stored = await store.getRun(after.run.runId);
    expect(stored?.summary?.exceptions).toMatchObject({ applied: 1, exceptedResults: { fail: exceptedFails } });
    expect(warnings).toEqual([]);
  });

  it("a revoked exception excepts nothing: the next run counts the failure again", async () => {
    const { exceptions, audit } = rig();
    const before = await audit();
    const failure = firstFailure(before);
    await exceptions.createException(declared("EX-0043", failure), { by: "alice@example.com" });
    expect((await audit()).exceptions.applied).toBe(1);
    await exceptions.revokeException("ex-0043", { by: "bob@example.com" }, "The public endpoint was closed.");

    const after = await audit();
    expect(after.findings.filter((f) => f.exception !== undefined)).toEqual([]);
    expect(after.exceptions).toMatchObject({ considered: { store: 0 }, applied: 0, exceptedResults: { fail: 0 } });
    expect(after.summary.excepted.byStatus.fail).toBe(0);
    expect(after.summary.estateScore).toBe(before.summary.estateScore);
  });

  it("a store that cannot be read: the run completes without its exceptions and says so", async () => {
    const { store, exceptions, audit, warnings } = rig();
    const before = await audit();
    await exceptions.createException(declared("EX-0044", firstFailure(before)), { by: "alice@example.com" });
    const port = await freePort();
    const unreachable = createExceptionStore(
      {
        connectionString: azurite.connectionString.replace(
          /TableEndpoint=http:\/\/[^;]+/,
          `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
        ),
      },
      { retry: { maxRetries: 0 } },
    );

    const after = await audit(unreachable);
    expect(after.exceptions.exceptionsUnavailable).toMatch(
      /^the exception store could not be read \(STORAGE_UNAVAILABLE: Table Storage is unreachable .*ECONNREFUSED/,
    );
    expect(after.findings.filter((f) => f.exception !== undefined)).toEqual([]);
    expect(after.summary.byStatus).toEqual(before.summary.byStatus);
    expect(after.summary.estateScore).toBe(before.summary.estateScore);
    const stored = await store.getRun(after.run.runId);
    expect(stored?.status).toBe("completed");
    expect(stored?.summary?.exceptions?.exceptionsUnavailable).toBe(after.exceptions.exceptionsUnavailable);
    expect(warnings).toEqual([`run ${after.run.runId}: ${after.exceptions.exceptionsUnavailable}`]);
  });
});
