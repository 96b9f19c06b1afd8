// Report output in chunks: joined, the chunks are exactly what JSON.stringify / the CSV rows make, and no chunk
// grows with the estate (a 1M-row report is larger than V8 allows one string to be).
import { describe, expect, it } from "vitest";
import type { AuditReport } from "../../src/audit/run-audit";
import { sampleReport } from "../report/pipeline-format-inputs";
import type { Finding } from "../../src/engine/finding";
import { findingCsvHeader, findingCsvRow } from "../../src/report/csv";
import { findingFingerprint, reportFingerprints } from "../../src/report/fingerprint";
import {
  csvReportChunks,
  FINDINGS_PER_CHUNK,
  jsonReportChunks,
  REPORT_SCHEMA_VERSION,
} from "../../src/report/report-chunks";

/** The sample's findings repeated (with distinct ids) to `count`. */
function withFindings(report: AuditReport, count: number): AuditReport {
  const base = report.findings;
  const findings: Finding[] = Array.from({ length: count }, (_, i) => ({
    ...base[i % base.length]!,
    resourceId: `${base[i % base.length]!.resourceId}-${i}`,
  }));
  return { ...report, findings };
}

/** The object the JSON report writes: the schema version first, and each finding with its fingerprint last. */
function written(report: AuditReport): object {
  const fingerprints = reportFingerprints(report.findings);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    ...report,
    findings: report.findings.map((finding, i) => ({ ...finding, fingerprint: fingerprints[i] })),
  };
}

describe("report chunks", () => {
  const report = sampleReport();

  it.each([0, 1, FINDINGS_PER_CHUNK - 1, FINDINGS_PER_CHUNK, FINDINGS_PER_CHUNK + 1, 3 * FINDINGS_PER_CHUNK + 7])(
    "JSON with %i results is exactly JSON.stringify of the report with its version and fingerprints",
    (count) => {
      const sized = withFindings(report, count);
      const chunks = [...jsonReportChunks(sized)];
      expect(chunks.join("")).toBe(`${JSON.stringify(written(sized), null, 2)}\n`);
      expect(JSON.parse(chunks.join("")).findings).toHaveLength(count);
    },
  );

  it("the sample's own report, evidence and tags included, is byte-identical", () => {
    expect([...jsonReportChunks(report)].join("")).toBe(`${JSON.stringify(written(report), null, 2)}\n`);
    expect(report.findings.some((f) => f.tags !== undefined)).toBe(true);
  });

  it("schemaVersion is the first key, and a finding's fingerprint is its rule x resource pair's, numbered in order", () => {
    const first = report.findings[0]!;
    // The same pair three times (a rule that returns several results for one resource), the id's case changed.
    const repeated = { ...report, findings: [first, { ...first, resourceId: first.resourceId.toUpperCase() }, first] };
    const text = [...jsonReportChunks(repeated)].join("");
    expect(text.startsWith(`{\n  "schemaVersion": "${REPORT_SCHEMA_VERSION}",\n  "run": `)).toBe(true);
    const prints = (JSON.parse(text) as { findings: { fingerprint: string }[] }).findings.map((f) => f.fingerprint);
    expect(prints[0]).toBe(findingFingerprint(first));
    expect(prints[1]).toBe(findingFingerprint(first, 1));
    expect(prints[2]).toBe(findingFingerprint(first, 2));
    expect(new Set(prints).size).toBe(3);
  });

  it("CSV is exactly the header and one row per result, in order", () => {
    for (const count of [0, 1, FINDINGS_PER_CHUNK, 2 * FINDINGS_PER_CHUNK + 3]) {
      const sized = withFindings(report, count);
      const fingerprints = reportFingerprints(sized.findings);
      expect([...csvReportChunks(sized.findings, "current")].join("")).toBe(
        findingCsvHeader() +
          sized.findings.map((f, i) => findingCsvRow({ ...f, fingerprint: fingerprints[i]! }, "current")).join(""),
      );
    }
  });

  it("no chunk grows with the number of results", () => {
    const big = withFindings(report, 20 * FINDINGS_PER_CHUNK);
    const json = [...jsonReportChunks(big)];
    const csv = [...csvReportChunks(big.findings, "current")];
    const longestFinding = Math.max(...big.findings.map((f) => JSON.stringify(f, null, 2).length));
    expect(json.length).toBeGreaterThanOrEqual(20);
    expect(Math.max(...json.map((c) => c.length))).toBeLessThan(
      (FINDINGS_PER_CHUNK + 1) * (longestFinding + 200) + JSON.stringify(big.summary, null, 2).length * 2,
    );
    expect(csv.length).toBeGreaterThanOrEqual(20);
    expect(Math.max(...json.map((c) => c.length))).toBeLessThan(json.join("").length / 10);
  });
});
