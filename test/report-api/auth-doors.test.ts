// Who may call what, through the local Functions host (docs/api.md, Who may call what). The expected statuses are the
// model's, written out per access class (public, reader, admin) × door (/api key door, /api/web signed-in door) ×
// caller (no credentials, a function key, a trusted principal with or without the role, both): the host in principal
// mode plays App Service Authentication, passing x-ms-client-principal through as the platform would set it; in keys
// mode a principal a client sends is dropped. Card links open the signed-in door's dashboard page of a resource.
import { HttpRequest } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { alertLinks } from "../../src/alerts/alert-message";
import { useServices } from "../../src/app/services";
import { publicBaseUrl } from "../../src/config/public-base-url";
import type { HostLog } from "../../src/host/host-log";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import { reportSettingsFromEnv, useReportSettings } from "../../src/report-api/report-settings";
import { signInRedirect } from "../../src/report-api/request-authorization";
import { alertsTestFunctions } from "../../src/functions/alerts-test";
import { dashboardFunctions } from "../../src/functions/dashboard";
import { getRunFunctions } from "../../src/functions/get-run";
import { healthFunctions } from "../../src/functions/health";
import { listFindingsFunctions } from "../../src/functions/list-findings";
import { listRunsFunctions } from "../../src/functions/list-runs";
import { startAuditFunctions } from "../../src/functions/start-audit";
import { startAzurite, type Azurite } from "../support/azurite";
import { principalHeader } from "./invoke";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

const MI =
  "/subscriptions/8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60/resourceGroups/rg-data-shared/providers/Microsoft.Sql/managedInstances/sqlmi-shared-01";
const READ = "Auditor.Read";
const ADMIN = "Auditor.Admin";
const silentLog: HostLog = { info: () => {}, warn: () => {}, error: () => {} };
const REGISTRATIONS = [
  healthFunctions,
  listRunsFunctions,
  getRunFunctions,
  listFindingsFunctions,
  dashboardFunctions,
  startAuditFunctions,
  alertsTestFunctions,
].flat();

let azurite: Azurite;
let fixture: ReportFixture;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("doors"));
  await fixture.audit(new Date(Date.now() - 60_000));
  useServices(fixture.services);
}, 180_000);

afterAll(async () => {
  useServices(undefined);
  useReportSettings(undefined);
  fixture?.dispose();
  await azurite?.dispose();
});

async function startHost(mode: "keys" | "principal"): Promise<LocalHost> {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    return await startLocalHost({
      registrations: REGISTRATIONS,
      settings: {
        AzureWebJobsStorage: azurite.connectionString,
        AUDITOR_FUNCTION_KEY: "",
        AUDITOR_ADMIN_KEY: "",
        HOST_AUTH_MODE: mode,
      },
      localSettingsFile: false,
      hostJson: {},
      emulatorEstate: false,
      port: 0,
      log: silentLog,
    });
  } finally {
    warn.mockRestore();
  }
}

/** The app's settings as it reads them under the host, with the roles given. */
function useRoles(roles: { required?: string; admin?: string }): void {
  useReportSettings(
    reportSettingsFromEnv({
      ...process.env,
      ...(roles.required !== undefined ? { REPORT_REQUIRED_ROLE: roles.required } : {}),
      ...(roles.admin !== undefined ? { REPORT_ADMIN_ROLE: roles.admin } : {}),
    }),
  );
}

type Caller = "nobody" | "key" | "reader" | "admin" | "noRole" | "key+reader" | "key+admin" | "key+noRole";

function headersOf(caller: Caller, host: LocalHost): Record<string, string> {
  const headers: Record<string, string> = { "x-ms-client-principal-name": "alice@contoso.com" };
  if (caller.startsWith("key")) headers["x-functions-key"] = host.functionKey;
  const roles = caller.endsWith("reader") ? [READ] : caller.endsWith("admin") ? [ADMIN] : [];
  if (caller !== "nobody" && caller !== "key") headers["x-ms-client-principal"] = principalHeader(roles);
  return headers;
}

interface Case {
  access: "public" | "reader" | "admin";
  door: "key" | "signedIn";
  caller: Caller;
  status: number;
}

// The model, with REPORT_REQUIRED_ROLE=Auditor.Read and REPORT_ADMIN_ROLE=Auditor.Admin:
// - public (health): open to anyone, one door.
// - key door: the host wants a function key (401 without); then a key alone reads but no longer uses admin routes
//   (the admin role is set); a principal that comes with the key is held to the route's role.
// - signed-in door: a principal is required (401 without, key or not); readers need Auditor.Read, admin routes
//   Auditor.Admin.
// An admin route that lets the caller through answers 409 here: alerting is off in this app.
const WITH_BOTH_ROLES: Case[] = [
  ...(["nobody", "key", "reader", "noRole"] as const).map((caller) => ({
    access: "public" as const,
    door: "key" as const,
    caller,
    status: 200,
  })),
  { access: "reader", door: "key", caller: "nobody", status: 401 },
  { access: "reader", door: "key", caller: "reader", status: 401 },
  { access: "reader", door: "key", caller: "key", status: 200 },
  { access: "reader", door: "key", caller: "key+reader", status: 200 },
  { access: "reader", door: "key", caller: "key+noRole", status: 403 },
  { access: "reader", door: "key", caller: "key+admin", status: 403 },
  { access: "reader", door: "signedIn", caller: "nobody", status: 401 },
  { access: "reader", door: "signedIn", caller: "key", status: 401 },
  { access: "reader", door: "signedIn", caller: "reader", status: 200 },
  { access: "reader", door: "signedIn", caller: "noRole", status: 403 },
  { access: "reader", door: "signedIn", caller: "admin", status: 403 },
  { access: "admin", door: "key", caller: "nobody", status: 401 },
  { access: "admin", door: "key", caller: "admin", status: 401 },
  { access: "admin", door: "key", caller: "key", status: 403 },
  { access: "admin", door: "key", caller: "key+reader", status: 403 },
  { access: "admin", door: "key", caller: "key+admin", status: 409 },
  { access: "admin", door: "signedIn", caller: "nobody", status: 401 },
  { access: "admin", door: "signedIn", caller: "key", status: 401 },
  { access: "admin", door: "signedIn", caller: "reader", status: 403 },
  { access: "admin", door: "signedIn", caller: "noRole", status: 403 },
  { access: "admin", door: "signedIn", caller: "admin", status: 409 },
];

// Without any role setting: a key alone may do everything at the key door (as before roles); at the signed-in door any
// signed-in caller reads, and admin routes are closed (403 naming REPORT_ADMIN_ROLE) until the setting names a role.
const WITHOUT_ROLES: Case[] = [
  { access: "reader", door: "key", caller: "key", status: 200 },
  { access: "reader", door: "key", caller: "key+noRole", status: 200 },
  { access: "reader", door: "signedIn", caller: "noRole", status: 200 },
  { access: "reader", door: "signedIn", caller: "nobody", status: 401 },
  { access: "admin", door: "key", caller: "key", status: 409 },
  { access: "admin", door: "key", caller: "key+noRole", status: 409 },
  { access: "admin", door: "signedIn", caller: "admin", status: 403 },
  { access: "admin", door: "signedIn", caller: "noRole", status: 403 },
];

async function call(host: LocalHost, { access, door, caller }: Omit<Case, "status">): Promise<Response> {
  const prefix = door === "signedIn" ? "web/" : "";
  const headers = headersOf(caller, host);
  if (access === "public") return fetch(`${host.apiUrl}/health`, { headers });
  if (access === "reader") return fetch(`${host.apiUrl}/${prefix}runs`, { headers });
  return fetch(`${host.apiUrl}/${prefix}alerts/test`, { method: "POST", headers });
}

const label = (c: Case) => `${c.access} route, ${c.door} door, ${c.caller}: ${c.status}`;

describe("principal mode (the host plays App Service Authentication)", () => {
  let host: LocalHost;

  beforeAll(async () => {
    host = await startHost("principal");
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  it("tells the app that authentication is on", () => {
    expect(host.authMode).toBe("principal");
    expect(reportSettingsFromEnv().authEnabled).toBe(true);
  });

  it.each(WITH_BOTH_ROLES.map((c) => [label(c), c] as const))("%s", async (_, c) => {
    useRoles({ required: READ, admin: ADMIN });
    const response = await call(host, c);
    const text = await response.text();
    expect(response.status, text).toBe(c.status);
    if (c.status === 401 || c.status === 403) expect(JSON.parse(text).error.message).toBeTruthy();
  });

  it.each(WITHOUT_ROLES.map((c) => [label(c), c] as const))("no roles set: %s", async (_, c) => {
    useRoles({});
    const response = await call(host, c);
    const text = await response.text();
    expect(response.status, text).toBe(c.status);
    if (c.access === "admin" && c.door === "signedIn")
      expect(JSON.parse(text).error.message).toMatch(/REPORT_ADMIN_ROLE/);
  });

  it("refusals name the problem", async () => {
    useRoles({ required: READ, admin: ADMIN });
    const messages = async (c: Omit<Case, "status">) =>
      ((await (await call(host, c)).json()) as { error: { message: string } }).error.message;
    expect(await messages({ access: "reader", door: "signedIn", caller: "noRole" })).toMatch(
      /needs the app role 'Auditor.Read' \(REPORT_REQUIRED_ROLE\)/,
    );
    expect(await messages({ access: "admin", door: "key", caller: "key" })).toMatch(
      /REPORT_ADMIN_ROLE is set: .*a function key alone is not enough/,
    );
    expect(await messages({ access: "reader", door: "signedIn", caller: "nobody" })).toMatch(
      /needs a signed-in caller .*x-ms-client-principal/,
    );
  });

  it("a browser that has not signed in is sent to sign in, and back to the page it asked for", async () => {
    useRoles({ required: READ });
    const response = await fetch(`${host.apiUrl}/web/dashboard?status=fail&q=a%20b`, {
      headers: { accept: "text/html,application/xhtml+xml" },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!, host.url);
    expect(location.pathname).toBe("/.auth/login/aad");
    expect(location.searchParams.get("post_login_redirect_uri")).toBe("/api/web/dashboard?status=fail&q=a%20b");
    // The key door is the Functions host's: it answers 401, never a sign-in page.
    expect(
      (await fetch(`${host.apiUrl}/dashboard`, { headers: { accept: "text/html" }, redirect: "manual" })).status,
    ).toBe(401);
  });

  it("a key still exports the CSV for automation", async () => {
    useRoles({ required: READ, admin: ADMIN });
    const response = await fetch(`${host.apiUrl}/findings?format=csv`, {
      headers: { "x-functions-key": host.functionKey },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect((await response.text()).split("\n").length).toBeGreaterThan(10);
  });

  describe("a card's link to a resource opens its dashboard page at the signed-in door", () => {
    const link = () => alertLinks(publicBaseUrl(process.env)!, fixture.runIds[0]).history(MI);
    const reader = () => ({ "x-ms-client-principal": principalHeader([READ]), accept: "text/html" });

    it("holds no key, and answers a reader 200 with the resource's page (HTML)", async () => {
      useRoles({ required: READ, admin: ADMIN });
      expect(link()).toMatch(new RegExp(`^${host.url}/api/web/dashboard\\?resource=[A-Za-z0-9_-]+$`));
      const response = await fetch(link(), { headers: reader(), redirect: "manual" });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const page = await response.text();
      expect(page).toContain("sqlmi-shared-01");
      expect(page).toContain(MI);
    });

    it("sends a browser without a session to sign in, and back to the link", async () => {
      useRoles({ required: READ, admin: ADMIN });
      const response = await fetch(link(), { headers: { accept: "text/html" }, redirect: "manual" });
      expect(response.status).toBe(302);
      const back = new URL(response.headers.get("location")!, host.url).searchParams.get("post_login_redirect_uri");
      expect(back).toBe(new URL(link()).pathname + new URL(link()).search);
    });

    it("answers 403 to a signed-in caller without the reader role", async () => {
      useRoles({ required: READ, admin: ADMIN });
      const response = await fetch(link(), {
        headers: { "x-ms-client-principal": principalHeader([ADMIN]), accept: "text/html" },
        redirect: "manual",
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(READ);
    });
  });

  describe("the caller's name is checked before anything is recorded", () => {
    const runs = async () =>
      (
        (await (
          await fetch(`${host.apiUrl}/runs?top=100`, { headers: { "x-functions-key": host.functionKey } })
        ).json()) as {
          items: Array<{ runId: string; requestedBy?: string }>;
        }
      ).items;
    const start = (name: string) =>
      fetch(`${host.apiUrl}/web/runs`, {
        method: "POST",
        headers: { "x-ms-client-principal": principalHeader([ADMIN]), "x-ms-client-principal-name": name },
      });

    it.each([
      ["257 characters", "a".repeat(257)],
      ["a control character", "alice\u0085bob"],
    ])("POST /api/web/runs with a name of %s: 400 naming the header, no run queued", async (_, name) => {
      useRoles({ required: READ, admin: ADMIN });
      const before = await runs();
      const response = await start(name);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
        /^x-ms-client-principal-name: /,
      );
      expect(await runs()).toHaveLength(before.length);
    });

    it("a name of 256 characters is recorded as the run's requester", async () => {
      useRoles({ required: READ, admin: ADMIN });
      const response = await start("a".repeat(256));
      expect(response.status).toBe(202);
      const { runId } = (await response.json()) as { runId: string };
      expect((await runs()).find((run) => run.runId === runId)?.requestedBy).toBe(`http:${"a".repeat(256)}`);
    });
  });
});

describe("keys mode (the default)", () => {
  let host: LocalHost;

  beforeAll(async () => {
    host = await startHost("keys");
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  it("drops a principal a client sends: the key door sees a key alone, the signed-in door nobody", async () => {
    // The app is told authentication is on, so only the host's dropping protects it here.
    useReportSettings({ ...reportSettingsFromEnv(), requiredRole: READ, adminRole: ADMIN, authEnabled: true });
    const forged = { "x-ms-client-principal": principalHeader([READ, ADMIN]), "x-ms-client-principal-name": "mallory" };
    expect(host.authMode).toBe("keys");
    const keyAdmin = await fetch(`${host.apiUrl}/alerts/test`, {
      method: "POST",
      headers: { ...forged, "x-functions-key": host.functionKey },
    });
    // Seen, the forged admin would have passed (409: alerting off); dropped, the key alone is refused.
    expect(keyAdmin.status).toBe(403);
    await keyAdmin.arrayBuffer();
    for (const path of ["web/runs", "web/dashboard"]) {
      const response = await fetch(`${host.apiUrl}/${path}`, { headers: forged, redirect: "manual" });
      expect(response.status, path).toBe(401);
      await response.arrayBuffer();
    }
  });

  it("without App Service Authentication the signed-in door is closed, naming WEBSITE_AUTH_ENABLED", async () => {
    useReportSettings(reportSettingsFromEnv());
    expect(reportSettingsFromEnv().authEnabled).toBeUndefined();
    const response = await fetch(`${host.apiUrl}/web/runs`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(response.status).toBe(401);
    // RFC 9110 11.6.1: a 401 carries a challenge; here, an Entra access token for the app.
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/WEBSITE_AUTH_ENABLED/);
  });
});

describe("the sign-in redirect's return address", () => {
  const back = (url: string) =>
    new URL(
      new Headers(signInRedirect(new HttpRequest({ method: "GET", url })).headers).get("location")!,
      "https://app.example",
    );

  it.each([
    ["http://app.example/api/web/dashboard?resource=abc&status=fail", "/api/web/dashboard?resource=abc&status=fail"],
    // A path that starts with two slashes would be another site to a browser: folded to one, it stays on this app.
    ["http://app.example//evil.example/api/web/dashboard", "/evil.example/api/web/dashboard"],
    ["http://app.example/%2F%2Fevil.example/x", "/%2F%2Fevil.example/x"],
  ])("%s returns to %s on the same app", (url, path) => {
    const location = back(url);
    expect(location.origin).toBe("https://app.example");
    expect(location.pathname).toBe("/.auth/login/aad");
    const target = location.searchParams.get("post_login_redirect_uri")!;
    expect(target).toBe(path);
    expect(new URL(target, "https://app.example").origin).toBe("https://app.example");
  });
});
