// A report as a sequence of text chunks, so that output never has to be one string. At 1M rows a report holds about
// 550,000 results; `JSON.stringify(report, null, 2)` of it is about 800 MB, past V8's string limit (about 512 MB), and
// the CLI died with "Invalid string length". Each chunk covers a batch of results; joined, the chunks are exactly the
// text JSON.stringify would have made, or the CSV header followed by one row per result.
import type { AuditReport } from "../audit/run-audit";
import type { Finding } from "../engine/finding";
import { findingCsvHeader, findingCsvRow } from "./csv";
import { FingerprintSequence } from "./fingerprint";
import type { BaselineId } from "../rules/baselines";

/** Results per chunk: about 0.5–1 MB of text. */
export const FINDINGS_PER_CHUNK = 500;

/**
 * The JSON report's `schemaVersion` (semantic versioning, docs/cli.md): a field added is a minor version, a field
 * removed, renamed or given another meaning is a major one. docs/report.schema.json describes this version.
 */
export const REPORT_SCHEMA_VERSION = "1.0.0";

/**
 * `JSON.stringify({ schemaVersion, ...report }, null, 2) + "\n"` with each finding's `fingerprint` (fingerprint.ts)
 * appended to it, in chunks; the findings array is written a batch at a time.
 */
export function* jsonReportChunks(report: AuditReport): Generator<string> {
  const entries = [
    ["schemaVersion", REPORT_SCHEMA_VERSION],
    ...Object.entries(report).filter(([, value]) => value !== undefined && typeof value !== "function"),
  ] as const;
  yield "{\n";
  for (const [index, [key, value]] of entries.entries()) {
    const head = `  ${JSON.stringify(key)}: `;
    const tail = index < entries.length - 1 ? ",\n" : "\n";
    if (key !== "findings" || !Array.isArray(value) || value.length === 0) {
      yield `${head}${indent(JSON.stringify(value, null, 2), "  ")}${tail}`;
      continue;
    }
    const findings = value as Finding[];
    const fingerprints = new FingerprintSequence();
    let chunk = `${head}[\n`;
    for (let i = 0; i < findings.length; i += 1) {
      const finding = findings[i]!;
      const written = { ...finding, fingerprint: fingerprints.next(finding) };
      chunk += `    ${indent(JSON.stringify(written, null, 2), "    ")}${i < findings.length - 1 ? ",\n" : "\n"}`;
      if ((i + 1) % FINDINGS_PER_CHUNK === 0) {
        yield chunk;
        chunk = "";
      }
    }
    yield `${chunk}  ]${tail}`;
  }
  yield "}\n";
}

/** The CSV header, then a row per result (csv.ts) with the run's baseline, in chunks. */
export function* csvReportChunks(findings: Iterable<Finding>, baseline: BaselineId): Generator<string> {
  let chunk = findingCsvHeader();
  let rows = 0;
  const fingerprints = new FingerprintSequence();
  for (const finding of findings) {
    chunk += findingCsvRow({ ...finding, fingerprint: fingerprints.next(finding) }, baseline);
    rows += 1;
    if (rows % FINDINGS_PER_CHUNK === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

function indent(text: string, by: string): string {
  return text.includes("\n") ? text.replace(/\n/g, `\n${by}`) : text;
}
