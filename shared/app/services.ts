// The composition root: settings, store, queue, the audit service and alerting, built once on first use from the
// environment, never at import time and never per request. Tests replace them with `useServices`.
import { createAuditStore } from "../store/table-audit-store";
import type { AuditStore } from "../store/audit-store";
import { appSettingsFromEnv, AUDIT_QUEUE, type AppSettings } from "./app-settings";
import { createAuditQueue, type AuditQueue } from "./audit-queue";
import { AuditService, retentionStep, type PostRunStep } from "./audit-service";
import { createAlertService, type AlertService } from "../alerts/alert-service";

export interface Services {
  settings: AppSettings;
  store: AuditStore;
  queue: AuditQueue;
  audits: AuditService;
  /** Present when alerting is configured. */
  alerts?: AlertService;
}

let current: Services | undefined;

export function getServices(): Services {
  current ??= buildServices(appSettingsFromEnv());
  return current;
}

export function buildServices(settings: AppSettings, extraSteps: PostRunStep[] = []): Services {
  const store = createAuditStore(settings.tables);
  const queue = createAuditQueue(settings.queues, AUDIT_QUEUE);
  const alerts = settings.alerts === undefined ? undefined : createAlertService(settings.alerts, settings.tables, store);
  const steps = [retentionStep(store, settings.retentionDays), ...(alerts !== undefined ? [alerts.step()] : []), ...extraSteps];
  const audits = new AuditService({ settings, store, queue, postRunSteps: steps });
  return { settings, store, queue, audits, ...(alerts !== undefined ? { alerts } : {}) };
}

/** Replaces the services (tests), or clears them so the next use rebuilds from the environment. */
export function useServices(services: Services | undefined): void {
  current = services;
}
