// Timer triggers of the local host: a schedule read from an app setting (%NAME%), the first run at start-up, runs
// on schedule with a real Timer object, and schedules refused at start with a message that names what is wrong.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost, type LocalHostOptions } from "../../src/host/local-host";
import type { FunctionRegistration } from "../../src/app/function-registration";
import { startAzurite, type Azurite } from "../support/azurite";
import { firings } from "./fixtures/fixture-records";
import { captureLog, eventually, type CapturedLog } from "./support/host-test-kit";

const YEARLY = "0 0 0 1 1 *";
let azurite: Azurite;
let host: LocalHost | undefined;
let log: CapturedLog;

function options(extra: Partial<LocalHostOptions> = {}): LocalHostOptions {
  log = captureLog();
  return {
    functionsDir: join(__dirname, "fixtures", "timer-functions"),
    settings: { AzureWebJobsStorage: azurite.connectionString, HOST_TEST_SCHEDULE: YEARLY },
    localSettingsFile: false,
    hostJson: {},
    emulatorEstate: false,
    port: 0,
    log,
    ...extra,
  };
}

/** A registration built by hand: calling registerTimer here would only add @azure/functions test-mode warnings. */
function timerRegistration(name: string, schedule: string, handler: () => void): FunctionRegistration {
  return { kind: "timer", name, options: { schedule, handler } };
}

const firingsOf = (name: string) => firings.filter((f) => f.functionName === name);

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
});

afterAll(async () => {
  await azurite?.dispose();
});

beforeEach(() => {
  firings.length = 0;
});

afterEach(async () => {
  await host?.stop();
  host = undefined;
});

describe("start-up", () => {
  it("fires a timer once at start-up, with its schedule resolved from the app setting", async () => {
    const before = Date.now();
    host = await startLocalHost(options());
    const [first] = await eventually(
      "the start-up run",
      () => (firingsOf("settingScheduled").length > 0 ? firingsOf("settingScheduled") : undefined),
      2_000,
    );
    expect(first?.at).toBeLessThan(before + 2_000 + host.startupMs);
    const nextNewYear = `${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`;
    expect(first?.timer).toEqual({
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: "0001-01-01T00:00:00.000Z",
        next: nextNewYear,
        lastUpdated: expect.stringMatching(/^\d{4}-/),
      },
    });
    expect(log.text()).toContain(
      `settingScheduled: timerTrigger '${YEARLY}' from %HOST_TEST_SCHEDULE% (UTC), next ${nextNewYear}; fires now, at start-up`,
    );
    expect(log.text()).toContain(
      "Executing 'Functions.settingScheduled' (Reason='Timer fired at start-up of the local host'",
    );
    expect(log.text()).toContain(`[settingScheduled] fired, next ${nextNewYear}`);
    // Yearly: nothing more for a while.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(firingsOf("settingScheduled")).toHaveLength(1);
  });

  it("does not fire at start-up when the host is told not to, or the timer says runOnStartup: false", async () => {
    host = await startLocalHost(
      options({
        settings: {
          AzureWebJobsStorage: azurite.connectionString,
          HOST_TEST_SCHEDULE: YEARLY,
          HOST_TIMERS_ON_START: "false",
        },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(firingsOf("settingScheduled")).toEqual([]);
    expect(host.functions.find((fn) => fn.name === "everySecond")).toMatchObject({
      kind: "timer",
      firesAtStart: false,
    });
  });
});

describe("on schedule", () => {
  it("fires at each occurrence, reporting the previous one as last", async () => {
    host = await startLocalHost(options());
    const [first, second] = await eventually(
      "two scheduled runs",
      () => (firingsOf("everySecond").length >= 2 ? firingsOf("everySecond") : undefined),
      5_000,
    );
    if (first === undefined || second === undefined) throw new Error("unreachable");
    // Occurrences are whole seconds. The second run reports the first one's occurrence as last, which was at most a
    // moment (generously: under 2 s on a loaded machine) before the first run started.
    const isWholeSecond = (iso: string): boolean => new Date(iso).getTime() % 1000 === 0;
    expect(first.timer.scheduleStatus.last).toBe("0001-01-01T00:00:00.000Z");
    const lastMs = new Date(second.timer.scheduleStatus.last).getTime();
    expect(isWholeSecond(second.timer.scheduleStatus.last)).toBe(true);
    expect(first.at - lastMs).toBeGreaterThanOrEqual(0);
    expect(first.at - lastMs).toBeLessThan(2_000);
    expect(isWholeSecond(second.timer.scheduleStatus.next)).toBe(true);
    expect(new Date(second.timer.scheduleStatus.next).getTime()).toBeGreaterThan(lastMs);
  });

  it("keeps a timer scheduled after its handler failed", async () => {
    let calls = 0;
    const failing = timerRegistration("failingTimer", "*/1 * * * * *", () => {
      calls += 1;
      throw new Error("timer body failed");
    });
    host = await startLocalHost(options({ registrations: [failing] }));
    await eventually("a run after the failing start-up run", () => calls >= 2, 5_000);
    expect(log.text()).toContain("[failingTimer] Error: timer body failed");
    expect(log.text()).toContain("[failingTimer] the timer stays scheduled");
  });

  it("fires nothing after stop()", async () => {
    host = await startLocalHost(options());
    await eventually("a scheduled run", () => firingsOf("everySecond").length >= 1, 5_000);
    await host.stop();
    const count = firings.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(firings.length).toBe(count);
  });
});

describe("schedules refused at start", () => {
  const handler = (): void => undefined;

  it.each([
    [
      "%HOST_TEST_MISSING%",
      /Timer 'bad': its schedule %HOST_TEST_MISSING% refers to app setting HOST_TEST_MISSING, which is not set/,
    ],
    ["0 * * * *", /Timer 'bad': schedule "0 \* \* \* \*" has 5 fields; NCRONTAB needs 6/],
    ["0 0 25 * * *", /Timer 'bad': schedule "0 0 25 \* \* \*" is not valid NCRONTAB/],
    ["every day", /has 2 fields/],
  ])("%s", async (schedule, message) => {
    const bad = timerRegistration("bad", schedule, handler);
    const before = { ...process.env };
    await expect(startLocalHost(options({ registrations: [bad] }))).rejects.toThrow(message);
    // The failed start put the environment back.
    expect(process.env).toEqual(before);
  });

  it("names the setting a bad schedule came from", async () => {
    const bad = timerRegistration("bad", "%HOST_TEST_SCHEDULE%", handler);
    const start = startLocalHost(
      options({
        registrations: [bad],
        settings: { AzureWebJobsStorage: azurite.connectionString, HOST_TEST_SCHEDULE: "0 0 * * *" },
      }),
    );
    await expect(start).rejects.toThrow(/"0 0 \* \* \*" \(from HOST_TEST_SCHEDULE\) has 5 fields/);
  });
});
