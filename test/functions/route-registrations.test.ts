// Every HTTP function as the Functions host indexes it (each module of src/functions): no route asks for the host's
// master key (authLevel admin), health is the one public route, and every other route is registered at both doors
// with the same methods: the key door /api/<route> (authLevel function) and the signed-in door /api/web/<route>
// (anonymous at the host; the app requires a signed-in caller). See docs/api.md, Who may call what.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { FunctionRegistration } from "../../src/app/function-registration";
import { loadFunctionRegistrations } from "../../src/host/function-loader";

const ROOT = join(__dirname, "../..");
const silent = { info: () => {}, warn: () => {}, error: () => {} };

async function httpRegistrations(): Promise<Array<Extract<FunctionRegistration, { kind: "http" }>>> {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const all = await loadFunctionRegistrations(join(ROOT, "src/functions"), silent);
    return all.flatMap((r) => (r.kind === "http" ? [r] : []));
  } finally {
    warn.mockRestore();
  }
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("HTTP registrations", () => {
  it("no route uses authLevel admin: nobody needs the master key", async () => {
    const registrations = await httpRegistrations();
    expect(registrations.length).toBeGreaterThan(30);
    for (const registration of registrations)
      expect(["function", "anonymous"], registration.name).toContain(registration.options.authLevel);
    // Nor does any source file declare one (a route table, an option object built elsewhere).
    const declaring = sourceFiles(join(ROOT, "src")).filter((file) =>
      /authLevel\s*:\s*["']admin["']/.test(readFileSync(file, "utf8")),
    );
    expect(declaring).toEqual([]);
  });

  it("health is registered once, anonymous; every other route at the key door and the signed-in door", async () => {
    const registrations = await httpRegistrations();
    const byName = new Map(registrations.map((r) => [r.name, r]));
    const keyDoors = registrations.filter((r) => !r.name.endsWith("SignedIn"));
    for (const keyDoor of keyDoors) {
      const signedIn = byName.get(`${keyDoor.name}SignedIn`);
      if (keyDoor.name === "health") {
        expect(keyDoor.options).toMatchObject({ route: "health", authLevel: "anonymous" });
        expect(signedIn).toBeUndefined();
        continue;
      }
      expect(keyDoor.options.authLevel, keyDoor.name).toBe("function");
      expect(signedIn, keyDoor.name).toBeDefined();
      expect(signedIn!.options).toMatchObject({
        route: `web/${keyDoor.options.route}`,
        authLevel: "anonymous",
        methods: keyDoor.options.methods,
      });
      // Two handlers, one per door: each knows its door from its registration.
      expect(signedIn!.options.handler).not.toBe(keyDoor.options.handler);
    }
    expect(keyDoors.length * 2 - 1).toBe(registrations.length);
  });
});
