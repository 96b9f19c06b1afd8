// nightlyAudit: the timer that requests the nightly audit (AUDIT_SCHEDULE, NCRONTAB, default 0 0 2 * * *).
import type { InvocationContext, Timer } from "@azure/functions";
import { getServices } from "../app/services";
import { readSetting } from "../config/settings-catalog";
import { registerTimer } from "../app/function-registration";

export async function nightlyAudit(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn("nightlyAudit is running late (isPastDue): the previous schedule was missed");
  const { runId, scope } = await getServices().audits.requestAudit({ trigger: "timer", requestedBy: "timer" });
  context.log(`nightlyAudit queued run ${runId} for ${scope}`);
}

// App settings reach the worker as environment variables when it indexes functions, so the schedule is read here;
// a changed setting restarts the app. An invalid schedule stops indexing with a message naming AUDIT_SCHEDULE.
export const nightlyAuditFunction = registerTimer("nightlyAudit", {
  schedule: readSetting(process.env, "AUDIT_SCHEDULE"),
  handler: nightlyAudit,
});
