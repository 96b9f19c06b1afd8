// Small named builders for store tests: findings, reports, run ids, and a store on fresh tables per test.
import { emptyExceptionsOutcome } from "../../src/engine/exception-outcome";
import { randomBytes } from "node:crypto";
import type { AuditReport, RunStatus } from "../../src/audit/run-audit";
import type { Finding } from "../../src/engine/finding";
import { scoreFindings } from "../../src/engine/scoring";
import type { CoverageGap } from "../../src/model/estate";
import type { AuditStore } from "../../src/audit/audit-store";
import { createAuditStore } from "../../src/store/table-audit-store";
import type { AuditStoreOptions } from "../../src/store/table-client";

export const SUB_A = "00000000-0000-0000-0000-00000000000a";
export const SUB_B = "00000000-0000-0000-0000-00000000000b";

export function miId(name: string, subscriptionId: string = SUB_A, resourceGroup = "rg-data"): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Sql/managedInstances/${name}`;
}

export function finding(overrides: Partial<Finding> = {}): Finding {
  const resourceId = overrides.resourceId ?? miId("mi-1");
  const parts = resourceId.split("/");
  return {
    ruleId: "mi.public-endpoint.untrusted-source",
    resourceId,
    resourceName: parts[parts.length - 1] ?? "mi",
    resourceType: "microsoft.sql/managedinstances",
    subscriptionId: parts[2] ?? SUB_A,
    resourceGroup: parts[4] ?? "rg-data",
    location: "westeurope",
    status: "fail",
    severity: "high",
    title: "Public endpoint open to untrusted sources",
    message: "Port 3342 is open to the Internet.",
    evidence: { nsgRule: "allow-3342", priority: 100, source: "*" },
    ...overrides,
  };
}

/** `count` findings on distinct managed instances: fail, pass, notApplicable, unknown, error in turn. */
export function manyFindings(count: number, extra: Partial<Finding> = {}): Finding[] {
  const statuses = ["fail", "pass", "notApplicable", "unknown", "error"] as const;
  return Array.from({ length: count }, (_, i) =>
    finding({
      resourceId: miId(`mi-${String(i).padStart(5, "0")}`, i % 2 === 0 ? SUB_A : SUB_B),
      resourceName: `mi-${i}`,
      status: statuses[i % statuses.length]!,
      ...extra,
    }),
  );
}

/** A run id stamped at `iso` (UTC), like newRunId makes. */
export function runIdAt(iso: string, suffix: string = randomBytes(3).toString("hex")): string {
  return `${new Date(iso)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${suffix}`;
}

export function report(
  runId: string,
  findings: Finding[],
  options: { status?: RunStatus; coverageGaps?: CoverageGap[] } = {},
): AuditReport {
  const stamp = runId.slice(0, 16);
  const startedAt = new Date(
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
  );
  const coverageGaps = options.coverageGaps ?? [];
  return {
    run: {
      runId,
      status: options.status ?? (coverageGaps.length > 0 ? "partial" : "completed"),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(startedAt.getTime() + 5_000).toISOString(),
      durationMs: 5_000,
      source: { kind: "snapshot", files: ["estate.json"] },
      trustedPrefixes: [],
      trustOwnedPublicIps: true,
      baseline: "seed-2019",
      rulesEvaluated: 13,
      resourcesInEstate: findings.length,
      collection: { rows: findings.length },
      coverageGaps,
      dataQuality: { warnings: 0, sample: [] },
    },
    summary: scoreFindings(findings),
    findings,
    exceptions: emptyExceptionsOutcome(),
  };
}

/** The finding as the engine reports it when a gap kept it from being read. */
export function unreadFinding(base: Finding, gapType = "microsoft.network/networksecuritygroups"): Finding {
  return {
    ...base,
    status: "unknown",
    message: `Not assessed: ${gapType} could not be read.`,
    evidence: { ...base.evidence, coverageGap: { type: gapType, reason: "throttled" }, wouldHaveBeen: "pass" },
  };
}

/** Every character a table key may not hold. */
export const FORBIDDEN_CHARACTERS: string[] = [
  "/",
  "\\",
  "#",
  "?",
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x9f - 0x7f + 1 }, (_, i) => String.fromCharCode(0x7f + i)),
];

/** An ARM-like id holding every forbidden character, and one over 2 KB. */
export const NASTY_ID = `/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/x${FORBIDDEN_CHARACTERS.join("")}y`;
export const LONG_ID = miId(`mi-${"x".repeat(2_100)}`);

let tableCounter = 0;

/** A store on tables no other test uses (a fresh prefix), with fast-failing retries. */
export function freshStore(connectionString: string, options: AuditStoreOptions = {}): AuditStore {
  tableCounter += 1;
  return createAuditStore(
    { connectionString },
    {
      tablePrefix: `t${randomBytes(3).toString("hex")}${tableCounter}`,
      retry: { maxRetries: 1, retryDelayInMs: 50, maxRetryDelayInMs: 200 },
      ...options,
    },
  );
}
