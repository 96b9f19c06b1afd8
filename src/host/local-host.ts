// The local stand-in for the Functions host (Core Tools cannot be installed here): reads local.settings.json and
// host.json, starts Azurite and, when given a way to start one, an ARM emulator, points the app settings at them,
// loads the function registrations from dist/src/functions and serves them — HTTP on 127.0.0.1:7071/api, storage
// queue triggers, timer triggers — until Ctrl-C / SIGTERM, then stops in order: no new work, in-flight invocations
// finish (bounded), emulator and Azurite stop, the environment is put back. The product never imports dev tools, so
// the emulator comes in through `startArmEmulator`: `npm start` runs dev/start-local.ts, which gives it the one in
// dev/emulator. `node dist/src/host/local-host.js` on its own starts no emulator (the banner says so); tests call
// startLocalHost() in-process.
import { join, resolve } from "node:path";
import type { FunctionRegistration } from "../app/function-registration";
import { readSetting, type SettingValue } from "../config/settings-catalog";
import { errorMessage, errorText } from "../errors";
import { startAzurite, STANDARD_AZURITE_PORTS, type Azurite, type AzuritePorts } from "./azurite-process";
import { loadFunctionRegistrations, validateRegistrations } from "./function-loader";
import { runAppStartHooks } from "../app/app-hooks";
import { resolveHostKeys, type HostKeys } from "./function-keys";
import { parseHostJson, readHostJson, type HostJsonSettings } from "./host-json";
import { consoleHostLog, stamp, type HostLog } from "./host-log";
import { buildHttpRoutes } from "./http-routes";
import { startHttpTriggerServer, type HostAuthMode, type HttpTriggerServer } from "./http-trigger-server";
import { applyAuthMode } from "./auth-mode";
import { Invoker } from "./invocations";
import { HostConfigError, HostEnvironment, readLocalSettings } from "./local-settings";
import { QueueTriggerListener } from "./queue-trigger-listener";
import { printBanner, type BannerFacts, type FunctionSummary } from "./startup-banner";
import { resolveSchedule, TimerTriggerScheduler, type ScheduledTimer } from "./timer-trigger-scheduler";
import {
  isDevelopmentStorage,
  queueConnectionString,
  resolveQueueName,
  STORAGE_SETTING,
  summarize,
  warnAboutUnsupportedBindings,
} from "./trigger-bindings";

export { HostConfigError } from "./local-settings";

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
  /** The master key: accepted wherever a function key is, as in Azure. */
  adminKey: string;
  /** HOST_AUTH_MODE: `principal` passes x-ms-client-principal* through, as App Service Authentication would. */
  authMode: HostAuthMode;
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

const DEFAULT_PORT = 7071;

export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const started = performance.now();
  const log = options.log ?? consoleHostLog;
  const root = resolve(options.projectRoot ?? process.cwd());
  const env = new HostEnvironment(process.env);
  // Undone in reverse order when the start fails half-way; stop() does its own ordered shutdown.
  const undo: Array<() => Promise<void> | void> = [() => env.restore()];
  try {
    const { settings, hostJson, localHttpPort } = applySettings(options, env, root);
    const keys = resolveHostKeys(process.env);
    const services = await startBackingServices(options, env, root, undo);
    const storageConnectionString = env.get(STORAGE_SETTING) ?? "";

    // The functions load once their settings are in place, as under the Functions host.
    const registrations = options.registrations ?? (await loadFunctionRegistrations(settings.functionsDir, log));
    validateRegistrations(registrations);
    warnAboutUnsupportedBindings(registrations, log);
    const triggers = await startTriggers(registrations, {
      settings,
      hostJson,
      keys,
      log,
      env,
      azurite: services.azurite,
      port: settings.port ?? localHttpPort ?? DEFAULT_PORT,
      undo,
    });
    const { server, listeners, scheduler, invoker, apiUrl } = triggers;

    const functions = summarize(registrations, {
      apiUrl,
      routes: triggers.routes,
      listeners,
      timers: triggers.timers,
      hostJson,
      workers: settings.workers,
      runTimersOnStart: settings.runTimersOnStart,
    });
    const startupMs = Math.round(performance.now() - started);
    const authMode = settings.authMode;
    printBanner(log, { functions, keys, authMode, ...bannerServices(services), url: server.url, startupMs });
    scheduler.start();
    // The app's start hooks (app.hook.appStart), which @azure/functions registers only under the Functions runtime.
    if (options.registrations === undefined) await runAppStartHooks();

    const { azurite, emulator } = services;
    return {
      url: server.url,
      apiUrl,
      port: server.port,
      functionKey: keys.functionKey,
      adminKey: keys.adminKey,
      authMode,
      storageConnectionString,
      azurite:
        azurite !== undefined ? { pid: azurite.pid(), ports: azurite.ports, location: azurite.location } : undefined,
      emulator: emulator !== undefined ? { url: emulator.url, caFile: emulator.caFile } : undefined,
      functions,
      startupMs,
      inFlight: () => invoker.inFlightCount,
      stop: stopper({ log, triggers, services, env, drainTimeoutMs: settings.drainTimeoutMs }),
    };
  } catch (error) {
    await undoAll(undo, log);
    throw error;
  }
}

/** Runs the undo steps of a failed start, last first; a failing step is logged and the rest still run. */
async function undoAll(undo: Array<() => Promise<void> | void>, log: HostLog): Promise<void> {
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (error) {
      log.error(`cleaning up after a failed start: ${errorText(error)}`);
    }
  }
}

/** The host's own settings (HOST_*, PORT), read through the settings declaration once the environment is complete. */
interface HostSettings {
  port: number | undefined;
  workers: number;
  leaseSeconds: number;
  runTimersOnStart: boolean;
  drainTimeoutMs: number;
  verbose: boolean;
  functionsDir: string;
  authMode: HostAuthMode;
}

/** Explicit settings, then the environment, then local.settings.json (as Core Tools: the environment wins). */
function applySettings(
  options: LocalHostOptions,
  env: HostEnvironment,
  root: string,
): { settings: HostSettings; hostJson: HostJsonSettings; localHttpPort: number | undefined } {
  for (const [name, value] of Object.entries(options.settings ?? {})) env.set(name, value);
  const localSettings =
    options.localSettingsFile === false
      ? undefined
      : readLocalSettings(options.localSettingsFile ?? join(root, "local.settings.json"));
  for (const [name, value] of Object.entries(localSettings?.values ?? {})) env.setDefault(name, value);
  const hostJson: HostJsonSettings =
    typeof options.hostJson === "object"
      ? parseHostJson(options.hostJson, "hostJson option")
      : readHostJson(options.hostJson ?? join(root, "host.json"));
  const read = <K extends HostSettingName>(name: K): SettingValue<K> => hostSetting(process.env, name);
  const settings: HostSettings = {
    port: options.port ?? read("PORT"),
    workers: options.queueWorkers ?? read("HOST_QUEUE_WORKERS"),
    leaseSeconds: options.queueLeaseSeconds ?? read("HOST_QUEUE_LEASE_SECONDS"),
    runTimersOnStart: options.runTimersOnStart ?? read("HOST_TIMERS_ON_START"),
    drainTimeoutMs: options.drainTimeoutMs ?? read("HOST_DRAIN_TIMEOUT_MS"),
    verbose: options.verbose ?? read("HOST_VERBOSE"),
    functionsDir: resolve(root, options.functionsDir ?? read("HOST_FUNCTIONS_DIR")),
    authMode: read("HOST_AUTH_MODE"),
  };
  // Before the functions load: the app reads WEBSITE_AUTH_ENABLED with its settings.
  applyAuthMode(settings.authMode, env);
  return { settings, hostJson, localHttpPort: localSettings?.localHttpPort };
}

type HostSettingName =
  | "HOST_EMULATOR_ESTATE"
  | "PORT"
  | "HOST_QUEUE_WORKERS"
  | "HOST_QUEUE_LEASE_SECONDS"
  | "HOST_TIMERS_ON_START"
  | "HOST_DRAIN_TIMEOUT_MS"
  | "HOST_VERBOSE"
  | "HOST_FUNCTIONS_DIR"
  | "HOST_AUTH_MODE";

/** A setting the host reads, its error a HostConfigError that names it (the host's own start errors are those). */
function hostSetting<K extends HostSettingName>(env: NodeJS.ProcessEnv, name: K): SettingValue<K> {
  try {
    return readSetting(env, name);
  } catch (error) {
    throw new HostConfigError(errorMessage(error));
  }
}

interface BackingServices {
  azurite: Azurite | undefined;
  emulator: LocalArmEmulator | undefined;
  emulatorPlan: EmulatorPlan;
}

/** Storage and the ARM emulator start side by side; either failing undoes the other. Points the settings at them. */
async function startBackingServices(
  options: LocalHostOptions,
  env: HostEnvironment,
  root: string,
  undo: Array<() => Promise<void> | void>,
): Promise<BackingServices> {
  const configuredStorage = env.get(STORAGE_SETTING)?.trim();
  const startsAzurite =
    configuredStorage === undefined || configuredStorage === "" || isDevelopmentStorage(configuredStorage);
  const emulatorPlan = planEmulator(options, env, root);
  const [azuriteResult, emulatorResult] = await Promise.allSettled([
    startsAzurite
      ? startAzurite({
          persistence: options.azurite?.persistence ?? "disk",
          location:
            options.azurite?.persistence === "memory"
              ? undefined
              : (options.azurite?.location ?? join(root, ".azurite")),
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
  return { azurite, emulator, emulatorPlan };
}

function bannerServices({
  azurite,
  emulator,
  emulatorPlan,
}: BackingServices): Pick<BannerFacts, "storage" | "emulator"> {
  return {
    storage:
      azurite !== undefined
        ? { kind: "azurite", location: azurite.location, ports: azurite.ports, pid: azurite.pid() }
        : { kind: "configured" },
    emulator:
      emulator !== undefined && emulatorPlan.kind === "start"
        ? { kind: "started", url: emulator.url, caFile: emulator.caFile, estate: emulatorPlan.estate }
        : { kind: "skipped", why: emulatorPlan.kind === "skip" ? emulatorPlan.why : "" },
  };
}

interface Triggers {
  server: HttpTriggerServer;
  routes: ReturnType<typeof buildHttpRoutes>;
  listeners: QueueTriggerListener[];
  timers: ScheduledTimer[];
  scheduler: TimerTriggerScheduler;
  invoker: Invoker;
  apiUrl: string;
}

/** Serves the HTTP functions, starts the queue listeners and prepares the timers (started after the banner). */
async function startTriggers(
  registrations: readonly FunctionRegistration[],
  context: {
    settings: HostSettings;
    hostJson: HostJsonSettings;
    keys: HostKeys;
    log: HostLog;
    env: HostEnvironment;
    azurite: Azurite | undefined;
    port: number;
    undo: Array<() => Promise<void> | void>;
  },
): Promise<Triggers> {
  const { settings, hostJson, keys, log, env, azurite, undo } = context;
  const httpFunctions = registrations.flatMap((r) => (r.kind === "http" ? [{ name: r.name, options: r.options }] : []));
  const routes = buildHttpRoutes(httpFunctions);
  const timers: ScheduledTimer[] = registrations.flatMap((r) =>
    r.kind === "timer"
      ? [
          {
            functionName: r.name,
            options: r.options,
            schedule: resolveSchedule(r.name, r.options.schedule, process.env),
          },
        ]
      : [],
  );
  const queueFunctions = registrations.flatMap((r) =>
    r.kind === "storageQueue" ? [{ name: r.name, options: r.options }] : [],
  );

  const invoker = new Invoker(log, settings.verbose);
  const server: HttpTriggerServer = await startHttpTriggerServer({
    routes,
    routePrefix: hostJson.routePrefix,
    keys,
    invoker,
    log,
    port: context.port,
    authMode: settings.authMode,
  });
  undo.push(() => server.close());
  // As Core Tools does (WEBSITE_HOSTNAME=localhost:<port>): the app's own address, from which it builds the links it
  // hands out (never from a request's Host header). A value already set wins; stop() puts back what was there.
  env.setDefault("WEBSITE_HOSTNAME", new URL(server.url).host);

  const listeners = queueFunctions.map(
    ({ name, options: queueOptions }) =>
      new QueueTriggerListener({
        functionName: name,
        options: queueOptions,
        queueName: resolveQueueName(name, queueOptions, process.env),
        connectionString: queueConnectionString(name, queueOptions, env, azurite),
        settings: hostJson.queues,
        workers: settings.workers,
        leaseSeconds: settings.leaseSeconds,
        invoker,
        log,
      }),
  );
  for (const listener of listeners) {
    undo.push(() => listener.stop());
    await listener.start();
  }
  const scheduler = new TimerTriggerScheduler({ timers, runOnStart: settings.runTimersOnStart, invoker, log });
  const apiUrl = hostJson.routePrefix === "" ? server.url : `${server.url}/${hostJson.routePrefix}`;
  return { server, routes, listeners, timers, scheduler, invoker, apiUrl };
}

/** The host's idempotent stop: no new work, running invocations finish (bounded), then emulator and Azurite stop. */
function stopper(parts: {
  log: HostLog;
  triggers: Triggers;
  services: BackingServices;
  env: HostEnvironment;
  drainTimeoutMs: number;
}): () => Promise<void> {
  const { log, triggers, services, env, drainTimeoutMs } = parts;
  const { server, scheduler, listeners, invoker } = triggers;
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      log.info(stamp("Stopping: no new requests, messages or timers; waiting for running invocations."));
      server.stopAccepting();
      scheduler.stop();
      const workersDone = Promise.all(listeners.map((listener) => listener.stop()));
      const drainStarted = Date.now();
      if (!(await invoker.drain(drainTimeoutMs))) {
        log.warn(
          stamp(`${invoker.inFlightCount} invocation(s) still running after ${drainTimeoutMs} ms; stopping anyway.`),
        );
      }
      await Promise.race([workersDone, delay(Math.max(1_000, drainTimeoutMs - (Date.now() - drainStarted)))]);
      // Every step runs even when one before it failed, so a failing close never leaves Azurite running.
      const failures: unknown[] = [];
      const steps: Array<() => Promise<void> | void> = [
        () => server.close(),
        () => services.emulator?.close(),
        () => services.azurite?.dispose(),
        () => env.restore(),
      ];
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
          log.error(stamp(`stopping: ${errorText(error)}`));
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, "The local host did not stop cleanly");
      log.info(stamp("Host stopped."));
    })());
}

type EmulatorPlan = { kind: "start"; estate: string; start: ArmEmulatorStarter } | { kind: "skip"; why: string };

function planEmulator(options: LocalHostOptions, env: HostEnvironment, root: string): EmulatorPlan {
  const source = env.get("AUDIT_SOURCE")?.trim() ?? "";
  if (/^snapshot:/i.test(source)) return { kind: "skip", why: `AUDIT_SOURCE=${source} needs no ARM endpoint` };
  if (options.emulatorEstate === false) return { kind: "skip", why: "disabled by the caller" };
  const endpoint = env.get("AUDIT_ARM_ENDPOINT")?.trim();
  if (endpoint !== undefined && endpoint !== "")
    return { kind: "skip", why: `AUDIT_ARM_ENDPOINT is set (${endpoint})` };
  if (options.startArmEmulator === undefined)
    return { kind: "skip", why: "this host was given none (npm start runs dev/start-local.js, which gives it one)" };
  const estate = resolve(root, options.emulatorEstate ?? hostSetting(process.env, "HOST_EMULATOR_ESTATE"));
  return { kind: "start", estate, start: options.startArmEmulator };
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
    console.error(`The local host did not start: ${errorMessage(error)}`);
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
        console.error(`Stopping failed: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

// `node dist/src/host/local-host.js`: the host without an ARM emulator (set AUDIT_ARM_ENDPOINT or a snapshot source).
if (require.main === module) void runLocalHost();
