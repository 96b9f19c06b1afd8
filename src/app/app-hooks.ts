// The app's start and stop hooks: registered with the Functions host (app.hook.appStart / app.hook.appTerminate), and
// the start hooks also kept in a process-wide list that the local host runs itself, since outside the Functions runtime
// @azure/functions is in test mode and registers no hook.
import { app } from "@azure/functions";

export type AppHook = () => Promise<void>;

// Process-wide, not module-wide: the local host and the function modules it loads can be two copies of this module
// (the host from TypeScript sources under the tests, the functions from dist/).
const START_HOOKS = Symbol.for("mi-exposure-auditor.appStartHooks");

function startHooks(): Map<string, AppHook> {
  const holder = globalThis as unknown as Record<symbol, Map<string, AppHook> | undefined>;
  return (holder[START_HOOKS] ??= new Map<string, AppHook>());
}

/** Runs `hook` when the app starts. A hook must not throw: it logs its own trouble. */
export function registerAppStart(name: string, hook: AppHook): void {
  app.hook.appStart(() => hook());
  startHooks().set(name, hook);
}

/** Runs `hook` in a graceful stop (not when the process is killed), within the host's grace period. */
export function registerAppTerminate(hook: AppHook): void {
  app.hook.appTerminate(() => hook());
}

/** What the local host calls once its triggers run: every start hook the loaded function modules registered. */
export async function runAppStartHooks(): Promise<string[]> {
  const names: string[] = [];
  for (const [name, hook] of startHooks()) {
    await hook();
    names.push(name);
  }
  return names;
}
