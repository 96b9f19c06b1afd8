// The local host's HTTP side against real Azurite, with the fixture functions in fixtures/http-functions loaded from
// their directory: route matching and parameters, 404/405, function and admin keys, every body kind (streamed ones
// included), and handlers that fail.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalHost, type LocalHost } from "../../src/host/local-host";
import { startAzurite, type Azurite } from "../support/azurite";
import { captureLog, type CapturedLog } from "./support/host-test-kit";

let azurite: Azurite;
let host: LocalHost;
let log: CapturedLog;
const warnings: unknown[][] = [];

beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
  log = captureLog();
  const warn = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    warnings.push(args);
  });
  try {
    host = await startLocalHost({
      functionsDir: join(__dirname, "fixtures", "http-functions"),
      settings: { AzureWebJobsStorage: azurite.connectionString, AUDITOR_FUNCTION_KEY: "", AUDITOR_ADMIN_KEY: "" },
      localSettingsFile: false,
      hostJson: {},
      emulatorEstate: false,
      port: 0,
      log,
    });
  } finally {
    warn.mockRestore();
  }
});

afterAll(async () => {
  await host?.stop();
  await azurite?.dispose();
});

interface Described {
  which: string;
  method: string;
  url: string;
  params: Record<string, string>;
  query: Array<[string, string]>;
  header: string | null;
  contentType: string | null;
  body: string;
  functionName: string;
  invocationId: string;
}

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{
  status: number;
  json: Described & { error?: { code: string; message: string } };
  headers: Headers;
  text: string;
}> {
  const response = await fetch(`${host.apiUrl}${path}`, init);
  const text = await response.text();
  let json: unknown = undefined;
  if ((response.headers.get("content-type") ?? "").includes("json")) json = JSON.parse(text);
  return {
    status: response.status,
    json: json as Described & { error?: { code: string; message: string } },
    headers: response.headers,
    text,
  };
}

describe("start-up", () => {
  it("serves on a free port under /api and lists every function", () => {
    expect(host.port).toBeGreaterThan(0);
    expect(host.apiUrl).toBe(`http://127.0.0.1:${host.port}/api`);
    const echo = host.functions.find((fn) => fn.name === "echo");
    expect(echo).toMatchObject({
      kind: "http",
      url: `${host.apiUrl}/echo/{id}/{rest?}`,
      methods: ["GET", "POST", "PUT"],
      authLevel: "anonymous",
    });
    expect(log.text()).toContain(`keyed: [GET] ${host.apiUrl}/keyed  (function key)`);
    expect(log.text()).toContain(`Host listening on ${host.url}`);
  });

  it("collapses the test-mode warnings of @azure/functions into one line", () => {
    expect(log.lines.filter((line) => line.includes("@azure/functions runs in test mode"))).toHaveLength(1);
    const leaked = warnings.filter((args) => String(args[0]).includes("test mode"));
    expect(leaked).toEqual([]);
  });

  it("generates both keys when none are configured and prints them", () => {
    for (const key of [host.functionKey, host.adminKey]) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(log.text()).toContain(key);
    }
    expect(host.functionKey).not.toBe(host.adminKey);
  });
});

describe("routing", () => {
  it("matches a template and passes route parameters, query, headers and the body", async () => {
    const { status, json } = await call("/echo/abc?x=1&x=2&y=%C3%A9", {
      method: "POST",
      body: "hello body",
      headers: { "x-test": "yes", "content-type": "text/plain" },
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({
      which: "echo",
      method: "POST",
      params: { id: "abc" },
      header: "yes",
      contentType: "text/plain",
      body: "hello body",
      functionName: "echo",
    });
    expect(json.query).toEqual([
      ["x", "1"],
      ["x", "2"],
      ["y", "é"],
    ]);
    expect(json.url).toBe(`${host.apiUrl}/echo/abc?x=1&x=2&y=%C3%A9`);
    expect(json.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("fills an optional segment when present and leaves it out otherwise", async () => {
    expect((await call("/echo/abc/def")).json.params).toEqual({ id: "abc", rest: "def" });
    expect((await call("/echo/abc/")).json.params).toEqual({ id: "abc" });
    expect((await call("/echo/a%20b")).json.params).toEqual({ id: "a b" });
    expect((await call("/echo/abc/def/ghi")).status).toBe(404);
  });

  it("prefers a literal segment over a parameter, whatever the registration order, ignoring case", async () => {
    expect((await call("/runs/latest")).json.which).toBe("latestRun");
    expect((await call("/RUNS/Latest")).json.which).toBe("latestRun");
    expect((await call("/runs/r-17")).json).toMatchObject({ which: "runById", params: { runId: "r-17" } });
  });

  it("applies route constraints", async () => {
    expect((await call("/runs/r-1/pages/2")).json).toMatchObject({
      which: "runPage",
      params: { runId: "r-1", page: "2" },
    });
    expect((await call("/runs/r-1/pages/two")).status).toBe(404);
  });

  it("splits an encoded slash like the Functions host in Azure, so ARM ids need a catch-all or double encoding", async () => {
    expect((await call("/resources/vm1/history")).json.params).toEqual({ id: "vm1" });
    expect((await call("/resources/%2Fsubscriptions%2Fs1/history")).status).toBe(404);
    expect((await call("/resources/%252Fsubscriptions%252Fs1/history")).json.params).toEqual({
      id: "%2Fsubscriptions%2Fs1",
    });
    expect((await call("/files/%2Fsubscriptions%2Fs1/providers/x")).json.params).toEqual({
      path: "/subscriptions/s1/providers/x",
    });
  });

  it("uses the function name as route and GET/POST as methods when the registration gives none", async () => {
    expect((await call("/defaultRoute")).json.which).toBe("defaultRoute");
    expect((await call("/defaultRoute", { method: "POST", body: "x" })).json.body).toBe("x");
    const put = await call("/defaultRoute", { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
  });

  it("answers 404 for unknown routes and paths outside the prefix, 405 for a known route with another method", async () => {
    const unknown = await call("/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.code).toBe("NotFound");
    expect((await fetch(`${host.url}/echo/abc`)).status).toBe(404);
    const wrongMethod = await call("/runs/latest", { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error?.code).toBe("MethodNotAllowed");
    expect(wrongMethod.headers.get("allow")).toBe("GET");
  });

  it("logs each invocation with the function name", async () => {
    const { json } = await call("/echo/logged");
    expect(log.text()).toContain(
      `Executing 'Functions.echo' (Reason='This function was programmatically called via the host APIs.', Id=${json.invocationId})`,
    );
    expect(log.text()).toContain("[echo] echo saw GET /api/echo/logged");
    expect(log.text()).toMatch(
      new RegExp(`Executed 'Functions.echo' \\(Succeeded, Id=${json.invocationId}, Duration=\\d+ms\\)`),
    );
  });
});

describe("keys", () => {
  it("rejects a function-level route without a key or with a wrong one", async () => {
    const none = await call("/keyed");
    expect(none.status).toBe(401);
    expect(none.json.error?.code).toBe("Unauthorized");
    expect((await call("/keyed", { headers: { "x-functions-key": "wrong" } })).status).toBe(401);
    expect((await call(`/keyed?code=${host.functionKey.slice(0, -1)}`)).status).toBe(401);
  });

  it("accepts the function key in the header and as ?code=, and the admin key as well", async () => {
    expect((await call("/keyed", { headers: { "x-functions-key": host.functionKey } })).status).toBe(200);
    expect((await call(`/keyed?code=${host.functionKey}`)).status).toBe(200);
    expect((await call("/keyed", { headers: { "x-functions-key": host.adminKey } })).status).toBe(200);
  });

  it("takes the header over ?code=, as Azure does", async () => {
    expect((await call(`/keyed?code=${host.functionKey}`, { headers: { "x-functions-key": "wrong" } })).status).toBe(
      401,
    );
  });

  it("lets only the admin key into an admin route", async () => {
    expect((await call("/maintenance/purge", { method: "POST" })).status).toBe(401);
    const withFunctionKey = await call("/maintenance/purge", {
      method: "POST",
      headers: { "x-functions-key": host.functionKey },
    });
    expect(withFunctionKey.status).toBe(401);
    expect(withFunctionKey.json.error?.message).toContain("admin key");
    expect(
      (await call("/maintenance/purge", { method: "POST", headers: { "x-functions-key": host.adminKey } })).json.which,
    ).toBe("adminOnly");
  });

  it("leaves anonymous routes open", async () => {
    expect((await call("/echo/open")).status).toBe(200);
  });
});

describe("response bodies", () => {
  it("sends a string with its headers and a Content-Length", async () => {
    const { status, text, headers } = await call("/bodies/text");
    expect(status).toBe(200);
    expect(text).toBe("plain text ✓");
    expect(headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(headers.get("content-length")).toBe(String(Buffer.byteLength("plain text ✓")));
    expect(headers.get("x-custom")).toBe("kept");
    expect(headers.get("x-ms-invocation-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers HEAD with the headers only", async () => {
    const response = await fetch(`${host.apiUrl}/bodies/text`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-custom")).toBe("kept");
    expect(await response.text()).toBe("");
  });

  it("sends jsonBody as JSON with its status", async () => {
    const response = await fetch(`${host.apiUrl}/bodies/json`);
    expect(response.status).toBe(202);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ ok: true, list: [1, 2, 3] });
  });

  it("sends bytes unchanged", async () => {
    const response = await fetch(`${host.apiUrl}/bodies/bytes`);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 254, 255]);
    expect(await (await fetch(`${host.apiUrl}/bodies/buffer`)).text()).toBe("from a Buffer");
  });

  it("sends an HttpResponse with its cookies, and drops hop-by-hop headers", async () => {
    const response = await fetch(`${host.apiUrl}/bodies/response`);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ created: true });
    expect(response.headers.get("x-custom")).toBe("kept");
    expect(response.headers.getSetCookie()).toEqual(["session=a%20b; Path=/; HttpOnly; SameSite=Strict"]);
    expect(response.headers.get("upgrade")).toBeNull();
  });

  it("streams a ReadableStream: the first chunk arrives before the handler has produced the second", async () => {
    const response = await fetch(`${host.apiUrl}/stream/web/gate-1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBeNull();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe("first\n");
    // Only now may the handler go on; a host that buffered the body would never have sent the first chunk.
    expect((await fetch(`${host.apiUrl}/stream/gates/gate-1/open`, { method: "POST" })).status).toBe(204);
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += decoder.decode(chunk.value, { stream: true });
    expect(rest).toBe("second\n");
  }, 10_000);

  it("streams a Node Readable and an async iterable", async () => {
    const csv = await fetch(`${host.apiUrl}/stream/node`);
    expect(csv.headers.get("content-type")).toBe("text/csv");
    expect(await csv.text()).toBe("a,b\n1,2\n3,4\n");
    expect(await (await fetch(`${host.apiUrl}/stream/iterable`)).text()).toBe("page 1\npage 2\npage 3\n");
  });

  it("streams a body larger than the socket buffers completely", async () => {
    const body = new Uint8Array(await (await fetch(`${host.apiUrl}/stream/large`)).arrayBuffer());
    expect(body.length).toBe(128 * 64 * 1024);
    expect(body.every((byte) => byte === 97)).toBe(true);
  });

  it("cuts the connection when a stream fails half-way, so the client cannot mistake it for a whole body", async () => {
    const response = await fetch(`${host.apiUrl}/stream/broken`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(log.text()).toContain("the page source failed");
  });

  it("answers 204 when the handler returns nothing", async () => {
    const response = await fetch(`${host.apiUrl}/nothing`, { method: "POST" });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });
});

describe("failing handlers", () => {
  it("answers 500 with a JSON error and no stack; the log has the message, the stack and the function name", async () => {
    const { status, json, text, headers } = await call("/boom");
    expect(status).toBe(500);
    expect(json.error?.code).toBe("InternalError");
    const invocationId = headers.get("x-ms-invocation-id");
    expect(json.error?.message).toContain(invocationId);
    expect(text).not.toContain("kaboom");
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    expect(log.text()).toContain(`Executed 'Functions.boom' (Failed, Id=${invocationId}`);
    expect(log.text()).toMatch(/\[boom\] Error: kaboom with internal detail\n\s+at /);
    expect(log.text()).toContain("[boom] about to fail");
  });

  it("answers 500 when the handler returns something that is not a response", async () => {
    const { status, json } = await call("/not-a-response");
    expect(status).toBe(500);
    expect(json.error?.code).toBe("InternalError");
    expect(log.text()).toContain("[notAResponse] The HTTP response must be an object");
  });

  it("keeps serving after failures", async () => {
    expect((await call("/echo/still-up")).status).toBe(200);
  });
});
