// The generated OpenAPI document passes Redocly CLI's `lint` with the recommended ruleset (redocly.yaml, no rule
// turned off), errors and warnings alike. A copy with known faults shows the linter really runs those rules.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/report-api/openapi-document";

const ROOT = resolve(__dirname, "../..");
const CLI = join(ROOT, "node_modules/@redocly/cli/bin/cli.js");
const dir = mkdtempSync(join(tmpdir(), "openapi-lint-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

/** `redocly lint --format json` over a document; the exit code is non-zero when there are errors. */
async function lint(name: string, document: object): Promise<LintReport> {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(document, null, 2));
  const run = promisify(execFile)(
    process.execPath,
    [CLI, "lint", "--config", join(ROOT, "redocly.yaml"), "--format", "json", file],
    {
      cwd: ROOT,
      // Offline: no usage data, no update or announcement checks.
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_NOTIFICATIONS: "true", CI: "true" },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const output = await run.then(
    ({ stdout }) => stdout,
    (error: { stdout?: string }) => error.stdout ?? "",
  );
  return JSON.parse(output) as LintReport;
}

const summary = (report: LintReport) =>
  report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? "?"}: ${p.message}`);

describe("redocly lint (recommended)", () => {
  it("finds nothing in the generated document", async () => {
    const report = await lint("openapi.json", openApiDocument());
    expect(summary(report)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it("reports a document with a missing path parameter, no license and an undescribed response", async () => {
    const broken = structuredClone(openApiDocument()) as {
      info: Record<string, unknown>;
      paths: Record<string, Record<string, { parameters: unknown[]; responses: Record<string, object> }>>;
    };
    delete broken.info.license;
    broken.paths["/runs/{runId}"]!.get!.parameters = [];
    broken.paths["/runs"]!.post!.responses["202"] = {};
    const rules = new Set((await lint("broken.json", broken)).problems.map((p) => p.ruleId));
    // RunQueued was only the 202's body: dropping it leaves an unused component, which the ruleset reports too.
    expect(rules).toEqual(new Set(["info-license", "path-parameters-defined", "struct", "no-unused-components"]));
  }, 60_000);
});
