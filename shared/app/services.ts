// The composition root: settings, store, queue and the audit service, built once on first use from the environment,
// never at import time and never per request. Tests replace them with `useServices`.
import { createAuditStore } from "../store/table-audit-store";
import type { AuditStore } from "../store/audit-store";
import { appSettingsFromEnv, AUDIT_QUEUE, type AppSettings } from "./app-settings";
import { createAuditQueue, type AuditQueue } from "./audit-queue";
import { AuditService, retentionStep, type PostRunStep } from "./audit-service";

export interface Services {
  settings: AppSettings;
  store: AuditStore;
  queue: AuditQueue;
  audits: AuditService;
}

let current: Services | undefined;

export function getServices(): Services {
  current ??= buildServices(appSettingsFromEnv());
  return current;
}

export function buildServices(settings: AppSettings, extraSteps: PostRunStep[] = []): Services {
  const store = createAuditStore(settings.tables);
  const queue = createAuditQueue(settings.queues, AUDIT_QUEUE);
  const audits = new AuditService({ settings, store, queue, postRunSteps: [retentionStep(store, settings.retentionDays), ...extraSteps] });
  return { settings, store, queue, audits };
}

/** Replaces the services (tests), or clears them so the next use rebuilds from the environment. */
export function useServices(services: Services | undefined): void {
  current = services;
}
