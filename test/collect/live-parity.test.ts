// The live path end to end: the sample estate served by the emulator and collected through the real SDK gives exactly
// the verdicts the same estate gives as a snapshot, through the library and through the CLI.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit } from "../../src/audit/run-audit";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { buildArmConnection } from "../../src/collect/collection-config";
import type { Finding } from "../../src/engine/finding";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import { SAMPLE, runCliAsync } from "../support/run-cli";
import { main } from "../../src/cli/mi-audit";

const settings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
/** Rows of a type in the sample estate, which the live collection must bring back one for one. */
const sampleRows = (type: string): number =>
  (JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: { type?: string }[] }).data.filter((row) => row.type === type)
    .length;
const verdicts = (findings: Finding[]): string[] =>
  findings.map((f) => `${f.ruleId} ${f.resourceId.toLowerCase()} ${f.status}`).sort();

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ estate: SAMPLE });
});
afterAll(async () => {
  await emulator?.close();
});

describe("live collection against the emulator", () => {
  it("gives exactly the snapshot's verdicts on the sample estate", async () => {
    const snapshot = await runAudit(new SnapshotSource([SAMPLE]), settings);
    const live = await runAudit(
      new ResourceGraphSource({
        connection: buildArmConnection({ armEndpoint: emulator.url, armCaFile: emulator.caFile }),
      }),
      settings,
    );
    expect(live.run.status).toBe("completed");
    expect(live.run.coverageGaps).toEqual([]);
    expect(verdicts(live.findings)).toEqual(verdicts(snapshot.findings));
    expect(live.findings.length).toBeGreaterThan(50);
    expect(live.summary.estateScore).toBe(snapshot.summary.estateScore);
    // Entra-only came from the authoritative child resource, not the administrators block.
    const entra = live.findings.filter((f) => f.ruleId === "mi.auth.entra-only");
    expect(entra.every((f) => f.evidence["source"] === "azureADOnlyAuthentications")).toBe(true);
  });

  it("a family that keeps failing makes the run partial: its verdicts are unknown, and none of them pass", async () => {
    const failing = await startEmulator({ estate: SAMPLE, faults: "error:status=500,match=networksecuritygroups" });
    try {
      const live = await runAudit(
        new ResourceGraphSource({
          connection: buildArmConnection({ armEndpoint: failing.url, armCaFile: failing.caFile }),
          retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20 },
        }),
        settings,
      );
      expect(live.run.status).toBe("partial");
      expect(live.run.coverageGaps).toEqual([
        expect.objectContaining({
          types: ["microsoft.network/networksecuritygroups"],
          reason: expect.stringMatching(/500/),
        }),
      ]);
      const dependent = live.findings.filter(
        (f) => f.ruleId === "mi.public-endpoint.untrusted-source" || f.ruleId === "nsg.app-subnet.sql-outbound",
      );
      expect(dependent.filter((f) => f.status === "pass")).toEqual([]);
      expect(dependent.filter((f) => f.status === "unknown").length).toBeGreaterThan(0);
      expect(live.findings.filter((f) => f.ruleId === "nsg.sql-inbound-internet")).toEqual([]);
      // Verdicts that do not depend on NSGs are unaffected.
      const snapshot = await runAudit(new SnapshotSource([SAMPLE]), settings);
      const tls = (findings: Finding[]) => verdicts(findings.filter((f) => f.ruleId === "mi.tls.minimum-version"));
      expect(tls(live.findings)).toEqual(tls(snapshot.findings));
    } finally {
      await failing.close();
    }
  });

  it("mi-audit scan --arm-endpoint --arm-ca collects live and reports the collection", async () => {
    const run = await runCliAsync([
      "scan",
      "--arm-endpoint",
      emulator.url,
      "--arm-ca",
      emulator.caFile,
      "--format",
      "json",
    ]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.run.source).toMatchObject({ kind: "resourceGraph", endpoint: emulator.url });
    expect(report.run.collection.requests).toBeGreaterThan(0);
    for (const type of [
      "microsoft.sql/managedinstances",
      "microsoft.network/privatednszones/virtualnetworklinks",
      "microsoft.network/networkwatchers/flowlogs",
    ])
      expect(report.run.collection.rowsByType[type], type).toBe(sampleRows(type));
    expect(report.run.collection.enrichment.createdTimesFilled).toBeGreaterThan(0);
    const snapshot = await runAudit(new SnapshotSource([SAMPLE]), settings);
    expect(verdicts(report.findings)).toEqual(verdicts(snapshot.findings));
  });

  it.each([
    [["--arm-endpoint", "https://127.0.0.1:1"], /--arm-ca \(AUDIT_ARM_CA\): is required when armEndpoint is set/],
    [
      ["--subscriptions", "not-a-guid", "--arm-endpoint", "https://127.0.0.1:1", "--arm-ca", "x"],
      /--subscriptions: not a subscription id \(GUID\): 'not-a-guid'/,
    ],
    [["--arm-endpoint", "http://127.0.0.1:1", "--arm-ca", "x"], /--arm-endpoint: .*must use https/],
    [["--cloud", "Mars"], /--cloud: unknown cloud 'Mars'/],
    [["--snapshot", "x.json", "--subscriptions", "11111111-1111-1111-1111-111111111111"], /cannot be combined/],
  ])("configuration mistakes exit 2: %j", async (args, pattern) => {
    const run = await runCliAsync(["scan", ...args], { AUDIT_ARM_ENDPOINT: "", AUDIT_ARM_CA: "" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
  });

  it("AUDIT_SUBSCRIPTIONS errors name the environment variable", async () => {
    const run = await runCliAsync(["scan", "--arm-endpoint", emulator.url, "--arm-ca", emulator.caFile], {
      AUDIT_SUBSCRIPTIONS: "abc",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/AUDIT_SUBSCRIPTIONS: not a subscription id/);
  });
});

describe("a collection that reads nothing", () => {
  it("fails the audit with COLLECTION_FAILED instead of reporting an empty, clean estate", async () => {
    const dead = await startEmulator({ estate: SAMPLE, faults: "error:status=503" });
    try {
      const source = new ResourceGraphSource({
        connection: buildArmConnection({ armEndpoint: dead.url, armCaFile: dead.caFile }),
        retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 },
      });
      await expect(runAudit(source, settings)).rejects.toMatchObject({
        code: "COLLECTION_FAILED",
        message: expect.stringMatching(/nothing could be collected: .*503/),
      });
    } finally {
      await dead.close();
    }
  });
});

describe("progress on a terminal", () => {
  it("shows pages, rows and elapsed time on stderr when it is a TTY, and nothing otherwise", async () => {
    const run = async (isTty: boolean) => {
      let stderr = "";
      let stdout = "";
      const code = await main(
        ["scan", "--arm-endpoint", emulator.url, "--arm-ca", emulator.caFile, "--format", "json"],
        {
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          isTty,
        },
      );
      return { code, stderr, stdout };
    };
    const tty = await run(true);
    expect(tty.code).toBe(1);
    const nsgs = sampleRows("microsoft.network/networksecuritygroups");
    expect(tty.stderr).toMatch(
      new RegExp(`collecting networkSecurityGroups: 1 page\\(s\\), ${nsgs} row\\(s\\), \\d+\\.\\d s`),
    );
    expect(JSON.parse(tty.stdout).findings.length).toBeGreaterThan(50);
    const piped = await run(false);
    expect(piped.stderr).not.toMatch(/collecting/);
  });
});
