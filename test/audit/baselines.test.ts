// The proof of issue 13's definition of done: `seed-2019` gives the verdicts the 13 rules gave before baselines existed,
// on the sample estate and three generated estates, compared with what the code of commit 599cedb reported for the
// same snapshots (test/fixtures/baselines, see its README); and `current` differs from it only where it should.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit, type AuditReport } from "../../src/audit/run-audit";
import type { AuditSettings } from "../../src/config/audit-settings";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { BASELINES, baselinesOfRule, rulesOfBaseline, type BaselineId } from "../../src/rules/baselines";
import { RULES } from "../../src/rules/catalog";

const FIXTURES = join(__dirname, "..", "fixtures", "baselines");
const ESTATES = ["sample-estate", "generated-120-seed-11", "generated-200-seed-12", "generated-300-seed-13"];
const REVERSED = ["expressroute.microsoft-peering", "mi.peering.same-region"];

type Verdict = [ruleId: string, resourceId: string, status: string];

interface Reference {
  about: { estate: string; madeAt: string; rulesEvaluated: number; results: number };
  verdicts: Verdict[];
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "baselines-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function reference(estate: string): Reference {
  return JSON.parse(readFileSync(join(FIXTURES, `${estate}.verdicts.json`), "utf8")) as Reference;
}

/** Audits the fixture's snapshot as `mi-audit scan --snapshot` does (defaults: owned IPs trusted, nothing configured). */
async function audit(estate: string, baseline: BaselineId): Promise<AuditReport> {
  const file = join(dir, `${estate}.json`);
  writeFileSync(file, gunzipSync(readFileSync(join(FIXTURES, `${estate}.snapshot.json.gz`))));
  const settings: AuditSettings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline };
  return runAudit(new SnapshotSource([file]), settings);
}

function verdicts(report: AuditReport): Verdict[] {
  return report.findings
    .map((f): Verdict => [f.ruleId, f.resourceId, f.status])
    .sort((a, b) => a.join("\n").localeCompare(b.join("\n")));
}

function sorted(list: Verdict[]): Verdict[] {
  return [...list].sort((a, b) => a.join("\n").localeCompare(b.join("\n")));
}

describe("the baselines' rule sets", () => {
  it("seed-2019 is the 13 seed rules; current drops the two Microsoft has reversed and keeps the other 11", () => {
    const seed = rulesOfBaseline("seed-2019").map((rule) => rule.id);
    expect(seed).toHaveLength(13);
    const current = new Set(rulesOfBaseline("current").map((rule) => rule.id));
    for (const id of REVERSED) expect([id, current.has(id)]).toEqual([id, false]);
    expect(seed.filter((id) => current.has(id))).toHaveLength(11);
    // Catalog order in every baseline: scores and reports list rules alike whichever baseline ran.
    for (const baseline of BASELINES) {
      const order = RULES.map((rule) => rule.id).filter((id) => baseline.ruleIds.includes(id));
      expect(rulesOfBaseline(baseline.id).map((rule) => rule.id)).toEqual(order);
    }
    expect(baselinesOfRule("mi.tls.minimum-version")).toEqual(["seed-2019", "current"]);
    expect(baselinesOfRule("expressroute.microsoft-peering")).toEqual(["seed-2019"]);
    expect(baselinesOfRule("no.such-rule")).toEqual([]);
    expect(() => rulesOfBaseline("seed-2018" as BaselineId)).toThrow(
      /unknown baseline "seed-2018".*seed-2019, current/,
    );
  });
});

describe.each(ESTATES)("%s", (estate) => {
  it("seed-2019 gives exactly the verdicts of the code before baselines (commit 599cedb)", async () => {
    const expected = reference(estate);
    const report = await audit(estate, "seed-2019");
    expect(report.run).toMatchObject({ baseline: "seed-2019", rulesEvaluated: expected.about.rulesEvaluated });
    expect(verdicts(report)).toEqual(sorted(expected.verdicts));
    // The fixture is not trivially satisfied: both reversed rules decide something here.
    for (const id of REVERSED) expect(expected.verdicts.some(([rule]) => rule === id)).toBe(true);
  });

  it("current keeps the verdicts of the 11 kept rules, has none of the reversed two, and adds only its own", async () => {
    const seed = verdicts(await audit(estate, "seed-2019"));
    const report = await audit(estate, "current");
    const current = verdicts(report);
    expect(report.run).toMatchObject({ baseline: "current", rulesEvaluated: rulesOfBaseline("current").length });
    expect(current.filter(([rule]) => REVERSED.includes(rule))).toEqual([]);
    const kept = (list: Verdict[]) => list.filter(([rule]) => baselinesOfRule(rule).length === 2);
    expect(kept(current)).toEqual(kept(seed));
    const currentOnly = current.filter(([rule]) => !baselinesOfRule(rule).includes("seed-2019"));
    expect(current).toHaveLength(kept(seed).length + currentOnly.length);
  });
});
