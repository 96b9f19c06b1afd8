// The audit use case: collect rows into an estate, evaluate every rule, score, describe the run. Storage and alerts are
// later steps that take this report; nothing here does I/O other than through the source.
//
// A single run and a fanned-out run (src/fanout) are assembled by the same functions below: the estate from its
// collection steps (assembleEstate), the findings and their score sums (evaluateAudit), the run's record
// (describeRun). A single run is one collection step and one part, finalised; a shard is two steps (the context
// every shard shares, then its own rows) whose part the finaliser merges with the others' before finalising.
import { randomBytes } from "node:crypto";
import { EstateBuilder } from "../model/build-estate";
import type { CoverageGap, Estate } from "../model/estate";
import { MALFORMED_ENTRY_CHECKS } from "../net/malformed-entries";
import { buildTrustPolicy } from "../net/trust";
import { evaluateEstate } from "../engine/run-engine";
import { finaliseScores, ScoreAccumulator, type Scores, type ScoreSums } from "../engine/scoring";
import { exceptionFor, ExceptionIndex, type AuditException } from "../engine/exceptions";
import { describeExceptions, ExceptionTally, type ExceptionsOutcome } from "../engine/exception-outcome";
import { policyExemptionExceptions } from "../engine/policy-exemptions";
import type { Finding } from "../engine/finding";
import { rulesOfBaseline, type BaselineId } from "../rules/baselines";
import { AuditorError } from "../errors";
import { exceptionPolicyOf, type AuditSettings } from "../config/audit-settings";
import type { CollectionOutcome, ResourceSource, RowSink, SourceDescription } from "./resource-source";
import type { RunTrace } from "./run-telemetry";

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
  /** The baseline the run evaluated (runs stored before baselines existed read back as `seed-2019`). */
  baseline: BaselineId;
  /** How many rules the baseline has. */
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
  /** What the run's exceptions did: expiring, expired, stale, no longer needed. */
  exceptions: ExceptionsOutcome;
}

export interface RunAuditOptions {
  runId?: string;
  now?: () => Date;
  /** Data-quality warnings, one line each (the CLI prints them to stderr). */
  onWarning?: (message: string) => void;
  /** The run's exceptions (a file's, the store's); the estate's Azure Policy exemptions are added to them. */
  exceptions?: readonly AuditException[];
  /** The run's trace: collection and evaluation become its `audit.collect` and `audit.evaluate` spans. */
  trace?: RunTrace;
}

export function newRunId(at: Date = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  // The suffix starts with the milliseconds, so two runs stamped in the same second compare (as ids, and as the
  // store orders them: newer runs supersede older ones) in the order they started; three random hex digits follow.
  const milliseconds = String(at.getUTCMilliseconds()).padStart(3, "0");
  return `${stamp}-${milliseconds}${randomBytes(2).toString("hex").slice(0, 3)}`;
}

export async function runAudit(
  source: ResourceSource,
  settings: AuditSettings,
  options: RunAuditOptions = {},
): Promise<AuditReport> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const step =
    options.trace?.step.bind(options.trace) ?? (async <T>(_name: string, work: () => T | Promise<T>) => work());
  const { estate, steps } = await step("audit.collect", async () => {
    const assembled = await assembleEstate(
      [(sink) => source.collect(sink)],
      options.onWarning === undefined ? {} : { onWarning: options.onWarning },
    );
    assertSomethingCollected(assembled.estate.resources.size, assembled.steps[0]!.gaps);
    return assembled;
  });
  const collected = steps[0]!;
  const { findings, sums } = await step("audit.evaluate", () =>
    evaluateAudit(estate, settings, {
      at: started,
      ...(options.exceptions === undefined ? {} : { exceptions: options.exceptions }),
    }),
  );
  const finished = now();
  return {
    run: describeRun({
      runId: options.runId ?? newRunId(started),
      startedAt: started,
      finishedAt: finished,
      source: source.describe(),
      settings,
      resourcesInEstate: estate.resources.size,
      collection: collected.stats,
      coverageGaps: estate.coverageGaps,
      warnings: [collected.warnings],
    }),
    summary: finaliseAuditScores(sums, settings),
    findings,
    exceptions: describeRunExceptions(sums, settings, started),
  };
}

/** The baseline's rules over the estate, scored: a single run's findings and scores (tests and benchmarks call it). */
export function evaluate(
  estate: Estate,
  settings: AuditSettings,
  options: EvaluateOptions = {},
): { findings: Finding[]; summary: Scores } {
  const { findings, sums } = evaluateAudit(estate, settings, options);
  return { findings, summary: finaliseAuditScores(sums, settings) };
}

/** The run's scores from its (merged) sums, with the headline the exception policy picks. */
export function finaliseAuditScores(sums: ScoreSums, settings: AuditSettings): Scores {
  return finaliseScores(sums, { exceptionsAffectScore: exceptionPolicyOf(settings).affectScore });
}

/** What the run's exceptions did, from its (merged) sums, at the run's start. */
export function describeRunExceptions(sums: ScoreSums, settings: AuditSettings, at: Date): ExceptionsOutcome {
  const excepted = sums.excepted?.byStatus;
  return describeExceptions(
    sums.exceptions,
    { fail: excepted?.fail ?? 0, unknown: excepted?.unknown ?? 0 },
    { at, warnDays: exceptionPolicyOf(settings).warnDays },
  );
}

// ---- the assembly both a single run and a fan-out shard go through ------------------------------------------------

/** Data-quality warnings of one collection step: how many, and the first few. */
export interface WarningTally {
  count: number;
  sample: string[];
}

const WARNING_SAMPLE = 20;

/** Reads rows into the estate: a source's collection, or rows collected earlier (a fanned-out run's context). */
export type CollectionStep = (sink: RowSink) => Promise<CollectionOutcome>;

export interface CollectionStepOutcome {
  /** Rows the step added. */
  rows: number;
  stats: Record<string, unknown>;
  /** Gaps the step reported, through the sink or in its outcome. */
  gaps: CoverageGap[];
  warnings: WarningTally;
}

/** Builds the estate from the steps, in order; every step's gaps go into the estate after the step. */
export async function assembleEstate(
  steps: readonly CollectionStep[],
  options: { onWarning?: (message: string) => void } = {},
): Promise<{ estate: Estate; steps: CollectionStepOutcome[] }> {
  let warnings: WarningTally = { count: 0, sample: [] };
  const builder = new EstateBuilder({
    entryChecks: MALFORMED_ENTRY_CHECKS,
    onWarning: (message) => {
      warnings.count += 1;
      if (warnings.sample.length < WARNING_SAMPLE) warnings.sample.push(message);
      options.onWarning?.(message);
    },
  });
  const outcomes: CollectionStepOutcome[] = [];
  for (const step of steps) {
    warnings = { count: 0, sample: [] };
    const gaps: CoverageGap[] = [];
    let rows = 0;
    const outcome = await step({
      add(row, origin) {
        rows += 1;
        builder.add(row, origin);
      },
      addCoverageGap(gap) {
        gaps.push(gap);
      },
    });
    gaps.push(...outcome.gaps);
    for (const gap of gaps) builder.addCoverageGap(gap);
    if (outcome.scopeSubscriptions !== undefined) builder.addScopeSubscriptions(outcome.scopeSubscriptions);
    outcomes.push({ rows, stats: outcome.stats, gaps, warnings });
  }
  return { estate: builder.build(), steps: outcomes };
}

/**
 * Nothing was read at all (no credential, no network, no permission): that is a failed collection, not an audit of an
 * empty estate, and must never look like one.
 */
export function assertSomethingCollected(collected: number, gaps: readonly CoverageGap[]): void {
  if (collected > 0 || gaps.length === 0) return;
  const reasons = [...new Set(gaps.map((gap) => gap.reason))].slice(0, 3).join("; ");
  throw new AuditorError("COLLECTION_FAILED", `nothing could be collected: ${reasons}`);
}

export interface EvaluateOptions {
  /** Selects the findings this part of the run reports (a shard: those about its own subscriptions). Default: all. */
  keeps?: (finding: Finding) => boolean;
  /** The run's exceptions besides the estate's Policy exemptions. */
  exceptions?: readonly AuditException[];
  /** The run's start: what exceptions' expiry is judged at. Default: now. */
  at?: Date;
}

/**
 * The rules of the run's baseline over the estate, with the run's trust policy and exceptions. Their scores come as
 * sums (with what each exception covered), for finaliseScores or a fan-out merge.
 */
export function evaluateAudit(
  estate: Estate,
  settings: AuditSettings,
  options: EvaluateOptions = {},
): { findings: Finding[]; sums: ScoreSums } {
  const keeps = options.keeps ?? (() => true);
  const at = options.at ?? new Date();
  const trust = buildTrustPolicy({
    configuredPrefixes: settings.trustedPrefixes,
    ownedPublicPrefixes: settings.trustOwnedPublicIps ? estate.ownedPublicPrefixes : [],
  });
  const findings: Finding[] = [];
  const scores = new ScoreAccumulator();
  const exceptions = [...(options.exceptions ?? []), ...policyExemptionExceptions(estate)];
  // Management-group scoped Policy exemptions cover the subscriptions whose ancestry the estate read.
  const index = new ExceptionIndex(exceptions, { subscriptionGroups: (id) => estate.policy?.ancestry.get(id) });
  // An exception whose scope the run did not audit matched nothing because nothing was looked at: not stale.
  const tally = new ExceptionTally(exceptions, (e) => e.source === "policy" || inAudit(estate, e.scope));
  const context = { trust, baseline: settings.baseline };
  const rules = rulesOfBaseline(settings.baseline);
  evaluateEstate(
    estate,
    context,
    (finding) => {
      if (!keeps(finding)) return;
      if (index.size > 0) {
        const covering = index.covering(finding);
        const shown = exceptionFor(finding.status, covering, at);
        if (shown !== undefined) finding.exception = shown;
        tally.add(finding.status, covering, at);
      }
      findings.push(finding);
      scores.add(finding);
    },
    { rules },
  );
  return { findings, sums: { ...scores.sums(), exceptions: tally.sums() } };
}

function inAudit(estate: Estate, scope: string): boolean {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
  return subscription !== undefined && estate.auditedSubscriptions.has(subscription.toLowerCase());
}

export interface RunFacts {
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  source: SourceDescription;
  settings: AuditSettings;
  resourcesInEstate: number;
  collection: Record<string, unknown>;
  coverageGaps: CoverageGap[];
  /** The warning tallies of the collection steps, in order (a fanned-out run: the context's once, then each shard's). */
  warnings: readonly WarningTally[];
}

/** The run's record. Any coverage gap makes the run partial: its scores only cover what was read. */
export function describeRun(facts: RunFacts): RunInfo {
  return {
    runId: facts.runId,
    status: facts.coverageGaps.length > 0 ? "partial" : "completed",
    startedAt: facts.startedAt.toISOString(),
    finishedAt: facts.finishedAt.toISOString(),
    durationMs: facts.finishedAt.getTime() - facts.startedAt.getTime(),
    source: facts.source,
    trustedPrefixes: facts.settings.trustedPrefixes,
    trustOwnedPublicIps: facts.settings.trustOwnedPublicIps,
    baseline: facts.settings.baseline,
    rulesEvaluated: rulesOfBaseline(facts.settings.baseline).length,
    resourcesInEstate: facts.resourcesInEstate,
    collection: facts.collection,
    coverageGaps: facts.coverageGaps,
    dataQuality: {
      warnings: facts.warnings.reduce((n, tally) => n + tally.count, 0),
      sample: facts.warnings.flatMap((tally) => tally.sample).slice(0, WARNING_SAMPLE),
    },
  };
}
