// `--format markdown`: the run as a GitHub Flavored Markdown summary, for a pull-request comment, `$GITHUB_STEP_SUMMARY`
// or an Azure Pipelines summary: the score, the gate's decision, counts, the top failures and what exceptions need.
// GitHub refuses a comment over 65,536 characters and a step summary over 1 MiB, so the summary is cut to the smaller
// (MARKDOWN_MAX_LENGTH), whole sections at a time, and says what it left out. Every value from Azure is escaped
// (markdownText): a resource named `| @team [x](https://evil)` reads as that text, mentions nobody and links nowhere.
import type { AuditReport } from "../audit/run-audit";
import { isExcepted } from "../engine/exceptions";
import type { ExceptionReportEntry } from "../engine/exception-outcome";
import type { Finding } from "../engine/finding";
import { describeGap } from "../engine/gate";
import { SEVERITIES, STATUSES, type Severity } from "../rules/rule";
import { FingerprintSequence } from "./fingerprint";
import type { ReportFormatContext, ReportFormatter } from "./report-format";
import { TOOL } from "./report-format";
import { checkedReportUrl } from "./report-url";
import { printableText } from "./untrusted-text";

/**
 * GitHub's limit on a pull-request or issue comment body (65,536 characters; the step summary allows 1 MiB). Counted
 * in UTF-16 code units, which is never fewer than characters, and 65,536 of them are at most 196,608 bytes of UTF-8.
 */
export const MARKDOWN_MAX_LENGTH = 65_536;
/** Failures listed, most severe first. */
export const MARKDOWN_TOP_FAILURES = 20;
/** Entries listed per list of exceptions and of coverage gaps. */
const LIST_LIMIT = 10;

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;
/** Broken with a zero-width space after them: GitHub links `@name` and `#123` in the rendered text, escaped or not. */
const REFERENCE_MARKS = /[@#]/g;

/**
 * Untrusted text as inline GFM that renders as exactly that text (controls and bidi overrides made visible, see
 * untrusted-text.ts): every ASCII punctuation character is backslash-escaped (CommonMark renders `\x` as `x` for each
 * of them), so no emphasis, link, autolink, HTML tag, entity or table cell boundary (`\|`) can start; `@` and `#` get
 * a zero-width space so GitHub's mention and issue-reference filters do not fire.
 */
export function markdownText(text: string, maxLength = 300): string {
  return printableText(text, maxLength)
    .replace(ASCII_PUNCTUATION, (ch) => `\\${ch}`)
    .replace(REFERENCE_MARKS, (ch) => `${ch}\u200B`);
}

/** Text known to be safe in a code span (a rule id, a fingerprint, a run id): checked, else escaped as text. */
function code(text: string): string {
  return /^[A-Za-z0-9._:/-]{1,200}$/.test(text) ? `\`${text}\`` : markdownText(text);
}

export const markdownReportChunks: ReportFormatter = (report, context) => {
  const link = context.reportUrl === undefined ? undefined : checkedReportUrl(context.reportUrl);
  const sections = [
    headline(report, context),
    gateSection(context),
    countsSection(report),
    topFailuresSection(report),
    exceptionsSection(report),
    coverageSection(report),
  ].filter((section) => section !== "");
  const footer = `${link === undefined ? "" : `[Full report](<${link}>) · `}${TOOL.name} ${TOOL.version}\n`;
  return [fitSections(sections, footer)];
};

/** Whole sections in order while they fit under the limit with the footer; a note names the ones left out. */
function fitSections(sections: string[], footer: string): string {
  const note = (n: number): string =>
    `_${n} section(s) left out: the summary would exceed GitHub's ${MARKDOWN_MAX_LENGTH.toLocaleString("en-US")}-character comment limit._\n\n`;
  let out = "";
  let left = 0;
  for (const section of sections) {
    if (left === 0 && out.length + section.length + note(sections.length).length + footer.length <= MARKDOWN_MAX_LENGTH)
      out += section;
    else left += 1;
  }
  return `${out}${left > 0 ? note(left) : ""}${footer}`;
}

function formatScore(score: number | null): string {
  return score === null ? "n/a (nothing assessed)" : score.toFixed(1);
}

function headline(report: AuditReport, context: ReportFormatContext): string {
  const { run, summary } = report;
  const outcome = { pass: "✅ PASS", fail: "❌ FAIL", unverified: "⚠️ COULD NOT VERIFY" }[context.gate.outcome];
  const both =
    summary.estateScoreAllFailures === summary.estateScoreExceptedNotCounted
      ? ""
      : summary.exceptionsAffectScore
        ? ` (every failure counted; ${formatScore(summary.estateScoreExceptedNotCounted)} with excepted failures left out)`
        : ` (excepted failures left out; ${formatScore(summary.estateScoreAllFailures)} with every failure counted)`;
  const facts = [
    `run ${code(run.runId)}`,
    markdownText(run.status),
    `baseline ${code(run.baseline)}`,
    `${run.resourcesInEstate} resource(s) read, ${summary.resourcesAssessed} assessed`,
    run.coverageGaps.length > 0 ? `**${run.coverageGaps.length} coverage gap(s): partial run**` : "complete collection",
    ...(run.dataQuality.warnings > 0 ? [`${run.dataQuality.warnings} data-quality warning(s)`] : []),
  ];
  return `## ${TOOL.name}: ${outcome}\n\n**Estate score ${formatScore(summary.estateScore)}**${both}\n\n${facts.join(" · ")}\n\n`;
}

function gateSection({ gate, exitCode }: ReportFormatContext): string {
  const verdict =
    gate.outcome === "fail"
      ? `**FAIL**: ${gate.failures} failure(s) at or above ${gate.threshold}`
      : gate.outcome === "unverified"
        ? "**COULD NOT VERIFY**: something at or above the threshold was not decided"
        : gate.lines.length > 0
          ? "**pass**, with results not verified (let through by `--allow-unverified`)"
          : `**pass**: complete collection, every result at or above ${gate.threshold} decided, no failure`;
  const flags = `\`--fail-on ${gate.threshold}\`${gate.allowUnverified ? " `--allow-unverified`" : ""}`;
  const excepted = gate.excepted.failures + gate.excepted.unknown;
  const lines = [
    ...(excepted > 0
      ? [
          `${gate.excepted.failures} failure(s) and ${gate.excepted.unknown} unknown result(s) at or above ${gate.threshold} excepted (accepted risks, not counted by the gate)`,
        ]
      : []),
    ...gate.lines.slice(0, LIST_LIMIT).map((line) => markdownText(line, 500)),
  ];
  const more = gate.lines.length > LIST_LIMIT ? `- and ${gate.lines.length - LIST_LIMIT} more\n` : "";
  return `### Gate\n\n${verdict} (${flags}, exit code ${exitCode})\n\n${lines.map((l) => `- ${l}\n`).join("")}${more}${lines.length > 0 ? "\n" : ""}`;
}

function countsSection({ summary }: AuditReport): string {
  const statusRows = STATUSES.map(
    (status) => `| ${status} | ${summary.byStatus[status]} | ${summary.excepted.byStatus[status]} |\n`,
  );
  const severityRows = SEVERITIES.map((severity) => {
    const excepted = summary.excepted.failuresBySeverity[severity];
    return `| ${severity} | ${summary.failuresBySeverity[severity] - excepted} | ${excepted} |\n`;
  });
  return (
    `### Results\n\n| Results by status | All | Excepted |\n| --- | ---: | ---: |\n${statusRows.join("")}\n` +
    `| Failures by severity | Failing | Failing, excepted |\n| --- | ---: | ---: |\n${severityRows.join("")}\n`
  );
}

interface ListedFailure {
  finding: Finding;
  fingerprint: string;
  index: number;
}

/** The most severe failures no exception covers, in report order within a severity: one pass, at most N kept. */
function topFailures(findings: readonly Finding[], limit: number): { listed: ListedFailure[]; total: number } {
  const fingerprints = new FingerprintSequence();
  const listed: ListedFailure[] = [];
  const rank = (severity: Severity): number => SEVERITIES.indexOf(severity);
  let total = 0;
  findings.forEach((finding, index) => {
    const fingerprint = fingerprints.next(finding);
    if (finding.status !== "fail" || isExcepted(finding)) return;
    total += 1;
    const last = listed[listed.length - 1];
    if (listed.length === limit && last !== undefined && rank(last.finding.severity) <= rank(finding.severity)) return;
    let at = listed.length;
    while (at > 0 && rank(listed[at - 1]!.finding.severity) > rank(finding.severity)) at -= 1;
    listed.splice(at, 0, { finding, fingerprint, index });
    if (listed.length > limit) listed.pop();
  });
  return { listed, total };
}

function topFailuresSection(report: AuditReport): string {
  const { listed, total } = topFailures(report.findings, MARKDOWN_TOP_FAILURES);
  if (total === 0) return "### Failures\n\nNo failure that an exception does not cover.\n\n";
  const rows = listed.map(
    ({ finding, fingerprint }) =>
      `| ${finding.severity} | ${markdownText(finding.resourceName, 100)} | ${code(finding.ruleId)} | ${markdownText(finding.message, 300)} | ${code(fingerprint)} |\n`,
  );
  const heading = total > listed.length ? `Top ${listed.length} of ${total} failures` : `Failures (${total})`;
  return `### ${heading}\n\n| Severity | Resource | Rule | Message | Fingerprint |\n| --- | --- | --- | --- | --- |\n${rows.join("")}\n`;
}

function exceptionsSection({ exceptions }: AuditReport): string {
  const entry = (e: ExceptionReportEntry): string => {
    const when =
      e.expiresOn === undefined
        ? "no expiry"
        : `${e.daysLeft !== undefined && e.daysLeft < 0 ? "expired" : "expires"} ${markdownText(e.expiresOn, 40)}${e.daysLeft === undefined ? "" : ` (${e.daysLeft} day(s) left)`}`;
    return `- ${markdownText(e.id, 100)} (${markdownText(e.source)}): ${e.ruleIds.slice(0, 5).map(code).join(", ")}${e.ruleIds.length > 5 ? ` and ${e.ruleIds.length - 5} more rule(s)` : ""}, ${when}, approved by ${markdownText(e.approvedBy, 100)}\n`;
  };
  const list = (title: string, entries: readonly ExceptionReportEntry[], count: number): string =>
    count === 0
      ? ""
      : `**${title}: ${count}**\n\n${entries.slice(0, LIST_LIMIT).map(entry).join("")}${count > LIST_LIMIT ? `- and ${count - LIST_LIMIT} more\n` : ""}\n`;
  const lists =
    list("Expiring soon", exceptions.expiring, exceptions.counts.expiring) +
    list("Expired (what they covered counts again)", exceptions.expired, exceptions.counts.expired);
  const unavailable =
    exceptions.exceptionsUnavailable === undefined
      ? ""
      : `**The exception store could not be read**: every failure counts. ${markdownText(exceptions.exceptionsUnavailable, 300)}\n\n`;
  const counts = `${exceptions.applied} exception(s) applied to ${exceptions.exceptedResults.fail} failure(s) and ${exceptions.exceptedResults.unknown} unknown result(s); ${exceptions.counts.stale} matched nothing, ${exceptions.counts.notNeeded} no longer needed.\n\n`;
  const considered = exceptions.considered.file + exceptions.considered.store + exceptions.considered.policy;
  if (considered === 0 && unavailable === "") return "";
  return `### Exceptions\n\n${unavailable}${counts}${lists}`;
}

function coverageSection({ run }: AuditReport): string {
  const gaps = run.coverageGaps;
  if (gaps.length === 0) return "";
  const lines = gaps.slice(0, LIST_LIMIT).map((gap) => `- ${markdownText(describeGap(gap), 500)}\n`);
  const more = gaps.length > LIST_LIMIT ? `- and ${gaps.length - LIST_LIMIT} more\n` : "";
  return `### Coverage gaps\n\nThe collection was partial: the score and counts cover only what was read.\n\n${lines.join("")}${more}\n`;
}
