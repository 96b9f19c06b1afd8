// samples/estate.json is committed (npm start serves it from a fresh clone) and written by dev/sample's builder from
// the same typed row builders as the generator: the file and the builder must never drift apart. It is a showcase:
// every rule of every baseline passes somewhere in it and fails somewhere else.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSampleEstate, sampleEstateJson } from "../../dev/sample/build-sample-estate";
import { evaluate } from "../../src/audit/run-audit";
import { EstateBuilder } from "../../src/model/build-estate";
import { MALFORMED_ENTRY_CHECKS } from "../../src/net/malformed-entries";
import { BASELINE_IDS, rulesOfBaseline } from "../../src/rules/baselines";

const COMMITTED = join(__dirname, "..", "..", "samples", "estate.json");

describe("samples/estate.json", () => {
  it("is exactly what dev/sample/build-sample-estate.ts writes (rerun it after editing the builder)", () => {
    expect(readFileSync(COMMITTED, "utf8")).toBe(sampleEstateJson());
  });

  it("has every row once", () => {
    const ids = buildSampleEstate().map((row) => String(row["id"]).toLowerCase());
    expect(ids).toHaveLength(89);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("shows a Policy exemption as an exception: sqlmi-prod-01's public endpoint, waived from policy 9dfea752", () => {
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS });
    buildSampleEstate().forEach((row, index) => builder.add(row, `row ${index}`));
    const { findings } = evaluate(builder.build(), {
      trustedPrefixes: [],
      trustOwnedPublicIps: true,
      baseline: "current",
    });
    const excepted = findings.filter((f) => f.exception !== undefined);
    expect(excepted.map((f) => [f.ruleId, f.resourceName, f.status, f.exception?.source, f.exception?.effect])).toEqual(
      [["mi.public-endpoint.enabled", "sqlmi-prod-01", "fail", "policy", "applied"]],
    );
  });

  it.each(BASELINE_IDS)("shows every rule of the %s baseline passing and failing", (baseline) => {
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS });
    buildSampleEstate().forEach((row, index) => builder.add(row, `row ${index}`));
    const { findings } = evaluate(builder.build(), { trustedPrefixes: [], trustOwnedPublicIps: true, baseline });
    const outcomes = (ruleId: string) =>
      [
        ...new Set(
          findings.filter((f) => f.ruleId === ruleId && ["pass", "fail"].includes(f.status)).map((f) => f.status),
        ),
      ].sort();
    for (const rule of rulesOfBaseline(baseline))
      expect([rule.id, outcomes(rule.id)]).toEqual([rule.id, ["fail", "pass"]]);
  });
});
