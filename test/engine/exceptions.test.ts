// Exceptions as issue 14 defines them: an exception covers its rules on a resource (and its child resources), or on
// every resource of a resource group or subscription, ARM ids compared case-insensitively at segment boundaries, and
// optionally only resources carrying all of its tags (names case-insensitive, values exact, as ARM compares tags). It
// applies through the end of its expiresOn day in UTC; it never changes a status; error results are never excepted.
// The expected answers come from those sentences, and the index is checked against a brute-force scan.
import { afterEach, describe, expect, it } from "vitest";
import {
  daysUntilExpiry,
  ExceptionIndex,
  exceptionFor,
  exceptionKey,
  exceptionStanding,
  type AuditException,
} from "../../src/engine/exceptions";
import {
  describeExceptions,
  EXCEPTION_LIST_LIMIT,
  ExceptionTally,
  mergeExceptionUsage,
  type ExceptionUsage,
} from "../../src/engine/exception-outcome";
import type { Finding } from "../../src/engine/finding";
import type { Status } from "../../src/rules/rule";
import { SeededRandom } from "../../dev/generate/seeded-random";

const SUB = "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const OTHER_SUB = "8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60";
const RULE = "mi.public-endpoint.untrusted-source";
const OTHER_RULE = "mi.public-endpoint.enabled";
const rg = (name: string, sub = SUB) => `/subscriptions/${sub}/resourceGroups/${name}`;
const mi = (name: string, group = "rg-data", sub = SUB) =>
  `${rg(group, sub)}/providers/Microsoft.Sql/managedInstances/${name}`;

function ex(id: string, scope: string, more: Partial<AuditException> = {}): AuditException {
  return {
    id,
    source: "file",
    ruleIds: [RULE],
    scope,
    justification: "Partner ETL range allowed until the private link cut-over.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn: "2027-03-31",
    ...more,
  };
}

type Target = Pick<Finding, "ruleId" | "resourceId" | "tags">;
const target = (resourceId: string, tags?: Record<string, string>, ruleId = RULE): Target =>
  tags === undefined ? { ruleId, resourceId } : { ruleId, resourceId, tags };
const ids = (index: ExceptionIndex, t: Target) =>
  index
    .covering(t)
    .map((e) => e.id)
    .sort();

describe("which exceptions cover a result", () => {
  const index = new ExceptionIndex([
    ex("EX-RES", mi("sqlmi-prod-02")),
    ex("EX-RG", rg("rg-data")),
    ex("EX-SUB", `/subscriptions/${SUB}`),
  ]);

  it.each<[string, string, string[]]>([
    ["the resource itself", mi("sqlmi-prod-02"), ["EX-RES", "EX-RG", "EX-SUB"]],
    ["a child of the resource", `${mi("sqlmi-prod-02")}/databases/sales`, ["EX-RES", "EX-RG", "EX-SUB"]],
    ["another resource of the group", mi("sqlmi-prod-01"), ["EX-RG", "EX-SUB"]],
    ["a resource whose name extends the excepted one's", mi("sqlmi-prod-021"), ["EX-RG", "EX-SUB"]],
    ["a group whose name extends rg-data (rg-data2)", mi("sqlmi-prod-02", "rg-data2"), ["EX-SUB"]],
    ["a group named rg-data-prod", mi("sqlmi-prod-02", "rg-data-prod"), ["EX-SUB"]],
    ["another subscription", mi("sqlmi-prod-02", "rg-data", OTHER_SUB), []],
    ["the id in another case", mi("sqlmi-prod-02").toUpperCase(), ["EX-RES", "EX-RG", "EX-SUB"]],
    ["the id with a trailing slash", `${mi("sqlmi-prod-02")}/`, ["EX-RES", "EX-RG", "EX-SUB"]],
  ])("%s", (_label, resourceId, expected) => {
    expect(ids(index, target(resourceId))).toEqual(expected);
  });

  it("a subscription whose id starts like the excepted one's is not covered", () => {
    const longer = new ExceptionIndex([ex("EX", `/subscriptions/${SUB.slice(0, 35)}`)]);
    expect(ids(longer, target(mi("a")))).toEqual([]);
  });

  it("compares the exception's scope case-insensitively, with or without a trailing slash", () => {
    const shouting = new ExceptionIndex([ex("EX-UP", `${rg("RG-DATA").toUpperCase()}/`)]);
    expect(ids(shouting, target(mi("sqlmi-prod-02")))).toEqual(["EX-UP"]);
  });

  it("covers only the rules it names", () => {
    const both = new ExceptionIndex([
      ex("EX-ONE", rg("rg-data")),
      ex("EX-TWO", rg("rg-data"), { ruleIds: [RULE, OTHER_RULE] }),
    ]);
    expect(ids(both, target(mi("a"), undefined, OTHER_RULE))).toEqual(["EX-TWO"]);
    expect(ids(both, target(mi("a"), undefined, "mi.something-else"))).toEqual([]);
  });

  it("returns each exception once, even when it names a rule twice", () => {
    const twice = new ExceptionIndex([ex("EX", rg("rg-data"), { ruleIds: [RULE, RULE] })]);
    expect(twice.covering(target(mi("a")))).toHaveLength(1);
  });
});

describe("tags", () => {
  const index = new ExceptionIndex([ex("EX-TAG", rg("rg-data"), { tags: { Environment: "Prod", owner: "data" } })]);

  it.each<[string, Record<string, string> | undefined, boolean]>([
    ["every tag, names in another case", { environment: "Prod", OWNER: "data", extra: "x" }, true],
    ["every tag, exactly", { Environment: "Prod", owner: "data" }, true],
    ["a value in another case (values are exact)", { Environment: "prod", owner: "data" }, false],
    ["one tag missing", { Environment: "Prod" }, false],
    ["one tag with another value", { Environment: "Prod", owner: "apps" }, false],
    ["no tags at all", undefined, false],
  ])("%s → covered: %s", (_label, tags, covered) => {
    expect(ids(index, target(mi("a"), tags))).toEqual(covered ? ["EX-TAG"] : []);
  });

  it("an empty tag map asks for nothing", () => {
    expect(ids(new ExceptionIndex([ex("EX", rg("rg-data"), { tags: {} })]), target(mi("a")))).toEqual(["EX"]);
  });
});

describe("the index against a brute-force scan (seeded, 300 random estates)", () => {
  const bruteForce = (exceptions: readonly AuditException[], t: Target): string[] => {
    const id = t.resourceId.toLowerCase().replace(/\/+$/, "");
    return exceptions
      .filter((e) => {
        const scope = e.scope.toLowerCase().replace(/\/+$/, "");
        if (!e.ruleIds.includes(t.ruleId)) return false;
        if (id !== scope && !id.startsWith(`${scope}/`)) return false;
        return Object.entries(e.tags ?? {}).every(([name, value]) =>
          Object.entries(t.tags ?? {}).some(([n, v]) => n.toLowerCase() === name.toLowerCase() && v === value),
        );
      })
      .map(exceptionKey)
      .sort();
  };
  const recase = (random: SeededRandom, text: string) =>
    [...text].map((c) => (random.chance(0.3) ? c.toUpperCase() : c)).join("");

  it("agree on every resource, rule and exception set", () => {
    let covered = 0;
    let checked = 0;
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = SeededRandom.derive(14, "exception-index", seed);
      const subs = [SUB, OTHER_SUB, `${SUB.slice(0, 35)}f`].slice(0, random.int(1, 3));
      const groups = ["rg-data", "rg-data2", "rg-dat", "rg-data-prod"].slice(0, random.int(1, 4));
      const names = ["mi-1", "mi-10", "mi-1x", "mi"];
      const rules = [RULE, OTHER_RULE, "mi.subnet.nsg"];
      const tagPool: Record<string, string>[] = [
        { env: "prod" },
        { Env: "prod" },
        { env: "Prod" },
        { env: "prod", owner: "x" },
        {},
      ];
      const resources: Target[] = [];
      for (let r = 0; r < random.int(1, 25); r += 1) {
        let id = mi(random.pick(names), random.pick(groups), random.pick(subs));
        if (random.chance(0.3)) id += `/databases/${random.pick(["db", "db1"])}`;
        const tags = random.chance(0.4) ? undefined : random.pick(tagPool);
        resources.push(target(recase(random, id), tags, random.pick(rules)));
      }
      const exceptions: AuditException[] = [];
      for (let e = 0; e < random.int(0, 30); e += 1) {
        const sub = random.pick(subs);
        const group = random.pick(groups);
        const scope = random.pick([
          `/subscriptions/${sub}`,
          rg(group, sub),
          mi(random.pick(names), group, sub),
          `${mi(random.pick(names), group, sub)}/databases/db`,
        ]);
        const ruleIds = [random.pick(rules), ...(random.chance(0.3) ? [random.pick(rules)] : [])];
        const extra: Partial<AuditException> = { ruleIds, source: random.pick(["file", "store", "policy"] as const) };
        if (random.chance(0.4)) extra.tags = random.pick(tagPool);
        exceptions.push(ex(`EX-${e}`, recase(random, scope) + (random.chance(0.1) ? "/" : ""), extra));
      }
      const index = new ExceptionIndex(exceptions);
      for (const resource of resources) {
        const expected = bruteForce(exceptions, resource);
        expect(index.covering(resource).map(exceptionKey).sort(), `seed ${seed}, ${resource.resourceId}`).toEqual(
          expected,
        );
        checked += 1;
        if (expected.length > 0) covered += 1;
      }
    }
    // The property is only worth something if both answers occur often.
    expect(covered).toBeGreaterThan(checked / 5);
    expect(checked - covered).toBeGreaterThan(checked / 5);
  });
});

describe("what an exception makes of a result", () => {
  const at = new Date("2027-03-01T12:00:00Z");
  const inForce = ex("EX-A", rg("rg-data"), { expiresOn: "2027-03-31" });
  const later = ex("EX-B", mi("a"), { expiresOn: "2027-04-15", ticket: "CHG-1182" });
  const lapsed = ex("EX-OLD", rg("rg-data"), { expiresOn: "2027-02-28" });
  const lapsedLater = ex("EX-OLD2", rg("rg-data"), { expiresOn: "2027-02-27" });

  it.each<[Status, "applied" | "notNeeded" | undefined]>([
    ["fail", "applied"],
    ["unknown", "applied"],
    ["pass", "notNeeded"],
    ["notApplicable", "notNeeded"],
    ["error", undefined],
  ])("a %s result under an exception in force: %s", (status, effect) => {
    expect(exceptionFor(status, [inForce], at)?.effect).toBe(effect);
  });

  it("shows the latest-ending exception in force, with its fields", () => {
    expect(exceptionFor("fail", [inForce, later, lapsed], at)).toEqual({
      id: "EX-B",
      source: "file",
      justification: later.justification,
      approvedBy: later.approvedBy,
      expiresOn: "2027-04-15",
      ticket: "CHG-1182",
      effect: "applied",
    });
  });

  it("a failure whose exceptions have all expired counts again, and says which one lapsed last", () => {
    expect(exceptionFor("fail", [lapsedLater, lapsed], at)).toMatchObject({ id: "EX-OLD", effect: "expired" });
    expect(exceptionFor("unknown", [lapsed], at)?.effect).toBe("expired");
  });

  it("a pass under expired exceptions only, an error, or nothing at all shows nothing", () => {
    expect(exceptionFor("pass", [lapsed], at)).toBeUndefined();
    expect(exceptionFor("error", [lapsed], at)).toBeUndefined();
    expect(exceptionFor("fail", [], at)).toBeUndefined();
  });

  it("a Policy exemption without expiry is always in force, and preferred as ending latest", () => {
    const policy = ex("/subscriptions/x/providers/Microsoft.Authorization/policyExemptions/e1", rg("rg-data"), {
      source: "policy",
    });
    delete policy.expiresOn;
    expect(exceptionFor("fail", [later, policy], new Date("2099-01-01"))).toMatchObject({
      source: "policy",
      effect: "applied",
    });
    expect(exceptionFor("fail", [later, policy], at)?.expiresOn).toBeUndefined();
  });

  it("the tally counts every covering exception as matched, not only the one shown", () => {
    const tally = new ExceptionTally([inForce, later, lapsed, lapsedLater], () => true);
    tally.add("fail", [inForce, later, lapsed], at);
    tally.add("unknown", [inForce], at);
    tally.add("pass", [later, lapsedLater], at);
    tally.add("error", [inForce, later], at);
    const counts = Object.fromEntries(
      Object.values(tally.sums()).map((u) => [u.exception.id, [u.applied, u.notNeeded, u.expired]]),
    );
    expect(counts).toEqual({ "EX-A": [2, 0, 0], "EX-B": [1, 1, 0], "EX-OLD": [0, 0, 1], "EX-OLD2": [0, 0, 0] });
  });
});

describe("expiry", () => {
  const onDate = ex("EX", rg("rg-data"), { expiresOn: "2027-03-31" });
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it.each(["UTC", "America/New_York", "Pacific/Kiritimati"])(
    "applies through the end of its day in UTC, with the runner in %s",
    (tz) => {
      process.env.TZ = tz;
      const offset = new Date("2027-03-31T12:00:00Z").getTimezoneOffset();
      expect(offset).toBe({ UTC: 0, "America/New_York": 240, "Pacific/Kiritimati": -840 }[tz]);
      const lastMoment = new Date("2027-03-31T23:59:59.999Z");
      const next = new Date("2027-04-01T00:00:00.000Z");
      expect(exceptionStanding(onDate, lastMoment, 14)).toBe("expiring");
      expect(exceptionStanding(onDate, next, 14)).toBe("expired");
      expect(daysUntilExpiry(onDate, lastMoment)).toBe(0);
      expect(daysUntilExpiry(onDate, next)).toBe(-1);
      expect(exceptionFor("fail", [onDate], lastMoment)?.effect).toBe("applied");
      expect(exceptionFor("fail", [onDate], next)?.effect).toBe("expired");
    },
  );

  it.each<[string, string, number, "active" | "expiring" | "expired", number]>([
    ["15 days before, last moment", "2027-03-16T23:59:59.999Z", 14, "active", 15],
    ["14 days before, first moment", "2027-03-17T00:00:00.000Z", 14, "expiring", 14],
    ["14 days before, noon", "2027-03-17T12:00:00.000Z", 14, "expiring", 14],
    ["its day, first moment", "2027-03-31T00:00:00.000Z", 14, "expiring", 0],
    ["its day, with no warning window: the day before", "2027-03-30T12:00:00.000Z", 0, "active", 1],
    ["its day, with no warning window", "2027-03-31T12:00:00.000Z", 0, "expiring", 0],
    ["the day after", "2027-04-01T12:00:00.000Z", 14, "expired", -1],
    ["ten days after", "2027-04-10T12:00:00.000Z", 14, "expired", -10],
  ])("%s (%s, warn %i days): %s", (_label, at, warnDays, standing, daysLeft) => {
    expect(exceptionStanding(onDate, new Date(at), warnDays)).toBe(standing);
    expect(daysUntilExpiry(onDate, new Date(at))).toBe(daysLeft);
  });

  it("an instant (a Policy exemption's expiresOn) ends at that instant", () => {
    const instant = ex("EX", rg("rg-data"), { expiresOn: "2027-03-31T12:00:00Z" });
    expect(exceptionStanding(instant, new Date("2027-03-31T11:59:59.999Z"), 14)).toBe("expiring");
    expect(exceptionStanding(instant, new Date("2027-03-31T12:00:00.000Z"), 14)).toBe("expired");
    expect(exceptionFor("fail", [instant], new Date("2027-03-31T12:00:00.000Z"))?.effect).toBe("expired");
  });

  it("no expiry: active for ever, no days left", () => {
    const never = ex("EX", rg("rg-data"));
    delete never.expiresOn;
    expect(exceptionStanding(never, new Date("2999-01-01"), 14)).toBe("active");
    expect(daysUntilExpiry(never, new Date())).toBeUndefined();
  });

  it("an expiry that cannot be read is treated as expired everywhere (a failure is never hidden by doubt)", () => {
    const garbled = ex("EX", rg("rg-data"), { expiresOn: "31/03/2027" });
    const at = new Date("2027-03-01T00:00:00Z");
    expect(exceptionStanding(garbled, at, 14)).toBe("expired");
    expect(exceptionFor("fail", [garbled], at)?.effect).toBe("expired");
    const tally = new ExceptionTally([garbled], () => true);
    tally.add("fail", [garbled], at);
    expect(Object.values(tally.sums())[0]).toMatchObject({ applied: 0, expired: 1 });
  });
});

describe("what a run's exceptions did", () => {
  const at = new Date("2027-03-20T06:00:00Z");
  const usage = (e: AuditException, applied: number, notNeeded: number, expired: number, inScope = true) =>
    [exceptionKey(e), { exception: e, applied, notNeeded, expired, inScope }] as const;

  it("sorts each exception into its lists, counting every one", () => {
    const later = { expiresOn: "2027-06-30" };
    const expiring = ex("EX-SOON", mi("a"), { expiresOn: "2027-03-25" });
    const expired = ex("EX-GONE", mi("b"), { expiresOn: "2027-03-19" });
    const stale = ex("EX-STALE", mi("c"), later);
    const elsewhere = ex("EX-ELSEWHERE", mi("c", "rg", OTHER_SUB), later);
    const notNeeded = ex("EX-FIXED", mi("d"), { ...later, source: "store" });
    const mixed = ex("EX-MIXED", mi("e"), later);
    const noExpiry = ex("pe-1", rg("rg-data"), { source: "policy" });
    delete noExpiry.expiresOn;
    const outcome = describeExceptions(
      Object.fromEntries([
        usage(expiring, 2, 0, 0),
        usage(expired, 0, 0, 3),
        usage(stale, 0, 0, 0),
        usage(elsewhere, 0, 0, 0, false),
        usage(notNeeded, 0, 4, 0),
        usage(mixed, 1, 1, 0),
        usage(noExpiry, 1, 0, 0),
      ]),
      { fail: 3, unknown: 1 },
      { at, warnDays: 14 },
    );
    const listed = (list: { id: string }[]) => list.map((e) => e.id);
    expect(outcome.considered).toEqual({ file: 5, store: 1, policy: 1 });
    expect(outcome.applied).toBe(3);
    expect(outcome.exceptedResults).toEqual({ fail: 3, unknown: 1 });
    expect(listed(outcome.expiring)).toEqual(["EX-SOON"]);
    expect(listed(outcome.expired)).toEqual(["EX-GONE"]);
    expect(listed(outcome.stale)).toEqual(["EX-STALE"]);
    expect(listed(outcome.notNeeded)).toEqual(["EX-FIXED"]);
    expect(listed(outcome.noExpiry)).toEqual(["pe-1"]);
    expect(outcome.counts).toEqual({ expiring: 1, expired: 1, stale: 1, notNeeded: 1, noExpiry: 1 });
    expect(outcome.expiring[0]).toMatchObject({ standing: "expiring", daysLeft: 5, applied: 2 });
    expect(outcome.expired[0]).toMatchObject({ standing: "expired", daysLeft: -1, expired: 3 });
    expect(outcome.noExpiry[0]!.daysLeft).toBeUndefined();
  });

  it("keeps the first EXCEPTION_LIST_LIMIT of a list, soonest first, and the whole count", () => {
    const many = Array.from({ length: EXCEPTION_LIST_LIMIT + 20 }, (_, i) =>
      usage(
        ex(`EX-${String(i).padStart(3, "0")}`, mi(`m${i}`), { expiresOn: i % 2 === 0 ? "2027-06-30" : "2027-06-01" }),
        0,
        0,
        0,
      ),
    );
    const outcome = describeExceptions(Object.fromEntries(many), { fail: 0, unknown: 0 }, { at, warnDays: 14 });
    expect(outcome.counts.stale).toBe(EXCEPTION_LIST_LIMIT + 20);
    expect(outcome.stale).toHaveLength(EXCEPTION_LIST_LIMIT);
    expect(outcome.stale.slice(0, 60).every((e) => e.expiresOn === "2027-06-01")).toBe(true);
    expect(outcome.stale[0]!.id).toBe("EX-001");
    expect(outcome.stale[1]!.id).toBe("EX-003");
  });

  it("the tallies of parts add up, and an exception is in scope when any part saw it so", () => {
    const a = ex("EX-A", mi("a"));
    const part = (applied: number, inScope: boolean): Record<string, ExceptionUsage> =>
      Object.fromEntries([usage(a, applied, 1, 0, inScope)]);
    expect(mergeExceptionUsage([part(2, false), undefined, part(3, true)])[exceptionKey(a)]).toMatchObject({
      applied: 5,
      notNeeded: 2,
      inScope: true,
    });
  });
});
