// The alert delivery state of a run, per channel, for the run API (GET /api/runs/{runId}) and anyone else who asks.
// Empty when alerting is off or the run planned no alerts.
import { getServices } from "../app/services";
import type { ChannelDelivery } from "./alert-service";

export type { ChannelDelivery } from "./alert-service";

export async function alertDeliveryForRun(runId: string): Promise<ChannelDelivery[]> {
  const alerts = getServices().alerts;
  return alerts === undefined ? [] : alerts.deliveryForRun(runId);
}
