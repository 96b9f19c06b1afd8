// One exception as people write it (issue 14): id, rule (one id or a list of catalog rule ids), scope (a resource,
// resource group or subscription id), optional tags, justification (at least a sentence), approvedBy, expiresOn (a
// date at most EXCEPTION_MAX_DAYS ahead; a past date is expired, not an error, unless the caller refuses it), optional
// ticket; createdBy/createdAt are recorded by the system. Every bad field is reported, each naming its field.
import { afterEach, describe, expect, it } from "vitest";
import { readExceptionInput, type ExceptionInputOptions } from "../../src/engine/exception-input";

const SUB = "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const MI = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/sqlmi-prod-02`;
const NOW = new Date("2026-12-04T20:00:00Z");
const OPTIONS: ExceptionInputOptions = { source: "file", now: NOW, maxDays: 180, allowExpired: true };

const valid = (): Record<string, unknown> => ({
  id: "EX-0042",
  rule: "mi.public-endpoint.untrusted-source",
  scope: MI,
  justification: "Partner ETL range 198.51.100.0/28 allowed on 3342 until the private link cut-over.",
  approvedBy: "secops-lead@contoso.com",
  expiresOn: "2027-03-31",
  ticket: "CHG-1182",
});

function problems(patch: Record<string, unknown>, options: Partial<ExceptionInputOptions> = {}) {
  const result = readExceptionInput({ ...valid(), ...patch }, { ...OPTIONS, ...options });
  if (result.ok) throw new Error(`expected problems for ${JSON.stringify(patch)}`);
  return result.problems;
}

describe("a valid entry", () => {
  it("becomes an exception of the caller's source", () => {
    const result = readExceptionInput(valid(), { ...OPTIONS, source: "store" });
    expect(result).toEqual({
      ok: true,
      expired: false,
      exception: {
        id: "EX-0042",
        source: "store",
        ruleIds: ["mi.public-endpoint.untrusted-source"],
        scope: MI,
        justification: valid().justification,
        approvedBy: "secops-lead@contoso.com",
        expiresOn: "2027-03-31",
        ticket: "CHG-1182",
      },
    });
  });

  it("takes a list of rules (once each), tags, a numeric ticket, trims text and a trailing slash", () => {
    const result = readExceptionInput(
      {
        ...valid(),
        rule: ["mi.public-endpoint.untrusted-source", "mi.public-endpoint.enabled", "mi.public-endpoint.enabled"],
        scope: `/subscriptions/${SUB}/resourceGroups/rg-data/`,
        tags: { env: "prod", Owner: "data-platform", note: "v".repeat(256) },
        approvedBy: "  secops-lead@contoso.com ",
        ticket: 1182,
      },
      OPTIONS,
    );
    expect(result.ok && result.exception).toMatchObject({
      ruleIds: ["mi.public-endpoint.untrusted-source", "mi.public-endpoint.enabled"],
      scope: `/subscriptions/${SUB}/resourceGroups/rg-data`,
      tags: { env: "prod", Owner: "data-platform", note: "v".repeat(256) },
      approvedBy: "secops-lead@contoso.com",
      ticket: "1182",
    });
  });

  it.each([
    ["a subscription", `/subscriptions/${SUB}`],
    ["a resource group", `/subscriptions/${SUB}/resourceGroups/rg-data.prod_(1)`],
    ["a resource", MI],
    ["a child resource", `${MI}/databases/sales`],
    ["an id in upper case", MI.toUpperCase()],
  ])("a scope of %s is accepted", (_label, scope) => {
    expect(readExceptionInput({ ...valid(), scope }, OPTIONS).ok).toBe(true);
  });

  it("without a ticket or tags", () => {
    const { ticket: _ticket, ...entry } = valid();
    const result = readExceptionInput(entry, OPTIONS);
    expect(result.ok && result.exception.ticket).toBeUndefined();
    expect(result.ok && "tags" in result.exception).toBe(false);
  });
});

describe("each bad field is named", () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["id missing", { id: undefined }, "id", /is required/],
    ["id with a space", { id: "EX 42" }, "id", /letters, digits/],
    ["id too long", { id: "E".repeat(65) }, "id", /at most 64/],
    ["rule missing", { rule: undefined }, "rule", /is required.*mi-audit rules/],
    ["rule unknown", { rule: "mi.no-such-rule" }, "rule", /names no rule: "mi.no-such-rule"/],
    ["rule list with an unknown second", { rule: ["mi.public-endpoint.enabled", "nope"] }, "rule[1]", /names no rule/],
    ["rule list empty", { rule: [] }, "rule", /at least one rule/],
    ["rule a number", { rule: 7 }, "rule", /must be a rule id, found number 7/],
    ["scope missing", { scope: undefined }, "scope", /is required/],
    ["scope a name, not an id", { scope: "rg-data" }, "scope", /must be a subscription id.*found "rg-data"/],
    ["scope with a bad subscription", { scope: "/subscriptions/not-a-guid" }, "scope", /must be a subscription id/],
    ["scope a type without a name", { scope: MI.replace(/\/sqlmi-prod-02$/, "") }, "scope", /resource id/],
    ["tags a list", { tags: ["env"] }, "tags", /map of tag names to values, found a list/],
    ["a tag value an object", { tags: { env: { a: 1 } } }, "tags.env", /must be text, found an object/],
    ["a tag value empty", { tags: { env: " " } }, "tags.env", /must not be empty/],
    ["a tag value longer than ARM allows (256)", { tags: { env: "x".repeat(257) } }, "tags.env", /at most 256/],
    ["an empty tag name", { tags: { "": "prod" } }, "tags.", /tag name of 1-512 characters/],
    [
      "a tag name longer than ARM allows (512)",
      { tags: { ["n".repeat(513)]: "v" } },
      `tags.${"n".repeat(513)}`,
      /1-512/,
    ],
    [
      "one tag twice, in two cases",
      { tags: { Env: "prod", env: "test" } },
      "tags.env",
      /names the same tag as tags.Env \(tag names are case-insensitive\)/,
    ],
    ["justification missing", { justification: null }, "justification", /is required/],
    ["justification three words", { justification: "Accepted by security" }, "justification", /at least a sentence/],
    ["justification four short words", { justification: "ok it is ok" }, "justification", /20 characters/],
    ["approvedBy empty", { approvedBy: "" }, "approvedBy", /must not be empty/],
    ["approvedBy a list", { approvedBy: ["a", "b"] }, "approvedBy", /must be text, found a list/],
    ["expiresOn missing", { expiresOn: undefined }, "expiresOn", /is required.*180 days/],
    ["expiresOn day first", { expiresOn: "31/03/2027" }, "expiresOn", /YYYY-MM-DD, found string "31\/03\/2027"/],
    ["expiresOn not a day", { expiresOn: "2027-02-29" }, "expiresOn", /calendar date/],
    ["expiresOn an instant", { expiresOn: "2027-03-31T00:00:00Z" }, "expiresOn", /calendar date/],
    ["ticket too long", { ticket: "x".repeat(513) }, "ticket", /at most 512 characters \(found 513\)/],
    ["ticket with a control character", { ticket: "CHG\u0007" }, "ticket", /control characters/],
    ["createdBy set", { createdBy: "me" }, "createdBy", /recorded by the system/],
    ["createdAt set", { createdAt: "2026-01-01" }, "createdAt", /recorded by the system/],
    ["source set", { source: "policy" }, "source", /recorded by the system/],
    ["an unknown field", { expires: "2027-01-01" }, "expires", /is not a field of an exception \(expected id, rule/],
  ])("%s", (_label, patch, field, message) => {
    const found = problems(patch);
    expect(found.map((p) => p.field)).toEqual([field]);
    expect(found[0]!.message).toMatch(message);
  });

  it("lists every problem at once", () => {
    const found = problems({ id: "", rule: "nope", scope: "x", justification: "short", expiresOn: "soon" });
    expect(found.map((p) => p.field).sort()).toEqual(["expiresOn", "id", "justification", "rule", "scope"]);
  });

  it("more than 15 tags", () => {
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
    expect(problems({ tags }).map((p) => `${p.field} ${p.message}`)).toEqual(["tags must list at most 15 tags"]);
  });

  it.each([null, "EX-1", ["a"], 3])("an entry that is not an object (%j) names the entry", (entry) => {
    const result = readExceptionInput(entry, OPTIONS);
    expect(result.ok ? [] : result.problems).toEqual([
      { field: "entry", message: expect.stringMatching(/expected an object with fields id, rule, scope/) as string },
    ]);
  });
});

describe("expiry dates", () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });
  const read = (expiresOn: unknown, options: Partial<ExceptionInputOptions> = {}) =>
    readExceptionInput({ ...valid(), expiresOn }, { ...OPTIONS, ...options });

  it("at most maxDays ahead: the last allowed day is accepted, the next refused with the limit and the date", () => {
    // 2026-12-04 + 180 days = 2027-06-02.
    expect(read("2027-06-02").ok).toBe(true);
    const result = read("2027-06-03");
    expect(result.ok ? [] : result.problems).toEqual([
      {
        field: "expiresOn",
        message:
          "2027-06-03 is 181 days ahead; an exception may run at most 180 days (EXCEPTION_MAX_DAYS), until 2027-06-02",
      },
    ]);
    expect(read("2026-12-14", { maxDays: 10 }).ok).toBe(true);
    expect(read("2026-12-15", { maxDays: 10 }).ok).toBe(false);
  });

  it("today is in force; yesterday is expired (accepted from files, refused by the API)", () => {
    expect(read("2026-12-04")).toMatchObject({ ok: true, expired: false });
    expect(read("2026-12-03")).toMatchObject({ ok: true, expired: true });
    const refused = read("2026-12-03", { allowExpired: false });
    expect(refused.ok ? [] : refused.problems).toEqual([
      { field: "expiresOn", message: "2026-12-03 has passed; an exception must expire today or later" },
    ]);
    expect(read("2026-12-04", { allowExpired: false }).ok).toBe(true);
  });

  it("a YAML 1.1 timestamp (a Date at midnight UTC) is the date written", () => {
    expect(read(new Date("2027-03-31T00:00:00Z"))).toMatchObject({ ok: true, exception: { expiresOn: "2027-03-31" } });
  });

  it.each(["America/New_York", "Pacific/Kiritimati"])(
    "judges today in UTC, whatever the runner's time zone (%s)",
    (tz) => {
      process.env.TZ = tz;
      // 23:30 UTC on 31 March: already 1 April in Kiritimati (UTC+14), still 31 March in New York.
      const lateUtc = new Date("2027-03-31T23:30:00Z");
      expect(read("2027-03-31", { now: lateUtc, allowExpired: false })).toMatchObject({ ok: true, expired: false });
      // 00:30 UTC on 1 April: still 31 March in New York, yet the 31st is over in UTC.
      const earlyUtc = new Date("2027-04-01T00:30:00Z");
      expect(read("2027-03-31", { now: earlyUtc })).toMatchObject({ ok: true, expired: true });
      expect(read("2027-09-28", { now: earlyUtc }).ok).toBe(true); // 1 April + 180 days
      expect(read("2027-09-29", { now: earlyUtc }).ok).toBe(false);
    },
  );
});
