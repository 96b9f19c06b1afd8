// The report routes served by the local Functions host (host/local-host.ts), as a client sees them: 401 without a
// function key and 200 with one (query or header), health anonymous, 403 from the role check behind a valid key, the
// CSV streamed over HTTP, and the dashboard's links working through the host's key check.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import type { HostLog } from "../../src/host/host-log";
import { useServices } from "../../src/app/services";
import { useReportSettings } from "../../src/report-api/report-settings";
import { encodeResourceId } from "../../src/report-api/resource-id";
import { REPORT_REGISTRATIONS } from "../support/report-registrations";
import { startAzurite, type Azurite } from "../support/azurite";
import { parseCsv } from "../support/csv-parse";
import { principalHeader } from "./invoke";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

const LEGACY_NSG =
  "/subscriptions/7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f/resourceGroups/rg-compute-dev/providers/Microsoft.Network/networkSecurityGroups/nsg-sqlvm-legacy";
const silentLog: HostLog = { info: () => {}, warn: () => {}, error: () => {} };

let azurite: Azurite;
let fixture: ReportFixture;
let host: LocalHost;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("host"));
  await fixture.audit(new Date(Date.now() - 86_400_000), { weakTls: true, legacyNsgClosed: true });
  await fixture.audit(new Date(Date.now() - 60_000));
  useServices(fixture.services);
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    host = await startLocalHost({
      registrations: REPORT_REGISTRATIONS,
      settings: { AzureWebJobsStorage: azurite.connectionString, AUDITOR_FUNCTION_KEY: "", AUDITOR_ADMIN_KEY: "" },
      localSettingsFile: false,
      hostJson: {},
      emulatorEstate: false,
      port: 0,
      log: silentLog,
    });
  } finally {
    warn.mockRestore();
  }
}, 180_000);

afterAll(async () => {
  await host?.stop();
  useServices(undefined);
  useReportSettings(undefined);
  fixture?.dispose();
  await azurite?.dispose();
});

beforeEach(() => useReportSettings({}));

const ROUTES = [
  "runs",
  "runs/latest",
  "findings",
  `resources/${encodeResourceId(LEGACY_NSG)}/history`,
  "rules",
  "openapi.json",
  "dashboard",
  // One level below /api/dashboard: the host routes it to its own function, not the dashboard's.
  "dashboard/compliance",
];

describe("report routes behind the local host", () => {
  it.each(ROUTES)(
    "/api/%s: 401 without a valid function key, 200 with one in ?code= or x-functions-key",
    async (route) => {
      expect((await fetch(`${host.apiUrl}/${route}`)).status).toBe(401);
      expect((await fetch(`${host.apiUrl}/${route}${route.includes("?") ? "&" : "?"}code=wrong`)).status).toBe(401);
      const withCode = await fetch(`${host.apiUrl}/${route}?code=${encodeURIComponent(host.functionKey)}`);
      expect(withCode.status).toBe(200);
      await withCode.arrayBuffer();
      const withHeader = await fetch(`${host.apiUrl}/${route}`, { headers: { "x-functions-key": host.functionKey } });
      expect(withHeader.status).toBe(200);
      await withHeader.arrayBuffer();
    },
  );

  it("health needs no key", async () => {
    const response = await fetch(`${host.apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", storage: { reachable: true } });
  });

  it("keys mode drops a principal a client sends: with App Service Authentication 'on', a forged one is not seen", async () => {
    // Even were the app told authentication is on, the host (like Easy Auth) never passes a client's own copy.
    useReportSettings({ requiredRole: "MiAudit.Reader", authEnabled: true });
    const forged = {
      "x-ms-client-principal": principalHeader(["Other.Role"]),
      "x-ms-client-principal-name": "mallory",
    };
    const keyDoor = await fetch(`${host.apiUrl}/runs`, { headers: { "x-functions-key": host.functionKey, ...forged } });
    // Seen, the forged principal would have been refused (403); dropped, the key alone reads.
    expect(keyDoor.status).toBe(200);
    await keyDoor.arrayBuffer();
    const signedInDoor = await fetch(`${host.apiUrl}/web/runs`, { headers: forged });
    expect(signedInDoor.status).toBe(401);
    await signedInDoor.arrayBuffer();
  });

  it("streams the CSV export over HTTP (chunked, no Content-Length) with every result of the run", async () => {
    const response = await fetch(`${host.apiUrl}/findings?format=csv&code=${encodeURIComponent(host.functionKey)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBeNull();
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    const records = parseCsv(await response.text());
    // Every result of the latest run, the passes it did not store again included, as its record counts them.
    const runs = await fetch(`${host.apiUrl}/runs?code=${encodeURIComponent(host.functionKey)}`);
    const latest = ((await runs.json()) as { items: { runId: string; findings: number; findingsStored: number }[] })
      .items[0]!;
    expect(latest.findingsStored).toBeGreaterThan(10);
    expect(records).toHaveLength(latest.findings);
  });

  it("the dashboard opened with ?code= links to pages the host lets through", async () => {
    const page = await fetch(`${host.apiUrl}/dashboard?code=${encodeURIComponent(host.functionKey)}`);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const hrefs = [...(await page.text()).matchAll(/href="([^"]+)"/g)]
      .map((m) => m[1]!.replace(/&amp;/g, "&"))
      .filter((h) => !h.startsWith("https:"));
    const targets = new Set(hrefs.map((h) => h.split("?")[0]));
    expect(targets).toEqual(
      new Set([
        "dashboard",
        "dashboard/compliance",
        "dashboard/exceptions",
        "runs",
        "rules",
        "openapi.json",
        `runs/${fixture.runIds[1]}`,
        "findings",
        ...[...targets].filter((t) => t!.startsWith("resources/")),
      ]),
    );
    for (const href of new Set(hrefs)) {
      const response = await fetch(new URL(href, `${host.apiUrl}/dashboard`));
      expect(response.status, href).toBe(200);
      await response.arrayBuffer();
    }
  });

  it("the framework view, one level down, links back up to pages the host lets through", async () => {
    const at = `${host.apiUrl}/dashboard/compliance?framework=CIS&code=${encodeURIComponent(host.functionKey)}`;
    const page = await fetch(at);
    expect(page.status).toBe(200);
    const hrefs = [...(await page.text()).matchAll(/href="([^"]+)"/g)]
      .map((m) => m[1]!.replace(/&amp;/g, "&"))
      .filter((h) => !h.startsWith("https:"));
    const targets = new Set(hrefs.map((h) => new URL(h, at).pathname.replace(/^\/api\//, "")));
    expect([...targets].filter((t) => !t.startsWith("runs/"))).toEqual(
      expect.arrayContaining([
        "dashboard",
        "dashboard/compliance",
        "dashboard/exceptions",
        "compliance",
        "runs",
        "rules",
        "openapi.json",
      ]),
    );
    for (const href of new Set(hrefs)) {
      const response = await fetch(new URL(href, at));
      expect(response.status, href).toBe(200);
      await response.arrayBuffer();
    }
  });
});
