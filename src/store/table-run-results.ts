// Writes one part of a run's results (the whole run's, or one shard's of a fanned-out run): decides what each rule ×
// resource pair's `findingstate` becomes, stores in `findings` every result except those of pairs found unchanged
// (identical results, see pairResultsDigest), records those in the part's posture record (table-posture.ts) with the
// run whose partition holds them, then writes the state. Key design: table-keys.ts; the state machine: finding-transitions.ts; batching: transaction-batches.ts.
import { odata } from "@azure/data-tables";
import type {
  FindingState,
  RunPart,
  RunPartOptions,
  StateChange,
  StateTransitions,
  WriteStats,
} from "../audit/audit-store";
import type { Finding } from "../engine/finding";
import { AuditorError } from "../errors";
import { mapBounded } from "./bounded-concurrency";
import { findingToEntity, stateFromEntity, stateToEntity } from "./entity-codec";
import { defaultIsFullyRead, nextState, pairResultsDigest, representativeResult } from "./finding-transitions";
import { unionCoverage, type Coverage } from "./run-coverage";
import { requireRunId, scanRows, type FindingsArchive, type StoreTables } from "./table-client";
import { isRunId, newerRunRowKeys, RUN_PARTITION, runTimestamp, stateKeys } from "./table-keys";
import { DEFAULT_RETENTION_DAYS } from "./table-finding-retention";
import type { PosturePair } from "./posture-record";
import { WHOLE_RUN_PART, writePosturePart } from "./table-posture";
import { planTransactions, submitTransactions, type WriteAction } from "./transaction-batches";

/** One rule × resource pair's results in this write, in report order: the index is the finding's ordinal. */
interface PairResults {
  partitionKey: string;
  rowKey: string;
  findings: Finding[];
}

/** What a run part does to `findingstate`, decided before anything is written. */
interface StatePlan {
  transitions: StateTransitions;
  actions: WriteAction[];
  /**
   * Pairs whose results this run does not store: unchanged, their identical results are in the source run's partition
   * (the run that last wrote the state). Every other pair's results are all stored.
   */
  posture: Map<string, PosturePair>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class TableRunResults {
  private readonly archive: FindingsArchive;
  /** An unchanged pair whose source run is older than this (ms before this run) is stored again: see refresh. */
  private readonly refreshAfterMs: number;

  constructor(
    private readonly tables: StoreTables,
    archive: FindingsArchive | undefined,
    retentionDays: number = DEFAULT_RETENTION_DAYS,
  ) {
    this.archive = archive ?? "changes";
    this.refreshAfterMs = (retentionDays * DAY_MS) / 2;
    if (this.archive !== "changes" && this.archive !== "all") {
      throw new AuditorError(
        "CONFIG_INVALID",
        `The findings archive must be 'changes' or 'all', got '${String(this.archive)}'.`,
      );
    }
  }

  /**
   * State is decided first and written last: which pairs this run writes decides which passing results are stored,
   * and a crash between the two leaves nothing a retry would decide differently (a retry sees its own state writes as
   * replays, and stores the same rows again).
   */
  async writeRunPart(runId: string, findings: readonly Finding[], options: RunPartOptions): Promise<RunPart> {
    const started = performance.now();
    requireRunId(runId, "write results of");
    const pairs = groupByPair(findings);
    let plan: StatePlan = { transitions: emptyTransitions(), actions: [], posture: new Map() };
    if (options.status !== "failed") {
      // A completed run read everything; a partial one only vouches for what it fully read.
      const isFullyRead = options.status === "partial" ? (options.isFullyRead ?? defaultIsFullyRead) : () => true;
      plan = await this.planFindingState(runId, options.startedAt, pairs, isFullyRead);
    }
    const planMs = performance.now() - started;

    const findingsStarted = performance.now();
    const written = await this.writeFindings(runId, pairs, plan.posture);
    // After the findings, before the state: a retry after a crash here decides the same record again.
    const postureStarted = performance.now();
    const posture = await writePosturePart(this.tables, runId, options.part ?? WHOLE_RUN_PART, [
      ...plan.posture.values(),
    ]);
    const postureMs = performance.now() - postureStarted;
    const findingsMs = performance.now() - findingsStarted;

    const stateStarted = performance.now();
    const state = await this.tables.table("state");
    const stateTransactions = await submitTransactions(
      state,
      planTransactions(plan.actions),
      this.tables.concurrency,
      `updating finding state for run ${runId}`,
    );
    const stats: WriteStats = {
      findings: written.entities,
      findingTransactions: written.transactions,
      posturePairs: posture.pairs,
      postureBytes: posture.bytes,
      postureTransactions: posture.transactions,
      postureMs: Math.round(postureMs),
      stateEntities: plan.actions.length,
      stateTransactions,
      findingsMs: Math.round(findingsMs),
      stateMs: Math.round(planMs + performance.now() - stateStarted),
      elapsedMs: Math.round(performance.now() - started),
    };
    return { transitions: plan.transitions, stats };
  }

  private async writeFindings(
    runId: string,
    pairs: ReadonlyMap<string, PairResults>,
    posture: ReadonlyMap<string, PosturePair>,
  ): Promise<{ entities: number; transactions: number }> {
    const table = await this.tables.table("findings");
    const actions: WriteAction[] = [];
    for (const [id, pair] of pairs) {
      // A pair in the posture record has its identical results in its source run's partition.
      if (posture.has(id)) continue;
      // Ordinals number every result of the pair in report order, so a rewrite of the same report produces the same
      // keys and replaces rather than duplicates.
      pair.findings.forEach((finding, ordinal) => {
        actions.push({ kind: "upsert", entity: findingToEntity(runId, finding, ordinal), mode: "Replace" });
      });
    }
    const transactions = await submitTransactions(
      table,
      planTransactions(actions),
      this.tables.concurrency,
      `writing findings of run ${runId}`,
    );
    return { entities: actions.length, transactions };
  }

  private async planFindingState(
    runId: string,
    startedAt: string,
    pairs: ReadonlyMap<string, PairResults>,
    isFullyRead: (finding: Finding) => boolean,
  ): Promise<StatePlan> {
    const table = await this.tables.table("state");
    const transitions = emptyTransitions();
    const decided: Array<{ id: string; finding: Finding; digest: string }> = [];
    for (const [id, pair] of pairs) {
      const finding = representativeResult(pair.findings, isFullyRead);
      if (finding === undefined) transitions.notFullyRead += 1;
      else decided.push({ id, finding, digest: pairResultsDigest(pair.findings) });
    }

    const shards = [...new Set(decided.map((d) => pairs.get(d.id)!.partitionKey))];
    const previous = new Map<string, FindingState>();
    const [newer] = await Promise.all([
      this.newerRunCoverage(runId),
      mapBounded(shards, this.tables.concurrency, async (shard) => {
        for await (const row of scanRows(
          table,
          odata`PartitionKey eq ${shard}`,
          `reading finding state (partition ${shard})`,
        )) {
          previous.set(`${row.partitionKey}/${row.rowKey}`, stateFromEntity(row));
        }
      }),
    ]);

    const at = startedAt;
    const actions: WriteAction[] = [];
    const posture = new Map<string, PosturePair>();
    const runAt = runTimestamp(runId).getTime();
    for (const { id, finding, digest } of decided) {
      const before = previous.get(id);
      const step = nextState(before, finding, { runId, at }, newer(finding.subscriptionId), digest);
      if (step.kind === "stale") {
        // A newer run wrote the state: its results may differ from this run's, so this run stores its own.
        transitions.stale += 1;
        continue;
      }
      if (step.kind === "unchanged") {
        // The full archive stores every result anyway: nothing to point at, nothing to refresh.
        if (this.archive === "all") continue;
        const source = before!.lastSeenRunId;
        // Refresh: a source older than half the retention period is replaced by this run (state and results), so a
        // posture record never points further back than that and retention keeps old partitions for a bounded time.
        if (isRunId(source) && runAt - runTimestamp(source).getTime() <= this.refreshAfterMs) {
          const [resourceHashHex, ruleKeyText] = id.slice(id.indexOf("/") + 1).split("|") as [string, string];
          posture.set(id, { resourceHash: resourceHashHex, ruleKey: ruleKeyText, sourceRunId: source });
          continue;
        }
        actions.push({ kind: "upsert", entity: stateToEntity(step.state), mode: "Replace" });
        continue;
      }
      const transition = step.transition;
      const change: StateChange = { finding };
      const priorState = step.kind === "replay" ? step.before : before;
      if (priorState !== undefined) change.previous = priorState;
      if (transition !== undefined) transitions[transition].push(change);
      if (step.kind === "update") actions.push({ kind: "upsert", entity: stateToEntity(step.state), mode: "Replace" });
    }
    return { transitions, actions, posture };
  }

  /**
   * The subscriptions that completed or partial runs newer than `runId` covered. When this run completes late, those
   * runs' verdicts stand: a pass they found unchanged left no mark on the state, so this is the only way to know.
   */
  private async newerRunCoverage(runId: string): Promise<Coverage> {
    const runs = await this.tables.table("runs");
    const keys = newerRunRowKeys(runId);
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and (RowKey lt ${keys.laterThan} or (RowKey gt ${keys.own} and RowKey lt ${keys.sameSecondEnd})) and (status eq ${"completed"} or status eq ${"partial"})`;
    const scopes: Array<string | undefined> = [];
    for await (const row of scanRows(runs, filter, `looking for runs newer than ${runId}`, ["runId", "scope"])) {
      scopes.push(typeof row.scope === "string" && row.scope !== "" ? row.scope : undefined);
    }
    return unionCoverage(scopes);
  }
}

/** The results grouped by rule × resource (the findingstate key), each group in report order. */
function groupByPair(findings: readonly Finding[]): Map<string, PairResults> {
  const pairs = new Map<string, PairResults>();
  for (const finding of findings) {
    const keys = stateKeys(finding.resourceId, finding.ruleId);
    const id = `${keys.partitionKey}/${keys.rowKey}`;
    const pair = pairs.get(id);
    if (pair === undefined) pairs.set(id, { ...keys, findings: [finding] });
    else pair.findings.push(finding);
  }
  return pairs;
}

function emptyTransitions(): StateTransitions {
  return { new: [], resolved: [], regressed: [], stillFailing: [], notFullyRead: 0, stale: 0 };
}
