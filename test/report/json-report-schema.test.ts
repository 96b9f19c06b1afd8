// docs/report.schema.json, the JSON report's published schema (draft 2020-12), checked with Ajv's 2020 validator
// against real reports of the sample estate: plain, with samples/exceptions.yaml, and a partial run with a coverage
// gap. The committed file is exactly what src/report-api/report-schema.ts generates, and a strict variant (no property
// it does not list) accepts the same reports, so a field the CLI writes cannot go undocumented.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { render } from "../../src/cli/scan-output";
import { reportJsonSchema } from "../../src/report-api/report-schema";
import { REPORT_SCHEMA_VERSION } from "../../src/report/report-chunks";
import { runMain } from "../cli/in-process-cli";
import { REPO, SAMPLE, SAMPLE_EXCEPTIONS, sampleRun } from "./report-fixtures";

const SCHEMA_FILE = join(REPO, "docs", "report.schema.json");

function validator(schema: object): (document: unknown) => string[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(schema);
  return (document) => {
    validate(document);
    return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
  };
}

async function scanJson(...extra: string[]): Promise<Record<string, unknown>> {
  const result = await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", ...extra]);
  expect(result.stdout.length).toBeGreaterThan(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("JSON report schema", () => {
  const published = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object;

  it("is the file report-schema.ts generates (node dist/dev/scripts/report-schema-docs.js rewrites it)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(`${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
    expect(published).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema" });
  });

  it("validates the sample's reports: plain, with exceptions, a partial run with a coverage gap", async () => {
    const { report, context } = await sampleRun({
      gap: { types: ["microsoft.network/networksecuritygroups"], subscriptionIds: ["sub-a"], reason: "HTTP 429" },
    });
    const partial = JSON.parse([...render(report, "json", context)].join("")) as Record<string, unknown>;
    const documents = {
      plain: await scanJson(),
      exceptions: await scanJson("--exceptions", SAMPLE_EXCEPTIONS),
      exceptedOnly: await scanJson("--exceptions", SAMPLE_EXCEPTIONS, "--excepted", "only"),
      partial,
    };
    expect((partial["run"] as { status: string }).status).toBe("partial");
    const exceptionsRun = documents.exceptions as { findings: { exception?: { effect: string } }[] };
    expect(exceptionsRun.findings.some((f) => f.exception?.effect === "applied")).toBe(true);
    const open = validator(published);
    const strict = validator(reportJsonSchema({ strict: true }));
    for (const [name, document] of Object.entries(documents)) {
      expect(document["schemaVersion"], name).toBe(REPORT_SCHEMA_VERSION);
      expect(open(document), name).toEqual([]);
      expect(strict(document), name).toEqual([]);
    }
  });

  it("refuses a report of another major version, a finding without its fingerprint, a wrong count", async () => {
    const good = await scanJson();
    const findings = good["findings"] as Record<string, unknown>[];
    const summary = good["summary"] as Record<string, unknown>;
    const open = validator(published);
    const strict = validator(reportJsonSchema({ strict: true }));
    expect(open({ ...good, schemaVersion: "2.0.0" })).not.toEqual([]);
    expect(open({ ...good, findings: [{ ...findings[0], fingerprint: undefined }] })).not.toEqual([]);
    expect(open({ ...good, findings: [{ ...findings[0], fingerprint: "ABC" }] })).not.toEqual([]);
    expect(open({ ...good, summary: { ...summary, unassessed: -1 } })).not.toEqual([]);
    expect(open({ ...good, findings: [{ ...findings[0], status: "ok" }] })).not.toEqual([]);
    // A field added in a later minor version: the published schema accepts it, the strict one names it.
    const added = { ...good, findings: [{ ...findings[0], addedLater: true }] };
    expect(open(added)).toEqual([]);
    expect(strict(added).join("\n")).toMatch(/addedLater/);
  });
});
