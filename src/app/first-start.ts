// Wires the first audit of a new deployment (audit/first-start.ts) to the app's services and settings.
import { hostname } from "node:os";
import { readSetting } from "../config/settings-catalog";
import type { SettingEnv } from "../config/setting-declaration";
import type { Logger } from "../audit/audit-service";
import { requestFirstAudit, type FirstStartOutcome } from "../audit/first-start";
import { createOnceClaims } from "../store/table-once-claims";
import { getServices } from "./services";

/** AUDIT_ON_FIRST_START: request the first audit now when no run was ever recorded. */
export async function startFirstAudit(log: Logger, env: SettingEnv = process.env): Promise<FirstStartOutcome> {
  if (!readSetting(env, "AUDIT_ON_FIRST_START")) return { kind: "off" };
  const services = getServices();
  return requestFirstAudit(
    {
      enabled: true,
      store: services.store,
      claims: createOnceClaims(services.settings.tables),
      audits: services.audits,
      instance: `${hostname()}#${process.pid}`,
    },
    log,
  );
}
