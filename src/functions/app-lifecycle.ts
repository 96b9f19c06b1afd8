// The app's start and stop (no trigger): on start, the first audit of a new deployment (AUDIT_ON_FIRST_START); on a
// graceful stop, the locks this instance holds are released, so the next alert pass does not wait for them to expire.
import { registerAppStart, registerAppTerminate } from "../app/app-hooks";
import { startFirstAudit } from "../app/first-start";
import { releaseHeldLeases } from "../audit/lock-lease";
import { errorText } from "../errors";

const log = { info: console.log, warn: console.warn, error: console.error };

export async function firstStartAudit(): Promise<void> {
  try {
    await startFirstAudit(log);
  } catch (error) {
    // Never a failed start: the schedule still audits, and /api/health reports a configuration problem.
    log.error(`first start: the first audit could not be requested: ${errorText(error)}; AUDIT_SCHEDULE will run it`);
  }
}

export async function releaseLocksOnStop(): Promise<void> {
  const released = await releaseHeldLeases("the app is stopping");
  if (released > 0) log.info(`app stopping: released ${released} lock(s) this instance held`);
}

registerAppStart("firstStartAudit", firstStartAudit);
registerAppTerminate(releaseLocksOnStop);
