// The first audit of a new deployment, against Azurite: of two instances starting at once exactly one requests it (a
// conditional insert is the claim), a store that already holds runs requests none, AUDIT_ON_FIRST_START=false turns it
// off, and the local host runs the app's start hook as the Functions host would (dist/ functions).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";
import { captureLog } from "../host/support/host-test-kit";
import { appSettingsFromEnv, AUDIT_QUEUE } from "../../src/app/app-settings";
import { buildServices } from "../../src/app/services";
import { startFirstAudit } from "../../src/app/first-start";
import { AuditService, type Logger } from "../../src/audit/audit-service";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import { FIRST_START_REQUESTER, requestFirstAudit } from "../../src/audit/first-start";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createOnceClaims } from "../../src/store/table-once-claims";
import { startLocalHost } from "../../src/host/local-host";

const REPO = join(__dirname, "..", "..");
let azurite: Azurite;
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
}, 120_000);

afterAll(async () => {
  await azurite?.dispose();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { AzureWebJobsStorage: azurite.connectionString, AUDIT_SOURCE: `snapshot:${SAMPLE}`, ...extra };
}

describe("first start", () => {
  it("two instances starting at once: exactly one run is requested and queued", async () => {
    // Two instances: their own services (store, queue, audit service) on the same storage account.
    const instances = ["instance-a", "instance-b"].map((instance) => {
      const services = buildServices(appSettingsFromEnv(env()));
      return { instance, services, claims: createOnceClaims(services.settings.tables) };
    });
    const outcomes = await Promise.all(
      instances.map(({ instance, services, claims }) =>
        requestFirstAudit({ enabled: true, store: services.store, claims, audits: services.audits, instance }, quiet),
      ),
    );
    const requested = outcomes.filter((o) => o.kind === "requested");
    expect(requested).toHaveLength(1);
    // The other lost the claim, or (slower) already saw the run.
    const other = outcomes.find((o) => o.kind !== "requested");
    expect(["claimedElsewhere", "runsExist"]).toContain(other?.kind);

    const runs = (await instances[0]!.services.store.listRuns({ top: 10 })).items;
    expect(runs.map((r) => ({ runId: r.runId, requestedBy: r.requestedBy }))).toEqual([
      { runId: (requested[0] as { runId: string }).runId, requestedBy: FIRST_START_REQUESTER },
    ]);
    const queue = new QueueClient(azurite.connectionString, AUDIT_QUEUE);
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    expect(peeked.peekedMessageItems).toHaveLength(1);
    const message = JSON.parse(
      Buffer.from(peeked.peekedMessageItems[0]!.messageText, "base64").toString("utf8"),
    ) as AuditRequestMessage;
    expect(message).toMatchObject({ runId: runs[0]!.runId, requestedBy: FIRST_START_REQUESTER });

    // A later start (a restart, a scale-out) finds the run and requests nothing more.
    const later = instances[1]!;
    expect(
      await requestFirstAudit(
        {
          enabled: true,
          store: later.services.store,
          claims: later.claims,
          audits: later.services.audits,
          instance: "c",
        },
        quiet,
      ),
    ).toEqual({ kind: "runsExist" });
  });

  it("a store that already holds runs requests none, and claims nothing", async () => {
    const settings = appSettingsFromEnv(env());
    const tablePrefix = `fs${Date.now().toString(36)}`;
    const store = createAuditStore(settings.tables, { tablePrefix });
    const queued: AuditRequestMessage[] = [];
    const audits = new AuditService({
      settings,
      store,
      queue: { enqueue: async (m) => void queued.push(m) },
      openSource: () => {
        throw new Error("no run is executed here");
      },
    });
    await audits.requestAudit({ trigger: "timer", requestedBy: "timer" });
    const claims = createOnceClaims(settings.tables, { tablePrefix });
    expect(await requestFirstAudit({ enabled: true, store, claims, audits, instance: "a" }, quiet)).toEqual({
      kind: "runsExist",
    });
    expect(queued).toHaveLength(1);
    expect(await claims.claimOnce("first-start-audit", "probe", new Date())).toBe(true);
  });

  it("AUDIT_ON_FIRST_START=false: nothing is read or requested", async () => {
    expect(await startFirstAudit(quiet, env({ AUDIT_ON_FIRST_START: "false" }))).toEqual({ kind: "off" });
  });
});

describe("under the local host", () => {
  it("the start hook requests the first audit of an empty store, without the timer", async () => {
    const project = mkdtempSync(join(tmpdir(), "first-start-"));
    copyFileSync(join(REPO, "host.json"), join(project, "host.json"));
    const host = await startLocalHost({
      projectRoot: project,
      functionsDir: join(REPO, "dist", "src", "functions"),
      settings: { AzureWebJobsStorage: "UseDevelopmentStorage=true", AUDIT_SOURCE: `snapshot:${SAMPLE}` },
      localSettingsFile: false,
      azurite: { persistence: "memory" },
      emulatorEstate: false,
      runTimersOnStart: false,
      port: 0,
      log: captureLog(),
    });
    try {
      const response = await fetch(`${host.apiUrl}/runs`, { headers: { "x-functions-key": host.functionKey } });
      expect(response.status).toBe(200);
      const { items } = (await response.json()) as { items: Array<{ runId: string; requestedBy?: string }> };
      expect(items.map((r) => r.requestedBy)).toEqual([FIRST_START_REQUESTER]);
    } finally {
      await host.stop();
      rmSync(project, { recursive: true, force: true });
    }
  }, 120_000);
});
