// The alert step after each completed or partial run, the test post, and the delivery state of a run.
//
// One pass, under a lock (a lease renewed while the pass runs, alert-lock.ts) so two workers never post the same entry:
//   1. finish what earlier passes left: write their ledger changes, deliver what is pending, oldest run first;
//   2. plan this run for every channel that has no outbox entry yet (a retried run finds its entries and plans nothing),
//      and store all of the run's entries in one transaction: the plan, payload included, is decided exactly once;
//   3. write this run's ledger changes and deliver its pending entries.
// Delivered entries are never sent again; pending ones are retried by every later pass until delivered or refused.
// The one window: a crash after the webhook accepted a post and before "delivered" was recorded. The entry is then
// still pending and is posted again (the channel sees it twice); `attemptStartedAt` shows it, and the log says so.
import type { AuditReport } from "../audit/run-audit";
import { AuditorError, errorText } from "../errors";
import type { Finding } from "../engine/finding";
import type { AuditStore, CompletedRun } from "../audit/audit-store";
import type { StoreConnection } from "../store/table-client";
import type { Logger, PostRunStep } from "../audit/audit-service";
import { LockLease } from "../audit/lock-lease";
import { alertLockTiming, claimAlertLock, LockLostError, stopIfLockLost, type AlertLockOptions } from "./alert-lock";
import { alertLinks, emptySections, type AlertCounts, type AlertMessage } from "./alert-message";
import {
  alertRunInfo,
  deferredResolvedCandidates,
  pairKey,
  planChannel,
  runVerdicts,
  type LedgerEntry,
  type RunVerdicts,
} from "./alert-plan";
import { DEFAULT_CHANNEL, routeMatches } from "./alert-routes";
import type { AlertChannel, AlertSettings } from "./alert-settings";
import {
  AlertTables,
  type AlertTablesOptions,
  type OutboxEntry,
  type OutboxPatch,
  type OutboxRecord,
} from "./alert-tables";
import { cardOfEnvelope, cardProblems } from "./card-validation";
import { jsonPayload } from "./json-alert";
import { teamsPayload } from "./teams-card";
import { WebhookClient, type PostOutcome } from "./webhook-client";

/** What the alert step needs from the audit store: run summaries, findingstate, and a lock. */
export type AlertRunStore = Pick<
  AuditStore,
  "getRun" | "getResourceHistory" | "claimScopeLock" | "releaseScopeLock" | "renewScopeLock"
>;

export { ALERT_LOCK_SCOPE } from "./alert-lock";

export interface AlertServiceDeps {
  settings: AlertSettings;
  tables: AlertTables;
  runs: AlertRunStore;
  client?: WebhookClient;
  now?: () => Date;
  /** Time a pass may spend delivering before it leaves the rest pending for the next run. Default 4 minutes. */
  passBudgetMs?: number;
  /** The alert lock's lease timing (alert-lock.ts): 60 s renewed every 20 s, waited for one lifetime and 5 s. */
  lock?: AlertLockOptions;
}

/** The delivery state of one channel for one run: what GET /api/runs/{runId} and the run log show. */
export interface ChannelDelivery {
  channel: string;
  /** The hash of the webhook the entry was planned for; never the URL. */
  webhook: string;
  format: "teams" | "json";
  kind: "alert" | "digest" | "none";
  state: "pending" | "delivered" | "failed" | "nothingToSend";
  attempts: number;
  lastError?: string;
  lastAttemptAt?: string;
  deliveredAt?: string;
  failedAt?: string;
  httpStatus?: number;
  counts: AlertCounts;
}

export interface TestDelivery {
  route: string;
  webhook: string;
  format: "teams" | "json";
  state: PostOutcome["state"];
  attempts: number;
  httpStatus?: number;
  reason?: string;
}

interface Pass {
  deadline: number;
  lease: LockLease;
  /** Channels with an entry left pending in this pass: their later entries wait, so a channel hears runs in order. */
  blocked: Set<string>;
}

export class AlertService {
  private readonly client: WebhookClient;
  private readonly now: () => Date;

  constructor(private readonly deps: AlertServiceDeps) {
    this.client = deps.client ?? new WebhookClient(deps.settings.delivery);
    this.now = deps.now ?? (() => new Date());
  }

  get channels(): readonly AlertChannel[] {
    return this.deps.settings.channels;
  }

  /** The post-run step the composition root adds. */
  step(): PostRunStep {
    return {
      name: "alerts",
      run: async ({ report, completed, log }) => void (await this.afterRun(report, completed, log)),
    };
  }

  /** Never throws: an alert problem is logged and left in the outbox, and never fails the run. */
  async afterRun(report: AuditReport, completed: CompletedRun, log: Logger): Promise<ChannelDelivery[]> {
    const runId = report.run.runId;
    if (report.run.status !== "completed" && report.run.status !== "partial") return [];
    let lease: LockLease | undefined;
    const timing = alertLockTiming(this.deps.lock);
    try {
      const lock = await claimAlertLock(this.deps.runs, runId, timing, log);
      if (lock === undefined) {
        log.warn(
          `alerts: another alert pass held the lock too long; run ${runId} plans no alerts (the next run tells every channel what it has not heard)`,
        );
        return [];
      }
      lease = new LockLease(lock, this.deps.runs, timing, log).start();
      const pass: Pass = { deadline: Date.now() + (this.deps.passBudgetMs ?? 4 * 60_000), lease, blocked: new Set() };
      for (const entry of await this.deps.tables.unfinished()) {
        if (entry.runId !== runId) await this.finishOne(entry, pass, log);
      }
      for (const entry of await this.ensurePlanned(report, completed, log)) await this.finishOne(entry, pass, log);
      const deliveries = (await this.deps.tables.outboxRecordsForRun(runId)).map(toDelivery);
      for (const delivery of deliveries) log.info(`alerts: run ${runId} → ${describeDelivery(delivery)}`);
      return deliveries;
    } catch (error) {
      log.error(
        `alerts: the alert pass of run ${runId} stopped: ${errorText(error)}. Undelivered alerts stay in the outbox; the next run retries them.`,
      );
      return [];
    } finally {
      await lease?.release("alert pass over");
    }
  }

  /** Per channel, the delivery state of a run's alerts; empty when alerting was off or the run planned none. */
  async deliveryForRun(runId: string): Promise<ChannelDelivery[]> {
    const order = new Map(this.channels.map((c, i) => [c.name, i]));
    const records = await this.deps.tables.outboxRecordsForRun(runId);
    return records
      .map(toDelivery)
      .sort(
        (a, b) => (order.get(a.channel) ?? 99) - (order.get(b.channel) ?? 99) || a.channel.localeCompare(b.channel),
      );
  }

  /** Posts a test card (or document) to one channel now, outside the outbox, so a team can check its webhook. */
  async sendTest(route: string = DEFAULT_CHANNEL, requestedBy = "unknown"): Promise<TestDelivery> {
    const channel = this.channels.find((c) => c.name === route);
    if (channel === undefined) {
      throw new AuditorError(
        "INPUT_INVALID_REQUEST",
        `route: ${JSON.stringify(route)} is not a configured alert channel; configured: ${this.channels.map((c) => c.name).join(", ")}`,
      );
    }
    const message: AlertMessage = {
      kind: "test",
      channel: channel.name,
      minSeverity: channel.minSeverity,
      counts: { new: 0, regressed: 0, resolved: 0, stillFailing: 0, reminders: 0 },
      sections: emptySections(),
      test: { requestedBy, at: this.now().toISOString() },
    };
    const rendered = this.render(channel, message, undefined);
    if (rendered.problem !== undefined)
      throw new Error(`Internal error: the test card is invalid: ${rendered.problem}`);
    const outcome = await this.client.post(channel.webhook, rendered.body, { deadline: Date.now() + 60_000 });
    return {
      route: channel.name,
      webhook: channel.webhook.hash,
      format: channel.format,
      state: outcome.state,
      attempts: outcome.attempts,
      ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    };
  }

  // ---- planning -----------------------------------------------------------------------------------------------

  private async ensurePlanned(report: AuditReport, completed: CompletedRun, log: Logger): Promise<OutboxEntry[]> {
    const runId = report.run.runId;
    const existing = await this.deps.tables.outboxForRun(runId);
    const planned = new Set(existing.map((e) => e.channel));
    const missing = this.channels.filter((c) => !planned.has(c.name));
    if (missing.length === 0) return existing;
    const entries = await this.plan(report, completed, missing, log);
    if (!(await this.deps.tables.createOutbox(entries)))
      log.warn(`alerts: run ${runId} was planned by another pass meanwhile; its stored plan is used`);
    return this.deps.tables.outboxForRun(runId);
  }

  private async plan(
    report: AuditReport,
    completed: CompletedRun,
    channels: readonly AlertChannel[],
    log: Logger,
  ): Promise<OutboxEntry[]> {
    const { settings, tables, runs } = this.deps;
    const runId = report.run.runId;
    const detail = await runs.getRun(runId);
    const previousRunId = detail?.summary?.delta.previousRunId;
    const previous = previousRunId !== undefined ? await runs.getRun(previousRunId) : undefined;
    const run = alertRunInfo(report, completed, detail, previous);
    const verdicts = runVerdicts(report, completed.transitions);
    const ledgers = new Map<string, Map<string, LedgerEntry>>();
    const notices = new Map<string, Set<string>>();
    for (const channel of channels) ledgers.set(channel.name, await tables.readLedger(channel.name));
    if (report.exceptions.counts.expiring > 0)
      for (const channel of channels) notices.set(channel.name, await tables.readNotices(channel.name));

    const candidates = new Set<string>();
    for (const ledger of ledgers.values())
      for (const key of deferredResolvedCandidates(run, verdicts, ledger)) candidates.add(key);
    const confirmed =
      candidates.size === 0 || verdicts.staleCount === 0
        ? candidates
        : await this.confirmResolved(candidates, verdicts, runId);

    const heardToday = settings.dailyDigest ? await this.channelsHeardToday(runId) : new Set<string>();
    const createdAt = this.now().toISOString();
    return channels.map((channel) => {
      const plan = planChannel({
        channel: channel.name,
        minSeverity: channel.minSeverity,
        accepts: (finding) => this.accepts(channel, finding),
        run,
        verdicts,
        ledger: ledgers.get(channel.name)!,
        confirmedResolved: confirmed,
        remindDays: settings.remindDays,
        digest: settings.dailyDigest && !heardToday.has(channel.name),
        expiring: report.exceptions.expiring,
        noticed: notices.get(channel.name) ?? new Set(),
      });
      const entry: OutboxEntry = {
        runId,
        channel: channel.name,
        webhookHash: channel.webhook.hash,
        format: channel.format,
        kind: plan.kind,
        state: plan.kind === "none" ? "nothingToSend" : "pending",
        attempts: 0,
        createdAt,
        runStartedAt: report.run.startedAt,
        counts: plan.message.counts,
        payloadBytes: 0,
        ledgerChanges: plan.ledger.length,
        ledgerApplied: plan.ledger.length === 0,
        payload: "",
        ledgerPlan: plan.ledger,
      };
      if (plan.kind === "none") return entry;
      const rendered = this.render(channel, plan.message, runId);
      entry.payload = rendered.body;
      entry.payloadBytes = rendered.bytes;
      if (rendered.problem !== undefined) {
        // A Workflow accepts an invalid card with 202 and then drops it: refuse to send it, and say why.
        log.error(
          `alerts: the card for run ${runId} to ${channel.name} is invalid and is not sent: ${rendered.problem}`,
        );
        Object.assign(entry, { state: "failed", failedAt: createdAt, lastError: `card invalid: ${rendered.problem}` });
      }
      return entry;
    });
  }

  private render(
    channel: AlertChannel,
    message: AlertMessage,
    runId: string | undefined,
  ): { body: string; bytes: number; problem?: string } {
    const links = alertLinks(this.deps.settings.reportBaseUrl, runId);
    if (channel.format === "json") return jsonPayload(message, links);
    const rendered = teamsPayload(message, links);
    const problems = cardProblems(cardOfEnvelope(JSON.parse(rendered.body)));
    return problems.length === 0 ? rendered : { ...rendered, problem: problems.slice(0, 3).join("; ") };
  }

  /** Routing, severity aside: a route takes what its match selects; the default channel all that no `instead` route takes. */
  private accepts(channel: AlertChannel, finding: Finding): boolean {
    if (channel.name !== DEFAULT_CHANNEL) return routeMatches(channel.match, finding);
    return !this.channels.some((c) => c.mode === "instead" && routeMatches(c.match, finding));
  }

  /**
   * Out-of-order runs only: a deferred fix is announced when findingstate agrees the pair passes and no newer run wrote
   * it. A run does not rewrite a pass it finds unchanged, so the state may still carry the run that recorded the fix
   * (an older one): `lastSeenRunId <= runId`, not `=== runId`. A newer run that wrote it announces it itself.
   */
  private async confirmResolved(
    candidates: ReadonlySet<string>,
    verdicts: RunVerdicts,
    runId: string,
  ): Promise<Set<string>> {
    const byResource = new Map<string, string[]>();
    for (const key of candidates) {
      const resourceId = verdicts.verdicts.get(key)?.resourceId;
      if (resourceId === undefined) continue;
      byResource.set(resourceId, [...(byResource.get(resourceId) ?? []), key]);
    }
    const confirmed = new Set<string>();
    for (const [resourceId, keys] of byResource) {
      const history = await this.deps.runs.getResourceHistory(resourceId, { runs: 1 });
      for (const state of history.states) {
        const key = pairKey(state.resourceId, state.ruleId);
        if (keys.includes(key) && state.lastSeenRunId <= runId && state.status !== "fail") confirmed.add(key);
      }
    }
    return confirmed;
  }

  /** Channels that got (or are getting) an alert or digest from an earlier run of the same UTC day. */
  private async channelsHeardToday(runId: string): Promise<Set<string>> {
    const records = await this.deps.tables.outboxRecordsOfDay(runId.slice(0, 8));
    return new Set(
      records.filter((r) => r.runId !== runId && r.kind !== "none" && r.state !== "failed").map((r) => r.channel),
    );
  }

  // ---- delivery -----------------------------------------------------------------------------------------------

  /** One entry's trouble stays with its channel; storage being down stops the pass (nothing else could be recorded). */
  private async finishOne(entry: OutboxEntry, pass: Pass, log: Logger): Promise<void> {
    try {
      stopIfLockLost(pass.lease);
      await this.finish(entry, pass, log);
    } catch (error) {
      if (error instanceof LockLostError) throw error;
      if (error instanceof AuditorError && error.code === "STORAGE_UNAVAILABLE") throw error;
      pass.blocked.add(entry.channel);
      log.error(
        `alerts: the alert of run ${entry.runId} to ${entry.channel} could not be finished: ${errorText(error)}; it stays in the outbox`,
      );
    }
  }

  private async finish(entry: OutboxEntry, pass: Pass, log: Logger): Promise<void> {
    const { tables } = this.deps;
    if (entry.unreadable !== undefined) {
      log.error(
        `alerts: the stored alert of run ${entry.runId} to ${entry.channel} is unreadable and is not sent: ${entry.unreadable}`,
      );
      await tables.updateOutbox(entry.runId, entry.channel, {
        state: "failed",
        failedAt: this.now().toISOString(),
        lastError: `stored alert unreadable: ${entry.unreadable}`,
        ledgerApplied: true,
      });
      return;
    }
    if (!entry.ledgerApplied) {
      await tables.applyLedger(entry.channel, entry.ledgerPlan, entry.runStartedAt, entry.runId);
      await tables.updateOutbox(entry.runId, entry.channel, { ledgerApplied: true });
    }
    if (entry.state !== "pending" || pass.blocked.has(entry.channel)) return;
    const channel = this.channels.find((c) => c.name === entry.channel);
    if (channel === undefined) {
      pass.blocked.add(entry.channel);
      log.warn(
        `alerts: channel ${entry.channel} is no longer configured; the alert of run ${entry.runId} to it stays pending`,
      );
      await tables.updateOutbox(entry.runId, entry.channel, { lastError: "channel no longer configured" });
      return;
    }
    const now = Date.now();
    if ((entry.nextAttemptAfter !== undefined && Date.parse(entry.nextAttemptAfter) > now) || now >= pass.deadline) {
      pass.blocked.add(entry.channel);
      return;
    }
    if (channel.webhook.hash !== entry.webhookHash)
      log.info(
        `alerts: the webhook of ${channel.name} changed since run ${entry.runId} was planned; delivering to the current one (${channel.webhook.hash})`,
      );
    if (
      entry.attemptStartedAt !== undefined &&
      (entry.lastAttemptAt === undefined || entry.attemptStartedAt > entry.lastAttemptAt)
    ) {
      log.warn(
        `alerts: a delivery of run ${entry.runId} to ${channel.name} started at ${entry.attemptStartedAt} and was never recorded; it is sent again, so the channel may see it twice`,
      );
    }
    stopIfLockLost(pass.lease);
    await tables.updateOutbox(entry.runId, entry.channel, { attemptStartedAt: this.now().toISOString() });
    const outcome = await this.client.post(channel.webhook, entry.payload, { deadline: pass.deadline });
    const at = this.now().toISOString();
    const patch: OutboxPatch = { state: outcome.state, attempts: entry.attempts + outcome.attempts, lastAttemptAt: at };
    if (outcome.httpStatus !== undefined) patch.httpStatus = outcome.httpStatus;
    if (outcome.state === "delivered") {
      patch.deliveredAt = at;
      if (outcome.reason !== undefined) patch.lastError = outcome.reason;
    } else {
      patch.lastError = outcome.reason;
      if (outcome.state === "failed") patch.failedAt = at;
      else {
        pass.blocked.add(channel.name);
        if (outcome.retryAfter !== undefined) patch.nextAttemptAfter = outcome.retryAfter;
      }
    }
    try {
      await tables.updateOutbox(entry.runId, entry.channel, patch);
    } catch (error) {
      if (outcome.state === "delivered")
        log.error(
          `alerts: run ${entry.runId} was delivered to ${channel.name} but that could not be recorded; the next pass will send it again`,
        );
      throw error;
    }
  }
}

function toDelivery(record: OutboxRecord): ChannelDelivery {
  const delivery: ChannelDelivery = {
    channel: record.channel,
    webhook: record.webhookHash,
    format: record.format,
    kind: record.kind,
    state: record.state,
    attempts: record.attempts,
    counts: record.counts,
  };
  for (const name of ["lastError", "lastAttemptAt", "deliveredAt", "failedAt"] as const) {
    const value = record[name];
    if (value !== undefined) delivery[name] = value;
  }
  if (record.httpStatus !== undefined) delivery.httpStatus = record.httpStatus;
  return delivery;
}

function describeDelivery(d: ChannelDelivery): string {
  const what = `${d.channel} (webhook ${d.webhook})`;
  const expired = d.counts.exceptionExpired ? `, exception expired ${d.counts.exceptionExpired}` : "";
  const expiring = d.counts.exceptionsExpiring ? `, exceptions expiring ${d.counts.exceptionsExpiring}` : "";
  const counts = `new ${d.counts.new}, regressed ${d.counts.regressed}, resolved ${d.counts.resolved}, reminders ${d.counts.reminders}${expired}${expiring}`;
  switch (d.state) {
    case "nothingToSend":
      return `${what}: nothing to announce`;
    case "delivered":
      return `${what}: ${d.kind} delivered after ${d.attempts} attempt(s) (${counts})`;
    case "failed":
      return `${what}: ${d.kind} refused, not retried: ${d.lastError ?? "unknown reason"}`;
    default:
      return `${what}: ${d.kind} pending after ${d.attempts} attempt(s) (${d.lastError ?? "not attempted yet"}); the next run retries it`;
  }
}

/** Builds the alert service on the app's storage account; no I/O until the first pass. The composition root calls this once. */
export function createAlertService(
  settings: AlertSettings,
  connection: StoreConnection,
  runs: AlertRunStore,
  options: Omit<AlertServiceDeps, "settings" | "tables" | "runs"> & AlertTablesOptions = {},
): AlertService {
  const { tablePrefix, retry, ...rest } = options;
  const tableOptions: AlertTablesOptions = {};
  if (tablePrefix !== undefined) tableOptions.tablePrefix = tablePrefix;
  if (retry !== undefined) tableOptions.retry = retry;
  return new AlertService({ settings, tables: new AlertTables(connection, tableOptions), runs, ...rest });
}
