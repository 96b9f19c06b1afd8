// The exception store against a real Azurite: the state and its append-only history written in one transaction,
// optimistic concurrency (If-Match), races between writers, and refused requests that leave every stored byte as it was.
import { randomBytes } from "node:crypto";
import { odata, TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExceptionStore } from "../../src/audit/exception-store";
import { readExceptionInput } from "../../src/engine/exception-input";
import type { AuditException } from "../../src/engine/exceptions";
import { AuditorError, type ErrorCode } from "../../src/errors";
import { createExceptionStore, EXCEPTIONS_TABLE } from "../../src/store/table-exception-store";
import { freePort, startAzurite, type Azurite } from "../support/azurite";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ persistence: "memory" });
});
afterAll(async () => {
  await azurite?.dispose();
});

const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000aa";
const MI = `${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/mi-one`;
const NOW = new Date("2026-12-04T12:00:00Z");

/** An exception as the API reads one (source "store", no expired dates), so the store gets what it will get. */
function input(fields: Record<string, unknown>, now: Date = NOW): AuditException {
  const read = readExceptionInput(
    {
      rule: "mi.public-endpoint.stale-nsg-opening",
      scope: MI,
      justification: "Vendor migration needs the public endpoint until cut-over.",
      approvedBy: "ciso@example.com",
      expiresOn: "2027-01-31",
      ...fields,
    },
    { source: "store", now, maxDays: 180, allowExpired: false },
  );
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  return read.exception;
}

function fresh(): { store: ExceptionStore; raw: TableClient } {
  const prefix = `x${randomBytes(4).toString("hex")}`;
  const store = createExceptionStore(
    { connectionString: azurite.connectionString },
    { tablePrefix: prefix, retry: { maxRetries: 1, retryDelayInMs: 50, maxRetryDelayInMs: 200 }, now: () => NOW },
  );
  const raw = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${EXCEPTIONS_TABLE}`, {
    allowInsecureConnection: true,
  });
  return { store, raw };
}

/** Every row of one exception's partition as the service returns it (ETags and timestamps included). */
async function rawPartition(raw: TableClient, id: string): Promise<string> {
  const rows: unknown[] = [];
  for await (const row of raw.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${id.toLowerCase()}` } }))
    rows.push(row);
  return JSON.stringify(rows);
}

async function codeOfFailure(promise: Promise<unknown>): Promise<ErrorCode | "fulfilled"> {
  try {
    await promise;
    return "fulfilled";
  } catch (error) {
    if (error instanceof AuditorError) return error.code;
    throw error;
  }
}

const alice = { by: "alice@example.com", at: new Date("2026-12-04T10:00:00Z") };
const bob = { by: "bob@example.com", at: new Date("2026-12-04T11:00:00Z") };

describe("table exception store", () => {
  it("creates an exception as its current state and history entry 1, read back field for field", async () => {
    const { store, raw } = fresh();
    const declared = input({ id: "EX-0042", tags: { env: "prod" }, ticket: "CHG-981" });
    const created = await store.createException(declared, alice);
    expect(created).toMatchObject({
      ...declared,
      source: "store",
      createdBy: "alice@example.com",
      createdAt: "2026-12-04T10:00:00.000Z",
      version: 1,
    });
    expect(created.etag).toMatch(/^W\/"/);
    const read = await store.getException("ex-0042");
    expect(read?.exception).toEqual(created);
    expect(read?.history).toEqual([
      {
        version: 1,
        action: "created",
        by: "alice@example.com",
        at: "2026-12-04T10:00:00.000Z",
        via: "api",
        exception: { ...declared, createdBy: "alice@example.com", createdAt: "2026-12-04T10:00:00.000Z", version: 1 },
      },
    ]);
    const keys: string[] = [];
    for await (const row of raw.listEntities()) keys.push(`${row.partitionKey}/${row.rowKey}`);
    expect(keys).toEqual(["ex-0042/current", "ex-0042/v000001"]);
    expect(await store.getException("EX-0043")).toBeUndefined();
    expect(await store.getException("not/an/id")).toBeUndefined();
  });

  it("refuses an id already used (any letter case) with CONFLICT and leaves the stored rows byte-identical", async () => {
    const { store, raw } = fresh();
    await store.createException(input({ id: "EX-1" }), alice);
    const before = await rawPartition(raw, "EX-1");
    expect(await codeOfFailure(store.createException(input({ id: "ex-1", approvedBy: "someone else" }), bob))).toBe(
      "CONFLICT",
    );
    expect(await rawPartition(raw, "EX-1")).toBe(before);
  });

  it("changes with If-Match: history grows by one; a stale ETag is PRECONDITION_FAILED and changes nothing", async () => {
    const { store, raw } = fresh();
    const first = await store.createException(input({ id: "EX-2" }), alice);
    const changed = await store.changeException("ex-2", input({ id: "EX-2", expiresOn: "2027-02-28" }), bob, {
      ifMatch: first.etag,
    });
    expect(changed).toMatchObject({
      expiresOn: "2027-02-28",
      version: 2,
      createdBy: "alice@example.com",
      updatedBy: "bob@example.com",
      updatedAt: "2026-12-04T11:00:00.000Z",
    });
    expect(changed.etag).not.toBe(first.etag);
    const before = await rawPartition(raw, "EX-2");
    expect(
      await codeOfFailure(
        store.changeException("EX-2", input({ id: "EX-2", expiresOn: "2027-03-31" }), alice, { ifMatch: first.etag }),
      ),
    ).toBe("PRECONDITION_FAILED");
    expect(await rawPartition(raw, "EX-2")).toBe(before);
    const history = (await store.getException("EX-2"))!.history;
    expect(history.map((h) => [h.version, h.action, h.by, h.exception.expiresOn])).toEqual([
      [1, "created", "alice@example.com", "2027-01-31"],
      [2, "changed", "bob@example.com", "2027-02-28"],
    ]);
    expect(await codeOfFailure(store.changeException("EX-404", input({ id: "EX-404" }), bob))).toBe("NOT_FOUND");
    expect(await codeOfFailure(store.changeException("EX-2", input({ id: "EX-3" }), bob))).toBe(
      "INPUT_INVALID_REQUEST",
    );
  });

  it("of two concurrent changes of what both read exactly one wins; the other is refused and writes nothing", async () => {
    const { store } = fresh();
    await store.createException(input({ id: "EX-RACE" }), alice);
    for (let round = 0; round < 5; round += 1) {
      // Both callers read the same state (as two API clients holding one ETag) and change it at once.
      const { etag } = (await store.getException("EX-RACE"))!.exception;
      const change = (by: typeof alice) =>
        store.changeException("EX-RACE", input({ id: "EX-RACE", approvedBy: `${by.by} round ${round}` }), by, {
          ifMatch: etag,
        });
      const outcomes = await Promise.allSettled([change(alice), change(bob)]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o) => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(["PRECONDITION_FAILED", "CONFLICT"]).toContain((lost[0]!.reason as AuditorError).code);
      const read = await store.getException("EX-RACE");
      expect(read!.exception).toEqual(won[0]!.value);
      expect(read!.history).toHaveLength(round + 2);
      expect(read!.history.at(-1)!.exception.approvedBy).toBe(won[0]!.value.approvedBy);
    }
  });

  it("concurrent changes without an ETag never lose a history entry: one entry per change that succeeded", async () => {
    const { store } = fresh();
    await store.createException(input({ id: "EX-BUSY" }), alice);
    const outcomes = await Promise.allSettled(
      [alice, bob, alice, bob].map((by, i) =>
        store.changeException("EX-BUSY", input({ id: "EX-BUSY", approvedBy: `${by.by} ${i}` }), by),
      ),
    );
    const won = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    for (const o of outcomes)
      if (o.status === "rejected")
        expect(["PRECONDITION_FAILED", "CONFLICT"]).toContain((o.reason as AuditorError).code);
    expect(won.length).toBeGreaterThan(0);
    const read = (await store.getException("EX-BUSY"))!;
    // A change that succeeded wrote exactly one entry, numbered after the state it replaced; the last is the state.
    expect(read.history.map((h) => h.version)).toEqual(Array.from({ length: won.length + 1 }, (_, i) => i + 1));
    expect(
      read.history
        .slice(1)
        .map((h) => h.exception.approvedBy)
        .sort(),
    ).toEqual(won.map((w) => w.approvedBy).sort());
    expect(read.exception.version).toBe(won.length + 1);
    const { etag: _etag, ...state } = read.exception;
    expect(read.history.at(-1)!.exception).toEqual(state);
  });

  it("of two concurrent creates of one id exactly one wins; the other is CONFLICT", async () => {
    const { store } = fresh();
    const outcomes = await Promise.allSettled([
      store.createException(input({ id: "EX-NEW", approvedBy: "alice" }), alice),
      store.createException(input({ id: "ex-new", approvedBy: "bob" }), bob),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === "rejected");
    expect((lost!.reason as AuditorError).code).toBe("CONFLICT");
    expect((await store.getException("EX-NEW"))!.history).toHaveLength(1);
  });

  it("revokes once (with its reason); a revoked exception cannot be changed, leaves runs, and lists only on request", async () => {
    const { store, raw } = fresh();
    await store.createException(input({ id: "EX-R" }), alice);
    await store.createException(input({ id: "EX-KEEP" }), alice);
    const revoked = await store.revokeException("ex-r", bob, "  Public endpoint closed on 2026-12-03. ");
    expect(revoked).toMatchObject({
      version: 2,
      revokedBy: "bob@example.com",
      revokedAt: "2026-12-04T11:00:00.000Z",
      revokeReason: "Public endpoint closed on 2026-12-03.",
    });
    const before = await rawPartition(raw, "EX-R");
    expect(await store.revokeException("EX-R", alice, "again")).toEqual(revoked);
    expect(await codeOfFailure(store.changeException("EX-R", input({ id: "EX-R" }), alice))).toBe("CONFLICT");
    expect(await rawPartition(raw, "EX-R")).toBe(before);
    const history = (await store.getException("EX-R"))!.history;
    expect(history.at(-1)).toMatchObject({
      version: 2,
      action: "revoked",
      by: "bob@example.com",
      reason: "Public endpoint closed on 2026-12-03.",
    });
    expect((await store.listExceptions()).map((e) => e.id)).toEqual(["EX-KEEP"]);
    expect((await store.listExceptions({ includeRevoked: true })).map((e) => e.id)).toEqual(["EX-KEEP", "EX-R"]);
    expect((await store.exceptionsForRun()).map((e) => e.id)).toEqual(["EX-KEEP"]);
    expect(await codeOfFailure(store.revokeException("EX-NONE", bob))).toBe("NOT_FOUND");
    expect(await codeOfFailure(store.createException(input({ id: "ex-r" }), alice))).toBe("CONFLICT");
  });

  it("gives runs every exception not revoked, expired ones included, as the engine takes them", async () => {
    const { store } = fresh();
    // Declared in November, expired by the store's today: runs still get it, to report the failures it covered.
    const november = new Date("2026-11-01T00:00:00Z");
    await store.createException(
      input({ id: "EX-OLD", expiresOn: "2026-11-30", tags: { Env: "prod" } }, november),
      alice,
    );
    expect(await store.exceptionsForRun()).toEqual([
      {
        id: "EX-OLD",
        source: "store",
        ruleIds: ["mi.public-endpoint.stale-nsg-opening"],
        scope: MI,
        tags: { Env: "prod" },
        justification: "Vendor migration needs the public endpoint until cut-over.",
        approvedBy: "ciso@example.com",
        expiresOn: "2026-11-30",
        createdBy: "alice@example.com",
        createdAt: "2026-12-04T10:00:00.000Z",
      },
    ]);
  });

  it("imports all-or-nothing: checked first, then each id created, changed or left as it is", async () => {
    const { store, raw } = fresh();
    await store.createException(input({ id: "EX-SAME" }), alice);
    await store.createException(input({ id: "EX-EDIT" }), alice);
    await store.createException(input({ id: "EX-GONE" }), alice);
    await store.revokeException("EX-GONE", alice);
    const before = JSON.stringify([...(await rawPartitions(raw))]);

    const refusedRevoked = store.importExceptions([input({ id: "EX-BRAND-NEW" }), input({ id: "EX-GONE" })], bob);
    expect(await codeOfFailure(refusedRevoked)).toBe("CONFLICT");
    const refusedTwice = store.importExceptions([input({ id: "EX-A" }), input({ id: "ex-a" })], bob);
    expect(await codeOfFailure(refusedTwice)).toBe("INPUT_INVALID_REQUEST");
    // Past the 64 KiB property limit (input checks cap a justification at 2,000 characters; the store checks anyway).
    const huge = { ...input({ id: "EX-HUGE" }), justification: "x".repeat(40_000) };
    const refusedHuge = store.importExceptions([input({ id: "EX-BEFORE-HUGE" }), huge], bob);
    expect(await codeOfFailure(refusedHuge)).toBe("INPUT_INVALID_REQUEST");
    expect(JSON.stringify([...(await rawPartitions(raw))])).toBe(before);

    const result = await store.importExceptions(
      [
        input({ id: "EX-SAME" }),
        input({ id: "EX-EDIT", ticket: "CHG-2" }),
        input({ id: "EX-BRAND-NEW", tags: { b: "2", a: "1" } }),
      ],
      bob,
    );
    expect(result).toEqual({ created: ["EX-BRAND-NEW"], changed: ["EX-EDIT"], unchanged: ["EX-SAME"] });
    const edited = (await store.getException("EX-EDIT"))!;
    expect(edited.exception).toMatchObject({ ticket: "CHG-2", version: 2, updatedBy: "bob@example.com" });
    expect(edited.history.at(-1)).toMatchObject({ action: "changed", via: "import" });
    expect((await store.getException("EX-SAME"))!.history).toHaveLength(1);
    // Tags compare by content, not by the order they were written in.
    const again = await store.importExceptions([input({ id: "EX-BRAND-NEW", tags: { a: "1", b: "2" } })], bob);
    expect(again).toEqual({ created: [], changed: [], unchanged: ["EX-BRAND-NEW"] });
  });

  it("an unreachable account fails reads and writes as STORAGE_UNAVAILABLE", async () => {
    const port = await freePort();
    const store = createExceptionStore(
      {
        connectionString: azurite.connectionString.replace(
          /TableEndpoint=http:\/\/[^;]+/,
          `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
        ),
      },
      { retry: { maxRetries: 0 } },
    );
    expect(await codeOfFailure(store.exceptionsForRun())).toBe("STORAGE_UNAVAILABLE");
    expect(await codeOfFailure(store.createException(input({ id: "EX-X" }), alice))).toBe("STORAGE_UNAVAILABLE");
  });
});

async function rawPartitions(raw: TableClient): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  for await (const row of raw.listEntities()) rows.set(`${row.partitionKey}/${row.rowKey}`, JSON.stringify(row));
  return rows;
}
