// samples/estate.json is committed (npm start serves it from a fresh clone) and written by dev/sample's builder from
// the same typed row builders as the generator: the file and the builder must never drift apart.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSampleEstate, sampleEstateJson } from "../../dev/sample/build-sample-estate";

const COMMITTED = join(__dirname, "..", "..", "samples", "estate.json");

describe("samples/estate.json", () => {
  it("is exactly what dev/sample/build-sample-estate.ts writes (rerun it after editing the builder)", () => {
    expect(readFileSync(COMMITTED, "utf8")).toBe(sampleEstateJson());
  });

  it("has every row once", () => {
    const ids = buildSampleEstate().map((row) => String(row["id"]).toLowerCase());
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
