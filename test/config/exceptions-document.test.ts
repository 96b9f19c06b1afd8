// The exceptions document (issue 14): YAML as teams keep it in git (`exceptions:` and a list), JSON accepted; read
// whole or refused whole, with messages that name the document, the entry and the field. Entries whose date has
// passed are expired, not errors. Ids are unique (case-insensitively) within a document and across documents.
import { describe, expect, it } from "vitest";
import { AuditorError } from "../../src/errors";
import {
  MAX_EXCEPTIONS_PER_DOCUMENT,
  mergeExceptionsDocuments,
  readExceptionsDocument,
  type ExceptionsDocumentOptions,
} from "../../src/config/exceptions-document";

const SUB = "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const MI = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/sqlmi-prod-02`;
const OPTIONS: ExceptionsDocumentOptions = {
  name: "exceptions/prod.yaml",
  source: "file",
  now: new Date("2026-12-04T20:00:00Z"),
  maxDays: 180,
  allowExpired: true,
};

// The issue's own example, unquoted date included.
const ISSUE_EXAMPLE = `exceptions:
  - id: EX-0042
    rule: mi.public-endpoint.untrusted-source
    scope: ${MI}
    justification: Partner ETL range 198.51.100.0/28 allowed on 3342 until the private link cut-over.
    approvedBy: secops-lead@contoso.com
    expiresOn: 2027-03-31
    ticket: CHG-1182
`;

const entry = (id: string, more = ""): string => `  - id: ${id}
    rule: mi.public-endpoint.enabled
    scope: /subscriptions/${SUB}/resourceGroups/rg-data
    justification: Public endpoint kept for the reporting partner until the VPN is ready.
    approvedBy: secops-lead@contoso.com
    expiresOn: 2027-01-31
${more}`;

const read = (text: string, options: Partial<ExceptionsDocumentOptions> = {}) =>
  readExceptionsDocument(text, { ...OPTIONS, ...options });

function refusal(text: string, options: Partial<ExceptionsDocumentOptions> = {}): string {
  try {
    read(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(AuditorError);
    expect((error as AuditorError).code).toBe("INPUT_INVALID_REQUEST");
    return (error as AuditorError).message;
  }
  throw new Error("expected the document to be refused");
}

describe("documents that are read", () => {
  it("the issue's example, with its unquoted date", () => {
    const { exceptions, expiredIds } = read(ISSUE_EXAMPLE);
    expect(exceptions).toEqual([
      {
        id: "EX-0042",
        source: "file",
        ruleIds: ["mi.public-endpoint.untrusted-source"],
        scope: MI,
        justification: "Partner ETL range 198.51.100.0/28 allowed on 3342 until the private link cut-over.",
        approvedBy: "secops-lead@contoso.com",
        expiresOn: "2027-03-31",
        ticket: "CHG-1182",
      },
    ]);
    expect(expiredIds).toEqual([]);
  });

  it("scalars YAML would read as numbers or booleans are kept as written", () => {
    const { exceptions } = read(
      `exceptions:\n${entry("0042", "    ticket: 1e3\n    tags:\n      critical: true\n      cost: 0100\n")}`,
    );
    expect(exceptions[0]).toMatchObject({ id: "0042", ticket: "1e3", tags: { critical: "true", cost: "0100" } });
    expect(read(`exceptions:\n${entry("EX-1", "    ticket: 1182\n")}`).exceptions[0]!.ticket).toBe("1182");
  });

  it("a YAML 1.1 document: an octal-looking id and a timestamp date are the text written", () => {
    const { exceptions } = read(`%YAML 1.1\n---\nexceptions:\n${entry("0042")}`);
    expect(exceptions[0]).toMatchObject({ id: "0042", expiresOn: "2027-01-31" });
  });

  it("a bare list, and the same in JSON", () => {
    expect(read(entry("EX-1")).exceptions.map((e) => e.id)).toEqual(["EX-1"]);
    const json = JSON.stringify({
      exceptions: [
        {
          id: "EX-2",
          rule: ["mi.public-endpoint.enabled"],
          scope: `/subscriptions/${SUB}`,
          justification: "Public endpoint kept for the reporting partner until the VPN is ready.",
          approvedBy: "secops-lead@contoso.com",
          expiresOn: "2027-01-31",
          ticket: 1182,
        },
      ],
    });
    expect(read(json, { name: "exceptions.json" }).exceptions[0]).toMatchObject({ id: "EX-2", ticket: "1182" });
  });

  it("an entry whose date has passed is expired, not an error", () => {
    const doc = read(`exceptions:\n${entry("EX-OLD").replace("2027-01-31", "2026-12-03")}${entry("EX-NEW")}`);
    expect(doc.exceptions.map((e) => e.id)).toEqual(["EX-OLD", "EX-NEW"]);
    expect(doc.expiredIds).toEqual(["EX-OLD"]);
  });

  it("an empty list", () => {
    expect(read("exceptions: []\n").exceptions).toEqual([]);
  });
});

describe("documents that are refused, naming the document, the entry and the field", () => {
  it.each<[string, string, string]>([
    ["an empty file", "", "exceptions/prod.yaml: is empty; expected `exceptions:` with a list of exceptions"],
    ["only a comment", "# nothing yet\n", "exceptions/prod.yaml: is empty"],
    [
      "an unknown top-level key",
      `exception:\n${entry("EX-1")}`,
      "exceptions/prod.yaml: has unexpected top-level key(s) exception; expected only exceptions",
    ],
    ["a map instead of a list", "exceptions:\n  id: EX-1\n", "must be `exceptions:` followed by a list of exceptions"],
    ["a scalar", "hello\n", "must be `exceptions:` followed by a list of exceptions"],
    [
      "malformed YAML",
      "exceptions:\n  - id: [EX-1\n",
      "exceptions/prod.yaml: is not valid YAML or JSON at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
    [
      "two YAML documents",
      `exceptions:\n${entry("EX-1")}---\nexceptions: []\n`,
      "exceptions/prod.yaml: is not valid YAML or JSON at line 8, column 1: it holds several YAML documents (---); put every exception in one `exceptions:` list",
    ],
    ["malformed JSON", '{"exceptions": [', "is not valid YAML or JSON"],
    [
      "a key twice in one entry",
      `exceptions:\n${entry("EX-1", "    id: EX-2\n")}`,
      "is not valid YAML or JSON at line 8, column 5",
    ],
    [
      "an unknown field",
      `exceptions:\n${entry("EX-1")}${entry("EX-2", "    owner: me\n")}`,
      "exceptions/prod.yaml: entry 2 (EX-2): owner is not a field of an exception",
    ],
    [
      "an unknown rule in the third entry",
      `exceptions:\n${entry("EX-1")}${entry("EX-2")}${entry("EX-3").replace("mi.public-endpoint.enabled", "mi.nope")}`,
      'exceptions/prod.yaml: entry 3 (EX-3): rule names no rule: "mi.nope" (see mi-audit rules)',
    ],
    [
      "an expiry beyond the limit",
      `exceptions:\n${entry("EX-1").replace("2027-01-31", "2027-12-31")}`,
      "exceptions/prod.yaml: entry 1 (EX-1): expiresOn 2027-12-31 is 392 days ahead; an exception may run at most 180 days",
    ],
    [
      "a missing field, in an entry without an id",
      `exceptions:\n  - rule: mi.public-endpoint.enabled\n`,
      "exceptions/prod.yaml: entry 1: id is required",
    ],
    [
      "a duplicate id, in another case",
      `exceptions:\n${entry("EX-1")}${entry("ex-1")}`,
      "exceptions/prod.yaml: entry 2 (ex-1): id ex-1 is already used by entry 1",
    ],
    [
      "an entry that is not a map",
      "exceptions:\n  - EX-1\n",
      "exceptions/prod.yaml: entry 1: expected an object with fields id, rule, scope",
    ],
  ])("%s", (_label, text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it("refuses an already-expired entry when the caller does (the API's import)", () => {
    expect(
      refusal(`exceptions:\n${entry("EX-OLD").replace("2027-01-31", "2026-12-03")}`, {
        name: "the request body",
        allowExpired: false,
      }),
    ).toBe(
      "the request body: entry 1 (EX-OLD): expiresOn 2026-12-03 has passed; an exception must expire today or later",
    );
  });

  it("lists the first 20 problems and says how many more there are", () => {
    const bad = Array.from({ length: 25 }, (_, i) => entry(`EX-${i + 1}`).replace("2027-01-31", "someday")).join("");
    const message = refusal(`exceptions:\n${bad}`);
    expect(message.match(/expiresOn must be a calendar date/g)).toHaveLength(20);
    expect(message).toMatch(/entry 20 \(EX-20\).*; and 5 more$/);
  });

  it(`more than ${MAX_EXCEPTIONS_PER_DOCUMENT} entries, in JSON`, () => {
    const list = Array.from({ length: MAX_EXCEPTIONS_PER_DOCUMENT + 1 }, (_, i) => ({ id: `EX-${i}` }));
    expect(refusal(JSON.stringify(list))).toBe(
      `exceptions/prod.yaml: has ${MAX_EXCEPTIONS_PER_DOCUMENT + 1} exceptions; at most ${MAX_EXCEPTIONS_PER_DOCUMENT} per document`,
    );
  });

  it(`${MAX_EXCEPTIONS_PER_DOCUMENT} entries are read`, () => {
    const one = read(entry("X")).exceptions[0]!;
    const list = Array.from({ length: MAX_EXCEPTIONS_PER_DOCUMENT }, (_, i) => ({
      id: `EX-${i}`,
      rule: one.ruleIds,
      scope: one.scope,
      justification: one.justification,
      approvedBy: one.approvedBy,
      expiresOn: one.expiresOn,
    }));
    expect(read(JSON.stringify({ exceptions: list })).exceptions).toHaveLength(MAX_EXCEPTIONS_PER_DOCUMENT);
  });
});

describe("several documents", () => {
  it("are one set; expired ids from each are kept", () => {
    const a = read(`exceptions:\n${entry("EX-1")}`);
    const b = read(`exceptions:\n${entry("EX-2").replace("2027-01-31", "2026-11-30")}`, { name: "b.yaml" });
    const merged = mergeExceptionsDocuments([
      { name: "a.yaml", document: a },
      { name: "b.yaml", document: b },
    ]);
    expect(merged.exceptions.map((e) => e.id)).toEqual(["EX-1", "EX-2"]);
    expect(merged.expiredIds).toEqual(["EX-2"]);
  });

  it("refuse an id used in two of them, naming both", () => {
    const a = read(`exceptions:\n${entry("EX-1")}`);
    const b = read(`exceptions:\n${entry("ex-1")}`);
    expect(() =>
      mergeExceptionsDocuments([
        { name: "a.yaml", document: a },
        { name: "b.yaml", document: b },
      ]),
    ).toThrow("b.yaml: exception ex-1: id is already used in a.yaml; ids must be unique across exception files");
  });
});
