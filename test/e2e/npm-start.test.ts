// `npm start`'s host end to end, as a user runs it: the real functions from dist/, Azurite and the emulator started by
// the host, the start-up timer queuing the first audit, the queue trigger running it, and the API serving it behind
// function keys.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { eventually, processAlive } from "../host/support/host-test-kit";

const REPO = join(__dirname, "..", "..");
const project = mkdtempSync(join(tmpdir(), "npm-start-e2e-"));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(project, { recursive: true, force: true });
});

it("starts Azurite, the emulator and the functions, completes the first audit, and guards /api/runs/latest with keys", async () => {
  copyFileSync(join(REPO, "host.json"), join(project, "host.json"));
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(AzureWebJobs|AUDIT_|AUDITOR_|HOST_|PORT$|TEAMS_|ALERT_|REPORT_)/.test(name),
    ),
  );
  // What `npm start` runs after its build: the dev entry point, which gives the host the ARM emulator.
  child = spawn(process.execPath, [join(REPO, "dist", "dev", "start-local.js")], {
    cwd: project,
    env: {
      ...inherited,
      PORT: "0",
      HOST_FUNCTIONS_DIR: join(REPO, "dist", "src", "functions"),
      HOST_EMULATOR_ESTATE: join(REPO, "samples", "estate.json"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));

  await eventually("the host to listen", () => /Host listening on/.test(output), 60_000);
  const url = /Host listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
  const functionKey = /function key: (\S+)/.exec(output)![1]!;
  const azuritePid = Number(/Azurite \(pid (\d+)/.exec(output)![1]);
  expect(output).toMatch(/runAudit/);
  expect(output).toMatch(/nightlyAudit/);

  const latest = await eventually(
    "the first audit to complete",
    async () => {
      const response = await fetch(`${url}/api/runs/latest`, { headers: { "x-functions-key": functionKey } });
      if (response.status !== 200) return false;
      return (await response.json()) as {
        runId: string;
        status: string;
        summary: {
          scores: {
            byStatus: Record<string, number>;
            estateScore: number;
            estateScoreAllFailures: number;
            excepted: { byStatus: Record<string, number> };
          };
        };
      };
    },
    90_000,
    500,
  );
  expect(latest.status).toBe("completed");
  expect(latest.summary.scores.byStatus.fail).toBe(33);
  // The sample's Azure Policy exemption excepts one low failure: the headline leaves it out, the other score counts it.
  expect(latest.summary.scores.excepted.byStatus.fail).toBe(1);
  expect(latest.summary.scores.estateScoreAllFailures).toBeCloseTo(85.2, 1);
  expect(latest.summary.scores.estateScore).toBeCloseTo(85.3, 1);
  expect(output).toMatch(new RegExp(`run ${latest.runId} completed`));

  expect((await fetch(`${url}/api/runs/latest`)).status).toBe(401);
  expect((await fetch(`${url}/api/runs/latest`, { headers: { "x-functions-key": "wrong" } })).status).toBe(401);
  expect((await fetch(`${url}/api/runs/latest?code=${encodeURIComponent(functionKey)}`)).status).toBe(200);
  // No master key: with REPORT_ADMIN_ROLE unset (as under npm start) a function key alone may request a run.
  expect((await fetch(`${url}/api/runs`, { method: "POST", headers: { "x-functions-key": functionKey } })).status).toBe(
    202,
  );
  // The signed-in door trusts only a principal the platform set: npm start runs in keys mode, so a forged one is dropped.
  const forged = Buffer.from(JSON.stringify({ claims: [{ typ: "roles", val: "Auditor.Read" }] })).toString("base64");
  expect((await fetch(`${url}/api/web/runs/latest`, { headers: { "x-ms-client-principal": forged } })).status).toBe(
    401,
  );

  child.kill("SIGINT");
  expect(await exited).toBe(0);
  await eventually("Azurite to stop", () => !processAlive(azuritePid), 10_000);
}, 180_000);
