// The exceptions API through its real function handlers, against the real Table store on Azurite: create, list, get
// with history, change (If-Match per RFC 9110: a stale ETag is 412), revoke, import of YAML and JSON documents; every
// refusal names the field and leaves what is stored exactly as it was (ETags included); reader and admin roles from
// App Service Authentication's x-ms-client-principal; every JSON answer checked against the generated OpenAPI document.
import { EXCEPTION_REGISTRATIONS } from "../support/report-registrations";
import { HttpRequest, HttpResponse, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { appSettingsFromEnv } from "../../src/app/app-settings";
import { buildServices, useServices } from "../../src/app/services";
import type { ExceptionStore } from "../../src/audit/exception-store";
import { reportSettingsFromEnv, useReportSettings } from "../../src/report-api/report-settings";
import { createExceptionStore } from "../../src/store/table-exception-store";
import { listExceptions, listExceptionsFunctions } from "../../src/functions/exceptions-list";
import { getException, getExceptionFunctions } from "../../src/functions/exceptions-get";
import { createException, createExceptionFunctions } from "../../src/functions/exceptions-create";
import { changeException, changeExceptionFunctions } from "../../src/functions/exceptions-change";
import { revokeException, revokeExceptionFunctions } from "../../src/functions/exceptions-revoke";
import { importExceptions, importExceptionsFunctions } from "../../src/functions/exceptions-import";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import { openApiDocument } from "../../src/report-api/openapi-document";
import { startAzurite, type Azurite } from "../support/azurite";
import { SAMPLE } from "../support/run-cli";
import { principalHeader, type Handler } from "./invoke";
import { OpenApiValidator } from "./openapi-validator";
import { uniqueTablePrefix } from "./report-fixture";

let azurite: Azurite;
let store: ExceptionStore;
const validator = new OpenApiValidator();

const MI =
  "/subscriptions/8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60/resourceGroups/rg-data-shared/providers/Microsoft.Sql/managedInstances/sqlmi-shared-01";
const GROUP = "/subscriptions/8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60/resourceGroups/rg-data-shared";
const JUSTIFICATION = "Partner ETL range allowed on 3342 until the private link cut-over.";

/** A UTC date `days` from today. */
function day(days: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days))
    .toISOString()
    .slice(0, 10);
}

function entry(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    rule: "mi.public-endpoint.untrusted-source",
    scope: MI,
    justification: JUSTIFICATION,
    approvedBy: "secops-lead@contoso.com",
    expiresOn: day(90),
    ticket: "CHG-1182",
    ...extra,
  };
}

interface Call {
  params?: Record<string, string>;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
}

interface Reply {
  status: number;
  headers: Headers;
  json: any;
}

type Method = "get" | "post" | "put" | "delete";

/** Calls a handler as the Functions host does and checks a JSON answer against the document's `method docPath`. */
async function send(handler: Handler, method: Method, docPath: string, url: string, call: Call = {}): Promise<Reply> {
  const body =
    call.body === undefined ? undefined : typeof call.body === "string" ? call.body : JSON.stringify(call.body);
  const request = new HttpRequest({
    method: method.toUpperCase(),
    url: `http://127.0.0.1:7071${url}`,
    params: call.params ?? {},
    headers: {
      ...(body !== undefined && typeof call.body !== "string" ? { "content-type": "application/json" } : {}),
      ...call.headers,
    },
    ...(body !== undefined ? { body: { string: body } } : {}),
  });
  const context = new InvocationContext({ functionName: "test", invocationId: "t", logHandler: () => {} });
  const response = new HttpResponse(await handler(request, context));
  const text = await response.text();
  const json = (response.headers.get("content-type") ?? "").startsWith("application/json") ? JSON.parse(text) : text;
  if (typeof json === "object")
    expect(validator.responseErrors(docPath, response.status, json, method), `${method} ${url}`).toEqual([]);
  return { status: response.status, headers: response.headers, json };
}

/** A caller signed in through App Service Authentication (trusted: the tests' settings say it is on), by name. */
const admin = (name = "alice@contoso.com", roles: string[] = []) => ({
  "x-ms-client-principal": principalHeader(roles),
  "x-ms-client-principal-name": name,
});
const create = (body: unknown, headers: Record<string, string> = admin()) =>
  send(createException, "post", "/exceptions", "/api/exceptions", { body, headers });
const get = (id: string, headers: Record<string, string> = {}) =>
  send(getException, "get", "/exceptions/{id}", `/api/exceptions/${id}`, { params: { id }, headers });
const list = (query = "", headers: Record<string, string> = {}) =>
  send(listExceptions, "get", "/exceptions", `/api/exceptions${query}`, { headers });
const change = (id: string, body: unknown, headers: Record<string, string> = admin()) =>
  send(changeException, "put", "/exceptions/{id}", `/api/exceptions/${id}`, { params: { id }, body, headers });
const revoke = (id: string, query = "", call: Call = {}) =>
  send(revokeException, "delete", "/exceptions/{id}", `/api/exceptions/${id}${query}`, {
    ...call,
    params: { id },
    headers: { ...admin(), ...call.headers },
  });
const importDocument = (body: string, contentType: string) =>
  send(importExceptions, "post", "/exceptions/import", "/api/exceptions/import", {
    body,
    headers: { ...admin(), "content-type": contentType },
  });

/** Everything stored, revoked ones and every history row and ETag included: what a refused request must not touch. */
async function everythingStored(): Promise<unknown> {
  const all = await store.listExceptions({ includeRevoked: true });
  return Promise.all(all.map((e) => store.getException(e.id)));
}

/** Runs a request that must be refused with `status`, and checks nothing stored changed. */
async function refused(status: number, request: () => Promise<Reply>): Promise<Reply> {
  const before = await everythingStored();
  const reply = await request();
  expect(reply.status, JSON.stringify(reply.json)).toBe(status);
  expect(await everythingStored()).toEqual(before);
  return reply;
}

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
}, 120_000);

afterAll(async () => {
  useServices(undefined);
  useReportSettings(undefined);
  await azurite?.dispose();
});

beforeEach(() => {
  // A fresh table per test: each starts with nothing stored.
  const settings = appSettingsFromEnv({
    AzureWebJobsStorage: azurite.connectionString,
    AUDIT_SOURCE: `snapshot:${SAMPLE}`,
    EXCEPTION_MAX_DAYS: "120",
    EXCEPTION_WARN_DAYS: "14",
  });
  store = createExceptionStore(settings.tables, { tablePrefix: uniqueTablePrefix("exapi") });
  useServices({ ...buildServices(settings), exceptions: store });
  // App Service Authentication on, no roles: the key door takes a key alone, or a key with any signed-in caller.
  useReportSettings({ authEnabled: true });
});

describe("POST /api/exceptions, GET /api/exceptions/{id}, GET /api/exceptions", () => {
  it("records an exception: 201 with Location and ETag, createdBy the signed-in caller, history 'created'", async () => {
    const created = await create(entry("EX-0042"));
    expect(created.status).toBe(201);
    // No base URL is configured here (useReportSettings({})): a relative reference, never the request's host.
    expect(created.headers.get("location")).toBe("/api/exceptions/EX-0042");
    expect(created.json).toMatchObject({
      id: "EX-0042",
      source: "store",
      ruleIds: ["mi.public-endpoint.untrusted-source"],
      scope: MI,
      justification: JUSTIFICATION,
      approvedBy: "secops-lead@contoso.com",
      expiresOn: day(90),
      ticket: "CHG-1182",
      createdBy: "alice@contoso.com",
      version: 1,
      standing: "active",
      daysLeft: 90,
    });
    expect(created.json).not.toHaveProperty("etag");

    const one = await get("ex-0042");
    expect(one.status).toBe(200);
    expect(one.headers.get("etag")).toBe(created.headers.get("etag"));
    expect(one.json.history).toEqual([
      expect.objectContaining({ version: 1, action: "created", by: "alice@contoso.com", via: "api" }),
    ]);
    expect(one.json.history[0].exception).toMatchObject({ id: "EX-0042", expiresOn: day(90) });
    expect((await list()).json.items.map((e: { id: string }) => e.id)).toEqual(["EX-0042"]);
  });

  it("without a signed-in principal the creator is the function key", async () => {
    expect((await create(entry("EX-1"), {})).json.createdBy).toBe("function key");
  });

  it("a caller's name over 256 characters or with control characters is refused (400 naming the header)", async () => {
    // Only characters a header can carry: a tab and a C1 control (U+0085, next line).
    for (const name of ["a".repeat(257), "alice\tBob", "alice\u0085Bob"]) {
      const reply = await refused(400, () => create(entry("EX-N"), admin(name)));
      expect(reply.json.error.message).toMatch(/^x-ms-client-principal-name: /);
    }
    expect((await create(entry("EX-N"), admin("a".repeat(256)))).json.createdBy).toBe("a".repeat(256));
  });

  it("the name of an untrusted principal (authentication off) is not recorded", async () => {
    useReportSettings({});
    expect((await create(entry("EX-U"), admin("mallory"))).json.createdBy).toBe("function key");
  });

  it("409 on an id that exists (ids are case-insensitive), and the stored one is untouched", async () => {
    await create(entry("EX-7"));
    const reply = await refused(409, () =>
      create(entry("ex-7", { justification: "Another reason, entirely different." })),
    );
    expect(reply.json.error.code).toBe("Conflict");
  });

  it("404 naming the id for an unknown exception; 400 naming the parameter for a malformed id", async () => {
    const missing = await get("EX-404");
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toContain("EX-404");
    const malformed = await get("bad id!");
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.message).toMatch(/^id: /);
  });

  it("standing and daysLeft: active, expiring within EXCEPTION_WARN_DAYS (today is day 0), expired, revoked", async () => {
    await create(entry("EX-ACTIVE", { expiresOn: day(15) }));
    await create(entry("EX-SOON", { expiresOn: day(14) }));
    await create(entry("EX-TODAY", { expiresOn: day(0) }));
    await create(entry("EX-GONE"));
    // The API never records an expired exception; one that lapsed since is seeded through the store.
    await store.createException(
      {
        id: "EX-PAST",
        source: "store",
        ruleIds: ["mi.public-endpoint.untrusted-source"],
        scope: MI,
        justification: JUSTIFICATION,
        approvedBy: "secops-lead@contoso.com",
        expiresOn: day(-1),
      },
      { by: "seed" },
    );
    await revoke("EX-GONE");
    const standings = async (query: string) =>
      Object.fromEntries((await list(query)).json.items.map((e: any) => [e.id, [e.standing, e.daysLeft]]));
    expect(await standings("")).toEqual({
      "EX-ACTIVE": ["active", 15],
      "EX-PAST": ["expired", -1],
      "EX-SOON": ["expiring", 14],
      "EX-TODAY": ["expiring", 0],
    });
    expect(Object.keys(await standings("?standing=expiring"))).toEqual(["EX-SOON", "EX-TODAY"]);
    expect(Object.keys(await standings("?standing=expired"))).toEqual(["EX-PAST"]);
    expect(Object.keys(await standings("?standing=active"))).toEqual(["EX-ACTIVE"]);
    expect(Object.keys(await standings("?standing=revoked"))).toEqual(["EX-GONE"]);
    expect(Object.keys(await standings("?standing=all"))).toHaveLength(5);
    const bad = await list("?standing=lapsed");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^standing: /);
    expect((await list("?sort=id")).json.error.message).toMatch(/^sort: unknown query parameter/);
  });
});

describe("bad input: 400 naming the field, and nothing stored changes", () => {
  // The file form's rules (docs/exceptions.md): each case breaks one, and the answer names that field.
  it.each([
    ["id missing", { id: undefined }, "id"],
    ["id malformed", { id: "EX 42" }, "id"],
    ["rule unknown in a list", { rule: ["mi.tls.minimum-version", "mi.no-such-rule"] }, "rule[1]"],
    ["rule missing", { rule: undefined }, "rule"],
    ["scope not an ARM id", { scope: "sqlmi-shared-01" }, "scope"],
    ["tag value not text", { tags: { env: ["prod"] } }, "tags.env"],
    ["justification too short", { justification: "ok by me" }, "justification"],
    ["approvedBy missing", { approvedBy: undefined }, "approvedBy"],
    ["expiresOn already passed", { expiresOn: day(-1) }, "expiresOn"],
    ["expiresOn beyond EXCEPTION_MAX_DAYS (120)", { expiresOn: day(121) }, "expiresOn"],
    ["expiresOn not a date", { expiresOn: "31/03/2027" }, "expiresOn"],
    ["createdBy set by the caller", { createdBy: "mallory" }, "createdBy"],
    ["source set by the caller", { source: "policy" }, "source"],
    ["an unknown field", { owner: "team-a" }, "owner"],
  ])("POST: %s → %s", async (_name, change, field) => {
    await create(entry("EX-KEPT"));
    const body = entry("EX-NEW", change);
    const reply = await refused(400, () => create(body));
    expect(reply.json.error.problems.map((p: { field: string }) => p.field)).toContain(field);
    expect(reply.json.error.message).toContain(`${field}: `);
  });

  it("the document's request schema and the handler agree on a valid body", async () => {
    expect(validator.requestBodyErrors("/exceptions", "post", entry("EX-DOC"))).toEqual([]);
    expect(
      validator.requestBodyErrors("/exceptions", "post", entry("EX-DOC", { createdBy: "x" })).length,
    ).toBeGreaterThan(0);
    expect((await create(entry("EX-DOC"))).status).toBe(201);
  });

  it.each([
    ["not JSON", "{ id: EX-1"],
    ["empty", ""],
    ["a list, not one exception", JSON.stringify([entry("EX-1")])],
  ])("POST body %s → 400 naming the body", async (_name, body) => {
    const reply = await refused(400, () =>
      send(createException, "post", "/exceptions", "/api/exceptions", {
        body,
        headers: { ...admin(), "content-type": "application/json" },
      }),
    );
    expect(reply.json.error.problems[0].field).toBe("body");
  });

  it("415 for a YAML body on POST (only the import reads YAML), 413 for a body over 1 MiB", async () => {
    const yaml = await refused(415, () =>
      send(createException, "post", "/exceptions", "/api/exceptions", {
        body: "id: EX-1\n",
        headers: { ...admin(), "content-type": "application/yaml" },
      }),
    );
    expect(yaml.json.error.message).toContain("application/yaml");
    const huge = entry("EX-HUGE", { ticket: "x".repeat(1024 * 1024) });
    expect((await refused(413, () => create(huge))).json.error.code).toBe("PayloadTooLarge");
  });
});

describe("PUT /api/exceptions/{id}: change, with If-Match", () => {
  it("changes the declared fields; history 'changed' with the state after; the ETag moves", async () => {
    const created = await create(entry("EX-9"));
    const changed = await change("EX-9", entry("EX-9", { expiresOn: day(30), ticket: "CHG-2000" }), {
      ...admin("bob@contoso.com"),
      "if-match": created.headers.get("etag")!,
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      id: "EX-9",
      expiresOn: day(30),
      ticket: "CHG-2000",
      version: 2,
      createdBy: "alice@contoso.com",
      updatedBy: "bob@contoso.com",
      daysLeft: 30,
    });
    expect(changed.headers.get("etag")).not.toBe(created.headers.get("etag"));
    const history = (await get("EX-9")).json.history;
    expect(history.map((h: any) => [h.version, h.action, h.by])).toEqual([
      [1, "created", "alice@contoso.com"],
      [2, "changed", "bob@contoso.com"],
    ]);
    expect(history[0].exception.ticket).toBe("CHG-1182");
    expect(history[1].exception.ticket).toBe("CHG-2000");
  });

  it("412 on a stale ETag (someone changed it since), and nothing changes", async () => {
    const created = await create(entry("EX-10"));
    const stale = created.headers.get("etag")!;
    expect((await change("EX-10", entry("EX-10", { ticket: "CHG-1" }), { ...admin(), "if-match": stale })).status).toBe(
      200,
    );
    const reply = await refused(412, () =>
      change("EX-10", entry("EX-10", { ticket: "CHG-2" }), { ...admin(), "if-match": stale }),
    );
    expect(reply.json.error.code).toBe("PreconditionFailed");
    expect((await get("EX-10")).json.ticket).toBe("CHG-1");
  });

  it("without If-Match (or with *) the change applies; the body's id may be left out", async () => {
    await create(entry("EX-11"));
    const { id: _id, ...withoutId } = entry("EX-11", { ticket: "CHG-3" });
    expect((await change("ex-11", withoutId)).json).toMatchObject({ id: "EX-11", ticket: "CHG-3", version: 2 });
    expect((await change("EX-11", entry("EX-11", { ticket: "CHG-4" }), { ...admin(), "if-match": "*" })).status).toBe(
      200,
    );
  });

  it("400 for a body id other than the path's or a refused field; 404 unknown; 409 revoked", async () => {
    await create(entry("EX-12"));
    const other = await refused(400, () => change("EX-12", entry("EX-13")));
    expect(other.json.error.problems).toEqual([{ field: "id", message: expect.stringContaining("EX-12") }]);
    const expired = await refused(400, () => change("EX-12", entry("EX-12", { expiresOn: day(-3) })));
    expect(expired.json.error.problems[0].field).toBe("expiresOn");
    expect((await refused(404, () => change("EX-404", entry("EX-404")))).json.error.code).toBe("NotFound");
    await revoke("EX-12");
    expect((await refused(409, () => change("EX-12", entry("EX-12")))).json.error.code).toBe("Conflict");
  });
});

describe("DELETE /api/exceptions/{id}: revoke", () => {
  it("revokes with ?reason=: standing revoked, kept with its history, left out of the default list", async () => {
    await create(entry("EX-20"));
    const revoked = await revoke("EX-20", "?reason=Cut-over%20done");
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      standing: "revoked",
      revokedBy: "alice@contoso.com",
      revokeReason: "Cut-over done",
      version: 2,
    });
    expect((await list()).json.items).toEqual([]);
    const history = (await get("EX-20")).json.history;
    expect(history.map((h: any) => [h.action, h.reason])).toEqual([
      ["created", undefined],
      ["revoked", "Cut-over done"],
    ]);
    // Revoking again changes nothing.
    const before = await everythingStored();
    expect((await revoke("EX-20")).json.version).toBe(2);
    expect(await everythingStored()).toEqual(before);
  });

  it("takes the reason from a JSON body; refuses it twice, unknown body fields, and unknown ids", async () => {
    await create(entry("EX-21"));
    const both = await refused(400, () => revoke("EX-21", "?reason=a", { body: { reason: "b" } }));
    expect(both.json.error.problems[0].field).toBe("reason");
    const extra = await refused(400, () => revoke("EX-21", "", { body: { why: "b" } }));
    expect(extra.json.error.problems[0].field).toBe("why");
    expect((await refused(404, () => revoke("EX-404"))).json.error.message).toContain("EX-404");
    expect((await revoke("EX-21", "", { body: { reason: "Migration finished" } })).json.revokeReason).toBe(
      "Migration finished",
    );
  });
});

describe("POST /api/exceptions/import: the file form, all or nothing", () => {
  const yamlDocument = (ticket: string) => `exceptions:
  - id: EX-0042
    rule: mi.public-endpoint.untrusted-source
    scope: ${MI}
    justification: ${JUSTIFICATION}
    approvedBy: secops-lead@contoso.com
    expiresOn: ${day(60)}
    ticket: ${ticket}
  - id: EX-0043
    rule: [mi.tls.minimum-version, mi.public-endpoint.enabled]
    scope: ${GROUP}
    tags:
      env: prod
    justification: Legacy clients need TLS 1.0 until the driver upgrade ships.
    approvedBy: secops-lead@contoso.com
    expiresOn: ${day(30)}
`;

  it("YAML: creates, then leaves unchanged, then changes what differs; via 'import' in the history", async () => {
    const first = await importDocument(yamlDocument("CHG-1182"), "application/yaml");
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ created: ["EX-0042", "EX-0043"], changed: [], unchanged: [] });
    expect((await importDocument(yamlDocument("CHG-1182"), "text/yaml")).json).toEqual({
      created: [],
      changed: [],
      unchanged: ["EX-0042", "EX-0043"],
    });
    expect((await importDocument(yamlDocument("CHG-9999"), "application/yaml")).json).toEqual({
      created: [],
      changed: ["EX-0042"],
      unchanged: ["EX-0043"],
    });
    const detail = (await get("EX-0042")).json;
    expect(detail).toMatchObject({ ticket: "CHG-9999", version: 2 });
    expect(detail.history.map((h: any) => [h.action, h.via])).toEqual([
      ["created", "import"],
      ["changed", "import"],
    ]);
    expect((await get("EX-0043")).json).toMatchObject({
      ruleIds: ["mi.tls.minimum-version", "mi.public-endpoint.enabled"],
      tags: { env: "prod" },
    });
  });

  it("JSON: a bare list or `exceptions:`", async () => {
    const bare = await importDocument(JSON.stringify([entry("EX-J1")]), "application/json");
    expect(bare.json.created).toEqual(["EX-J1"]);
    const wrapped = await importDocument(JSON.stringify({ exceptions: [entry("EX-J2")] }), "application/json");
    expect(wrapped.json.created).toEqual(["EX-J2"]);
    expect(validator.requestBodyErrors("/exceptions/import", "post", { exceptions: [entry("EX-J2")] })).toEqual([]);
  });

  it.each([
    ["an expired entry", [entry("EX-A"), entry("EX-B", { expiresOn: day(-1) })], "entry 2 (EX-B): expiresOn"],
    ["an unknown rule", [entry("EX-A", { rule: "mi.nope" })], "entry 1 (EX-A): rule"],
    ["a missing field", [entry("EX-A", { approvedBy: undefined })], "entry 1 (EX-A): approvedBy"],
    ["a repeated id", [entry("EX-A"), entry("ex-a")], "entry 2 (ex-a): id"],
  ])("refuses a document with %s whole, naming entry and field; nothing is written", async (_name, entries, named) => {
    await create(entry("EX-A", { ticket: "BEFORE" }));
    const reply = await refused(400, () => importDocument(JSON.stringify({ exceptions: entries }), "application/json"));
    expect(reply.json.error.message).toContain(named);
  });

  it("refuses YAML sent as JSON, a media type it does not read, an empty body; 409 on a revoked id", async () => {
    expect(
      (await refused(400, () => importDocument(yamlDocument("X"), "application/json"))).json.error.message,
    ).toMatch(/^body: not valid JSON/);
    expect((await refused(415, () => importDocument(yamlDocument("X"), "text/plain"))).json.error.message).toContain(
      "text/plain",
    );
    expect((await refused(400, () => importDocument("", "application/yaml"))).json.error.problems[0].field).toBe(
      "body",
    );
    await create(entry("EX-0042"));
    await revoke("EX-0042");
    await refused(409, () => importDocument(yamlDocument("CHG-1"), "application/yaml"));
  });
});

describe("roles at the key door: REPORT_REQUIRED_ROLE for reads, REPORT_ADMIN_ROLE for writes", () => {
  const reader = { "x-ms-client-principal": principalHeader(["MiAudit.Reader"]) };
  const writer = admin("carol@contoso.com", ["MiAudit.Admin"]);

  it("a reader lists and reads but cannot write; an admin writes and is recorded by name", async () => {
    useReportSettings({ requiredRole: "MiAudit.Reader", adminRole: "MiAudit.Admin", authEnabled: true });
    // A function key alone may read.
    expect((await list()).status).toBe(200);
    expect((await list("", reader)).status).toBe(200);
    const denied = await refused(403, () => create(entry("EX-R"), { ...admin(), ...reader }));
    expect(denied.json.error.message).toContain("MiAudit.Admin");
    // With REPORT_ADMIN_ROLE set, a key alone no longer writes.
    const keyAlone = await refused(403, () => create(entry("EX-R"), {}));
    expect(keyAlone.json.error.message).toMatch(/REPORT_ADMIN_ROLE is set/);
    const created = await create(entry("EX-R"), writer);
    expect(created.status).toBe(201);
    expect(created.json.createdBy).toBe("carol@contoso.com");
    await refused(403, () => change("EX-R", entry("EX-R"), reader));
    await refused(403, () =>
      revoke("EX-R", "", { headers: { "x-ms-client-principal": reader["x-ms-client-principal"] } }),
    );
    expect((await get("EX-R", reader)).status).toBe(200);
    // The admin role is for writes: reads ask for the reader role, like every report route.
    expect((await get("EX-R", writer)).status).toBe(403);
  });

  it("with only REPORT_ADMIN_ROLE set, reads need no role and writes need the admin role", async () => {
    useReportSettings({ adminRole: "MiAudit.Admin", authEnabled: true });
    expect((await list()).status).toBe(200);
    await refused(403, () => create(entry("EX-S"), admin()));
    expect((await create(entry("EX-S"), writer)).status).toBe(201);
  });
});

describe("REPORT_ADMIN_ROLE setting", () => {
  it("is read with REPORT_REQUIRED_ROLE, and refused in App Service without authentication", () => {
    expect(reportSettingsFromEnv({ REPORT_ADMIN_ROLE: "MiAudit.Admin" })).toEqual({ adminRole: "MiAudit.Admin" });
    expect(reportSettingsFromEnv({ REPORT_ADMIN_ROLE: "MiAudit.Admin", WEBSITE_AUTH_ENABLED: "True" })).toEqual({
      adminRole: "MiAudit.Admin",
      authEnabled: true,
    });
    expect(() => reportSettingsFromEnv({ REPORT_ADMIN_ROLE: "MiAudit.Admin", WEBSITE_SITE_NAME: "app" })).toThrow(
      /REPORT_ADMIN_ROLE is set but App Service Authentication is off/,
    );
    expect(() => reportSettingsFromEnv({ REPORT_ADMIN_ROLE: "two words" })).toThrow(/REPORT_ADMIN_ROLE/);
  });
});

describe("the OpenAPI document", () => {
  const registrations = EXCEPTION_REGISTRATIONS;

  it("describes each registered exceptions function at both doors: path, method, key and role", () => {
    const doc = openApiDocument() as any;
    expect(registrations).toHaveLength(12);
    for (const registration of registrations) {
      const options = registration.options as { route: string; methods: string[]; authLevel: string };
      expect(options.methods).toHaveLength(1);
      // The signed-in door's route is the same path under the /api/web server.
      const signedIn = options.route.startsWith("web/");
      const operation = doc.paths[`/${options.route.replace(/^web\//, "")}`][options.methods[0]!.toLowerCase()];
      expect(operation.operationId, registration.name).toBe(registration.name.replace(/SignedIn$/, ""));
      expect(registration.name.endsWith("SignedIn")).toBe(signedIn);
      const writes = options.methods[0] !== "GET";
      expect(options.authLevel).toBe(signedIn ? "anonymous" : "function");
      expect(operation.security).toEqual([
        { functionKeyQuery: [] },
        { functionKeyHeader: [] },
        { appServiceAuthentication: [] },
      ]);
      expect(operation.responses["403"].description).toContain(writes ? "REPORT_ADMIN_ROLE" : "REPORT_REQUIRED_ROLE");
      expect(operation.requestBody !== undefined, registration.name).toBe(writes);
    }
    expect(Object.keys(doc.paths["/exceptions/{id}"]).sort()).toEqual(["delete", "get", "put"]);
    expect(Object.keys(doc.paths["/exceptions"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/exceptions/import"].post.requestBody.content)).toEqual(
      expect.arrayContaining(["application/json", "application/yaml", "text/yaml"]),
    );
    expect(doc.paths["/exceptions/{id}"].put.parameters).toContainEqual(
      expect.objectContaining({ name: "If-Match", in: "header", required: false }),
    );
  });

  it("the document and the handler accept and refuse the same ids", async () => {
    await create(entry("EX-0042"));
    for (const id of ["EX-0042", "a", "ex.1_2-3"]) {
      expect(validator.parameterErrors("/exceptions/{id}", "id", id), id).toEqual([]);
      expect([200, 404], id).toContain((await get(id)).status);
    }
    for (const id of ["-EX", "EX 1", "x".repeat(65), "EX/1"]) {
      expect(validator.parameterErrors("/exceptions/{id}", "id", id).length, id).toBeGreaterThan(0);
      expect((await get(id)).status, id).toBe(400);
    }
  });

  it("a response that breaks the document is caught (the check can fail)", () => {
    expect(validator.responseErrors("/exceptions", 200, { items: [{ id: "EX-1" }] }).length).toBeGreaterThan(0);
    expect(
      validator.responseErrors("/exceptions/{id}", 412, { error: { code: "x", message: "y", problems: [] } }, "put")
        .length,
    ).toBeGreaterThan(0);
  });
});

describe("behind the local host", () => {
  let host: LocalHost;

  beforeAll(async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      host = await startLocalHost({
        registrations: [
          listExceptionsFunctions,
          getExceptionFunctions,
          createExceptionFunctions,
          changeExceptionFunctions,
          revokeExceptionFunctions,
          importExceptionsFunctions,
        ].flat(),
        settings: { AzureWebJobsStorage: azurite.connectionString, AUDITOR_FUNCTION_KEY: "", AUDITOR_ADMIN_KEY: "" },
        localSettingsFile: false,
        hostJson: {},
        emulatorEstate: false,
        port: 0,
        log: { info: () => {}, warn: () => {}, error: () => {} },
      });
    } finally {
      warn.mockRestore();
    }
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
  });

  const json = (key: string, body: unknown, extra: Record<string, string> = {}) => ({
    headers: { "x-functions-key": key, "content-type": "application/json", ...extra },
    body: JSON.stringify(body),
  });

  it("writes take a function key while REPORT_ADMIN_ROLE is unset (no key is 401); If-Match over HTTP", async () => {
    // The settings as the host's app sees them: the host sets WEBSITE_HOSTNAME to its own address, as Core Tools does.
    useReportSettings(reportSettingsFromEnv());
    const denied = await fetch(`${host.apiUrl}/exceptions`, {
      method: "POST",
      ...json("wrong", entry("EX-H")),
    });
    expect(denied.status).toBe(401);
    const created = await fetch(`${host.apiUrl}/exceptions`, {
      method: "POST",
      ...json(host.functionKey, entry("EX-H")),
    });
    expect(created.status).toBe(201);
    const location = created.headers.get("location")!;
    expect(location).toBe(`${host.apiUrl}/exceptions/EX-H`);
    const read = await fetch(location, { headers: { "x-functions-key": host.functionKey } });
    expect(read.status).toBe(200);
    const etag = read.headers.get("etag")!;
    expect(etag).toBe(created.headers.get("etag"));
    const put = (ifMatch: string) =>
      fetch(location, {
        method: "PUT",
        ...json(host.adminKey, entry("EX-H", { ticket: "T" }), { "if-match": ifMatch }),
      });
    expect((await put(etag)).status).toBe(200);
    expect((await put(etag)).status).toBe(412);
    expect((await fetch(`${host.apiUrl}/exceptions/EX-H`, { method: "PATCH" })).status).toBe(405);
  });

  it("imports YAML over HTTP; GET exceptions/import is an exception id, not the import", async () => {
    const yaml = `- id: EX-Y\n  rule: mi.tls.minimum-version\n  scope: ${GROUP}\n  justification: ${JUSTIFICATION}\n  approvedBy: secops\n  expiresOn: ${day(10)}\n`;
    const imported = await fetch(`${host.apiUrl}/exceptions/import`, {
      method: "POST",
      headers: { "x-functions-key": host.adminKey, "content-type": "application/yaml" },
      body: yaml,
    });
    expect(await imported.json()).toEqual({ created: ["EX-Y"], changed: [], unchanged: [] });
    const list = await fetch(`${host.apiUrl}/exceptions?standing=expiring`, {
      headers: { "x-functions-key": host.functionKey },
    });
    expect(((await list.json()) as { items: Array<{ id: string }> }).items.map((e) => e.id)).toEqual(["EX-Y"]);
    expect((await fetch(`${host.apiUrl}/exceptions/import?code=${host.functionKey}`)).status).toBe(404);
  });
});
