// Start and stop of the local host: with its own Azurite and ARM emulator in-process, and as `npm start` runs it
// (node dist/dev/start-local.js, the host given the emulator) in a child process stopped by SIGTERM or killed. After a stop no process is left
// and no port is open; a request running when the stop began still gets its answer.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startArmEmulator } from "../../dev/start-local";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import { azuriteProcessesOf } from "./support/azurite-processes";
import { captureLog, eventually, portAccepts, processAlive } from "./support/host-test-kit";

const REPO = join(__dirname, "..", "..");
const ENTRY = join(REPO, "dist", "dev", "start-local.js");
const ESTATE = join(REPO, "samples", "estate.json");
const temporaryDirectories: string[] = [];

function temporaryProject(localSettings?: unknown): string {
  const directory = mkdtempSync(join(tmpdir(), "local-host-test-"));
  temporaryDirectories.push(directory);
  copyFileSync(join(REPO, "host.json"), join(directory, "host.json"));
  if (localSettings !== undefined) writeFileSync(join(directory, "local.settings.json"), JSON.stringify(localSettings));
  return directory;
}

afterAll(() => {
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

describe("in-process", () => {
  let host: LocalHost | undefined;

  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  it("starts its own Azurite and emulator, points the settings at them, and stops everything", async () => {
    const log = captureLog();
    const before = { ...process.env };
    host = await startLocalHost({
      projectRoot: temporaryProject(),
      functionsDir: join(__dirname, "fixtures", "lifecycle-functions"),
      settings: { AzureWebJobsStorage: "UseDevelopmentStorage=true" },
      localSettingsFile: false,
      azurite: { persistence: "memory" },
      startArmEmulator,
      emulatorEstate: ESTATE,
      port: 0,
      log,
    });
    const { azurite, emulator } = host;
    if (azurite === undefined || emulator === undefined)
      throw new Error("Azurite and the emulator should have been started");
    const azuritePid = azurite.pid;
    if (azuritePid === undefined) throw new Error("Azurite has no pid");
    const emulatorPort = Number(new URL(emulator.url).port);

    const shown = (await (await fetch(`${host.apiUrl}/settings`)).json()) as Record<string, string | null>;
    expect(shown["AzureWebJobsStorage"]).toBe(host.storageConnectionString);
    expect(shown["AzureWebJobsStorage"]).toContain(
      `QueueEndpoint=http://127.0.0.1:${azurite.ports.queue}/devstoreaccount1`,
    );
    expect(shown["AUDIT_ARM_ENDPOINT"]).toBe(emulator.url);
    expect(shown["AUDIT_ARM_CA"]).toBe(emulator.caFile);
    expect(existsSync(emulator.caFile)).toBe(true);
    expect(log.text()).toContain(`ARM:      emulator ${emulator.url} serving ${ESTATE}`);
    for (const port of [host.port, azurite.ports.blob, azurite.ports.queue, azurite.ports.table, emulatorPort])
      expect(await portAccepts(port)).toBe(true);

    // A request in flight when the stop begins is answered; the stop waits for it.
    const slow = fetch(`${host.apiUrl}/slow?ms=600`).then(async (response) => ({
      status: response.status,
      text: await response.text(),
    }));
    await eventually("the slow request to be running", () => host?.inFlight() === 1);
    const stopped = host.stop();
    expect(await slow).toEqual({ status: 200, text: "finished" });
    await stopped;

    expect(processAlive(azuritePid)).toBe(false);
    for (const port of [host.port, azurite.ports.blob, azurite.ports.queue, azurite.ports.table, emulatorPort])
      expect(await portAccepts(port)).toBe(false);
    expect(existsSync(emulator.caFile)).toBe(false);
    expect(azuriteProcessesOf(process.pid)).toEqual([]);
    expect(process.env).toEqual(before);
    expect(log.text()).toContain("Host stopped.");
  });

  it("leaves nothing running when the start fails half-way", async () => {
    const before = azuriteProcessesOf(process.pid);
    const start = startLocalHost({
      projectRoot: temporaryProject(),
      functionsDir: join(__dirname, "fixtures", "no-such-directory"),
      settings: { AzureWebJobsStorage: "UseDevelopmentStorage=true" },
      localSettingsFile: false,
      azurite: { persistence: "memory" },
      startArmEmulator,
      emulatorEstate: ESTATE,
      port: 0,
      log: captureLog(),
    });
    await expect(start).rejects.toThrow(/No functions directory at .*no-such-directory: run 'npm run build' first/);
    expect(azuriteProcessesOf(process.pid)).toEqual(before);
  });
});

/** The compiled entry must match the sources, or this would test yesterday's host. */
function assertFreshBuild(): void {
  const sources = [
    ...readdirSync(join(REPO, "src", "host"))
      .filter((name) => name.endsWith(".ts"))
      .map((name) => join(REPO, "src", "host", name)),
    join(REPO, "dev", "start-local.ts"),
  ];
  const newestSource = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (!existsSync(ENTRY) || statSync(ENTRY).mtimeMs < newestSource) {
    throw new Error(
      "dist/dev/start-local.js is missing or older than src/host/*.ts or dev/start-local.ts: run 'npm run build' (npm test does) before this test",
    );
  }
}

interface RunningChild {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnHost(cwd: string, env: Record<string, string>): RunningChild {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AzureWebJobs|AUDIT_|AUDITOR_|HOST_|PORT$)/.test(name)),
  ) as Record<string, string>;
  const child = spawn(process.execPath, [ENTRY], {
    cwd,
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

function bannerFacts(output: string): { url: string; functionKey: string; azuritePid: number; azuritePorts: number[] } {
  const url = /Host listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  const functionKey = /function key: (\S+)/.exec(output)?.[1];
  const azurite =
    /Azurite \(pid (\d+);.*blob http:\/\/127\.0\.0\.1:(\d+), queue http:\/\/127\.0\.0\.1:(\d+), table http:\/\/127\.0\.0\.1:(\d+)/.exec(
      output,
    );
  if (url === undefined || functionKey === undefined || azurite === null)
    throw new Error(`unexpected banner:\n${output}`);
  return { url, functionKey, azuritePid: Number(azurite[1]), azuritePorts: [2, 3, 4].map((i) => Number(azurite[i])) };
}

describe("node dist/dev/start-local.js (npm start)", () => {
  const children: ChildProcess[] = [];

  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  it("reads local.settings.json (the environment wins), serves, and stops cleanly on SIGTERM", async () => {
    assertFreshBuild();
    const project = temporaryProject({
      IsEncrypted: false,
      Values: {
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        HOST_TEST_FROM_FILE: "file",
        HOST_TEST_BOTH: "file",
      },
    });
    const spawnedAt = Date.now();
    const running = spawnHost(project, {
      HOST_FUNCTIONS_DIR: join(__dirname, "fixtures", "js-functions"),
      HOST_EMULATOR_ESTATE: ESTATE,
      PORT: "0",
      HOST_TEST_BOTH: "environment",
    });
    children.push(running.child);
    await eventually("the host to listen", () => /Host listening on/.test(running.output()), 30_000);
    const facts = bannerFacts(running.output());
    const ping = await fetch(`${facts.url}/api/ping`, { headers: { "x-functions-key": facts.functionKey } });
    const firstAnswerMs = Date.now() - spawnedAt;
    console.log(`local host child: first answer ${firstAnswerMs} ms after spawn`);
    expect(ping.status).toBe(200);
    const shown = (await ping.json()) as Record<string, string | undefined>;
    expect(shown).toMatchObject({ pong: true, fromFile: "file", both: "environment" });
    expect(shown["storage"]).toContain(`QueueEndpoint=http://127.0.0.1:${facts.azuritePorts[1]}/devstoreaccount1`);
    expect(shown["armEndpoint"]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caFile = shown["armCa"] ?? "";
    expect(existsSync(caFile)).toBe(true);
    expect((await fetch(`${facts.url}/api/ping`)).status).toBe(401);
    expect(existsSync(join(project, ".azurite"))).toBe(true);
    expect(running.output()).toContain("@azure/functions runs in test mode outside the Functions runtime (2 warnings");
    expect(running.output()).not.toContain("Skipping call to register");
    expect(running.output()).not.toContain("HTTP streaming enabled.");

    const slow = fetch(`${facts.url}/api/slow`).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill("SIGTERM");
    expect(await slow).toBe("finished");
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(running.output()).toContain("Host stopped.");
    expect(processAlive(facts.azuritePid)).toBe(false);
    const hostPort = Number(new URL(facts.url).port);
    const armPort = Number(new URL(shown["armEndpoint"] ?? "").port);
    for (const port of [hostPort, armPort, ...facts.azuritePorts]) expect(await portAccepts(port)).toBe(false);
    expect(existsSync(caFile)).toBe(false);
  }, 60_000);

  it("leaves no Azurite behind when it is killed outright", async () => {
    assertFreshBuild();
    const running = spawnHost(temporaryProject(), {
      HOST_FUNCTIONS_DIR: join(__dirname, "fixtures", "js-functions"),
      AUDIT_SOURCE: `snapshot:${ESTATE}`,
      PORT: "0",
    });
    children.push(running.child);
    await eventually("the host to listen", () => /Host listening on/.test(running.output()), 30_000);
    expect(running.output()).toContain(
      `ARM:      emulator not started: AUDIT_SOURCE=snapshot:${ESTATE} needs no ARM endpoint`,
    );
    const facts = bannerFacts(running.output());
    expect(processAlive(facts.azuritePid)).toBe(true);
    running.child.kill("SIGKILL");
    await running.exited;
    // Azurite's watchdog notices its parent is gone within a second and shuts it down. (Nothing reaps the orphan
    // at once here, and its last threads may still hold the sockets for a moment after it shows as a zombie.)
    await eventually("Azurite to exit", () => !processAlive(facts.azuritePid), 10_000);
    for (const port of facts.azuritePorts)
      await eventually(`port ${port} to close`, async () => !(await portAccepts(port)), 5_000);
  }, 60_000);
});
