// The audit use case: collect rows from a source into an estate, evaluate every rule, score. Storage and alerts are
// later steps that take this report; nothing here does I/O other than through the source.
import { randomBytes } from "node:crypto";
import { EstateBuilder } from "../model/build-estate";
import type { CoverageGap, Estate } from "../model/estate";
import { MALFORMED_ENTRY_CHECKS } from "../net/malformed-entries";
import { buildTrustPolicy } from "../net/trust";
import { evaluateEstate } from "../engine/run-engine";
import { ScoreAccumulator, type Scores } from "../engine/scoring";
import type { Finding } from "../engine/finding";
import { RULES } from "../rules/catalog";
import { AuditorError } from "../errors";
import type { AuditSettings } from "../config/audit-settings";
import type { ResourceSource, SourceDescription } from "./resource-source";

/** `skipped`: another run of the same scope was in progress, so this request was recorded and not run. */
export type RunStatus = "queued" | "running" | "completed" | "partial" | "failed" | "skipped";

export interface RunInfo {
  runId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  source: SourceDescription;
  trustedPrefixes: string[];
  trustOwnedPublicIps: boolean;
  rulesEvaluated: number;
  resourcesInEstate: number;
  collection: Record<string, unknown>;
  coverageGaps: CoverageGap[];
  dataQuality: { warnings: number; sample: string[] };
}

export interface AuditReport {
  run: RunInfo;
  summary: Scores;
  findings: Finding[];
}

export interface RunAuditOptions {
  runId?: string;
  now?: () => Date;
  /** Data-quality warnings, one line each (the CLI prints them to stderr). */
  onWarning?: (message: string) => void;
}

export function newRunId(at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

export async function runAudit(source: ResourceSource, settings: AuditSettings, options: RunAuditOptions = {}): Promise<AuditReport> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const warnings: string[] = [];
  const onWarning = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const builder = new EstateBuilder({ onWarning, entryChecks: MALFORMED_ENTRY_CHECKS });
  const outcome = await source.collect(builder);
  for (const gap of outcome.gaps) builder.addCoverageGap(gap);
  const estate = builder.build();
  if (estate.resources.size === 0 && outcome.gaps.length > 0) {
    // Nothing was read at all (no credential, no network, no permission): that is a failed collection, not an audit
    // of an empty estate, and must never look like one.
    const reasons = [...new Set(outcome.gaps.map((gap) => gap.reason))].slice(0, 3).join("; ");
    throw new AuditorError("COLLECTION_FAILED", `nothing could be collected: ${reasons}`);
  }
  const { findings, summary } = evaluate(estate, settings);
  const finished = now();
  return {
    run: {
      runId: options.runId ?? newRunId(started),
      status: estate.coverageGaps.length > 0 ? "partial" : "completed",
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      source: source.describe(),
      trustedPrefixes: settings.trustedPrefixes,
      trustOwnedPublicIps: settings.trustOwnedPublicIps,
      rulesEvaluated: RULES.length,
      resourcesInEstate: estate.resources.size,
      collection: outcome.stats,
      coverageGaps: estate.coverageGaps,
      dataQuality: { warnings: warnings.length, sample: warnings.slice(0, 20) },
    },
    summary,
    findings,
  };
}

export function evaluate(estate: Estate, settings: AuditSettings): { findings: Finding[]; summary: Scores } {
  const trust = buildTrustPolicy({
    configuredPrefixes: settings.trustedPrefixes,
    ownedPublicPrefixes: settings.trustOwnedPublicIps ? estate.ownedPublicPrefixes : [],
  });
  const findings: Finding[] = [];
  const scores = new ScoreAccumulator();
  evaluateEstate(estate, { trust }, (finding) => {
    findings.push(finding);
    scores.add(finding);
  });
  return { findings, summary: scores.result() };
}
