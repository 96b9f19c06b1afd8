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
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import {
  allFindings,
  comparableScores,
  drainShards,
  fanoutKit,
  finishedRun,
  requestAndPlan,
  type FanoutKit,
} from "../fanout/fanout-kit";

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

/** An exception store on a port nothing listens on: every read fails as Table Storage unreachable. */
async function unreachableStore(): Promise<ExceptionStore> {
  const port = await freePort();
  const connectionString = azurite.connectionString.replace(
    /TableEndpoint=http:\/\/[^;]+/,
    `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
  );
  return createExceptionStore({ connectionString }, { retry: { maxRetries: 0 } });
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

/** A critical failure nothing excepts yet (the sample's Azure Policy exemptions except some others). */
function firstFailure(report: AuditReport): Finding {
  const failure = report.findings.find(
    (f) => f.status === "fail" && f.severity === "critical" && f.exception === undefined,
  );
  if (failure === undefined) throw new Error("the sample estate has no unexcepted critical failure");
  return failure;
}

/** The results the store's exceptions marked (the estate's Policy exemptions mark others, run after run alike). */
const fromStore = (report: AuditReport): Finding[] => report.findings.filter((f) => f.exception?.source === "store");

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
    const excepted = fromStore(after).filter((f) => f.exception?.effect === "applied");
    expect(excepted.map((f) => `${f.ruleId}|${f.resourceId}|${f.status}`).sort()).toEqual(
      covered
        .filter((f) => f.status === "fail" || f.status === "unknown")
        .map((f) => `${f.ruleId}|${f.resourceId}|${f.status}`)
        .sort(),
    );
    expect(excepted[0]!.exception).toMatchObject({ id: "EX-0042", source: "store", approvedBy: "ciso@example.com" });
    // An exception never changes a status: the failure is still a failure, counted as excepted besides.
    expect(after.summary.byStatus).toEqual(before.summary.byStatus);
    expect(after.summary.excepted.byStatus.fail).toBe(before.summary.excepted.byStatus.fail + exceptedFails);
    expect(after.exceptions).toMatchObject({
      considered: { file: 0, store: 1, policy: before.exceptions.considered.policy },
      applied: before.exceptions.applied + 1,
      exceptedResults: { fail: before.exceptions.exceptedResults.fail + exceptedFails },
    });
    expect(after.exceptions.exceptionsUnavailable).toBeUndefined();
    // By default excepted failures do not lower the headline score (EXCEPTIONS_AFFECT_SCORE=false).
    expect(after.summary.estateScore).toBe(after.summary.estateScoreExceptedNotCounted);
    expect(after.summary.estateScoreExceptedNotCounted!).toBeGreaterThan(before.summary.estateScoreExceptedNotCounted!);
    expect(after.summary.estateScoreAllFailures).toBe(before.summary.estateScoreAllFailures);

    const stored = await store.getRun(after.run.runId);
    expect(stored?.summary?.exceptions).toEqual(after.exceptions);
    expect(warnings).toEqual([]);
  });

  it("a revoked exception excepts nothing: the next run counts the failure again", async () => {
    const { exceptions, audit } = rig();
    const before = await audit();
    const failure = firstFailure(before);
    await exceptions.createException(declared("EX-0043", failure), { by: "alice@example.com" });
    expect((await audit()).exceptions.applied).toBe(before.exceptions.applied + 1);
    await exceptions.revokeException("ex-0043", { by: "bob@example.com" }, "The public endpoint was closed.");

    const after = await audit();
    expect(fromStore(after)).toEqual([]);
    expect(after.exceptions).toEqual(before.exceptions);
    expect(after.exceptions.considered.store).toBe(0);
    expect(after.summary.excepted).toEqual(before.summary.excepted);
    expect(after.summary.estateScore).toBe(before.summary.estateScore);
  });

  it("a store that cannot be read: the run completes without its exceptions and says so", async () => {
    const { store, exceptions, audit, warnings } = rig();
    const before = await audit();
    await exceptions.createException(declared("EX-0044", firstFailure(before)), { by: "alice@example.com" });
    const unreachable = await unreachableStore();

    const after = await audit(unreachable);
    expect(after.exceptions.exceptionsUnavailable).toMatch(
      /^the exception store could not be read \(STORAGE_UNAVAILABLE: Table Storage is unreachable .*ECONNREFUSED/,
    );
    expect(fromStore(after)).toEqual([]);
    const { exceptionsUnavailable: _reason, ...outcome } = after.exceptions;
    expect(outcome).toEqual(before.exceptions);
    expect(after.summary.byStatus).toEqual(before.summary.byStatus);
    expect(after.summary.excepted).toEqual(before.summary.excepted);
    expect(after.summary.estateScore).toBe(before.summary.estateScore);
    const stored = await store.getRun(after.run.runId);
    expect(stored?.status).toBe("completed");
    expect(stored?.summary?.exceptions?.exceptionsUnavailable).toBe(after.exceptions.exceptionsUnavailable);
    expect(warnings).toEqual([`run ${after.run.runId}: ${after.exceptions.exceptionsUnavailable}`]);
  });
});

describe("fanned-out runs and the exception store", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ estate: SAMPLE, quota: { limit: 10_000 } });
  }, 120_000);
  afterAll(async () => {
    await emulator?.close();
  });

  const SHARDED = { AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "1", AUDIT_SHARD_SUBSCRIPTIONS: "1" };
  const kit = (env: Record<string, string>, exceptions?: ExceptionStore): FanoutKit =>
    fanoutKit({
      connectionString: azurite.connectionString,
      env: { AUDIT_ARM_ENDPOINT: emulator.url, AUDIT_ARM_CA: emulator.caFile, ...env },
      ...(exceptions === undefined ? {} : { exceptions }),
    });
  const exceptedLines = (findings: readonly Finding[]): string[] =>
    findings
      .filter((f) => f.exception !== undefined)
      .map((f) => `${f.ruleId}|${f.resourceId.toLowerCase()}|${f.status}|${f.exception!.id}|${f.exception!.effect}`)
      .sort();

  async function sharded(k: FanoutKit): Promise<string> {
    const planned = await requestAndPlan(k);
    expect(planned.status).toBe("fannedOut");
    await drainShards(k);
    return planned.runId;
  }

  it("every shard reads the store: a sharded run excepts exactly what a single run excepts", async () => {
    const single = kit({});
    const first = await requestAndPlan(single);
    const findings = await allFindings(single.store, first.runId);
    // A failure on an NSG: its verdict is made in the shard that collects the NSG, not from the shared context.
    const failure = findings.find(
      (f) => f.status === "fail" && f.exception === undefined && /networksecuritygroups/i.test(f.resourceType),
    );
    expect(failure).toBeDefined();
    await single.exceptions.createException(declared("EX-FAN", failure!), { by: "alice@example.com" });

    const again = await requestAndPlan(single);
    const singleRun = await finishedRun(single.store, again.runId);
    const singleExcepted = exceptedLines(await allFindings(single.store, again.runId));
    expect(singleExcepted.filter((line) => line.endsWith("|EX-FAN|applied")).length).toBeGreaterThan(0);

    const fan = kit(SHARDED, single.exceptions);
    const runId = await sharded(fan);
    const shardedRun = await finishedRun(fan.store, runId);
    expect(shardedRun.status).toBe("completed");
    expect(exceptedLines(await allFindings(fan.store, runId))).toEqual(singleExcepted);
    expect(shardedRun.summary?.exceptions).toEqual(singleRun.summary?.exceptions);
    expect(shardedRun.summary?.exceptions?.considered.store).toBe(1);
    expect(comparableScores(shardedRun)).toBe(comparableScores(singleRun));
  });

  it("a shard that cannot read the store runs without it, and the merged run names the shard", async () => {
    const readable = kit({}).exceptions;
    const unreachable = await unreachableStore();
    let reads = 0;
    // The second shard to read finds the store unreachable; the others read it.
    const flaky: ExceptionStore = {
      ...readable,
      exceptionsForRun: () => ((reads += 1) === 2 ? unreachable : readable).exceptionsForRun(),
    };
    const fan = kit(SHARDED, flaky);
    const runId = await sharded(fan);
    const run = await finishedRun(fan.store, runId);
    expect(reads).toBe(3);
    expect(run.status).toBe("completed");
    expect(run.summary?.exceptions?.exceptionsUnavailable).toMatch(
      /^shard\(s\) [0-2]: the exception store could not be read \(STORAGE_UNAVAILABLE: Table Storage is unreachable/,
    );
    expect(fan.logs.filter((line) => line.includes("the exception store could not be read"))).toHaveLength(1);
  });
});
