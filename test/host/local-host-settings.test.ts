// How the local host reads its configuration: local.settings.json under the environment, what it starts or leaves
// alone depending on AzureWebJobsStorage / AUDIT_SOURCE / AUDIT_ARM_ENDPOINT, configured keys, PORT, and clear
// errors that name the setting. The environment is always put back afterwards.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost, type LocalHostOptions } from "../../src/host/local-host";
import { freePort, startAzurite, type Azurite } from "../support/azurite";
import { captureLog, type CapturedLog } from "./support/host-test-kit";

let azurite: Azurite;
let host: LocalHost | undefined;
let log: CapturedLog;
const directory = mkdtempSync(join(tmpdir(), "local-host-settings-"));

function settingsFile(name: string, content: unknown): string {
  const file = join(directory, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

function options(extra: Partial<LocalHostOptions> = {}): LocalHostOptions {
  log = captureLog();
  return {
    projectRoot: directory,
    functionsDir: join(__dirname, "fixtures", "lifecycle-functions"),
    settings: { AzureWebJobsStorage: azurite.connectionString },
    localSettingsFile: false,
    hostJson: {},
    emulatorEstate: false,
    port: 0,
    log,
    ...extra,
  };
}

async function shownSettings(): Promise<Record<string, string | null>> {
  return (await (await fetch(`${host?.apiUrl}/settings`)).json()) as Record<string, string | null>;
}

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
});

afterEach(async () => {
  await host?.stop();
  host = undefined;
  delete process.env["HOST_TEST_BOTH"];
});

afterAll(async () => {
  await azurite?.dispose();
  rmSync(directory, { recursive: true, force: true });
});

describe("local.settings.json", () => {
  it("adds its Values to the environment, lets the environment win, and takes them away on stop", async () => {
    process.env["HOST_TEST_BOTH"] = "environment";
    const file = settingsFile("local.settings.json", {
      IsEncrypted: false,
      Values: { HOST_TEST_FROM_FILE: "file", HOST_TEST_BOTH: "file" },
    });
    host = await startLocalHost(options({ localSettingsFile: file }));
    expect(await shownSettings()).toMatchObject({ HOST_TEST_FROM_FILE: "file", HOST_TEST_BOTH: "environment" });
    await host.stop();
    expect(process.env["HOST_TEST_FROM_FILE"]).toBeUndefined();
    expect(process.env["HOST_TEST_BOTH"]).toBe("environment");
  });

  it("takes the port from Host.LocalHttpPort unless PORT is set", async () => {
    const port = await freePort();
    host = await startLocalHost(
      options({
        port: undefined,
        localSettingsFile: settingsFile("port.settings.json", { Values: {}, Host: { LocalHttpPort: port } }),
      }),
    );
    expect(host.port).toBe(port);
    await host.stop();
    const other = await freePort();
    host = await startLocalHost(
      options({
        port: undefined,
        settings: { AzureWebJobsStorage: azurite.connectionString, PORT: String(other) },
        localSettingsFile: settingsFile("port2.settings.json", { Values: {}, Host: { LocalHttpPort: port } }),
      }),
    );
    expect(host.port).toBe(other);
  });

  it.each([
    ["not JSON", "{ nope", /local\.settings\.json: not valid JSON/],
    ["encrypted", { IsEncrypted: true, Values: {} }, /IsEncrypted is true/],
    ["a value that is an object", { Values: { X: { a: 1 } } }, /Values\.X must be a string/],
  ])("refuses a file that is %s", async (_, content, message) => {
    const before = { ...process.env };
    await expect(
      startLocalHost(options({ localSettingsFile: settingsFile("local.settings.json", content) })),
    ).rejects.toThrow(message);
    expect(process.env).toEqual(before);
  });
});

describe("what the host starts", () => {
  it("uses a configured AzureWebJobsStorage as it is and starts no Azurite", async () => {
    host = await startLocalHost(options());
    expect(host.azurite).toBeUndefined();
    expect(host.storageConnectionString).toBe(azurite.connectionString);
    expect(log.text()).toContain("Storage:  AzureWebJobsStorage as configured (Azurite not started)");
  });

  it("starts no emulator for a snapshot source, and leaves a configured AUDIT_ARM_ENDPOINT alone", async () => {
    host = await startLocalHost(
      options({
        emulatorEstate: undefined,
        settings: { AzureWebJobsStorage: azurite.connectionString, AUDIT_SOURCE: "snapshot:samples/estate.json" },
      }),
    );
    expect(host.emulator).toBeUndefined();
    expect((await shownSettings())["AUDIT_ARM_ENDPOINT"]).toBeNull();
    await host.stop();
    host = await startLocalHost(
      options({
        emulatorEstate: undefined,
        settings: { AzureWebJobsStorage: azurite.connectionString, AUDIT_ARM_ENDPOINT: "https://arm.example.test" },
      }),
    );
    expect(host.emulator).toBeUndefined();
    expect((await shownSettings())["AUDIT_ARM_ENDPOINT"]).toBe("https://arm.example.test");
    expect(log.text()).toContain("emulator not started: AUDIT_ARM_ENDPOINT is set (https://arm.example.test)");
  });

  it("starts no emulator when it is given none, as `node dist/src/host/local-host.js` without the dev entry point", async () => {
    host = await startLocalHost(options({ emulatorEstate: undefined }));
    expect(host.emulator).toBeUndefined();
    expect((await shownSettings())["AUDIT_ARM_ENDPOINT"]).toBeNull();
    expect(log.text()).toContain(
      "ARM:      emulator not started: this host was given none (npm start runs dev/start-local.js",
    );
  });
});

describe("keys", () => {
  it("uses configured keys and names their settings instead of printing them", async () => {
    const functionKey = "configured-function-key-0123456789abcdef";
    const adminKey = "configured-admin-key-0123456789abcdef";
    host = await startLocalHost(
      options({
        settings: {
          AzureWebJobsStorage: azurite.connectionString,
          AUDITOR_FUNCTION_KEY: functionKey,
          AUDITOR_ADMIN_KEY: adminKey,
        },
      }),
    );
    expect(host.functionKey).toBe(functionKey);
    expect(host.adminKey).toBe(adminKey);
    expect(log.text()).toContain("function key: from AUDITOR_FUNCTION_KEY");
    expect(log.text()).toContain("master key:   from AUDITOR_ADMIN_KEY");
    expect(log.text()).not.toContain(functionKey);
    expect(log.text()).not.toContain(adminKey);
  });
});

describe("errors that name the setting", () => {
  it.each([
    [{ HOST_QUEUE_WORKERS: "many" }, /HOST_QUEUE_WORKERS: expected a whole number from 1 to 64, found "many"/],
    [{ PORT: "70000" }, /PORT: expected a whole number from 0 to 65535/],
    [{ HOST_TIMERS_ON_START: "maybe" }, /HOST_TIMERS_ON_START: expected true or false/],
  ])("%j", async (settings, message) => {
    await expect(
      startLocalHost(
        options({ port: undefined, settings: { AzureWebJobsStorage: azurite.connectionString, ...settings } }),
      ),
    ).rejects.toThrow(message);
  });

  it("names the host.json setting that is wrong", async () => {
    await expect(
      startLocalHost(options({ hostJson: { extensions: { queues: { maxDequeueCount: 0 } } } })),
    ).rejects.toThrow(/extensions\.queues\.maxDequeueCount: expected a whole number from 1 to 10000, found 0/);
    await expect(
      startLocalHost(options({ hostJson: { extensions: { queues: { visibilityTimeout: "30s" } } } })),
    ).rejects.toThrow(/extensions\.queues\.visibilityTimeout: expected a time span such as "00:00:30", found "30s"/);
  });

  it("refuses a port in use with a hint", async () => {
    host = await startLocalHost(options());
    await expect(startLocalHost(options({ port: host.port }))).rejects.toThrow(
      `Port ${host.port} on 127.0.0.1 is in use: stop what uses it or set PORT (PORT=0 picks a free port).`,
    );
  });
});
