// The real functions (dist/) under the local host, as `npm start` serves them:
// - AUDIT_SCHEDULE=garbage does not stop indexing: every other function answers, the timer keeps the default schedule,
//   and GET /api/health (anonymous) is `degraded`, naming the setting and its problem;
// - alerts link to the local host's own URL without REPORT_BASE_URL (the host sets WEBSITE_HOSTNAME, as Core Tools
//   does, and the app's public base URL defaults to it).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import { captureLog } from "../host/support/host-test-kit";
import { SAMPLE } from "../support/run-cli";
import { WebhookReceiver } from "../alerts/webhook-receiver";

const REPO = join(__dirname, "..", "..");
const project = mkdtempSync(join(tmpdir(), "settings-health-"));
let host: LocalHost | undefined;
let receiver: WebhookReceiver;
const log = captureLog();
const errors: string[] = [];
const consoleError = console.error;

beforeAll(async () => {
  copyFileSync(join(REPO, "host.json"), join(project, "host.json"));
  receiver = await WebhookReceiver.start();
  // nightly-audit.js reports the bad schedule on the console when it is loaded.
  console.error = (...args: unknown[]) => void errors.push(args.map(String).join(" "));
  try {
    host = await startLocalHost({
      projectRoot: project,
      functionsDir: join(REPO, "dist", "src", "functions"),
      settings: {
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        AUDIT_SOURCE: `snapshot:${SAMPLE}`,
        AUDIT_SCHEDULE: "garbage",
        TEAMS_WEBHOOK_URL: receiver.url("/local/default"),
        AUDIT_ON_FIRST_START: "false",
      },
      localSettingsFile: false,
      azurite: { persistence: "memory" },
      emulatorEstate: false,
      runTimersOnStart: false,
      port: 0,
      log,
    });
  } finally {
    console.error = consoleError;
  }
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await receiver?.close();
  rmSync(project, { recursive: true, force: true });
});

it("a bad AUDIT_SCHEDULE keeps every function indexed; the timer keeps the default schedule; health names the problem", async () => {
  const names = host!.functions.map((f) => f.name);
  for (const name of ["nightlyAudit", "runAudit", "health", "listRuns", "alertsTest"]) expect(names).toContain(name);
  expect(errors.join("\n")).toMatch(
    /AUDIT_SCHEDULE: expected an NCRONTAB expression .*; nightlyAudit keeps the default schedule \(0 0 2 \* \* \*\)/,
  );
  expect(log.text()).toMatch(/nightlyAudit.*0 0 2 \* \* \*/);

  const runs = await fetch(`${host!.apiUrl}/runs`, { headers: { "x-functions-key": host!.functionKey } });
  expect(runs.status).toBe(200);

  const health = await fetch(`${host!.apiUrl}/health`);
  expect(health.status).toBe(200);
  const body = (await health.json()) as {
    status: string;
    storage: { reachable: boolean };
    settings: { valid: boolean; problems: Array<{ setting: string; problem: string }> };
  };
  expect(body.status).toBe("degraded");
  expect(body.storage.reachable).toBe(true);
  expect(body.settings.valid).toBe(false);
  expect(body.settings.problems).toEqual([
    { setting: "AUDIT_SCHEDULE", problem: expect.stringMatching(/^expected an NCRONTAB expression of 6 fields/) },
  ]);
  // Anonymous: nothing but names and problems; the webhook (a secret) never appears.
  expect(JSON.stringify(body)).not.toContain("sig=");
});

it("alerts link to the local host's URL without REPORT_BASE_URL", async () => {
  const response = await fetch(`${host!.apiUrl}/alerts/test`, {
    method: "POST",
    headers: { "x-functions-key": host!.functionKey },
  });
  expect(response.status).toBe(200);
  const [post] = receiver.postsTo("/local/default");
  expect(post).toBeDefined();
  const links = [...post!.body.matchAll(/"(https?:\/\/[^"]+)"/g)].map((m) => m[1]!);
  const own = links.filter((link) => link.includes("127.0.0.1") || link.includes("localhost"));
  expect(own.length).toBeGreaterThan(0);
  for (const link of own) expect(link.startsWith(`${host!.url}/api/`)).toBe(true);
});
