// Storage failures become coded errors: Azurite stopped mid-run → STORAGE_UNAVAILABLE; data intact after a restart.
import { RestError } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditorError, errorText } from "../../src/errors";
import { toStorageError } from "../../src/store/storage-errors";
import { storeConnectionFromEnv } from "../../src/store/store-settings";
import { createAuditStore } from "../../src/store/table-audit-store";
import { connectionStringIsHttp } from "../../src/store/table-client";
import { DEV_ACCOUNT_KEY, startAzurite, type Azurite } from "../support/azurite";
import { freshStore, manyFindings, report, runIdAt } from "./fixtures";

describe("toStorageError", () => {
  const socketError = (code: string): RestError => new RestError(`connect ${code} 127.0.0.1:1`, { code });
  const httpError = (statusCode: number, code: string, message = "The server said no."): RestError =>
    new RestError(message, { statusCode, code });

  it.each([
    ["connection refused", socketError("ECONNREFUSED"), "STORAGE_UNAVAILABLE"],
    ["connection reset", socketError("ECONNRESET"), "STORAGE_UNAVAILABLE"],
    ["socket timeout", socketError("ETIMEDOUT"), "STORAGE_UNAVAILABLE"],
    ["DNS failure", socketError("ENOTFOUND"), "STORAGE_UNAVAILABLE"],
    ["503 ServerBusy", httpError(503, "ServerBusy"), "STORAGE_UNAVAILABLE"],
    ["500 InternalError", httpError(500, "InternalError"), "STORAGE_UNAVAILABLE"],
    ["408 OperationTimedOut", httpError(408, "OperationTimedOut"), "STORAGE_UNAVAILABLE"],
    ["403 AuthorizationFailure", httpError(403, "AuthorizationFailure"), "STORAGE_FAILED"],
    ["400 InvalidInput", httpError(400, "InvalidInput"), "STORAGE_FAILED"],
    ["413 RequestBodyTooLarge", httpError(413, "RequestBodyTooLarge"), "STORAGE_FAILED"],
    ["a plain Error", new Error("surprise"), "STORAGE_FAILED"],
  ])("%s → %s", (_label, error, code) => {
    const narrowed = toStorageError(error, "writing findings of run X");
    expect(narrowed).toBeInstanceOf(AuditorError);
    expect(narrowed.code).toBe(code);
    expect(narrowed.message).toContain("writing findings of run X");
    expect(narrowed.cause).toBe(error);
  });

  it("keeps secrets out of messages", () => {
    const leaky = httpError(
      400,
      "InvalidInput",
      `bad request to https://a.table.core.windows.net/t?sv=2020&sig=SECRETSIG&se=1 with AccountKey=${DEV_ACCOUNT_KEY};`,
    );
    const message = toStorageError(leaky, "reading").message;
    expect(message).not.toContain("SECRETSIG");
    expect(message).not.toContain(DEV_ACCOUNT_KEY);
  });

  it("passes AuditorErrors through unchanged", () => {
    const original = new AuditorError("NOT_FOUND", "gone");
    expect(toStorageError(original, "x")).toBe(original);
  });
});

describe("store configuration", () => {
  it.each([
    [
      "an Azurite http endpoint",
      "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=http://127.0.0.1:10002/a",
      true,
    ],
    [
      "an https endpoint",
      "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net",
      false,
    ],
    [
      "an https TableEndpoint despite the protocol",
      "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=https://x/a",
      false,
    ],
    ["UseDevelopmentStorage", "UseDevelopmentStorage=true", true],
  ])("connection string with %s → insecure http allowed: %s", (_label, connectionString, http) => {
    expect(connectionStringIsHttp(connectionString)).toBe(http);
  });

  it("names the settings, and never echoes a connection string", () => {
    expect(() => storeConnectionFromEnv({})).toThrow(/AUDIT_STORAGE_ACCOUNT_URL.*AUDIT_STORAGE_CONNECTION_STRING/);
    expect(() => storeConnectionFromEnv({ AUDIT_STORAGE_ACCOUNT_URL: "http://acct.table.core.windows.net" })).toThrow(
      /must be https/,
    );
    expect(storeConnectionFromEnv({ AUDIT_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" })).toEqual({
      connectionString: "UseDevelopmentStorage=true",
    });
    const bad = `AccountName=a;AccountKey=${DEV_ACCOUNT_KEY};NoEndpoint`;
    let message = "";
    try {
      createAuditStore({ connectionString: bad });
    } catch (error) {
      message = errorText(error);
    }
    expect(message).toMatch(/connection string is not valid/);
    expect(message).not.toContain(DEV_ACCOUNT_KEY);
  });
});

describe("Azurite stopped mid-run", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.dispose();
  });

  it("reads and writes fail as STORAGE_UNAVAILABLE without secrets; after a restart the data is intact", async () => {
    const store = freshStore(azurite.connectionString);
    const runId = runIdAt("2026-11-22T02:00:00Z");
    await store.createRun({ baseline: "current", runId, scope: "subscriptions:all" });
    await store.markRunning(runId);
    await store.completeRun(report(runId, manyFindings(150)));
    const before = await store.getRun(runId);

    await azurite.stop();
    expect(azurite.isRunning()).toBe(false);
    const failures = await Promise.all([
      store.getRun(runId).catch((e: unknown) => e),
      store.listFindings(runId).catch((e: unknown) => e),
      store.completeRun(report(runIdAt("2026-11-22T03:00:00Z"), manyFindings(5))).catch((e: unknown) => e),
      store.claimScopeLock("subscriptions:all", runId).catch((e: unknown) => e),
      // A store whose tables were never created must fail the same way, not with a different error.
      freshStore(azurite.connectionString)
        .listRuns()
        .catch((e: unknown) => e),
    ]);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(AuditorError);
      expect((failure as AuditorError).code).toBe("STORAGE_UNAVAILABLE");
      expect((failure as AuditorError).message).toMatch(/unreachable.*ECONNREFUSED/);
      expect((failure as AuditorError).message).not.toContain(DEV_ACCOUNT_KEY);
      expect((failure as AuditorError).message).not.toContain("AccountKey");
    }

    await azurite.restart();
    const after = await store.getRun(runId);
    expect(after).toEqual(before);
    let count = 0;
    let token: string | undefined;
    do {
      const page = await store.listFindings(runId, { top: 100, ...(token ? { continuationToken: token } : {}) });
      count += page.items.length;
      token = page.continuationToken;
    } while (token !== undefined);
    expect(count).toBe(150);
    // The store recovers by itself: no new client needed after the outage.
    expect((await store.claimScopeLock("subscriptions:all", runId)).acquired).toBe(true);
  });
});
