// Real runs of the sample estate for the report format tests: audited by runAudit from samples/estate.json, with or
// without samples/exceptions.yaml, and as a partial run (a source that reports a coverage gap, as a failed Resource
// Graph read does), gated as `scan --fail-on` gates them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runAudit, type AuditReport } from "../../src/audit/run-audit";
import type { ResourceSource } from "../../src/audit/resource-source";
import { readExceptionsDocument } from "../../src/config/exceptions-document";
import { assessGate } from "../../src/engine/gate";
import type { CoverageGap } from "../../src/model/estate";
import type { ReportFormatContext } from "../../src/report/report-format";
import type { Severity } from "../../src/rules/rule";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { SAMPLE_EXCEPTIONS_IN_FORCE } from "../support/sample-exceptions";

export const REPO = join(__dirname, "..", "..");
export const SAMPLE = join(REPO, "samples", "estate.json");
/** samples/exceptions.yaml with its dates moved relative to today (test/support/sample-exceptions.ts). */
export const SAMPLE_EXCEPTIONS = SAMPLE_EXCEPTIONS_IN_FORCE;

export interface SampleRunOptions {
  exceptions?: boolean;
  /** A coverage gap the source reports: the run is partial. */
  gap?: CoverageGap;
  failOn?: Severity;
  reportUrl?: string;
}

export interface SampleRun {
  report: AuditReport;
  context: ReportFormatContext;
}

const GATE_EXIT_CODES = { pass: 0, fail: 1, unverified: 4 } as const;

export async function sampleRun(options: SampleRunOptions = {}): Promise<SampleRun> {
  const snapshot = new SnapshotSource([SAMPLE]);
  const source: ResourceSource =
    options.gap === undefined
      ? snapshot
      : {
          describe: () => snapshot.describe(),
          collect: async (sink) => {
            const outcome = await snapshot.collect(sink);
            return { ...outcome, gaps: [...outcome.gaps, options.gap!] };
          },
        };
  const now = new Date();
  const exceptions =
    options.exceptions === true
      ? readExceptionsDocument(readFileSync(SAMPLE_EXCEPTIONS, "utf8"), {
          name: SAMPLE_EXCEPTIONS,
          source: "file",
          now,
          maxDays: 365,
          allowExpired: true,
        }).exceptions
      : [];
  const report = await runAudit(
    source,
    { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" },
    { exceptions, onWarning: () => undefined },
  );
  const gate = assessGate(
    {
      byRule: report.summary.byRule,
      coverageGaps: report.run.coverageGaps,
      resourcesInEstate: report.run.resourcesInEstate,
    },
    options.failOn ?? "high",
  );
  return {
    report,
    context: {
      gate,
      exitCode: GATE_EXIT_CODES[gate.outcome],
      ...(options.reportUrl === undefined ? {} : { reportUrl: options.reportUrl }),
    },
  };
}

/** Hostile text: markup, Markdown syntax, mentions, references, controls, bidi overrides, a lone surrogate. */
export const HOSTILE = [
  `<script>alert(1)</script>`,
  `<img src=x onerror=alert(2)>`,
  `| a | b |`,
  "``code`` `tick`",
  `[click](https://evil.example/x) ![i](https://evil.example/i.png)`,
  `@octocat and @org/team`,
  `#123 GH-5 owner/repo#7`,
  `**bold** _em_ ~~s~~`,
  `&lt;b&gt; &amp; &#60;`,
  `]]> <!-- c --> <![CDATA[x]]>`,
  `https://evil.example www.evil.example user@evil.example`,
  `line1\nline2\r\n# heading\n> quote\n- item`,
  `nul\u0000 bell\u0007 esc\u001b[31m del\u007f c1\u0085`,
  `bidi \u202Eevil\u202C \u2066iso\u2069 zw\u200Bsp`,
  `lone \uD800 surrogate \uDFFF`,
  `${"A".repeat(5000)}`,
].join(" ");
