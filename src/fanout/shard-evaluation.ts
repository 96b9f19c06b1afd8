// One shard's audit: the estate is the context (every shard's) plus the rows the shard collected for its own
// subscriptions; every rule runs over it, and the shard keeps the results about resources of its own subscriptions.
// Each resource belongs to exactly one subscription, so each is judged by exactly one shard, with the whole context
// in view: peerings to VNets elsewhere, circuits in a connectivity subscription, gateways in a hub all resolve.
// No I/O other than through `collect`.
import type { AuditSettings } from "../config/audit-settings";
import type { CollectionOutcome, RowSink } from "../audit/resource-source";
import { evaluateEstate } from "../engine/run-engine";
import type { Finding } from "../engine/finding";
import { EstateBuilder } from "../model/build-estate";
import type { CoverageGap } from "../model/estate";
import type { ResourceRow } from "../model/row";
import { MALFORMED_ENTRY_CHECKS } from "../net/malformed-entries";
import { buildTrustPolicy } from "../net/trust";
import { PartialScoreAccumulator, type PartialScores } from "./partial-scores";

export interface ShardEvaluationInput {
  contextRows: readonly ResourceRow[];
  /** Gaps of discovery and of the context families: they apply to every shard. */
  contextGaps: readonly CoverageGap[];
  /** Streams the shard's own rows into the sink (its NSGs and NICs); absent for a shard that could not collect. */
  collect?: (sink: RowSink) => Promise<CollectionOutcome>;
  /** Gaps the shard adds itself (a failed shard's: the types it never read, for its subscriptions). */
  extraGaps?: readonly CoverageGap[];
  /** The shard's subscriptions, lower case. */
  subscriptions: readonly string[];
  /** Also keep results about subscriptions no shard owns (a row whose subscription is outside the scope). */
  keepUnowned?: (subscriptionId: string) => boolean;
  settings: AuditSettings;
}

export interface WarningTally {
  count: number;
  sample: string[];
}

export interface ShardEvaluation {
  findings: Finding[];
  scores: PartialScores;
  ownRows: number;
  ownResources: number;
  contextResources: number;
  /** The shard's own gaps (collection or extra); context gaps are not repeated. */
  gaps: CoverageGap[];
  collection: Record<string, unknown>;
  /** Warnings about context rows (the same in every shard) and about the shard's own rows. */
  contextWarnings: WarningTally;
  ownWarnings: WarningTally;
}

const WARNING_SAMPLE = 20;

export async function evaluateShard(input: ShardEvaluationInput): Promise<ShardEvaluation> {
  const contextWarnings: WarningTally = { count: 0, sample: [] };
  const ownWarnings: WarningTally = { count: 0, sample: [] };
  let phase = contextWarnings;
  const builder = new EstateBuilder({
    entryChecks: MALFORMED_ENTRY_CHECKS,
    onWarning: (message) => {
      phase.count += 1;
      if (phase.sample.length < WARNING_SAMPLE) phase.sample.push(message);
    },
  });
  // The origin a live collection gives its rows, so warnings read as they would in a single run.
  for (const row of input.contextRows) builder.add(row, `Resource Graph ${typeof row.type === "string" ? row.type : "row"}`);
  for (const gap of input.contextGaps) builder.addCoverageGap(gap);

  phase = ownWarnings;
  const gaps: CoverageGap[] = [...(input.extraGaps ?? [])];
  let ownRows = 0;
  let collection: Record<string, unknown> = {};
  if (input.collect !== undefined) {
    const sink: RowSink = {
      add(row, origin) {
        ownRows += 1;
        builder.add(row, origin);
      },
      addCoverageGap(gap) {
        gaps.push(gap);
      },
    };
    const outcome = await input.collect(sink);
    gaps.push(...outcome.gaps);
    collection = outcome.stats;
  }
  for (const gap of gaps) builder.addCoverageGap(gap);
  const estate = builder.build();

  const owned = new Set(input.subscriptions.map((s) => s.toLowerCase()));
  const keeps = (subscriptionId: string): boolean => owned.has(subscriptionId.toLowerCase()) || (input.keepUnowned?.(subscriptionId) ?? false);
  const trust = buildTrustPolicy({
    configuredPrefixes: input.settings.trustedPrefixes,
    ownedPublicPrefixes: input.settings.trustOwnedPublicIps ? estate.ownedPublicPrefixes : [],
  });
  const findings: Finding[] = [];
  const scores = new PartialScoreAccumulator();
  evaluateEstate(estate, { trust }, (finding) => {
    if (!keeps(finding.subscriptionId)) return;
    findings.push(finding);
    scores.add(finding);
  });
  const ownResources = estate.byKind.networkSecurityGroup.length + estate.byKind.networkInterface.length;
  return {
    findings,
    scores: scores.partial(),
    ownRows,
    ownResources,
    contextResources: estate.resources.size - ownResources,
    gaps,
    collection,
    contextWarnings,
    ownWarnings,
  };
}
