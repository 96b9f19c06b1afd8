// Writes one part of a run's results (the whole run's, or one shard's of a fanned-out run): decides what each rule ×
// resource pair's `findingstate` becomes, stores the results the archive mode keeps in `findings`, then writes the
// state. Key design: table-keys.ts; the state machine: finding-transitions.ts; batching: transaction-batches.ts.
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
import { defaultIsFullyRead, nextState, representativeResult } from "./finding-transitions";
import { unionCoverage, type Coverage } from "./run-coverage";
import { requireRunId, scanRows, type FindingsArchive, type StoreTables } from "./table-client";
import { newerRunRowKeys, RUN_PARTITION, stateKeys } from "./table-keys";
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
  /** Pairs whose state this run writes (or, on a retry, wrote): all their results are stored. */
  written: Set<string>;
}

export class TableRunResults {
  private readonly archive: FindingsArchive;

  constructor(
    private readonly tables: StoreTables,
    archive: FindingsArchive | undefined,
  ) {
    this.archive = archive ?? "changes";
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
    let plan: StatePlan = { transitions: emptyTransitions(), actions: [], written: new Set() };
    if (options.status !== "failed") {
      // A completed run read everything; a partial one only vouches for what it fully read.
      const isFullyRead = options.status === "partial" ? (options.isFullyRead ?? defaultIsFullyRead) : () => true;
      plan = await this.planFindingState(runId, options.startedAt, pairs, isFullyRead);
    }
    const planMs = performance.now() - started;

    const findingsStarted = performance.now();
    const written = await this.writeFindings(runId, pairs, plan.written);
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
    written: ReadonlySet<string>,
  ): Promise<{ entities: number; transactions: number }> {
    const table = await this.tables.table("findings");
    const actions: WriteAction[] = [];
    for (const [id, pair] of pairs) {
      const keepAll = this.archive === "all" || written.has(id);
      // Ordinals number every result of the pair in report order, stored or not, so a rewrite of the same report
      // produces the same keys and replaces rather than duplicates.
      pair.findings.forEach((finding, ordinal) => {
        if (keepAll || alwaysStored(finding))
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
    const decided: Array<{ id: string; finding: Finding }> = [];
    for (const [id, pair] of pairs) {
      const finding = representativeResult(pair.findings, isFullyRead);
      if (finding === undefined) transitions.notFullyRead += 1;
      else decided.push({ id, finding });
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
    const written = new Set<string>();
    for (const { id, finding } of decided) {
      const before = previous.get(id);
      const step = nextState(before, finding, { runId, at }, newer(finding.subscriptionId));
      if (step.kind === "stale") {
        transitions.stale += 1;
        continue;
      }
      if (step.kind === "unchanged") continue;
      written.add(id);
      const transition = step.transition;
      const change: StateChange = { finding };
      const priorState = step.kind === "replay" ? step.before : before;
      if (priorState !== undefined) change.previous = priorState;
      if (transition !== undefined) transitions[transition].push(change);
      if (step.kind === "update") actions.push({ kind: "upsert", entity: stateToEntity(step.state), mode: "Replace" });
    }
    return { transitions, actions, written };
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

/** Results stored whatever their pair's state did: a run's findings list always holds its failures and unassessed. */
function alwaysStored(finding: Finding): boolean {
  return finding.status === "fail" || finding.status === "unknown" || finding.status === "error";
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
