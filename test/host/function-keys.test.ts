// Keys and auth levels: which key opens which level, where the key may come from, and generated keys.
import { describe, expect, it } from "vitest";
import {
  constantTimeEquals,
  isAuthorized,
  presentedKey,
  resolveHostKeys,
  type HostKeys,
} from "../../src/host/function-keys";

const keys: HostKeys = {
  functionKey: "function-key",
  adminKey: "admin-key",
  generated: { functionKey: false, adminKey: false },
};

describe("isAuthorized", () => {
  it.each([
    ["anonymous", undefined, true],
    ["anonymous", "anything", true],
    ["function", undefined, false],
    ["function", "", false],
    ["function", "function-key", true],
    ["function", "admin-key", true],
    ["function", "function-ke", false],
    ["function", "function-key ", false],
    ["admin", "admin-key", true],
    ["admin", "function-key", false],
    ["admin", undefined, false],
  ] as const)("%s level with key %j: %s", (level, key, expected) => {
    expect(isAuthorized(level, key, keys)).toBe(expected);
  });
});

describe("presentedKey", () => {
  it("takes the header first, then ?code=", () => {
    expect(presentedKey("from-header", new URLSearchParams("code=from-query"))).toBe("from-header");
    expect(presentedKey(undefined, new URLSearchParams("code=from-query"))).toBe("from-query");
    expect(presentedKey("", new URLSearchParams("code=from-query"))).toBe("from-query");
    expect(presentedKey(undefined, new URLSearchParams("other=1"))).toBeUndefined();
  });
});

describe("resolveHostKeys", () => {
  it("generates 32-byte base64url keys for settings that are unset or blank", () => {
    const generated = resolveHostKeys({ AUDITOR_ADMIN_KEY: "  " });
    expect(generated.generated).toEqual({ functionKey: true, adminKey: true });
    for (const key of [generated.functionKey, generated.adminKey])
      expect(Buffer.from(key, "base64url")).toHaveLength(32);
    expect(generated.functionKey).not.toBe(generated.adminKey);
    expect(resolveHostKeys({}).functionKey).not.toBe(generated.functionKey);
  });

  it("uses configured keys", () => {
    expect(resolveHostKeys({ AUDITOR_FUNCTION_KEY: "f", AUDITOR_ADMIN_KEY: "a" })).toEqual({
      functionKey: "f",
      adminKey: "a",
      generated: { functionKey: false, adminKey: false },
    });
  });
});

describe("constantTimeEquals", () => {
  it("compares keys of any length", () => {
    expect(constantTimeEquals("abc", "abc")).toBe(true);
    expect(constantTimeEquals("abc", "abcd")).toBe(false);
    expect(constantTimeEquals("", "abc")).toBe(false);
  });
});
