// The stable fingerprint: one value per result, the same for any spelling of the resource id, different for any other
// rule or resource, numbered per pair in report order, and pinned to its documented definition (checked here with an
// independent SHA-256, WebCrypto's, so a change of algorithm cannot pass unnoticed).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  FingerprintSequence,
  findingFingerprint,
  reportFingerprints,
  SARIF_FINGERPRINT_KEY,
} from "../../src/report/fingerprint";
import { TOOL } from "../../src/report/report-format";

const ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/mi-1";

async function reference(ruleId: string, foldedId: string, occurrence?: number): Promise<string> {
  const text = `mi-audit/v1\u0000${ruleId}\u0000${foldedId}${occurrence === undefined ? "" : `\u0000${occurrence}`}`;
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Buffer.from(digest).toString("hex").slice(0, 32);
}

describe("findingFingerprint", () => {
  it("is SHA-256 of the version, the rule id and the case-folded id, cut to 32 hex", async () => {
    expect(findingFingerprint({ ruleId: "mi.tls.minimum-version", resourceId: ID })).toBe(
      await reference("mi.tls.minimum-version", ID.toLowerCase()),
    );
    expect(findingFingerprint({ ruleId: "mi.tls.minimum-version", resourceId: ID }, 2)).toBe(
      await reference("mi.tls.minimum-version", ID.toLowerCase(), 2),
    );
  });

  it("is the same for every spelling ARM treats as one id", () => {
    const spellings = [ID, ID.toUpperCase(), `${ID}/`, ` ${ID} `, ID.slice(1)];
    const values = new Set(spellings.map((resourceId) => findingFingerprint({ ruleId: "r.a", resourceId })));
    expect(values.size).toBe(1);
    expect([...values][0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("differs for another rule, another resource, or a boundary moved between the two", () => {
    const values = [
      findingFingerprint({ ruleId: "r.a", resourceId: ID }),
      findingFingerprint({ ruleId: "r.b", resourceId: ID }),
      findingFingerprint({ ruleId: "r.a", resourceId: `${ID}2` }),
      findingFingerprint({ ruleId: "r.a", resourceId: "/x/y" }),
      findingFingerprint({ ruleId: "r.a/x", resourceId: "/y" }),
      findingFingerprint({ ruleId: "r.a", resourceId: ID }, 1),
    ];
    expect(new Set(values).size).toBe(values.length);
  });
});

describe("FingerprintSequence", () => {
  it("numbers a pair's results in report order and leaves single results at occurrence 0", () => {
    const a = { ruleId: "r.a", resourceId: ID };
    const b = { ruleId: "r.b", resourceId: ID };
    const fingerprints = reportFingerprints([a, b, { ...a, resourceId: ID.toUpperCase() }, a]);
    expect(fingerprints).toEqual([
      findingFingerprint(a),
      findingFingerprint(b),
      findingFingerprint(a, 1),
      findingFingerprint(a, 2),
    ]);
    const sequence = new FingerprintSequence();
    expect(sequence.next(b)).toBe(findingFingerprint(b));
  });
});

describe("the tool's identity", () => {
  it("carries package.json's version, and SARIF's fingerprint key names the algorithm's version", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as { version: string };
    expect(TOOL.version).toBe(pkg.version);
    expect(SARIF_FINGERPRINT_KEY).toBe("miAuditFinding/v1");
  });
});
