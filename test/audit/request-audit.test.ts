// Requesting an audit: what cannot run is refused before a run is recorded or queued.
import { describe, expect, it } from "vitest";
import { AuditService } from "../../src/audit/audit-service";
import type { AuditStore } from "../../src/audit/audit-store";
import { auditSettingsFromEnv } from "../../src/config/audit-settings";
import { AuditorError } from "../../src/errors";
import { newRunId } from "../../src/audit/run-audit";
import { isRunId } from "../../src/store/table-keys";
import { SAMPLE } from "../support/run-cli";

function service(source: { kind: "snapshot"; files: string[] } | { kind: "resourceGraph"; collection: object }) {
  const created: string[] = [];
  const queued: string[] = [];
  const store = {
    createRun: async (run: { runId: string }) => void created.push(run.runId),
  } as unknown as AuditStore;
  const audits = new AuditService({
    settings: { audit: auditSettingsFromEnv({}), source, lockTtlMs: 60_000 },
    store,
    queue: { enqueue: async (message) => void queued.push(message.runId) },
    openSource: () => {
      throw new Error("not opened when requesting");
    },
  });
  return { audits, created, queued };
}

describe("requestAudit", () => {
  it("refuses a scope on an app that audits snapshot files, with a 400-class error, and records nothing", async () => {
    const { audits, created, queued } = service({ kind: "snapshot", files: [SAMPLE] });
    const refused = audits.requestAudit({
      trigger: "http",
      scope: { subscriptions: ["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"] },
    });
    await expect(refused).rejects.toThrow(AuditorError);
    await expect(refused).rejects.toMatchObject({ code: "INPUT_INVALID_REQUEST", message: /snapshot files/ });
    expect(created).toEqual([]);
    expect(queued).toEqual([]);
  });

  it("queues a snapshot run without a scope, and a live run with one", async () => {
    const snapshot = service({ kind: "snapshot", files: [SAMPLE] });
    const queuedRun = await snapshot.audits.requestAudit({ trigger: "http" });
    expect(snapshot.created).toEqual([queuedRun.runId]);
    expect(snapshot.queued).toEqual([queuedRun.runId]);

    const live = service({ kind: "resourceGraph", collection: {} });
    const scoped = await live.audits.requestAudit({
      trigger: "http",
      scope: { subscriptions: ["6B1C0D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E"] },
    });
    expect(scoped.scope).toBe("subscriptions:6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e");
    expect(live.queued).toEqual([scoped.runId]);
  });
});

describe("newRunId", () => {
  it("orders runs started in the same second by their start, as the store compares ids", () => {
    const second = Date.parse("2026-12-05T00:25:36.000Z");
    const ids = [0, 1, 9, 10, 99, 100, 998, 999].map((ms) => newRunId(new Date(second + ms)));
    for (const id of ids) expect(isRunId(id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(newRunId(new Date(second + 1000)) > ids[ids.length - 1]!).toBe(true);
    expect(new Set(Array.from({ length: 50 }, () => newRunId(new Date(second)))).size).toBeGreaterThan(40);
  });
});
