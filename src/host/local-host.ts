// The local stand-in for the Functions host (Core Tools cannot be installed here): reads local.settings.json and
// host.json, starts Azurite and, when given a way to start one, an ARM emulator, points the app settings at them,
// loads the function registrations from dist/src/functions and serves them — HTTP on 127.0.0.1:7071/api, storage
// queue triggers, timer triggers — until Ctrl-C / SIGTERM, then stops in order: no new work, in-flight invocations
// finish (bounded), emulator and Azurite stop, the environment is put back. The product never imports dev tools, so
// the emulator comes in through `startArmEmulator`: `npm start` runs dev/start-local.ts, which gives it the one in
// dev/emulator. `node dist/src/host/local-host.js` on its own starts no emulator (the banner says so); tests call
// startLocalHost() in-process.
import { join, resolve } from "node:path";
import type { StorageQueueFunctionOptions } from "@azure/functions";
import type { FunctionRegistration } from "../app/function-registration";
import { startAzurite, STANDARD_AZURITE_PORTS, type Azurite, type AzuritePorts } from "./azurite-process";
import { loadFunctionRegistrations, validateRegistrations } from "./function-loader";
import { resolveHostKeys } from "./function-keys";
import { parseHostJson, readHostJson, type HostJsonSettings } from "./host-json";
import { consoleHostLog, stamp, type HostLog } from "./host-log";
import { buildHttpRoutes } from "./http-routes";
import { startHttpTriggerServer, type HttpTriggerServer } from "./http-trigger-server";
import { Invoker } from "./invocations";
import { HostEnvironment, readLocalSettings } from "./local-settings";
import { QueueTriggerListener } from "./queue-trigger-listener";
import { printBanner, type BannerFacts, type FunctionSummary } from "./startup-banner";
import { resolveSchedule, nextOccurrence, TimerTriggerScheduler, type ScheduledTimer } from "./timer-trigger-scheduler";

export interface LocalHostOptions {
  /** Where host.json, local.settings.json, dist/ and .azurite/ are. Default: the working directory. */
  projectRoot?: string;
  /** The compiled functions. Default: HOST_FUNCTIONS_DIR, else <projectRoot>/dist/src/functions. */
  functionsDir?: string;
  /** Serve these instead of loading a directory. */
  registrations?: FunctionRegistration[];
  /** Default <projectRoot>/local.settings.json; false reads none. */
  localSettingsFile?: string | false;
  /** A host.json path, or its content. Default <projectRoot>/host.json. */
  hostJson?: string | Record<string, unknown>;
  /** App settings that win over the environment for this start (put back on stop). */
  settings?: Record<string, string>;
  /** Default PORT, else local.settings.json Host.LocalHttpPort, else 7071; 0 picks a free port. */
  port?: number;
  /** How to run Azurite when the host starts it. Default: disk persistence in <projectRoot>/.azurite, standard ports when free. */
  azurite?: { persistence?: "disk" | "memory"; location?: string; preferredPorts?: AzuritePorts };
  /** Starts the ARM emulator the host points AUDIT_ARM_ENDPOINT at. Default: none, so no emulator starts. */
  startArmEmulator?: ArmEmulatorStarter;
  /** Estate file the ARM emulator serves; false starts none. Default HOST_EMULATOR_ESTATE, else <projectRoot>/samples/estate.json. */
  emulatorEstate?: string | false;
  /** Receive loops per queue trigger. Default HOST_QUEUE_WORKERS, else 1. */
  queueWorkers?: number;
  /** Visibility timeout of a received message, renewed while it runs. Default HOST_QUEUE_LEASE_SECONDS, else 30. */
  queueLeaseSeconds?: number;
  /** Fire every timer once at start. Default HOST_TIMERS_ON_START, else true. */
  runTimersOnStart?: boolean;
  /** How long a stop waits for in-flight invocations. Default HOST_DRAIN_TIMEOUT_MS, else 30000. */
  drainTimeoutMs?: number;
  log?: HostLog;
  /** Also print trace and debug logs of the functions. Default HOST_VERBOSE=true. */
  verbose?: boolean;
}

export interface LocalHost {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `url` plus the route prefix, e.g. `http://127.0.0.1:7071/api`. */
  apiUrl: string;
  port: number;
  functionKey: string;
  adminKey: string;
  /** What AzureWebJobsStorage holds while the host runs. */
  storageConnectionString: string;
  /** Set when this host started Azurite. */
  azurite: { pid: number | undefined; ports: AzuritePorts; location: string | undefined } | undefined;
  /** Set when this host started the ARM emulator. */
  emulator: { url: string; caFile: string } | undefined;
  functions: FunctionSummary[];
  startupMs: number;
  /** Number of invocations running now (HTTP ones until their body is written). */
  inFlight(): number;
  /** Idempotent. */
  stop(): Promise<void>;
}

/** An ARM endpoint started for the host: its URL, the CA file that trusts its certificate, and how to stop it. */
export interface LocalArmEmulator {
  url: string;
  caFile: string;
  close(): Promise<void>;
}

/** Starts an ARM emulator serving an estate file (dev/start-local.ts passes dev/emulator's). */
export type ArmEmulatorStarter = (estate: string) => Promise<LocalArmEmulator>;

export class HostConfigError extends Error {
  override name = "HostConfigError";
}

const DEFAULT_PORT = 7071;
const STORAGE_SETTING = "AzureWebJobsStorage";

export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const started = performance.now();
  const log = options.log ?? consoleHostLog;
  const root = resolve(options.projectRoot ?? process.cwd());
  const env = new HostEnvironment(process.env);
  // Undone in reverse order when the start fails half-way; stop() does its own ordered shutdown.
  const undo: Array<() => Promise<void> | void> = [() => env.restore()];
  const undoAll = async (): Promise<void> => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        log.error(`cleaning up after a failed start: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  try {
    // Settings: explicit ones, then the environment, then local.settings.json (Core Tools: the environment wins).
    for (const [name, value] of Object.entries(options.settings ?? {})) env.set(name, value);
    const localSettings = options.localSettingsFile === false ? undefined : readLocalSettings(options.localSettingsFile ?? join(root, "local.settings.json"));
    for (const [name, value] of Object.entries(localSettings?.values ?? {})) env.setDefault(name, value);
    const hostJson: HostJsonSettings = typeof options.hostJson === "object" ? parseHostJson(options.hostJson, "hostJson option") : readHostJson(options.hostJson ?? join(root, "host.json"));

    const port = options.port ?? wholeNumber(env, "PORT", 0, 65_535) ?? localSettings?.localHttpPort ?? DEFAULT_PORT;
    const workers = options.queueWorkers ?? wholeNumber(env, "HOST_QUEUE_WORKERS", 1, 64) ?? 1;
    const leaseSeconds = options.queueLeaseSeconds ?? wholeNumber(env, "HOST_QUEUE_LEASE_SECONDS", 1, 600) ?? 30;
    const runTimersOnStart = options.runTimersOnStart ?? yesNo(env, "HOST_TIMERS_ON_START") ?? true;
    const drainTimeoutMs = options.drainTimeoutMs ?? wholeNumber(env, "HOST_DRAIN_TIMEOUT_MS", 0, 3_600_000) ?? 30_000;
    const verbose = options.verbose ?? yesNo(env, "HOST_VERBOSE") ?? false;
    const keys = resolveHostKeys(process.env);
    const functionsDir = resolve(root, options.functionsDir ?? env.get("HOST_FUNCTIONS_DIR") ?? join("dist", "src", "functions"));

    // Storage and the ARM emulator start side by side; either failing undoes the other.
    const configuredStorage = env.get(STORAGE_SETTING)?.trim();
    const startsAzurite = configuredStorage === undefined || configuredStorage === "" || isDevelopmentStorage(configuredStorage);
    const emulatorPlan = planEmulator(options, env, root);
    const [azuriteResult, emulatorResult] = await Promise.allSettled([
      startsAzurite
        ? startAzurite({
            persistence: options.azurite?.persistence ?? "disk",
            location: options.azurite?.persistence === "memory" ? undefined : (options.azurite?.location ?? join(root, ".azurite")),
            preferredPorts: options.azurite?.preferredPorts ?? STANDARD_AZURITE_PORTS,
          })
        : Promise.resolve(undefined),
      emulatorPlan.kind === "start" ? emulatorPlan.start(emulatorPlan.estate) : Promise.resolve(undefined),
    ]);
    const azurite: Azurite | undefined = azuriteResult.status === "fulfilled" ? azuriteResult.value : undefined;
    const emulator = emulatorResult.status === "fulfilled" ? emulatorResult.value : undefined;
    if (azurite !== undefined) undo.push(() => azurite.dispose());
    if (emulator !== undefined) undo.push(() => emulator.close());
    if (azuriteResult.status === "rejected") throw azuriteResult.reason;
    if (emulatorResult.status === "rejected") throw emulatorResult.reason;
    if (azurite !== undefined) env.set(STORAGE_SETTING, azurite.connectionString);
    if (emulator !== undefined) {
      env.set("AUDIT_ARM_ENDPOINT", emulator.url);
      env.set("AUDIT_ARM_CA", emulator.caFile);
    }
    const storageConnectionString = env.get(STORAGE_SETTING) ?? "";

    // The functions load once their settings are in place, as under the Functions host.
    const registrations = options.registrations ?? (await loadFunctionRegistrations(functionsDir, log));
    validateRegistrations(registrations);
    warnAboutUnsupportedBindings(registrations, log);
    const httpFunctions = registrations.flatMap((r) => (r.kind === "http" ? [{ name: r.name, options: r.options }] : []));
    const routes = buildHttpRoutes(httpFunctions);
    const timers: ScheduledTimer[] = registrations.flatMap((r) =>
      r.kind === "timer" ? [{ functionName: r.name, options: r.options, schedule: resolveSchedule(r.name, r.options.schedule, process.env) }] : [],
    );
    const queueFunctions = registrations.flatMap((r) => (r.kind === "storageQueue" ? [{ name: r.name, options: r.options }] : []));

    const invoker = new Invoker(log, verbose);
    const server: HttpTriggerServer = await startHttpTriggerServer({ routes, routePrefix: hostJson.routePrefix, keys, invoker, log, port });
    undo.push(() => server.close());

    const listeners = queueFunctions.map(
      ({ name, options: queueOptions }) =>
        new QueueTriggerListener({
          functionName: name,
          options: queueOptions,
          queueName: resolveQueueName(name, queueOptions, process.env),
          connectionString: queueConnectionString(name, queueOptions, env, azurite),
          settings: hostJson.queues,
          workers,
          leaseSeconds,
          invoker,
          log,
        }),
    );
    for (const listener of listeners) {
      undo.push(() => listener.stop());
      await listener.start();
    }
    const scheduler = new TimerTriggerScheduler({ timers, runOnStart: runTimersOnStart, invoker, log });

    const apiUrl = hostJson.routePrefix === "" ? server.url : `${server.url}/${hostJson.routePrefix}`;
    const functions = summarize(registrations, { apiUrl, routes, listeners, timers, hostJson, workers, runTimersOnStart });
    const startupMs = Math.round(performance.now() - started);
    const facts: BannerFacts = {
      functions,
      keys,
      storage: azurite !== undefined ? { kind: "azurite", location: azurite.location, ports: azurite.ports, pid: azurite.pid() } : { kind: "configured" },
      emulator: emulator !== undefined && emulatorPlan.kind === "start" ? { kind: "started", url: emulator.url, caFile: emulator.caFile, estate: emulatorPlan.estate } : { kind: "skipped", why: emulatorPlan.kind === "skip" ? emulatorPlan.why : "" },
      url: server.url,
      startupMs,
    };
    printBanner(log, facts);
    scheduler.start();

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        log.info(stamp("Stopping: no new requests, messages or timers; waiting for running invocations."));
        server.stopAccepting();
        scheduler.stop();
        const workersDone = Promise.all(listeners.map((listener) => listener.stop()));
        const drainStarted = Date.now();
        if (!(await invoker.drain(drainTimeoutMs))) {
          log.warn(stamp(`${invoker.inFlightCount} invocation(s) still running after ${drainTimeoutMs} ms; stopping anyway.`));
        }
        await Promise.race([workersDone, delay(Math.max(1_000, drainTimeoutMs - (Date.now() - drainStarted)))]);
        // Every step runs even when one before it failed, so a failing close never leaves Azurite running.
        const failures: unknown[] = [];
        for (const step of [() => server.close(), () => emulator?.close(), () => azurite?.dispose(), () => env.restore()]) {
          try {
            await step();
          } catch (error) {
            failures.push(error);
            log.error(stamp(`stopping: ${error instanceof Error ? error.message : String(error)}`));
          }
        }
        if (failures.length > 0) throw new AggregateError(failures, "The local host did not stop cleanly");
        log.info(stamp("Host stopped."));
      })());

    return {
      url: server.url,
      apiUrl,
      port: server.port,
      functionKey: keys.functionKey,
      adminKey: keys.adminKey,
      storageConnectionString,
      azurite: azurite !== undefined ? { pid: azurite.pid(), ports: azurite.ports, location: azurite.location } : undefined,
      emulator: emulator !== undefined ? { url: emulator.url, caFile: emulator.caFile } : undefined,
      functions,
      startupMs,
      inFlight: () => invoker.inFlightCount,
      stop,
    };
  } catch (error) {
    await undoAll();
    throw error;
  }
}

type EmulatorPlan = { kind: "start"; estate: string; start: ArmEmulatorStarter } | { kind: "skip"; why: string };

function planEmulator(options: LocalHostOptions, env: HostEnvironment, root: string): EmulatorPlan {
  const source = env.get("AUDIT_SOURCE")?.trim() ?? "";
  if (/^snapshot:/i.test(source)) return { kind: "skip", why: `AUDIT_SOURCE=${source} needs no ARM endpoint` };
  if (options.emulatorEstate === false) return { kind: "skip", why: "disabled by the caller" };
  const endpoint = env.get("AUDIT_ARM_ENDPOINT")?.trim();
  if (endpoint !== undefined && endpoint !== "") return { kind: "skip", why: `AUDIT_ARM_ENDPOINT is set (${endpoint})` };
  if (options.startArmEmulator === undefined) return { kind: "skip", why: "this host was given none (npm start runs dev/start-local.js, which gives it one)" };
  const estate = resolve(root, options.emulatorEstate ?? env.get("HOST_EMULATOR_ESTATE") ?? join("samples", "estate.json"));
  return { kind: "start", estate, start: options.startArmEmulator };
}

/** `UseDevelopmentStorage=true` (optionally with a proxy URI) means the local emulator. */
export function isDevelopmentStorage(connection: string): boolean {
  return /^\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connection);
}

function resolveQueueName(functionName: string, options: StorageQueueFunctionOptions, env: NodeJS.ProcessEnv): string {
  const name = options.queueName.replace(/%([^%]+)%/g, (_, setting: string) => {
    const value = env[setting]?.trim();
    if (value === undefined || value === "") throw new HostConfigError(`Queue trigger '${functionName}': queueName ${options.queueName} refers to app setting ${setting}, which is not set.`);
    return value;
  });
  // Azure's rule, with room for the "-poison" suffix the host adds.
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/.test(name)) {
    throw new HostConfigError(`Queue trigger '${functionName}': queue name ${JSON.stringify(name)} is not valid: 3-56 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.`);
  }
  return name;
}

/** The connection string in the app setting the trigger names (AzureWebJobsStorage by default). */
function queueConnectionString(functionName: string, options: StorageQueueFunctionOptions, env: HostEnvironment, azurite: Azurite | undefined): string {
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

function warnAboutUnsupportedBindings(registrations: readonly FunctionRegistration[], log: HostLog): void {
  for (const registration of registrations) {
    const options: { extraInputs?: unknown[]; extraOutputs?: unknown[]; return?: unknown } = registration.options;
    const extra = (options.extraInputs?.length ?? 0) + (options.extraOutputs?.length ?? 0) + (registration.kind !== "http" && options.return !== undefined ? 1 : 0);
    if (extra > 0) log.warn(`Function '${registration.name}': extra input/output bindings are not run by the local host; use SDK clients in the handler instead.`);
  }
}

function summarize(
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
        const path = route.template.segments.length === 0 ? "" : `/${route.template.template.replace(/^\/+|\/+$/g, "")}`;
        return [{ kind: "http", name, methods: route.methods, url: `${facts.apiUrl}${path}`, authLevel: route.authLevel }];
      }
      case "storageQueue": {
        const listener = facts.listeners.find((l) => l.functionName === name);
        if (listener === undefined) return [];
        const { batchSize, maxDequeueCount } = facts.hostJson.queues;
        const connection = registration.options.connection?.trim() || STORAGE_SETTING;
        return [{ kind: "storageQueue", name, queueName: listener.queueName, poisonQueueName: listener.poisonQueueName, connection, workers: facts.workers, batchSize, maxDequeueCount }];
      }
      case "timer": {
        const timer = facts.timers.find((t) => t.functionName === name);
        if (timer === undefined) return [];
        const { runOnStartup } = registration.options;
        const firesAtStart = runOnStartup === true || (facts.runTimersOnStart && runOnStartup !== false);
        const { expression, settings } = timer.schedule;
        return [{ kind: "timer", name, schedule: expression, settings, next: nextOccurrence(expression, new Date()).toISOString(), firesAtStart }];
      }
    }
  });
}

function wholeNumber(env: HostEnvironment, name: string, min: number, max: number): number | undefined {
  const raw = env.get(name)?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new HostConfigError(`${name}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(raw)}`);
  return value;
}

function yesNo(env: HostEnvironment, name: string): boolean | undefined {
  const raw = env.get(name)?.trim().toLowerCase();
  if (raw === undefined || raw === "") return undefined;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new HostConfigError(`${name}: expected true or false, found ${JSON.stringify(raw)}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Starts the host and runs it until SIGINT / SIGTERM: the body of `npm start` (dev/start-local.ts) and of this file. */
export async function runLocalHost(options: LocalHostOptions = {}): Promise<void> {
  let host: LocalHost;
  try {
    host = await startLocalHost(options);
  } catch (error) {
    console.error(`The local host did not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // npm forwards the terminal's Ctrl-C, so one keypress can arrive twice: only a later signal forces the exit.
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt > 2_000) {
        console.error(`${signal} again: exiting without waiting.`);
        process.exit(1);
      }
      return;
    }
    firstSignalAt = Date.now();
    console.log(`\n${signal} received.`);
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

// `node dist/src/host/local-host.js`: the host without an ARM emulator (set AUDIT_ARM_ENDPOINT or a snapshot source).
if (require.main === module) void runLocalHost();
