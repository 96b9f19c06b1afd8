// The composition root: settings, store, queue, the audit service and alerting, built once on first use from the
// environment, never at import time and never per request. Tests replace them with `useServices`.
// Telemetry is the exception: it starts when process-telemetry is imported, first, before the SDK modules it traces.
import { processTelemetry } from "./process-telemetry";
import { createAuditStore } from "../store/table-audit-store";
import { createFanoutStore } from "../fanout/table-fanout-store";
import type { AuditStore } from "../audit/audit-store";
import type { ExceptionStore } from "../audit/exception-store";
import { createExceptionStore } from "../store/table-exception-store";
import { appSettingsFromEnv, AUDIT_QUEUE, AUDIT_SHARD_QUEUE, type AppSettings } from "./app-settings";
import { createAuditQueue, createMessageQueue } from "../queue/storage-queue";
import { AuditService, retentionStep, type AuditQueue, type PostRunStep } from "../audit/audit-service";
import type { ResourceSource } from "../audit/resource-source";
import { AuditorError } from "../errors";
import type { CollectionScope } from "../audit/collection-scope";
import { ResourceGraphSource } from "../collect/live-resource-source";
import { SnapshotSource } from "../snapshot/snapshot-source";
import { createAlertService, type AlertService } from "../alerts/alert-service";
import { FanoutService } from "../fanout/fanout-service";
import type { ShardMessage } from "../fanout/shard-message";
import { logAnalyticsStepFor } from "../log-analytics/log-analytics-step";
import type { ResourceGraphObserver, RunTelemetry } from "../audit/run-telemetry";

export interface Services {
  settings: AppSettings;
  store: AuditStore;
  queue: AuditQueue;
  audits: AuditService;
  /** The exceptions declared through the API (table `exceptions`); every run reads them. */
  exceptions: ExceptionStore;
  /** The shards of fanned-out runs: their worker, poison handler and finaliser (buildServices always sets it). */
  fanout?: FanoutService;
  /** Present when alerting is configured. */
  alerts?: AlertService;
}

let current: Services | undefined;

export function getServices(): Services {
  current ??= buildServices(appSettingsFromEnv());
  return current;
}

export function buildServices(
  settings: AppSettings,
  extraSteps: PostRunStep[] = [],
  telemetry: RunTelemetry = processTelemetry(),
): Services {
  const store = createAuditStore(settings.tables, {
    findingsArchive: settings.findingsArchive,
    retentionDays: settings.retentionDays,
  });
  const queue = createAuditQueue(settings.queues, AUDIT_QUEUE);
  const exceptions = createExceptionStore(settings.tables);
  const alerts =
    settings.alerts === undefined ? undefined : createAlertService(settings.alerts, settings.tables, store);
  const logAnalytics = logAnalyticsStepFor(settings.logAnalytics);
  const steps = [
    retentionStep(store, settings.retentionDays),
    ...(alerts !== undefined ? [alerts.step()] : []),
    ...(logAnalytics !== undefined ? [logAnalytics] : []),
    ...extraSteps,
  ];
  // The finaliser of a fanned-out run runs the same post-run steps, once, when its last shard is done.
  const fanout = new FanoutService({
    settings,
    store,
    fanoutStore: createFanoutStore(settings.tables),
    shardQueue: createMessageQueue<ShardMessage>(
      settings.queues,
      AUDIT_SHARD_QUEUE,
      (m) => `shard ${m.shard} of run ${m.runId}`,
    ),
    postRunSteps: steps,
    exceptions,
    telemetry,
  });
  const audits = new AuditService({
    settings,
    store,
    queue,
    postRunSteps: steps,
    fanout,
    exceptions,
    openSource: sourceOpener(settings.source, telemetry.resourceGraph),
    telemetry,
  });
  return { settings, store, queue, audits, exceptions, fanout, ...(alerts !== undefined ? { alerts } : {}) };
}

/** The fan-out service of the current services; only services assembled by hand (tests) can lack it. */
export function fanoutService(): FanoutService {
  const fanout = getServices().fanout;
  if (fanout === undefined)
    throw new Error("The services in use have no fan-out service; build them with buildServices.");
  return fanout;
}

/** Replaces the services (tests), or clears them so the next use rebuilds from the environment. */
export function useServices(services: Services | undefined): void {
  current = services;
}

/** How a run's source is opened from AUDIT_SOURCE: snapshot files as they are, or live collection in the run's scope. */
export function sourceOpener(
  source: AppSettings["source"],
  observer?: ResourceGraphObserver,
): (scope: CollectionScope | undefined) => ResourceSource {
  return (scope) => {
    if (source.kind === "snapshot") {
      if (scope !== undefined)
        throw new AuditorError(
          "CONFIG_INVALID",
          "AUDIT_SOURCE is a snapshot: a scope override cannot be applied to it",
        );
      return new SnapshotSource(source.files);
    }
    return new ResourceGraphSource({
      connection: source.collection.connection,
      scope: scope ?? source.collection.scope,
      enrichment: { concurrency: source.collection.enrichmentConcurrency },
      ...(observer === undefined ? {} : { observer }),
    });
  };
}
