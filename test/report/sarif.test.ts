// `mi-audit scan --format sarif` against the sample estate, checked against what SARIF 2.1.0 (OASIS) and GitHub code
// scanning's "SARIF support" page say, and validated by the official schema and Microsoft's SARIF Multitool:
// - one run; tool.driver.rules = the baseline's rules with descriptions, help and links; levels from severity
//   (critical/high error, medium warning, low note); GitHub's security-severity in its bands (>9.0 critical, 7.0-8.9
//   high, 4.0-6.9 medium, 0.1-3.9 low);
// - a result per fail (kind fail), unknown (kind open) and error (kind review), none for pass and notApplicable; SARIF
//   requires level none for any kind but fail; ruleIndex points at the result's rule;
// - every location physical (GitHub refuses a logical-only location) plus the resource as a logical location;
// - partialFingerprints carries the finding's fingerprint, the same one the other formats carry;
// - an exception in force is an external, accepted suppression with its justification; an expired one is not.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../cli/in-process-cli";
import { SAMPLE } from "../support/run-cli";
import { SAMPLE_EXCEPTIONS_IN_FORCE } from "../support/sample-exceptions";
import { reportFingerprints, SARIF_FINGERPRINT_KEY } from "../../src/report/fingerprint";
import { rulesOfBaseline, type BaselineId } from "../../src/rules/baselines";
import { multitoolProblems, schemaErrors, writeSarif } from "./sarif-validation";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

const EXCEPTIONS = SAMPLE_EXCEPTIONS_IN_FORCE;

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  kind: string;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } };
    logicalLocations: { fullyQualifiedName: string; name: string; kind: string }[];
  }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: string; status: string; justification: string; properties: Record<string, string> }[];
  properties: Record<string, unknown> & { exception?: { id: string; effect: string } };
}
interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: string };
  properties: { tags: string[]; precision: string; "security-severity": string };
}
interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; semanticVersion: string; rules: SarifRule[] } };
    automationDetails: { id: string };
    results: SarifResult[];
    invocations: { executionSuccessful: boolean; exitCode: number; toolExecutionNotifications: unknown[] }[];
  }[];
}
interface JsonFinding {
  ruleId: string;
  resourceId: string;
  resourceName: string;
  status: string;
  severity: string;
  message: string;
  exception?: { id: string; effect: string; justification: string };
}

async function scan(args: string[]): Promise<{ code: number; text: string }> {
  const run = await runMain(["scan", "--snapshot", SAMPLE, ...args]);
  expect(run.stderr).not.toMatch(/error:/i);
  return { code: run.code, text: run.stdout };
}

const LEVEL_OF_SEVERITY: Record<string, string> = { critical: "error", high: "error", medium: "warning", low: "note" };
const GITHUB_BANDS: Record<string, [number, number]> = {
  critical: [9.0, 10.0],
  high: [7.0, 8.9],
  medium: [4.0, 6.9],
  low: [0.1, 3.9],
};

describe.each<BaselineId>(["current", "seed-2019"])("scan --format sarif, baseline %s", (baseline) => {
  let log: SarifLog;
  let findings: JsonFinding[];
  let code: number;
  let file: string;

  beforeAll(async () => {
    const sarif = await scan(["--baseline", baseline, "--exceptions", EXCEPTIONS, "--format", "sarif"]);
    code = sarif.code;
    file = writeSarif(sarif.text);
    log = JSON.parse(sarif.text) as SarifLog;
    const json = await scan(["--baseline", baseline, "--exceptions", EXCEPTIONS, "--format", "json"]);
    findings = (JSON.parse(json.text) as { findings: JsonFinding[] }).findings;
  });

  it("is valid against the SARIF 2.1.0 schema and passes the SARIF Multitool, GitHub's rules included", () => {
    expect(schemaErrors(log)).toEqual([]);
    expect(multitoolProblems(file)).toEqual([]);
  });

  it("has one run whose driver lists the baseline's rules, each described, helped, linked and levelled", () => {
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0]!.tool.driver;
    expect(driver.name).toBe("MI Exposure Auditor");
    expect(driver.semanticVersion).toMatch(/^\d+\.\d+\.\d+/);
    const catalog = rulesOfBaseline(baseline);
    expect(driver.rules.map((rule) => rule.id)).toEqual(catalog.map((rule) => rule.id));
    for (const [index, rule] of driver.rules.entries()) {
      const source = catalog[index]!;
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(rule.shortDescription.text).toBe(source.title);
      // GitHub cuts both descriptions at 1,024 characters.
      expect(rule.fullDescription.text.length).toBeLessThanOrEqual(1024);
      expect(rule.help.text).toContain(source.remediation);
      for (const url of source.references) expect(rule.help.markdown).toContain(`](${url})`);
      expect(rule.helpUri).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(rule.defaultConfiguration.level).toBe(LEVEL_OF_SEVERITY[source.severity]);
      const [low, high] = GITHUB_BANDS[source.severity]!;
      const score = Number(rule.properties["security-severity"]);
      expect(score > low && score <= high, `${rule.id} security-severity ${score}`).toBe(true);
      expect(rule.properties.tags).toContain("security");
      expect(rule.properties.tags).toContain(`baseline:${baseline}`);
      expect(rule.properties.tags.length).toBeLessThanOrEqual(10);
    }
  });

  it("writes a result for each fail, unknown and error, none for pass and notApplicable", () => {
    const results = log.runs[0]!.results;
    const expected = findings.filter((f) => ["fail", "unknown", "error"].includes(f.status));
    expect(expected.length).toBeGreaterThan(0);
    expect(findings.some((f) => f.status === "pass")).toBe(true);
    expect(results).toHaveLength(expected.length);
    const kinds: Record<string, string> = { fail: "fail", unknown: "open", error: "review" };
    const rules = log.runs[0]!.tool.driver.rules;
    for (const result of results) {
      expect(rules[result.ruleIndex]!.id).toBe(result.ruleId);
      expect(result.kind).toBe(kinds[result.properties["status"] as string]);
      const severity = result.properties["severity"] as string;
      expect(result.level).toBe(result.kind === "fail" ? LEVEL_OF_SEVERITY[severity] : "none");
    }
    expect(results.some((r) => r.kind === "open")).toBe(true);
  });

  it("locates each result at its resource, physically and logically, with the report's fingerprint", () => {
    const fingerprints = reportFingerprints(findings);
    const expected = new Map(
      findings.map((finding, index) => [fingerprints[index]!, finding] as const).filter(([, f]) => f.status !== "pass"),
    );
    for (const result of log.runs[0]!.results) {
      const fingerprint = result.partialFingerprints[SARIF_FINGERPRINT_KEY]!;
      const finding = expected.get(fingerprint);
      expect(finding, `fingerprint ${fingerprint}`).toBeDefined();
      expect(result.ruleId).toBe(finding!.ruleId);
      expect(result.message.text).toBe(finding!.message);
      const [location] = result.locations;
      expect(result.locations).toHaveLength(1);
      expect(location!.logicalLocations).toEqual([
        { fullyQualifiedName: finding!.resourceId, name: finding!.resourceName, kind: "resource" },
      ]);
      expect(`/${location!.physicalLocation.artifactLocation.uri}`).toBe(finding!.resourceId.toLowerCase());
    }
  });

  it("marks excepted results as external accepted suppressions, and only them", () => {
    const results = log.runs[0]!.results;
    const suppressed = results.filter((r) => r.suppressions !== undefined);
    expect(suppressed.length).toBe(findings.filter((f) => f.exception?.effect === "applied").length);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const result of suppressed) {
      const exception = result.properties.exception!;
      expect(exception.effect).toBe("applied");
      expect(result.suppressions).toEqual([
        expect.objectContaining({
          kind: "external",
          status: "accepted",
          properties: expect.objectContaining({ id: exception.id }),
        }),
      ]);
    }
  });

  it("names the tool's category per baseline and carries the gate's exit code", () => {
    const run = log.runs[0]!;
    expect(run.automationDetails.id).toMatch(new RegExp(`^mi-audit/${baseline}/[^/]+$`));
    expect(run.invocations[0]!.exitCode).toBe(code);
    expect(run.invocations[0]!.executionSuccessful).toBe(true);
  });
});

describe("the validators", () => {
  it("reject what GitHub or the schema would: a rule without help, a location whose uri is no URI reference", async () => {
    const { text } = await scan(["--format", "sarif"]);
    const log = JSON.parse(text) as { runs: { tool: { driver: { rules: { help?: unknown }[] } } }[] };
    delete log.runs[0]!.tool.driver.rules[0]!.help;
    const problems = multitoolProblems(writeSarif(JSON.stringify(log)));
    expect(problems.map((problem) => `${problem.ruleId}/${problem.level}`)).toContain("GH2012/error");
    const broken = JSON.parse(text) as { runs: { results: { locations: unknown[] }[] }[] };
    broken.runs[0]!.results[0]!.locations = [{ physicalLocation: { artifactLocation: { uri: "not a uri" } } }];
    expect(schemaErrors(broken).join("\n")).toMatch(/uri-reference/);
  });
});

describe("scan --format sarif options", () => {
  it("leaves excepted results out with --excepted exclude, and writes the same log with --output", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "sarif-cli-")), "scan.sarif");
    const run = await runMain([
      "scan",
      "--snapshot",
      SAMPLE,
      "--exceptions",
      EXCEPTIONS,
      "--excepted",
      "exclude",
      "--format",
      "sarif",
      "--output",
      out,
    ]);
    expect(run.stdout).toBe("");
    const log = JSON.parse(readFileSync(out, "utf8")) as SarifLog;
    expect(log.runs[0]!.results.length).toBeGreaterThan(0);
    expect(log.runs[0]!.results.filter((r) => r.suppressions !== undefined)).toEqual([]);
    expect(schemaErrors(log)).toEqual([]);
  });

  it("does not suppress a result whose exception expired: it counts again and says which exception lapsed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sarif-expired-"));
    const exceptions = join(dir, "expired.yaml");
    writeFileSync(
      exceptions,
      // EX-0042, the first entry, lapsed long ago (the others stay in force).
      readFileSync(EXCEPTIONS, "utf8").replace(/expiresOn: \d{4}-\d{2}-\d{2}/, "expiresOn: 2020-01-31"),
      "utf8",
    );
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--exceptions", exceptions, "--format", "sarif"]);
    const log = JSON.parse(run.stdout) as SarifLog;
    const lapsed = log.runs[0]!.results.filter((r) => r.properties.exception?.id === "EX-0042");
    expect(lapsed).toHaveLength(1);
    expect(lapsed[0]!.properties.exception!.effect).toBe("expired");
    expect(lapsed[0]!.suppressions).toBeUndefined();
    expect(lapsed[0]!.kind).toBe("fail");
    expect(lapsed[0]!.level).toBe("error");
  });
});
