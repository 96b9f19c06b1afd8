// The audit with exceptions, over the sample estate (issue 14): an exception never changes a status; a fail or
// unknown it covers while in force is excepted, one it covered after it lapsed counts again and says so, a pass or
// not-applicable result under it marks it no longer needed; the run reports what its exceptions did (expiring within
// EXCEPTION_WARN_DAYS, expired, stale only inside the audited subscriptions, no longer needed). The exceptions are
// chosen from the run's own results, and what each should do is worked out from those rules by a plain scan.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assembleEstate, describeRunExceptions, evaluateAudit, finaliseAuditScores } from "../../src/audit/run-audit";
import type { AuditSettings } from "../../src/config/audit-settings";
import type { AuditException, ExceptionEffect } from "../../src/engine/exceptions";
import { policyExemptionExceptions } from "../../src/engine/policy-exemptions";
import type { Finding } from "../../src/engine/finding";
import type { CoverageGap, Estate } from "../../src/model/estate";
import type { ResourceRow } from "../../src/model/row";
import { SAMPLE } from "../support/run-cli";

const SETTINGS: AuditSettings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" };
const AT = new Date("2026-12-04T02:00:00Z");
const ROWS = (JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: ResourceRow[] }).data;
const NOT_AUDITED = "00000000-1111-4222-8333-444444444444";

async function estateOf(rows: readonly ResourceRow[], gaps: CoverageGap[] = []): Promise<Estate> {
  const { estate } = await assembleEstate([
    async (sink) => {
      for (const row of rows) sink.add(row, "sample");
      return { stats: {}, gaps };
    },
  ]);
  return estate;
}

const ex = (id: string, ruleId: string, scope: string, more: Partial<AuditException> = {}): AuditException => ({
  id,
  source: "file",
  ruleIds: [ruleId],
  scope,
  justification: "Accepted until the migration to private link completes.",
  approvedBy: "secops-lead@contoso.com",
  expiresOn: "2027-03-31",
  ...more,
});
const groupOf = (f: Finding) => `/subscriptions/${f.subscriptionId}/resourceGroups/${f.resourceGroup}`;
const key = (f: Finding) => `${f.ruleId}|${f.resourceId.toLowerCase()}`;
function only<T>(items: T[], what: string): T {
  if (items.length === 0) throw new Error(`the sample has no ${what}`);
  return items[0]!;
}

/** Where an exception ends: a date applies through its end in UTC, an instant (a Policy exemption's) ends at it. */
function end(e: AuditException): number {
  if (e.expiresOn === undefined) return Number.POSITIVE_INFINITY;
  if (/^\d{4}-\d{2}-\d{2}$/.test(e.expiresOn)) return Date.parse(`${e.expiresOn}T00:00:00Z`) + 86_400_000;
  return Date.parse(e.expiresOn);
}

/** The exceptions that cover a result, by a plain scan (no index, no shared code). */
function coveringOf(f: Finding, exceptions: readonly AuditException[]): AuditException[] {
  const id = f.resourceId.toLowerCase();
  return exceptions.filter((e) => {
    const scope = e.scope.toLowerCase();
    const tagsOk = Object.entries(e.tags ?? {}).every(([n, v]) =>
      Object.entries(f.tags ?? {}).some(([tn, tv]) => tn.toLowerCase() === n.toLowerCase() && tv === v),
    );
    return e.ruleIds.includes(f.ruleId) && (id === scope || id.startsWith(`${scope}/`)) && tagsOk;
  });
}

/** What issue 14 says an exception set does to a result: which effect, and which exception is shown. */
function expectedEffect(
  f: Finding,
  exceptions: readonly AuditException[],
): { effect: ExceptionEffect; id: string; source: string } | undefined {
  const covering = coveringOf(f, exceptions);
  if (covering.length === 0 || f.status === "error") return undefined;
  const shown = (e: AuditException) => ({ id: e.id, source: e.source });
  const latest = (list: AuditException[]) => [...list].sort((a, b) => end(b) - end(a))[0]!;
  const inForce = covering.filter((e) => end(e) > AT.getTime());
  const decided = f.status === "fail" || f.status === "unknown";
  if (inForce.length > 0) return { effect: decided ? "applied" : "notNeeded", ...shown(latest(inForce)) };
  return decided ? { effect: "expired", ...shown(latest(covering)) } : undefined;
}

describe("evaluateAudit with exceptions, on the sample estate", async () => {
  const estate = await estateOf(ROWS);
  const plain = evaluateAudit(estate, SETTINGS, { at: AT });
  const fails = plain.findings.filter((f) => f.status === "fail");
  const sub = only(fails, "failure").subscriptionId;

  const publicEndpoint = only(
    fails.filter(
      (f) =>
        f.ruleId === "mi.public-endpoint.enabled" &&
        fails.filter((g) => g.ruleId === f.ruleId && groupOf(g) === groupOf(f)).length >= 2,
    ),
    "group with two public-endpoint failures",
  );
  const tls = only(
    fails.filter((f) => f.ruleId === "mi.tls.minimum-version"),
    "TLS failure",
  );
  const flowLogs = only(
    fails.filter((f) => f.ruleId === "mi.vnet.flow-logs"),
    "flow-log failure",
  );
  const passingGroup = only(
    plain.findings.filter(
      (f) =>
        f.status === "pass" &&
        plain.findings.every((g) => g.ruleId !== f.ruleId || groupOf(g) !== groupOf(f) || g.status === "pass"),
    ),
    "rule that passes on a whole group",
  );
  const notApplicable = only(
    plain.findings.filter((f) => f.status === "notApplicable"),
    "not-applicable result",
  );
  const tagged = only(
    plain.findings.filter((f) => f.status === "fail" && f.tags !== undefined && Object.keys(f.tags).length > 0),
    "tagged failure",
  );
  const [tagName, tagValue] = Object.entries(tagged.tags!)[0]!;

  const exceptions: AuditException[] = [
    ex("EX-RG", publicEndpoint.ruleId, groupOf(publicEndpoint).toUpperCase()),
    // The same id from the store, ending later: both count as matched, the later one is shown.
    ex("EX-RG", publicEndpoint.ruleId, groupOf(publicEndpoint), { source: "store", expiresOn: "2027-05-31" }),
    ex("EX-SOON", tls.ruleId, tls.resourceId, { expiresOn: "2026-12-10" }),
    ex("EX-LAPSED", flowLogs.ruleId, flowLogs.resourceId, { expiresOn: "2026-12-03" }),
    ex("EX-FIXED", passingGroup.ruleId, groupOf(passingGroup)),
    ex("EX-NA", notApplicable.ruleId, notApplicable.resourceId),
    ex("EX-GONE", publicEndpoint.ruleId, `/subscriptions/${sub}/resourceGroups/rg-decommissioned`),
    ex("EX-ELSEWHERE", publicEndpoint.ruleId, `/subscriptions/${NOT_AUDITED}/resourceGroups/rg-data`),
    ex("EX-TAG", tagged.ruleId, `/subscriptions/${tagged.subscriptionId}`, {
      tags: { [tagName.toUpperCase()]: tagValue },
    }),
  ];
  const run = evaluateAudit(estate, SETTINGS, { at: AT, exceptions });
  // The estate's own Azure Policy exemptions (if the sample has any) are exceptions of every run too.
  const policy = policyExemptionExceptions(estate);
  const all = [...exceptions, ...policy];
  const withoutException = ({ exception: _exception, ...rest }: Finding) => rest;
  const outcome = describeRunExceptions(run.sums, SETTINGS, AT);

  it("never changes a status, a message or the evidence", () => {
    expect(run.findings.map(key)).toEqual(plain.findings.map(key));
    expect(run.findings.map(withoutException)).toEqual(plain.findings.map(withoutException));
    expect(finaliseAuditScores(run.sums, SETTINGS).byStatus).toEqual(
      finaliseAuditScores(plain.sums, SETTINGS).byStatus,
    );
  });

  it("gives each result the effect the scan expects, and shows the latest-ending exception", () => {
    const effects = run.findings.map((f) => [
      key(f),
      f.exception === undefined
        ? undefined
        : { effect: f.exception.effect, id: f.exception.id, source: f.exception.source },
    ]);
    expect(effects).toEqual(plain.findings.map((f) => [key(f), expectedEffect(f, all)]));
    const inGroup = run.findings.filter(
      (f) => coveringOf(f, all).every((e) => e.id === "EX-RG") && f.exception?.id === "EX-RG",
    );
    expect(inGroup.length).toBeGreaterThan(0);
    for (const f of inGroup)
      expect(f.exception).toMatchObject({ id: "EX-RG", source: "store", expiresOn: "2027-05-31", effect: "applied" });
    expect(run.findings.find((f) => key(f) === key(flowLogs))!.exception).toMatchObject({
      id: "EX-LAPSED",
      effect: "expired",
    });
  });

  it("the tag narrows its exception to resources carrying the tag (name in any case, value exact)", () => {
    const covered = run.findings.filter((f) => f.exception?.id === "EX-TAG");
    expect(covered.length).toBeGreaterThan(0);
    expect(covered.every((f) => f.tags?.[tagName] === tagValue)).toBe(true);
    const untagged = plain.findings.filter(
      (f) => f.ruleId === tagged.ruleId && f.subscriptionId === tagged.subscriptionId && f.tags?.[tagName] !== tagValue,
    );
    for (const f of untagged) expect(run.findings.find((g) => key(g) === key(f))!.exception?.id).not.toBe("EX-TAG");
  });

  it("reports what the exceptions did", () => {
    const applied = run.findings.filter((f) => f.exception?.effect === "applied");
    expect(outcome.considered).toEqual({ file: 8, store: 1, policy: policy.length });
    expect(outcome.exceptedResults).toEqual({
      fail: applied.filter((f) => f.status === "fail").length,
      unknown: applied.filter((f) => f.status === "unknown").length,
    });
    expect(outcome.exceptedResults.fail).toBeGreaterThanOrEqual(4);
    const ids = (list: Array<{ id: string; source: string }>) => list.map((e) => `${e.source}:${e.id}`).sort();
    expect(ids(outcome.expiring)).toEqual(["file:EX-SOON"]);
    expect(outcome.expiring[0]).toMatchObject({ daysLeft: 6, applied: 1 });
    expect(ids(outcome.expired)).toEqual(["file:EX-LAPSED"]);
    expect(outcome.expired[0]).toMatchObject({ expired: 1, applied: 0, daysLeft: -1 });
    // Stale only inside the audited subscriptions: the other subscription was never looked at.
    expect(ids(outcome.stale)).toEqual(["file:EX-GONE"]);
    expect(ids(outcome.notNeeded)).toEqual(["file:EX-FIXED", "file:EX-NA"]);
    expect(outcome.counts).toEqual({ expiring: 1, expired: 1, stale: 1, notNeeded: 2, noExpiry: 0 });
    const usage = run.sums.exceptions!;
    expect(usage["file:ex-rg"]!.applied).toBe(usage["store:ex-rg"]!.applied);
    expect(usage["file:ex-rg"]!.applied).toBeGreaterThanOrEqual(2);
    // EX-RG twice (file, store), EX-SOON, EX-TAG, and whichever Policy exemptions cover a failure.
    const policyApplied = policy.filter((e) =>
      plain.findings.some((f) => f.status === "fail" && end(e) > AT.getTime() && coveringOf(f, [e]).length > 0),
    );
    expect(outcome.applied).toBe(4 + policyApplied.length);
  });

  it("scores: the headline leaves excepted failures out unless EXCEPTIONS_AFFECT_SCORE", () => {
    const before = finaliseAuditScores(plain.sums, SETTINGS);
    const after = finaliseAuditScores(run.sums, SETTINGS);
    expect(after.estateScoreAllFailures).toBe(before.estateScoreAllFailures);
    expect(after.estateScoreExceptedNotCounted!).toBeGreaterThan(before.estateScoreExceptedNotCounted!);
    expect(after.estateScore).toBe(after.estateScoreExceptedNotCounted);
    const counting = { ...SETTINGS, exceptionPolicy: { maxDays: 180, warnDays: 14, affectScore: true } };
    expect(finaliseAuditScores(run.sums, counting).estateScore).toBe(before.estateScoreAllFailures);
  });

  it("a wider warning window lists more as expiring; no exceptions leave an empty outcome", () => {
    const wide = { ...SETTINGS, exceptionPolicy: { maxDays: 180, warnDays: 365, affectScore: false } };
    const soon = all.filter((e) => end(e) > AT.getTime() && end(e) - AT.getTime() <= 366 * 86_400_000);
    expect(describeRunExceptions(run.sums, wide, AT).counts.expiring).toBe(soon.length);
    expect(soon.length).toBeGreaterThanOrEqual(8);
    expect(describeRunExceptions(plain.sums, SETTINGS, AT)).toMatchObject({
      considered: { file: 0, store: 0, policy: policy.length },
      counts: { expired: 0, stale: 0 },
    });
  });
});

describe("evaluateAudit excepts unknown results too", async () => {
  const nsgs = "microsoft.network/networksecuritygroups";
  const sub = String(ROWS.find((row) => row.type === nsgs)!.subscriptionId).toLowerCase();
  const estate = await estateOf(ROWS, [{ types: [nsgs], subscriptionIds: [sub], reason: "HTTP 403" }]);
  const plain = evaluateAudit(estate, SETTINGS, { at: AT });
  const unknown = only(
    plain.findings.filter((f) => f.status === "unknown"),
    "unknown result under an NSG coverage gap",
  );

  it("an unknown under an exception in force is excepted, and counted as such", () => {
    const exception = ex("EX-UNKNOWN", unknown.ruleId, `/subscriptions/${unknown.subscriptionId}`);
    const run = evaluateAudit(estate, SETTINGS, { at: AT, exceptions: [exception] });
    const covered = run.findings.filter(
      (f) => f.ruleId === unknown.ruleId && f.subscriptionId === unknown.subscriptionId,
    );
    const unknowns = covered.filter((f) => f.status === "unknown");
    expect(unknowns.every((f) => f.exception?.effect === "applied")).toBe(true);
    expect(finaliseAuditScores(run.sums, SETTINGS).excepted.byStatus.unknown).toBe(unknowns.length);
    expect(describeRunExceptions(run.sums, SETTINGS, AT).exceptedResults.unknown).toBe(unknowns.length);
    expect(run.findings.map((f) => f.status)).toEqual(plain.findings.map((f) => f.status));
  });
});
