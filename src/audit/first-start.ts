// The first audit of a new deployment: when the app starts and no run was ever recorded, one audit is requested at
// once instead of at the next AUDIT_SCHEDULE (02:00 by default). Every instance that starts checks; a claim that only
// one caller can win (a conditional insert) makes several instances starting together request exactly one.
import type { AuditStore } from "./audit-store";
import type { AuditService, Logger } from "./audit-service";

/** The run's requester, as runs list it. */
export const FIRST_START_REQUESTER = "firstStart";
const CLAIM = "first-start-audit";

/** A claim that succeeds for one caller per store, ever. */
export interface OnceClaims {
  claimOnce(name: string, holder: string, at: Date): Promise<boolean>;
}

export type FirstStartOutcome =
  { kind: "off" } | { kind: "runsExist" } | { kind: "claimedElsewhere" } | { kind: "requested"; runId: string };

export interface FirstStartDeps {
  /** AUDIT_ON_FIRST_START. */
  enabled: boolean;
  store: Pick<AuditStore, "listRuns">;
  claims: OnceClaims;
  audits: Pick<AuditService, "requestAudit">;
  /** Names this instance in the claim. */
  instance: string;
  now?: () => Date;
}

export async function requestFirstAudit(deps: FirstStartDeps, log: Logger): Promise<FirstStartOutcome> {
  if (!deps.enabled) return { kind: "off" };
  if ((await deps.store.listRuns({ top: 1 })).items.length > 0) return { kind: "runsExist" };
  // Claimed before the run is requested: an instance that crashes in between leaves the first audit to the schedule,
  // never to a second instance that would request another.
  if (!(await deps.claims.claimOnce(CLAIM, deps.instance, (deps.now ?? (() => new Date()))()))) {
    log.info("first start: another instance requested the first audit");
    return { kind: "claimedElsewhere" };
  }
  const { runId } = await deps.audits.requestAudit({ trigger: "timer", requestedBy: FIRST_START_REQUESTER });
  log.info(`first start: no run was ever recorded; requested the first audit, run ${runId}`);
  return { kind: "requested", runId };
}
