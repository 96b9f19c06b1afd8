// Runs Azurite (Blob + Queue + Table, the combined binary) from node_modules as a child process on 127.0.0.1, and
// stops / restarts it on the same ports. Always --disableTelemetry (Azurite otherwise calls out). Used by the local
// host (`npm start`, data in .azurite/) and, through test/support/azurite.ts, by the tests (data in a temp dir).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Azurite's published development account: a well-known, public test key, not a secret. */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** The ports Azure Storage tools assume for `UseDevelopmentStorage=true`. */
export const STANDARD_AZURITE_PORTS: AzuritePorts = { blob: 10000, queue: 10001, table: 10002 };

const HOST = "127.0.0.1";

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface AzuriteOptions {
  /** "disk" (default) keeps data in --location across restart(); "memory" uses --inMemoryPersistence. */
  persistence?: "disk" | "memory";
  /** Data directory for disk persistence; kept by dispose(). Default: a fresh temp directory, removed by dispose(). */
  location?: string;
  /** Ports to use when all three are free; otherwise (or when absent) free ports are picked. */
  preferredPorts?: AzuritePorts;
  startTimeoutMs?: number;
}

export interface Azurite {
  connectionString: string;
  tableUrl: string;
  queueUrl: string;
  blobUrl: string;
  ports: AzuritePorts;
  /** The --location directory (undefined with in-memory persistence). */
  location: string | undefined;
  /** The pid of the Azurite process while it runs. */
  pid(): number | undefined;
  isRunning(): boolean;
  /** Stops the process (gracefully, so disk data is flushed). Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same data directory. */
  restart(): Promise<void>;
  /** Stops it and removes the data directory if it was a temp directory made here. */
  dispose(): Promise<void>;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const persistence = options.persistence ?? "disk";
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const ownsLocation = persistence === "disk" && options.location === undefined;
  const location =
    persistence === "memory" ? undefined : (options.location ?? mkdtempSync(join(tmpdir(), "azurite-test-")));
  if (location !== undefined && !ownsLocation) mkdirSync(location, { recursive: true });
  let child: ChildProcess | undefined;
  let ports: AzuritePorts = { blob: 0, queue: 0, table: 0 };

  const removeOwnLocation = (): void => {
    if (ownsLocation && location !== undefined) rmSync(location, { recursive: true, force: true });
  };
  // Last resort when this process exits without stop(): no Azurite is left behind on the ports.
  const killOnExit = (): void => {
    child?.kill("SIGKILL");
    removeOwnLocation();
  };
  process.once("exit", killOnExit);

  // A port found free can be taken before Azurite binds it: on EADDRINUSE pick new ports and try again.
  const preferred =
    options.preferredPorts !== undefined && (await allFree(options.preferredPorts))
      ? options.preferredPorts
      : undefined;
  for (let attempt = 1; ; attempt += 1) {
    ports =
      attempt === 1 && preferred !== undefined
        ? preferred
        : { blob: await freePort(), queue: await freePort(), table: await freePort() };
    try {
      child = await launch(ports, location, timeoutMs);
      break;
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !/EADDRINUSE/.test(error.message)) {
        killOnExit();
        process.removeListener("exit", killOnExit);
        throw error;
      }
    }
  }

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running !== undefined) await terminate(running);
  };

  const endpoint = (port: number): string => `http://${HOST}:${port}/${DEV_ACCOUNT}`;
  return {
    connectionString: [
      "DefaultEndpointsProtocol=http",
      `AccountName=${DEV_ACCOUNT}`,
      `AccountKey=${DEV_ACCOUNT_KEY}`,
      `BlobEndpoint=${endpoint(ports.blob)}`,
      `QueueEndpoint=${endpoint(ports.queue)}`,
      `TableEndpoint=${endpoint(ports.table)}`,
    ].join(";"),
    tableUrl: endpoint(ports.table),
    queueUrl: endpoint(ports.queue),
    blobUrl: endpoint(ports.blob),
    ports,
    location,
    pid: () => (child !== undefined && child.exitCode === null ? child.pid : undefined),
    isRunning: () => child !== undefined && child.exitCode === null,
    stop,
    restart: async () => {
      await stop();
      child = await launch(ports, location, timeoutMs);
    },
    dispose: async () => {
      await stop();
      removeOwnLocation();
      process.removeListener("exit", killOnExit);
    },
  };
}

/**
 * Runs Azurite in this process after arming a watchdog: if the process that started it dies without stopping it
 * (a crashed or killed vitest worker, a `kill -9` of the local host), Azurite gets SIGTERM, shuts down its servers
 * and exits instead of being orphaned on the ports. The timer is unref'd so it never keeps Azurite alive by itself.
 */
const WATCHDOG = `
const [parentPid, entry, ...rest] = process.argv.slice(1);
setInterval(() => {
  try { process.kill(Number(parentPid), 0); } catch { process.kill(process.pid, "SIGTERM"); }
}, 1000).unref();
process.argv = [process.argv[0], entry, ...rest];
require(entry);
`;

function azuriteEntry(): string {
  const require = createRequire(__filename);
  const packageJson = require.resolve("azurite/package.json");
  const bin = (JSON.parse(readFileSync(packageJson, "utf8")) as { bin: Record<string, string> }).bin["azurite"];
  if (bin === undefined)
    throw new Error("The azurite package has no 'azurite' bin; is azurite@^3.37 installed (npm ci)?");
  return join(dirname(packageJson), bin);
}

async function launch(ports: AzuritePorts, location: string | undefined, timeoutMs: number): Promise<ChildProcess> {
  const args = [
    azuriteEntry(),
    "--disableTelemetry",
    "--silent",
    "--skipApiVersionCheck",
    "--blobHost",
    HOST,
    "--blobPort",
    String(ports.blob),
    "--queueHost",
    HOST,
    "--queuePort",
    String(ports.queue),
    "--tableHost",
    HOST,
    "--tablePort",
    String(ports.table),
    ...(location !== undefined ? ["--location", location] : ["--inMemoryPersistence"]),
  ];
  // node itself, not a shell wrapper, so the pid we signal is Azurite's; the watchdog runs inside that process.
  // Its own process group: a Ctrl-C in the terminal reaches the host, which drains its invocations before it stops
  // Azurite, instead of Azurite vanishing under them.
  const child = spawn(process.execPath, ["-e", WATCHDOG, String(process.pid), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: location ?? tmpdir(),
    detached: true,
  });
  const output: string[] = [];
  let listening = false;
  const remember = (chunk: Buffer): void => {
    const text = chunk.toString("utf8");
    // The table service starts last: its "listening" line means all three are up.
    if (text.includes("Azurite Table service is successfully listening")) listening = true;
    output.push(text);
    if (output.length > 50) output.shift();
  };
  child.stdout?.on("data", remember);
  child.stderr?.on("data", remember);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output.join("")}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited during start (code ${code}, signal ${signal}):\n${output.join("")}`));
    };
    child.once("exit", onExit);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const poll = async (): Promise<void> => {
      while (child.exitCode === null) {
        if (listening && (await accepts(ports.table)) && (await accepts(ports.queue))) {
          clearTimeout(timer);
          child.removeListener("exit", onExit);
          resolve();
          return;
        }
        await sleep(50);
      }
    };
    void poll();
  });
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // SIGTERM lets Azurite close its servers and save its database; SIGKILL only if it hangs.
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on the port and it can be bound on 127.0.0.1. */
export async function isPortFree(port: number): Promise<boolean> {
  if (await accepts(port)) return false;
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function allFree(ports: AzuritePorts): Promise<boolean> {
  const free = await Promise.all([ports.blob, ports.queue, ports.table].map(isPortFree));
  return free.every(Boolean);
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
