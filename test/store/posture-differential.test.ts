// Differential: for generated estates and random sequences of nights (settings changed, NSG rules dropped, unchanged
// nights, a partial night), the store's full listing of every run so far equals the report the engine produced for
// that run: the same multiset of rule, resource, status, message and fingerprint. Real audits, real store (Azurite).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEstateRows } from "../../dev/generate/estate-generator";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import type { AuditStore } from "../../src/audit/audit-store";
import type { ResourceSource } from "../../src/audit/resource-source";
import { runAudit, type AuditReport } from "../../src/audit/run-audit";
import type { CoverageGap } from "../../src/model/estate";
import { reportFingerprints } from "../../src/report/fingerprint";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";
import { freshStore, runIdAt } from "./fixtures";

type Row = Record<string, unknown> & { type?: unknown; subscriptionId?: unknown; properties?: Record<string, unknown> };

let azurite: Azurite;
const dir = mkdtempSync(join(tmpdir(), "posture-diff-"));
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await azurite?.dispose();
});

/** A small deterministic generator (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const typeOf = (row: Row): string => String(row.type ?? "").toLowerCase();

/** Changes `count` random rows: an MI's TLS floor or public endpoint flips, an NSG loses a rule. */
function mutate(rows: Row[], next: () => number, count: number): void {
  const candidates = rows.filter((r) =>
    ["microsoft.sql/managedinstances", "microsoft.network/networksecuritygroups"].includes(typeOf(r)),
  );
  for (let i = 0; i < count && candidates.length > 0; i += 1) {
    const row = candidates[Math.floor(next() * candidates.length)]!;
    const props = (row.properties ??= {});
    if (typeOf(row) === "microsoft.sql/managedinstances") {
      if (next() < 0.5) props.minimalTlsVersion = props.minimalTlsVersion === "1.0" ? "1.2" : "1.0";
      else props.publicDataEndpointEnabled = props.publicDataEndpointEnabled !== true;
    } else if (Array.isArray(props.securityRules) && props.securityRules.length > 0) {
      props.securityRules.splice(Math.floor(next() * props.securityRules.length), 1);
    }
  }
}

function withGap(source: ResourceSource, gap: CoverageGap | undefined): ResourceSource {
  if (gap === undefined) return source;
  return {
    describe: () => source.describe(),
    collect: async (sink) => {
      const outcome = await source.collect(sink);
      return { ...outcome, gaps: [...outcome.gaps, gap] };
    },
  };
}

const settings = appSettingsFromEnv({
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  AUDIT_SOURCE: `snapshot:${SAMPLE}`,
  TRUSTED_SOURCE_PREFIXES: "",
}).audit;

function lines(findings: AuditReport["findings"], fingerprints: readonly string[]): string[] {
  return findings
    .map((f, i) => [f.ruleId, f.resourceId.toLowerCase(), f.status, f.message, fingerprints[i]].join(" | "))
    .sort();
}

async function listing(store: AuditStore, runId: string, top: number): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await store.listFindings(runId, { top, ...(token === undefined ? {} : { continuationToken: token }) });
    expect(page.complete).toBe(true);
    found.push(
      ...page.items.map((f) => [f.ruleId, f.resourceId.toLowerCase(), f.status, f.message, f.fingerprint].join(" | ")),
    );
    token = page.continuationToken;
  } while (token !== undefined);
  return found.sort();
}

describe("every run's listing equals the engine's report of it", () => {
  it.each([11, 23, 37])("generated estate, seed %i, five nights", async (seed) => {
    const next = random(seed);
    const rows = [...generateEstateRows({ resources: 300, subscriptions: 2, seed })] as Row[];
    const subscriptions = [...new Set(rows.map((r) => String(r.subscriptionId ?? "").toLowerCase()))].filter(Boolean);
    const store = freshStore(azurite.connectionString);
    const reports: AuditReport[] = [];
    let stored = 0;
    let results = 0;
    for (let night = 0; night < 5; night += 1) {
      // Night 1 is written whole; then a mix of unchanged nights, small changes and one partial night.
      if (night > 0 && next() < 0.7) mutate(rows, next, 1 + Math.floor(next() * 6));
      const gap: CoverageGap | undefined =
        night === 3
          ? {
              types: ["microsoft.network/networksecuritygroups"],
              subscriptionIds: [subscriptions[0]!],
              reason: "throttled",
            }
          : undefined;
      const file = join(dir, `estate-${seed}-${night}.json`);
      writeFileSync(file, JSON.stringify({ data: rows }));
      const at = new Date(Date.UTC(2026, 10, 1 + night, 2));
      const report = await runAudit(withGap(new SnapshotSource([file]), gap), settings, {
        runId: runIdAt(at.toISOString()),
        now: () => at,
      });
      const done = await store.completeRun(report);
      reports.push(report);
      results += report.findings.length;
      stored += done.stats.findings;
      for (const earlier of reports) {
        const top = [5, 13, 250][Math.floor(next() * 3)]!;
        expect(await listing(store, earlier.run.runId, top), `${earlier.run.runId} at top=${top}`).toEqual(
          lines(earlier.findings, reportFingerprints(earlier.findings)),
        );
      }
    }
    // The point of the record: most results were not stored again.
    expect(stored).toBeLessThan(results * 0.6);
    console.log(`seed ${seed}: ${results} results over 5 nights, ${stored} stored`);
  });
});
