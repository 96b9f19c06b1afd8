// Validates SARIF logs the way their consumers would: against the official SARIF 2.1.0 JSON schema (the copy the
// SARIF Multitool ships) with Ajv, and with Microsoft's SARIF Multitool `validate`, including its GitHub ingestion
// rules (rule kind `Gh`). Both are external to the writer: neither knows how the log was made.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Ajv2020 from "ajv/dist/2020";

const PACKAGE = resolve(__dirname, "../../node_modules/@microsoft/sarif-multitool-linux");
export const MULTITOOL = join(PACKAGE, "Sarif.Multitool");

/**
 * Multitool warnings the writer leaves in place, each with the reason. Any other warning or error fails a test.
 * - SARIF2017 (a physical location without a region): a result's artifact is an Azure resource, which has no lines or
 *   bytes to point into; a region would be invented. GitHub code scanning shows a location without a region as a
 *   file-level alert, and the upload action only needs a region to hash source lines, which a resource does not have.
 */
export const ACCEPTED_MULTITOOL_WARNINGS: ReadonlySet<string> = new Set(["SARIF2017"]);

const schema = JSON.parse(readFileSync(join(PACKAGE, "sarif-2.1.0.json"), "utf8")) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// The schema's formats, checked for real (Ajv ships no format checks of its own).
ajv.addFormat("uri", (text: string) => !/\s/.test(text) && URL.canParse(text));
ajv.addFormat("uri-reference", (text: string) =>
  /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/.test(text),
);
ajv.addFormat("date-time", (text: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(text),
);
ajv.addFormat("uuid", /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/);
const validateSchema = ajv.compile(schema);

/** Schema errors of a parsed log (empty when it is valid). */
export function schemaErrors(log: unknown): string[] {
  if (validateSchema(log)) return [];
  return (validateSchema.errors ?? []).slice(0, 20).map((error) => `${error.instancePath} ${error.message ?? ""}`);
}

export interface MultitoolFinding {
  ruleId: string;
  level: string;
  text: string;
}

interface MultitoolLog {
  runs: {
    tool: { driver: { rules?: { id: string; defaultConfiguration?: { level?: string } }[] } };
    results?: {
      ruleId: string;
      ruleIndex?: number;
      level?: string;
      message: { text?: string; id?: string; arguments?: string[] };
    }[];
  }[];
}

/** The Multitool's `validate` findings on a SARIF file (SARIF rules and GitHub's), each with its effective level. */
export function multitoolFindings(file: string): MultitoolFinding[] {
  const out = join(mkdtempSync(join(tmpdir(), "sarif-validate-")), "validation.sarif");
  execFileSync(
    MULTITOOL,
    [
      "validate",
      file,
      "--output",
      out,
      "--log",
      "ForceOverwrite",
      "--rule-kind",
      "Sarif;Gh",
      "--max-file-size-in-kb",
      "100000",
    ],
    {
      stdio: "pipe",
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const log = JSON.parse(readFileSync(out, "utf8")) as MultitoolLog;
  const run = log.runs[0]!;
  const rules = run.tool.driver.rules ?? [];
  return (run.results ?? []).map((result) => ({
    ruleId: result.ruleId,
    // A result without a level takes its rule's default, and SARIF's default is warning.
    level: result.level ?? rules[result.ruleIndex ?? -1]?.defaultConfiguration?.level ?? "warning",
    text: result.message.text ?? `${result.message.id ?? ""} ${(result.message.arguments ?? []).join(", ")}`,
  }));
}

/** Errors and unaccepted warnings the Multitool reports on a file: a conforming log has none. */
export function multitoolProblems(file: string): MultitoolFinding[] {
  return multitoolFindings(file).filter(
    (finding) =>
      finding.level === "error" || (finding.level === "warning" && !ACCEPTED_MULTITOOL_WARNINGS.has(finding.ruleId)),
  );
}

/** Writes `text` to a temporary .sarif file and returns its path. */
export function writeSarif(text: string, name = "report.sarif"): string {
  const file = join(mkdtempSync(join(tmpdir(), "sarif-test-")), name);
  writeFileSync(file, text, "utf8");
  return file;
}
