#!/usr/bin/env node
// mi-audit: the audit engine on the command line, for one-off audits and CI gates.
// Exit codes: 0 no failure at or above --fail-on; 1 such a failure; 2 usage or input error.
import { writeFile } from "node:fs/promises";
import { Command, CommanderError, Option } from "commander";
import { AuditorError, isUsageError } from "../shared/errors";
import { runAudit, type AuditReport } from "../shared/audit/run-audit";
import { parseTrustedPrefixes, splitList, auditSettingsFromEnv } from "../shared/config/audit-settings";
import { SnapshotSource } from "../shared/snapshot/snapshot-source";
import { formatTable } from "../shared/report/table";
import { findingsToCsv } from "../shared/report/csv";
import { rulesToMarkdown } from "../shared/report/rules-markdown";
import { RULES } from "../shared/rules/catalog";
import { SEVERITIES, type Severity } from "../shared/rules/rule";

const MAX_WARNINGS_SHOWN = 50;

interface ScanOptions {
  snapshot?: string[];
  trusted?: string[];
  trustOwnedIps: boolean;
  format: "table" | "json" | "csv";
  failOn: Severity;
  output?: string;
}

export function buildProgram(io: { stdout: (text: string) => void; stderr: (text: string) => void; setExitCode: (code: number) => void }): Command {
  const program = new Command("mi-audit")
    .description("Audit the network exposure of Azure SQL Managed Instances against Microsoft's guidance")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run mi-audit --help for usage)");

  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

  program
    .command("scan")
    .description("Audit an estate and report findings")
    .addOption(new Option("--snapshot <file>", "Resource Graph export to audit (repeatable)").argParser(collect))
    .addOption(new Option("--trusted <cidr[,cidr...]>", "well-known source prefixes to trust (repeatable; adds to TRUSTED_SOURCE_PREFIXES)").argParser(collect))
    .option("--no-trust-owned-ips", "do not treat the estate's own public IPs and prefixes as well-known sources")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "csv"]).default("table"))
    .addOption(new Option("--fail-on <severity>", "exit 1 when a failure at or above this severity exists").choices([...SEVERITIES]).default("high"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .action(async (options: ScanOptions) => {
      io.setExitCode(await scan(options, io));
    });

  program
    .command("rules")
    .description("Print the rule catalog")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "markdown"]).default("table"))
    .option("--output <file>", "write to a file instead of stdout")
    .action(async (options: { format: "table" | "json" | "markdown"; output?: string }) => {
      const text =
        options.format === "markdown"
          ? rulesToMarkdown(RULES)
          : options.format === "json"
            ? `${JSON.stringify(RULES.map(({ evaluate: _evaluate, ...meta }) => meta), null, 2)}\n`
            : RULES.map((rule) => `${rule.id.padEnd(34)} ${rule.severity.padEnd(8)} ${rule.title}`).join("\n") + "\n";
      await emit(text, options.output, io);
      io.setExitCode(0);
    });
  return program;
}

async function scan(options: ScanOptions, io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  const fromEnv = auditSettingsFromEnv();
  const trusted = parseTrustedPrefixes(options.trusted?.flatMap((value) => splitList(value)) ?? [], "--trusted");
  const settings = { trustedPrefixes: [...fromEnv.trustedPrefixes, ...trusted], trustOwnedPublicIps: options.trustOwnedIps && fromEnv.trustOwnedPublicIps };
  if (options.snapshot === undefined || options.snapshot.length === 0) {
    throw new AuditorError("CONFIG_INVALID", "scan needs --snapshot FILE (live collection options: see mi-audit scan --help)");
  }
  let shown = 0;
  let hidden = 0;
  const report = await runAudit(new SnapshotSource(options.snapshot), settings, {
    onWarning: (message) => {
      if (shown < MAX_WARNINGS_SHOWN) {
        shown += 1;
        io.stderr(`warning: ${message}\n`);
      } else hidden += 1;
    },
  });
  if (hidden > 0) io.stderr(`warning: ${hidden} more data-quality warning(s) not shown\n`);
  await emit(render(report, options.format), options.output, io);
  return hasFailureAtOrAbove(report, options.failOn) ? 1 : 0;
}

function render(report: AuditReport, format: ScanOptions["format"]): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(report, null, 2)}\n`;
    case "csv":
      return findingsToCsv(report.findings);
    case "table":
      return formatTable(report);
  }
}

export function hasFailureAtOrAbove(report: AuditReport, threshold: Severity): boolean {
  const rank = SEVERITIES.indexOf(threshold);
  return report.findings.some((f) => f.status === "fail" && SEVERITIES.indexOf(f.severity) <= rank);
}

async function emit(text: string, output: string | undefined, io: { stdout: (t: string) => void }): Promise<void> {
  if (output === undefined) {
    io.stdout(text);
    return;
  }
  try {
    await writeFile(output, text, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new AuditorError("INPUT_UNREADABLE", `cannot write --output ${output}: ${code}`, { cause: error });
  }
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], io = defaultIo()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram({ ...io, setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.help" ? 0 : 2;
    }
    if (isUsageError(error)) {
      io.stderr(`mi-audit: error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof AuditorError) {
      io.stderr(`mi-audit: ${error.code}: ${error.message}\n`);
      return 3;
    }
    io.stderr(`mi-audit: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 3;
  }
}

function defaultIo(): { stdout: (t: string) => void; stderr: (t: string) => void } {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
