// nightlyAudit: the timer that requests the nightly audit (AUDIT_SCHEDULE, NCRONTAB, default 0 0 2 * * *).
import type { InvocationContext, Timer } from "@azure/functions";
import { getServices } from "../app/services";
import { SETTINGS } from "../config/settings-catalog";
import { readSettingOrDefault } from "../config/setting-problems";
import { registerTimer } from "../app/function-registration";

export async function nightlyAudit(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn("nightlyAudit is running late (isPastDue): the previous schedule was missed");
  const { runId, scope } = await getServices().audits.requestAudit({ trigger: "timer", requestedBy: "timer" });
  context.log(`nightlyAudit queued run ${runId} for ${scope}`);
}

// App settings reach the worker as environment variables when it indexes functions, so the schedule is read here;
// a changed setting restarts the app. An invalid schedule must not stop indexing (every other function would be gone
// with it): the timer keeps the default schedule, so audits go on nightly, the problem is logged now, and /api/health
// reports it (degraded, naming AUDIT_SCHEDULE) until it is fixed.
export const nightlyAuditFunction = registerTimer("nightlyAudit", {
  schedule: readSettingOrDefault(process.env, "AUDIT_SCHEDULE", ({ setting, problem }) =>
    console.error(
      `${setting}: ${problem}; nightlyAudit keeps the default schedule (${SETTINGS.AUDIT_SCHEDULE.default})`,
    ),
  ),
  handler: nightlyAudit,
});
