// The OpenAPI document against what the routes really answer through the local Functions host: every status and every
// response header a route sets (ETag, Content-Disposition, Location, a Cache-Control other than no-store) is declared
// for that status; the admin routes are registered as the document says; a Location is built from the configured base
// URL (or the host's own address), never from a spoofed Host or X-Forwarded-Host; a JSON body that is not an object
// is a 400 naming the problem on every route that reads a JSON object.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { useServices } from "../../src/app/services";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import type { FunctionRegistration } from "../../src/app/function-registration";
import { publicBaseUrl } from "../../src/config/public-base-url";
import { ADMIN_ROUTES } from "../../src/report-api/admin-routes";
import { openApiDocument } from "../../src/report-api/openapi-document";
import { reportSettingsFromEnv, useReportSettings } from "../../src/report-api/report-settings";
import { encodeResourceId } from "../../src/report-api/resource-id";
import { EXCEPTION_REGISTRATIONS, REPORT_REGISTRATIONS } from "../support/report-registrations";
import { startAuditFunctions } from "../../src/functions/start-audit";
import { alertsTestFunctions } from "../../src/functions/alerts-test";
import { startAzurite, type Azurite } from "../support/azurite";
import { principalHeader } from "./invoke";
import { ReportFixture, uniqueTablePrefix } from "./report-fixture";

const LEGACY_NSG =
  "/subscriptions/7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f/resourceGroups/rg-compute-dev/providers/Microsoft.Network/networkSecurityGroups/nsg-sqlvm-legacy";
const MI =
  "/subscriptions/8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60/resourceGroups/rg-data-shared/providers/Microsoft.Sql/managedInstances/sqlmi-shared-01";
const EVIL = "evil.example";

const REGISTRATIONS: FunctionRegistration[] = [
  ...REPORT_REGISTRATIONS,
  ...EXCEPTION_REGISTRATIONS,
  startAuditFunctions,
  alertsTestFunctions,
].flat();

/**
 * Headers no route declares: framing and the media type (the content map's key), the Functions host's invocation id,
 * and hardening headers that carry nothing a client reads. Cache-Control `no-store` is every answer's default (the
 * document's description says so); a route that allows caching declares it.
 */
const UNDECLARED = new Set([
  "content-type",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "date",
  "x-ms-invocation-id",
  "x-content-type-options",
  "referrer-policy",
  "content-security-policy",
  "x-frame-options",
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
  "permissions-policy",
]);

type Operation = { responses: Record<string, { headers?: Record<string, unknown> }> };
const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>>; info: { description: string } };

let azurite: Azurite;
let fixture: ReportFixture;
let host: LocalHost;

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  fixture = new ReportFixture(azurite.connectionString, uniqueTablePrefix("contract"));
  await fixture.audit(new Date(Date.now() - 86_400_000), { weakTls: true });
  await fixture.audit(new Date(Date.now() - 60_000));
  useServices(fixture.services);
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    host = await startLocalHost({
      registrations: REGISTRATIONS,
      // Principal mode: the host passes x-ms-client-principal through, so the signed-in door can be called too.
      settings: {
        AzureWebJobsStorage: azurite.connectionString,
        AUDITOR_FUNCTION_KEY: "",
        AUDITOR_ADMIN_KEY: "",
        HOST_AUTH_MODE: "principal",
      },
      localSettingsFile: false,
      hostJson: {},
      emulatorEstate: false,
      port: 0,
      log: { info: () => {}, warn: () => {}, error: () => {} },
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

// The settings as the app under the host reads them (the host has set WEBSITE_HOSTNAME to its own address).
beforeEach(() => useReportSettings(reportSettingsFromEnv()));

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** One request over plain node:http, which sends the Host header it is given (fetch would not). */
function send(
  method: string,
  path: string,
  options: { key?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const url = new URL(`${host.apiUrl}/${path}`);
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers["x-functions-key"] = options.key;
  if (options.body !== undefined) {
    headers["content-type"] ??= "application/json";
    // node:http frames no body of a DELETE unless told its length.
    headers["content-length"] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) flat[name] = String(value);
        resolve({ status: res.statusCode ?? 0, headers: flat, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const exceptionBody = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    rule: "mi.public-endpoint.untrusted-source",
    scope: MI,
    justification: "Partner ETL range allowed until the private link cut-over.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    ...extra,
  });

describe("the document declares what the routes answer", () => {
  it("registers each admin route at both doors as its document entry says; no route needs the master key", () => {
    for (const [name, route] of Object.entries(ADMIN_ROUTES)) {
      const keyDoor = REGISTRATIONS.find((r) => r.name === route.functionName)!;
      expect(keyDoor, name).toBeDefined();
      expect(keyDoor.options).toMatchObject({ methods: [route.method], route: route.route, authLevel: "function" });
      const signedInDoor = REGISTRATIONS.find((r) => r.name === `${route.functionName}SignedIn`)!;
      expect(signedInDoor.options).toMatchObject({
        methods: [route.method],
        route: `web/${route.route}`,
        authLevel: "anonymous",
      });
      expect(doc.paths[`/${route.route}`]?.post).toMatchObject({ operationId: route.functionName });
    }
    expect(REGISTRATIONS.filter((r) => r.kind === "http" && r.options.authLevel === "admin")).toEqual([]);
  });

  type Call = [string, string, string, Parameters<typeof send>[2]];

  /** Every route, each status the calls can reach; `id` keeps the doors' exceptions apart. */
  async function contractCalls(credentials: Parameters<typeof send>[2], prefix: string, id: string): Promise<Call[]> {
    const as = (extra: Parameters<typeof send>[2] = {}) => ({
      ...credentials,
      ...extra,
      headers: { ...credentials?.headers, ...extra.headers },
    });
    const latest = fixture.runIds[1]!;
    const page = await send("GET", `${prefix}findings?runId=${latest}`, as());
    return [
      ["get", "/runs", "runs?top=1", as()],
      ["get", "/runs/{runId}", "runs/latest", as()],
      ["get", "/runs/{runId}", "runs/20200101T000000Z-abcdef", as()],
      ["get", "/findings", `findings?runId=${latest}`, as()],
      ["get", "/findings", `findings?runId=${latest}`, as({ headers: { "if-none-match": page.headers.etag! } })],
      ["get", "/findings", "findings?format=csv", as()],
      ["get", "/findings", "findings?top=1001", as()],
      ["get", "/resources/{id}/history", `resources/${encodeResourceId(LEGACY_NSG)}/history?runs=2`, as()],
      ["get", "/compliance", "compliance?framework=MCSB", as()],
      ["get", "/compliance", "compliance?framework=MCSB&format=csv", as()],
      ["get", "/rules", "rules", as()],
      ["get", "/openapi.json", "openapi.json", as()],
      ["get", "/dashboard", "dashboard", as()],
      ["get", "/dashboard/compliance", "dashboard/compliance", as()],
      ["get", "/dashboard/exceptions", "dashboard/exceptions", as()],
      ["post", "/exceptions", "exceptions", as({ body: exceptionBody(`${id}1`) })],
      ["post", "/exceptions", "exceptions", as({ body: exceptionBody(`${id}1`) })],
      ["get", "/exceptions", "exceptions", as()],
      ["get", "/exceptions/{id}", `exceptions/${id}1`, as()],
      ["put", "/exceptions/{id}", `exceptions/${id}1`, as({ body: exceptionBody(`${id}1`, { ticket: "T-1" }) })],
      [
        "put",
        "/exceptions/{id}",
        `exceptions/${id}1`,
        as({ body: exceptionBody(`${id}1`), headers: { "if-match": '"stale"' } }),
      ],
      ["post", "/exceptions/import", "exceptions/import", as({ body: `[${exceptionBody(`${id}2`)}]` })],
      ["delete", "/exceptions/{id}", `exceptions/${id}2`, as()],
      ["post", "/runs", "runs", as()],
      ["post", "/alerts/test", "alerts/test", as()],
    ];
  }

  /** Sends each call and checks its status and every header it carries are declared; returns `method path status`. */
  async function checkAgainstDocument(calls: Call[], prefix: string): Promise<Set<string>> {
    const seen = new Set<string>();
    for (const [method, docPath, path, options] of calls) {
      const reply = await send(method.toUpperCase(), `${prefix}${path}`, options);
      const label = `${method.toUpperCase()} /api/${prefix}${path} → ${reply.status}`;
      seen.add(`${method} ${docPath} ${reply.status}`);
      const response = doc.paths[docPath]?.[method]?.responses[String(reply.status)];
      expect(response, `${label} is not documented`).toBeDefined();
      const declared = new Set(Object.keys(response!.headers ?? {}).map((name) => name.toLowerCase()));
      for (const [name, value] of Object.entries(reply.headers)) {
        if (UNDECLARED.has(name) || (name === "cache-control" && value === "no-store")) continue;
        expect(declared.has(name), `${label}: ${name}: ${value} is not declared`).toBe(true);
      }
    }
    return seen;
  }

  // The calls reached the answers that carry the headers under test (so the loop could fail).
  const REACHED = [
    "get /findings 200",
    "get /findings 304",
    "get /compliance 200",
    "post /exceptions 201",
    "post /exceptions 409",
    "put /exceptions/{id} 412",
    "post /runs 202",
    "post /alerts/test 409",
  ];

  it("every status and response header of every route at the key door, over HTTP, is in the document", async () => {
    const calls = await contractCalls({ key: host.functionKey }, "", "EX-C");
    calls.push(["post", "/runs", "runs", { key: "wrong" }]);
    const seen = await checkAgainstDocument(calls, "");
    for (const answer of [...REACHED, "post /runs 401"]) expect(seen, answer).toContain(answer);
  });

  it("every status and response header of every route at the signed-in door (/api/web) is in the document", async () => {
    useReportSettings({ ...reportSettingsFromEnv(), requiredRole: "Auditor.Read", adminRole: "Auditor.Admin" });
    const signedIn = {
      headers: {
        "x-ms-client-principal": principalHeader(["Auditor.Read", "Auditor.Admin"]),
        "x-ms-client-principal-name": "alice@contoso.com",
      },
    };
    const calls = await contractCalls(signedIn, "web/", "EX-W");
    const reader = { headers: { "x-ms-client-principal": principalHeader(["Auditor.Read"]) } };
    calls.push(
      ["get", "/dashboard", "dashboard", { headers: { accept: "text/html" } }],
      ["get", "/runs", "runs", {}],
      ["post", "/runs", "runs", reader],
      ["get", "/rules", "rules", { headers: { "x-ms-client-principal": principalHeader([]) } }],
    );
    const seen = await checkAgainstDocument(calls, "web/");
    for (const answer of [...REACHED, "get /dashboard 302", "get /runs 401", "post /runs 403", "get /rules 403"])
      expect(seen, answer).toContain(answer);
  });

  it("says that every other answer is Cache-Control: no-store", () => {
    expect(doc.info.description).toMatch(/Cache-Control: no-store/);
  });
});

describe("Location comes from the configured base URL, never from the request's Host", () => {
  const spoofed = { host: EVIL, "x-forwarded-host": EVIL, "x-forwarded-proto": "https", forwarded: `host=${EVIL}` };

  it("POST /api/runs: 202 whose Location and statusUrl are the host's own address whatever Host says", async () => {
    const reply = await send("POST", "runs", { key: host.adminKey, headers: spoofed });
    expect(reply.status).toBe(202);
    const body = JSON.parse(reply.text) as { runId: string; statusUrl: string };
    expect(reply.headers.location).toBe(`${host.apiUrl}/runs/${body.runId}`);
    expect(body.statusUrl).toBe(reply.headers.location);
    expect(reply.text).not.toContain(EVIL);
    // The Location works: it is the run just queued.
    const run = await send("GET", `runs/${body.runId}`, { key: host.functionKey });
    expect(run.status).toBe(200);
  });

  it("POST /api/exceptions: 201 whose Location is the host's own address whatever Host says", async () => {
    const reply = await send("POST", "exceptions", {
      key: host.adminKey,
      headers: spoofed,
      body: exceptionBody("EX-LOC"),
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.location).toBe(`${host.apiUrl}/exceptions/EX-LOC`);
  });

  it("REPORT_BASE_URL, when set, is the base (its path kept); WEBSITE_HOSTNAME alone is https outside loopback", async () => {
    const base = publicBaseUrl({ REPORT_BASE_URL: "https://mi-audit.example.net/audit/", WEBSITE_HOSTNAME: EVIL });
    useReportSettings({ publicBaseUrl: base! });
    const run = await send("POST", "runs", { key: host.adminKey, headers: spoofed });
    const { runId } = JSON.parse(run.text) as { runId: string };
    expect(run.headers.location).toBe(`https://mi-audit.example.net/audit/api/runs/${runId}`);
    const created = await send("POST", "exceptions", { key: host.adminKey, body: exceptionBody("EX-BASE") });
    expect(created.headers.location).toBe("https://mi-audit.example.net/audit/api/exceptions/EX-BASE");
  });
});

describe("a JSON body that is not an object is refused, naming the problem", () => {
  const NOT_OBJECTS: Array<[string, string]> = [
    ["[]", "an array"],
    ['[{"subscriptions":["6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"]}]', "an array"],
    ["42", "a number"],
    ['"tenant"', "a string"],
    ["null", "null"],
    ["true", "a boolean"],
  ];

  it.each(NOT_OBJECTS)("POST /api/runs with %s: 400, and no run is queued", async (body, kind) => {
    const before = await send("GET", "runs?top=100", { key: host.functionKey });
    const reply = await send("POST", "runs", { key: host.adminKey, body });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toEqual({
      error: { code: "BadRequest", message: `body: expected a JSON object, found ${kind}` },
    });
    const after = await send("GET", "runs?top=100", { key: host.functionKey });
    expect(JSON.parse(after.text).items).toHaveLength(JSON.parse(before.text).items.length);
  });

  it.each(NOT_OBJECTS)("POST /api/alerts/test with %s: 400", async (body, kind) => {
    const reply = await send("POST", "alerts/test", { key: host.adminKey, body });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text).error.message).toBe(`body: expected a JSON object, found ${kind}`);
  });

  it.each(NOT_OBJECTS)("the exceptions API's writes with %s: 400 naming the body", async (body) => {
    await send("POST", "exceptions", { key: host.adminKey, body: exceptionBody("EX-BODY") });
    const replies = [
      await send("POST", "exceptions", { key: host.adminKey, body }),
      await send("PUT", "exceptions/EX-BODY", { key: host.adminKey, body }),
      await send("DELETE", "exceptions/EX-BODY", { key: host.adminKey, body }),
    ];
    // The import takes a bare list of exceptions, so only what is neither a list nor a document is refused there.
    if (!body.startsWith("[")) replies.push(await send("POST", "exceptions/import", { key: host.adminKey, body }));
    for (const reply of replies) {
      expect(reply.status, reply.text).toBe(400);
      expect(JSON.parse(reply.text).error.message, reply.text).toMatch(/^body: /);
    }
    // Nothing was revoked or changed by a refused body.
    const read = await send("GET", "exceptions/EX-BODY", { key: host.functionKey });
    expect(JSON.parse(read.text)).toMatchObject({ id: "EX-BODY", standing: "active" });
  });
});
