// The alert delivery state of a run, per channel, for the run API (GET /api/runs/{runId}) and anyone else who asks.
// Empty when alerting is off or the run planned no alerts. The zod schema is for the API's response schema / OpenAPI.
import { z } from "zod";
import type { AlertService, ChannelDelivery } from "./alert-service";

export type { ChannelDelivery } from "./alert-service";

const count = z.number().int().nonnegative();

export const channelDeliverySchema = z
  .object({
    channel: z.string().meta({ description: "`default` (TEAMS_WEBHOOK_URL) or the ALERT_ROUTES route name." }),
    webhook: z
      .string()
      .meta({ description: "sha256:<12 hex> of the webhook URL the alert was planned for; never the URL." }),
    format: z.enum(["teams", "json"]),
    kind: z.enum(["alert", "digest", "none"]),
    state: z.enum(["pending", "delivered", "failed", "nothingToSend"]),
    attempts: count,
    lastError: z.string().optional(),
    lastAttemptAt: z.string().optional(),
    deliveredAt: z.string().optional(),
    failedAt: z.string().optional(),
    httpStatus: z.number().int().optional(),
    counts: z
      .object({
        new: count,
        regressed: count,
        resolved: count,
        stillFailing: count,
        reminders: count,
        exceptionExpired: count
          .optional()
          .meta({ description: "Failures announced because the exception that covered them expired." }),
        exceptionsExpiring: count
          .optional()
          .meta({ description: "Exceptions announced as expiring soon (once per channel per expiry date)." }),
      })
      .strict(),
  })
  .strict()
  .meta({ description: "The alert delivery of one run to one channel (docs/alerts.md, Delivery state of a run)." });

/** The delivery state of a run's alerts, per channel; none when alerting is off (`alerts` undefined). */
export function alertDeliveryForRun(
  alerts: Pick<AlertService, "deliveryForRun"> | undefined,
): (runId: string) => Promise<ChannelDelivery[]> {
  return async (runId) => (alerts === undefined ? [] : alerts.deliveryForRun(runId));
}
