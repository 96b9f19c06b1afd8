// The app's public base URL (config/public-base-url.ts): REPORT_BASE_URL wins; else WEBSITE_HOSTNAME, the host name
// App Service sets (https), or the loopback address and port Core Tools and the local host set (plain http).
import { describe, expect, it } from "vitest";
import { apiUrl, publicBaseUrl } from "../../src/config/public-base-url";

describe("publicBaseUrl", () => {
  it.each([
    [{ REPORT_BASE_URL: "https://mi-audit.example.net" }, "https://mi-audit.example.net"],
    [{ REPORT_BASE_URL: "https://mi-audit.example.net/audit/" }, "https://mi-audit.example.net/audit"],
    [{ REPORT_BASE_URL: "https://a.example.net", WEBSITE_HOSTNAME: "b.azurewebsites.net" }, "https://a.example.net"],
    [{ WEBSITE_HOSTNAME: "func-mi-audit.azurewebsites.net" }, "https://func-mi-audit.azurewebsites.net"],
    [{ WEBSITE_HOSTNAME: "localhost:7071" }, "http://localhost:7071"],
    [{ WEBSITE_HOSTNAME: "127.0.0.1:50123" }, "http://127.0.0.1:50123"],
    [{ WEBSITE_HOSTNAME: "[::1]:7071" }, "http://[::1]:7071"],
    // Only loopback is plain http: a name that merely starts like one is not.
    [{ WEBSITE_HOSTNAME: "localhost.example.net" }, "https://localhost.example.net"],
    [{ WEBSITE_HOSTNAME: "127.0.0.1.nip.io" }, "https://127.0.0.1.nip.io"],
    [{}, undefined],
  ])("%j → %s", (env, expected) => {
    expect(publicBaseUrl(env)).toBe(expected);
  });

  it("refuses a base URL with a query (a key must never end up in a link), naming REPORT_BASE_URL", () => {
    expect(() => publicBaseUrl({ REPORT_BASE_URL: "https://x.example.net/?code=key" })).toThrow(/^REPORT_BASE_URL: /);
    expect(() => publicBaseUrl({ WEBSITE_HOSTNAME: "bad host/?x" })).toThrow(/REPORT_BASE_URL/);
  });
});

describe("apiUrl", () => {
  it("is absolute under a base, else a relative reference to the API path", () => {
    expect(apiUrl("https://mi-audit.example.net/audit", "runs/r1")).toBe(
      "https://mi-audit.example.net/audit/api/runs/r1",
    );
    expect(apiUrl(undefined, "runs/r1")).toBe("/api/runs/r1");
  });
});
