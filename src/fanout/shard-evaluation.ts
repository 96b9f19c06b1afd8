// One shard's audit: the estate is the context (every shard's) plus the rows the shard collected for its own
// subscriptions; every rule runs over it, and the shard keeps the results about resources of its own subscriptions.
// Each resource belongs to exactly one subscription, so each is judged by exactly one shard, with the whole context
// in view: peerings to VNets elsewhere, circuits in a connectivity subscription, gateways in a hub all resolve.
// The estate is assembled, evaluated and scored by the audit use case's own functions, as in a single run; only the
// choice of rows and of kept results is the shard's. No I/O other than through `collect`.
import { assembleEstate, evaluateAudit, type CollectionStep, type WarningTally } from "../audit/run-audit";
import { NO_TELEMETRY, type RunTrace } from "../audit/run-telemetry";
import type { AuditSettings } from "../config/audit-settings";
import type { Finding } from "../engine/finding";
import type { AuditException } from "../engine/exceptions";
import type { ScoreSums } from "../engine/scoring";
import type { CoverageGap } from "../model/estate";
import type { ResourceRow } from "../model/row";

export interface ShardEvaluationInput {
  contextRows: readonly ResourceRow[];
  /** Gaps of discovery and of the context families: they apply to every shard. */
  contextGaps: readonly CoverageGap[];
  /**
   * Streams the shard's own rows into the sink (its NSGs and NICs). A shard that could not collect reports, instead,
   * the gap of the types it never read for its subscriptions.
   */
  collect: CollectionStep;
  /** The shard's subscriptions, lower case. */
  subscriptions: readonly string[];
  /** Also keep results about subscriptions no shard owns (a row whose subscription is outside the scope). */
  keepUnowned?: (subscriptionId: string) => boolean;
  settings: AuditSettings;
  /** The run's start, at which exceptions' expiry is judged (every shard judges at the same instant). */
  startedAt: Date;
  /** The run's exceptions (the store's); the estate's Policy exemptions are added by the audit. */
  exceptions?: readonly AuditException[];
  /** The shard's trace: collection and evaluation become its `audit.collect` and `audit.evaluate` spans. */
  trace?: RunTrace;
}

export interface ShardEvaluation {
  findings: Finding[];
  scores: ScoreSums;
  ownRows: number;
  ownResources: number;
  contextResources: number;
  /** The shard's own gaps (from its collection); context gaps are not repeated. */
  gaps: CoverageGap[];
  collection: Record<string, unknown>;
  /** Warnings about context rows (the same in every shard) and about the shard's own rows. */
  contextWarnings: WarningTally;
  ownWarnings: WarningTally;
}

export async function evaluateShard(input: ShardEvaluationInput): Promise<ShardEvaluation> {
  const context: CollectionStep = async (sink) => {
    // The origin a live collection gives its rows, so warnings read as they would in a single run.
    for (const row of input.contextRows)
      sink.add(row, `Resource Graph ${typeof row.type === "string" ? row.type : "row"}`);
    return { stats: {}, gaps: [...input.contextGaps] };
  };
  const trace = input.trace ?? NO_TELEMETRY.startRun({ runId: "", trigger: "shard" });
  const { estate, steps } = await trace.step("audit.collect", () => assembleEstate([context, input.collect]));
  const [contextStep, own] = steps as [(typeof steps)[number], (typeof steps)[number]];

  const owned = new Set(input.subscriptions.map((s) => s.toLowerCase()));
  const keeps = (finding: Finding): boolean =>
    owned.has(finding.subscriptionId.toLowerCase()) || (input.keepUnowned?.(finding.subscriptionId) ?? false);
  const { findings, sums } = await trace.step("audit.evaluate", () =>
    evaluateAudit(estate, input.settings, {
      keeps,
      at: input.startedAt,
      ...(input.exceptions === undefined ? {} : { exceptions: input.exceptions }),
    }),
  );
  const ownResources = estate.byKind.networkSecurityGroup.length + estate.byKind.networkInterface.length;
  return {
    findings,
    scores: sums,
    ownRows: own.rows,
    ownResources,
    contextResources: estate.resources.size - ownResources,
    gaps: own.gaps,
    collection: own.stats,
    contextWarnings: contextStep.warnings,
    ownWarnings: own.warnings,
  };
}
