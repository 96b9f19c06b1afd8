// How the local host binds the triggers it found to this machine, as the Functions host would: queue names with
// %app setting% references, the storage connection a queue trigger names (pointed at the host's Azurite), bindings it
// does not run (warned about), and the summary of every function for the start banner.
import type { StorageQueueFunctionOptions } from "@azure/functions";
import type { FunctionRegistration } from "../app/function-registration";
import type { Azurite } from "./azurite-process";
import type { HostJsonSettings } from "./host-json";
import type { HostLog } from "./host-log";
import type { buildHttpRoutes } from "./http-routes";
import { HostConfigError, type HostEnvironment } from "./local-settings";
import type { QueueTriggerListener } from "./queue-trigger-listener";
import type { FunctionSummary } from "./startup-banner";
import { nextOccurrence, type ScheduledTimer } from "./timer-trigger-scheduler";

/** The app setting that holds the storage connection, unless a trigger names another. */
export const STORAGE_SETTING = "AzureWebJobsStorage";

/** `UseDevelopmentStorage=true` (optionally with a proxy URI) means the local emulator. */
export function isDevelopmentStorage(connection: string): boolean {
  return /^\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connection);
}

export function resolveQueueName(
  functionName: string,
  options: StorageQueueFunctionOptions,
  env: NodeJS.ProcessEnv,
): string {
  const name = options.queueName.replace(/%([^%]+)%/g, (_, setting: string) => {
    const value = env[setting]?.trim();
    if (value === undefined || value === "")
      throw new HostConfigError(
        `Queue trigger '${functionName}': queueName ${options.queueName} refers to app setting ${setting}, which is not set.`,
      );
    return value;
  });
  // Azure's rule, with room for the "-poison" suffix the host adds.
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/.test(name)) {
    throw new HostConfigError(
      `Queue trigger '${functionName}': queue name ${JSON.stringify(name)} is not valid: 3-56 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.`,
    );
  }
  return name;
}

/** The connection string in the app setting the trigger names (AzureWebJobsStorage by default). */
export function queueConnectionString(
  functionName: string,
  options: StorageQueueFunctionOptions,
  env: HostEnvironment,
  azurite: Azurite | undefined,
): string {
  const setting = options.connection?.trim() || STORAGE_SETTING;
  // Like the Functions host, "X" also finds "AzureWebJobsX".
  const found = [setting, `AzureWebJobs${setting}`].find((name) => (env.get(name)?.trim() ?? "") !== "");
  if (found === undefined) {
    const identityBased = env.get(`${setting}__queueServiceUri`) ?? env.get(`${setting}__accountName`);
    throw new HostConfigError(
      identityBased !== undefined
        ? `Queue trigger '${functionName}': ${setting} is an identity-based connection, which the local host does not support; set ${setting} to a connection string (or UseDevelopmentStorage=true).`
        : `Queue trigger '${functionName}': app setting ${setting} (its connection) is not set.`,
    );
  }
  const value = env.get(found) ?? "";
  if (isDevelopmentStorage(value) && azurite !== undefined) {
    // Point the setting at the Azurite this host runs, for the function as much as for the trigger.
    env.set(found, azurite.connectionString);
    return azurite.connectionString;
  }
  return value;
}

export function warnAboutUnsupportedBindings(registrations: readonly FunctionRegistration[], log: HostLog): void {
  for (const registration of registrations) {
    const options: { extraInputs?: unknown[]; extraOutputs?: unknown[]; return?: unknown } = registration.options;
    const extra =
      (options.extraInputs?.length ?? 0) +
      (options.extraOutputs?.length ?? 0) +
      (registration.kind !== "http" && options.return !== undefined ? 1 : 0);
    if (extra > 0)
      log.warn(
        `Function '${registration.name}': extra input/output bindings are not run by the local host; use SDK clients in the handler instead.`,
      );
  }
}

export function summarize(
  registrations: readonly FunctionRegistration[],
  facts: {
    apiUrl: string;
    routes: ReturnType<typeof buildHttpRoutes>;
    listeners: QueueTriggerListener[];
    timers: ScheduledTimer[];
    hostJson: HostJsonSettings;
    workers: number;
    runTimersOnStart: boolean;
  },
): FunctionSummary[] {
  return registrations.flatMap((registration): FunctionSummary[] => {
    const name = registration.name;
    switch (registration.kind) {
      case "http": {
        const route = facts.routes.find((r) => r.functionName === name);
        if (route === undefined) return [];
        const path =
          route.template.segments.length === 0 ? "" : `/${route.template.template.replace(/^\/+|\/+$/g, "")}`;
        return [
          { kind: "http", name, methods: route.methods, url: `${facts.apiUrl}${path}`, authLevel: route.authLevel },
        ];
      }
      case "storageQueue": {
        const listener = facts.listeners.find((l) => l.functionName === name);
        if (listener === undefined) return [];
        const { batchSize, maxDequeueCount } = facts.hostJson.queues;
        const connection = registration.options.connection?.trim() || STORAGE_SETTING;
        return [
          {
            kind: "storageQueue",
            name,
            queueName: listener.queueName,
            poisonQueueName: listener.poisonQueueName,
            connection,
            workers: facts.workers,
            batchSize,
            maxDequeueCount,
          },
        ];
      }
      case "timer": {
        const timer = facts.timers.find((t) => t.functionName === name);
        if (timer === undefined) return [];
        const { runOnStartup } = registration.options;
        const firesAtStart = runOnStartup === true || (facts.runTimersOnStart && runOnStartup !== false);
        const { expression, settings } = timer.schedule;
        return [
          {
            kind: "timer",
            name,
            schedule: expression,
            settings,
            next: nextOccurrence(expression, new Date()).toISOString(),
            firesAtStart,
          },
        ];
      }
    }
  });
}
