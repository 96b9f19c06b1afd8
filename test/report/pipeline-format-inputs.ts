// Inputs for the pipeline formats' tests (ocsf, junit): the sample estate scanned through the CLI, a report built
// in-process from the sample's findings (to repeat them at scale), and results whose every Azure string is hostile.
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { runMain } from "../cli/in-process-cli";
import { SAMPLE_EXCEPTIONS_IN_FORCE } from "../support/sample-exceptions";
import { buildEstate } from "../../src/model/build-estate";
import { evaluate, type AuditReport } from "../../src/audit/run-audit";
import { emptyExceptionsOutcome } from "../../src/engine/exception-outcome";
import type { Finding } from "../../src/engine/finding";
import type { AuditSettings } from "../../src/config/audit-settings";

const SAMPLES = join(__dirname, "..", "..", "samples");

/** `mi-audit scan` of the sample estate with the sample exceptions, in `format`. */
export async function scanSample(format: string, ...extra: string[]): Promise<string> {
  const args = ["scan", "--snapshot", join(SAMPLES, "estate.json"), "--exceptions", SAMPLE_EXCEPTIONS_IN_FORCE];
  const result = await runMain([...args, "--format", format, ...extra]);
  // 1: the sample has failures at or above --fail-on; the report is written either way.
  if (result.code !== 1) throw new Error(`scan exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** The sample's findings as the JSON report writes them (with `fingerprint`), in report order. */
export async function sampleJsonFindings(): Promise<(Finding & { fingerprint: string })[]> {
  return (JSON.parse(await scanSample("json")) as { findings: (Finding & { fingerprint: string })[] }).findings;
}

/** A report of the sample estate, evaluated in-process, with its findings replaced by `findings` when given. */
export function sampleReport(findings?: Finding[]): AuditReport {
  const rows = (JSON.parse(readFileSync(join(SAMPLES, "estate.json"), "utf8")) as { data: unknown[] }).data;
  const estate = buildEstate(rows);
  const settings: AuditSettings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" };
  const evaluated = evaluate(estate, settings);
  return {
    run: {
      runId: "20261122T000000Z-abcdef",
      status: "completed",
      startedAt: "2026-11-22T00:00:00.000Z",
      finishedAt: "2026-11-22T00:00:01.250Z",
      durationMs: 1250,
      source: { kind: "snapshot", files: ["estate.json"] } as unknown as AuditReport["run"]["source"],
      trustedPrefixes: [],
      trustOwnedPublicIps: true,
      baseline: "current",
      rulesEvaluated: 11,
      resourcesInEstate: estate.resources.size,
      collection: {},
      coverageGaps: [],
      dataQuality: { warnings: 0, sample: [] },
    },
    summary: evaluated.summary,
    findings: findings ?? evaluated.findings,
    exceptions: emptyExceptionsOutcome(),
  };
}

/** The sample's findings repeated to `count`, each on its own resource id. */
export function repeatedFindings(base: readonly Finding[], count: number): Finding[] {
  return Array.from({ length: count }, (_, i) => {
    const finding = base[i % base.length]!;
    return { ...finding, resourceId: `${finding.resourceId}-${i}`, resourceName: `${finding.resourceName}-${i}` };
  });
}

/** Strings an attacker who names Azure resources (or writes a snapshot) could plant. */
export const HOSTILE = {
  markup: `<script>alert("x")</script> & 'quoted' ]]> <![CDATA[ x ]]>`,
  control: "nul\u0000bel\u0007esc\u001b[31mvt\u000bff\u000cdel\u007fc1\u009b",
  surrogates: "lone high \uD800 lone low \uDC00 pair 😀 reversed \uDC00\uD800",
  nonCharacters: "fffe\uFFFE ffff\uFFFF",
  bidi: "admin\u202Egnp.exe\u2066x\u2069",
  lines: "line1\nline2\r\nline3\rtab\there",
  markdown: "| pipe | `backtick` *star* [link](javascript:alert(1))",
  attachment: "[[ATTACHMENT|/etc/passwd]]",
  long: "x".repeat(70_000),
} as const;

/** One result per status (and one excepted, one expired exception) with every Azure string hostile. */
export function hostileFindings(template: Finding): Finding[] {
  const all = Object.values(HOSTILE).join(" ");
  const hostile = (status: Finding["status"], extra: Partial<Finding> = {}): Finding => ({
    ...template,
    resourceId: `${template.resourceId}/${HOSTILE.markup}${HOSTILE.control}`,
    resourceName: `${HOSTILE.markup}${HOSTILE.surrogates}${HOSTILE.bidi}`,
    resourceGroup: `${HOSTILE.lines}${HOSTILE.attachment}`,
    location: HOSTILE.control,
    status,
    message: all,
    evidence: { value: all, nested: { [HOSTILE.markup]: HOSTILE.surrogates } },
    tags: { [HOSTILE.markup]: HOSTILE.attachment, env: HOSTILE.control },
    ...extra,
  });
  const exception = {
    id: `EX-${HOSTILE.markup}`,
    source: "file" as const,
    justification: all,
    approvedBy: HOSTILE.bidi,
    expiresOn: "2027-01-01",
    ticket: HOSTILE.markdown,
  };
  return [
    hostile("fail"),
    hostile("pass"),
    hostile("notApplicable"),
    hostile("unknown"),
    hostile("error"),
    hostile("fail", { exception: { ...exception, effect: "applied" } }),
    hostile("unknown", { exception: { ...exception, effect: "applied" } }),
    hostile("fail", { exception: { ...exception, effect: "expired" } }),
  ];
}
