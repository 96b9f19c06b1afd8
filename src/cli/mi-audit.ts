#!/usr/bin/env node
// mi-audit: the audit engine on the command line, for one-off audits and CI gates.
// Exit codes: 0 the gate passed (complete collection, every result at or above --fail-on decided, no failure there);
// 1 a failure at or above --fail-on; 2 usage or input error; 3 the audit could not run; 4 could not verify.
import { createWriteStream, readFileSync } from "node:fs";
import { once } from "node:events";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { AuditorError, isUsageError, errorMessage } from "../errors";
import { runAudit } from "../audit/run-audit";
import {
  parseTrustedPrefixes,
  splitTrustedPrefixes,
  auditSettingsFromEnv,
  type AuditSettings,
} from "../config/audit-settings";
import { parseSetting } from "../config/settings-catalog";
import { mergeExceptionsDocuments, readExceptionsDocument } from "../config/exceptions-document";
import type { AuditException } from "../engine/exceptions";
import { SnapshotSource } from "../snapshot/snapshot-source";
import { ResourceGraphSource } from "../collect/live-resource-source";
import { liveCollection } from "../collect/collection-config";
import {
  collectionInputFromEnv,
  ENV_SETTING_NAMES,
  parseCollectionSettings,
  type CollectionSettingsInput,
  type SettingNames,
} from "../config/collection-settings";
import type { ResourceSource } from "../audit/resource-source";
import { COMPLIANCE_FRAMEWORKS, isComplianceFramework, type ComplianceFramework } from "../report/compliance";
import { terminalText } from "../report/terminal-text";
import { REPORT_FORMATS, type ReportFormat, type ReportFormatContext } from "../report/report-format";
import { COMPLIANCE_FORMATS, render, renderCompliance } from "./scan-output";
import { checkedReportUrl } from "../report/report-url";
import { rulesToMarkdown } from "../report/rules-markdown";
import { RULES } from "../rules/catalog";
import { BASELINE_IDS, baselinesOfRule, rulesOfBaseline, type BaselineId } from "../rules/baselines";
import { mcsbIds, resolveControls } from "../rules/framework-controls";
import { SEVERITIES, type Severity } from "../rules/rule";
import { assessGate, type GateOutcome } from "../engine/gate";
import { gateStderrLines } from "../report/gate-text";
import {
  EXCEPTED_FILTERS,
  exceptionStderrLines,
  passesExceptedFilter,
  type ExceptedFilter,
} from "../report/exception-text";

const MAX_WARNINGS_SHOWN = 50;

/** The gate's outcome as an exit code. 4 is "could not verify": never a pass, and not a failure the audit saw. */
const GATE_EXIT_CODES: Record<GateOutcome, number> = { pass: 0, fail: 1, unverified: 4 };

interface ScanOptions {
  snapshot?: string[];
  trusted?: string[];
  trustOwnedIps: boolean;
  baseline?: BaselineId;
  format: ReportFormat;
  reportUrl?: string;
  framework?: ComplianceFramework;
  failOn: Severity;
  allowUnverified: boolean;
  output?: string;
  subscriptions?: string[];
  managementGroups?: string[];
  armEndpoint?: string;
  armCa?: string;
  cloud?: string;
  progress?: boolean;
  exceptions?: string[];
  exceptionMaxDays?: string;
  excepted: ExceptedFilter;
}

/** `stdout` may return false when its buffer is full; `drain` then resolves once it has room (backpressure). */
type Io = { stdout: (t: string) => unknown; stderr: (t: string) => void; isTty?: boolean; drain?: () => Promise<void> };

export function buildProgram(io: Io & { setExitCode: (code: number) => void }): Command {
  const program = new Command("mi-audit")
    .description("Audit the network exposure of Azure SQL Managed Instances against Microsoft's guidance")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run mi-audit --help for usage)");

  addScanCommand(program, io);

  program
    .command("rules")
    .description("Print the rule catalog")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "markdown"]).default("table"))
    .addOption(
      new Option("--baseline <id>", "list only this baseline's rules (default: every rule)").choices([...BASELINE_IDS]),
    )
    .option("--output <file>", "write to a file instead of stdout")
    .action(async (options: { format: "table" | "json" | "markdown"; baseline?: BaselineId; output?: string }) => {
      const text = rulesCatalogText(options.format, options.baseline);
      await emit(text, options.output, io);
      io.setExitCode(0);
    });
  return program;
}

/**
 * `rules`: the catalog (or one baseline's rules) as a table (id, severity, baselines, MCSB controls, title), JSON or the
 * Markdown of docs/rules.md.
 */
function rulesCatalogText(format: "table" | "json" | "markdown", baseline?: BaselineId): string {
  const rules = baseline === undefined ? RULES : rulesOfBaseline(baseline);
  if (format === "markdown") return rulesToMarkdown(rules);
  if (format === "json")
    // A rule's evaluate function is not data: JSON leaves function-valued properties out. Its control references are
    // printed resolved, with each control's title and NIST ids from the catalog.
    return `${JSON.stringify(
      rules.map((rule) => ({ ...rule, baselines: baselinesOfRule(rule.id), controls: resolveControls(rule.controls) })),
      null,
      2,
    )}\n`;
  const idWidth = Math.max(...rules.map((rule) => rule.id.length));
  const row = (rule: (typeof RULES)[number]): string =>
    [
      rule.id.padEnd(idWidth),
      rule.severity.padEnd(8),
      baselinesOfRule(rule.id).join(",").padEnd(17),
      (mcsbIds(rule.controls).join(", ") || "-").padEnd(10),
      rule.title,
    ].join(" ");
  return `${rules.map(row).join("\n")}\n`;
}

/** A repeatable option's values, in the order given. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `scan --help` ends with what each exit code means. */
const SCAN_EXIT_CODES_HELP = [
  "",
  "Exit codes:",
  "  0  complete collection, every result at or above --fail-on decided, and none of them a failure",
  "  1  a failure at or above --fail-on (an excepted failure does not count)",
  "  2  usage or input error",
  "  3  the audit could not run (collection or storage unavailable)",
  "  4  could not verify: a result at or above --fail-on is unknown (not excepted) or error, the collection was partial",
  "     (coverage gaps), or nothing was audited; --allow-unverified turns the first two into 0,",
  "     never the last",
].join("\n");

/** `scan`: audit an estate (snapshots or live), report the findings and set the gate's exit code. */
function addScanCommand(program: Command, io: Io & { setExitCode: (code: number) => void }): void {
  const scan = program.command("scan");
  addLiveOptions(scan)
    .description("Audit an estate and report findings")
    .addOption(new Option("--snapshot <file>", "Resource Graph export to audit (repeatable)").argParser(collect))
    .addOption(
      new Option(
        "--trusted <cidr[,cidr...]>",
        "well-known source prefixes to trust (repeatable; adds to TRUSTED_SOURCE_PREFIXES)",
      ).argParser(collect),
    )
    .option("--no-trust-owned-ips", "do not treat the estate's own public IPs and prefixes as well-known sources")
    .addOption(
      new Option("--baseline <id>", "the rules to evaluate (env AUDIT_BASELINE; default current)").choices([
        ...BASELINE_IDS,
      ]),
    )
    .addOption(new Option("--format <format>", "output format").choices([...REPORT_FORMATS]).default("table"))
    .option(
      "--report-url <url>",
      "where the full report lives (the dashboard, the pipeline run): markdown and html link to it",
    )
    .addOption(
      new Option(
        "--framework <name>",
        `report the results per control of a framework (${COMPLIANCE_FRAMEWORKS.join(", ")}) instead of per finding`,
      ).argParser(parseFramework),
    )
    .addOption(
      new Option(
        "--fail-on <severity>",
        "exit 1 on a failure at or above this severity, 4 when a result at or above it could not be decided",
      )
        .choices([...SEVERITIES])
        .default("high"),
    )
    .option(
      "--allow-unverified",
      "do not exit 4 when results at or above --fail-on are unknown/error or the collection was partial (a run that audited nothing still exits 4)",
      false,
    )
    .option("--output <file>", "write the report to a file instead of stdout")
    .addOption(
      new Option(
        "--exceptions <file>",
        "accepted risks to honour: a YAML or JSON exceptions file (repeatable; see docs/exceptions.md)",
      ).argParser(collect),
    )
    .option(
      "--exception-max-days <days>",
      "how far ahead an exception may expire; a later expiresOn is a usage error (env EXCEPTION_MAX_DAYS; default 180)",
    )
    .addOption(
      new Option(
        "--excepted <which>",
        "list excepted results too, leave them out, or list only them (counts unchanged)",
      )
        .choices([...EXCEPTED_FILTERS])
        .default("include"),
    )
    .option("--no-progress", "do not show collection progress on a terminal")
    .addHelpText("after", SCAN_EXIT_CODES_HELP)
    .action(async (options: ScanOptions) => {
      io.setExitCode(await runScan(options, io));
    });
}

/** scan's options for a live collection (Resource Graph and ARM) instead of snapshots. */
function addLiveOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--subscriptions <id[,id...]>",
        "live: subscriptions to audit (repeatable; env AUDIT_SUBSCRIPTIONS)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        "--management-groups <name[,name...]>",
        "live: management groups to audit (repeatable; env AUDIT_MANAGEMENT_GROUPS)",
      ).argParser(collect),
    )
    .option(
      "--arm-endpoint <url>",
      "live: ARM endpoint override, e.g. an emulator (env AUDIT_ARM_ENDPOINT); needs --arm-ca",
    )
    .option("--arm-ca <file>", "live: PEM CA certificate of the --arm-endpoint (env AUDIT_ARM_CA)")
    .option("--cloud <name>", "live: AzureCloud, AzureUSGovernment or AzureChinaCloud (env AUDIT_CLOUD)");
}

async function runScan(options: ScanOptions, io: Io): Promise<number> {
  // Checked before the audit runs: a bad link is a usage error, not something found after minutes of collection.
  if (options.reportUrl !== undefined) checkedReportUrl(options.reportUrl);
  if (options.framework !== undefined && !COMPLIANCE_FORMATS.includes(options.format))
    throw new AuditorError(
      "INPUT_INVALID_REQUEST",
      `--framework writes ${COMPLIANCE_FORMATS.join(", ")}; --format ${options.format} lists findings, so drop one of them`,
    );
  const fromEnv = auditSettingsFromEnv();
  const trusted = parseTrustedPrefixes(
    options.trusted?.flatMap((value) => splitTrustedPrefixes(value, "--trusted", "error")) ?? [],
    "--trusted",
  );
  const exceptionPolicy = {
    ...fromEnv.exceptionPolicy!,
    ...(options.exceptionMaxDays === undefined
      ? {}
      : { maxDays: parseSetting("EXCEPTION_MAX_DAYS", options.exceptionMaxDays, "--exception-max-days") }),
  };
  const settings: AuditSettings = {
    trustedPrefixes: [...fromEnv.trustedPrefixes, ...trusted],
    trustOwnedPublicIps: options.trustOwnedIps && fromEnv.trustOwnedPublicIps,
    baseline: options.baseline ?? fromEnv.baseline,
    exceptionPolicy,
  };
  // Read before the audit runs: a bad file is a usage error, found before any collection starts.
  const exceptions = readExceptionFiles(options.exceptions ?? [], exceptionPolicy.maxDays);
  const source = chooseSource(options, io);
  let shown = 0;
  let hidden = 0;
  const report = await runAudit(source, settings, {
    exceptions,
    onWarning: (message) => {
      if (shown < MAX_WARNINGS_SHOWN) {
        shown += 1;
        // Warnings quote names and values from Azure: their control characters are shown, not obeyed.
        io.stderr(`warning: ${terminalText(message)}\n`);
      } else hidden += 1;
    },
  });
  if (source instanceof ResourceGraphSource && io.isTty === true && options.progress !== false) io.stderr("\r\x1b[K");
  if (hidden > 0) io.stderr(`warning: ${hidden} more data-quality warning(s) not shown\n`);
  const gate = assessGate(
    {
      byRule: report.summary.byRule,
      coverageGaps: report.run.coverageGaps,
      resourcesInEstate: report.run.resourcesInEstate,
    },
    options.failOn,
    { allowUnverified: options.allowUnverified },
  );
  const exitCode = GATE_EXIT_CODES[gate.outcome];
  for (const line of [...exceptionStderrLines(report.exceptions), ...gateStderrLines(gate)])
    io.stderr(`${terminalText(line.replace(/\n$/, ""))}\n`);
  // --excepted picks the results listed; the summary, its counts and the gate are the whole run's.
  const listed =
    options.excepted === "include"
      ? report
      : { ...report, findings: report.findings.filter((f) => passesExceptedFilter(f, options.excepted)) };
  const context: ReportFormatContext = {
    gate,
    exitCode,
    ...(options.reportUrl === undefined ? {} : { reportUrl: options.reportUrl }),
  };
  const text =
    options.framework === undefined
      ? render(listed, options.format, context)
      : renderCompliance(listed, options.framework, options.format, gate, exitCode);
  await emit(text, options.output, io);
  return exitCode;
}

/**
 * --exceptions files, read whole and checked: a malformed file, an unknown rule, a missing field, an expiry beyond
 * --exception-max-days or an id used twice is a usage error naming the file, the entry and the field. An entry whose
 * date has passed is read (it is reported expired, and what it covered counts again), never an error.
 */
function readExceptionFiles(files: readonly string[], maxDays: number): AuditException[] {
  const now = new Date();
  const documents = files.map((name) => {
    let text: string;
    try {
      text = readFileSync(name, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
      throw new AuditorError("INPUT_UNREADABLE", `cannot read --exceptions ${name}: ${code}`, { cause: error });
    }
    return { name, document: readExceptionsDocument(text, { name, source: "file", now, maxDays, allowExpired: true }) };
  });
  return mergeExceptionsDocuments(documents).exceptions;
}

/** --snapshot audits files; without it the auditor collects live from Resource Graph. */
function chooseSource(options: ScanOptions, io: Io): ResourceSource {
  const liveFlags = [
    options.subscriptions,
    options.managementGroups,
    options.armEndpoint,
    options.armCa,
    options.cloud,
  ].some((v) => v !== undefined);
  if (options.snapshot !== undefined && options.snapshot.length > 0) {
    if (liveFlags)
      throw new AuditorError(
        "CONFIG_INVALID",
        "--snapshot cannot be combined with --subscriptions, --management-groups, --arm-endpoint, --arm-ca or --cloud",
      );
    return new SnapshotSource(options.snapshot);
  }
  const env = collectionInputFromEnv();
  const input: CollectionSettingsInput = { ...env };
  const names: SettingNames = { ...ENV_SETTING_NAMES };
  const flag = (key: keyof CollectionSettingsInput, value: string | string[] | undefined, name: string): void => {
    // A value that is set nowhere is named both ways, so the message says where it could come from.
    if (value === undefined) {
      if ((input[key] ?? "").trim() === "") names[key] = `${name} (${ENV_SETTING_NAMES[key]})`;
      return;
    }
    input[key] = Array.isArray(value) ? value.join(",") : value;
    names[key] = name;
    // A flag for one scope replaces the environment's other scope, so --subscriptions wins over AUDIT_MANAGEMENT_GROUPS.
    if (key === "subscriptions") input.managementGroups = undefined;
    if (key === "managementGroups") input.subscriptions = undefined;
  };
  flag("subscriptions", options.subscriptions, "--subscriptions");
  flag("managementGroups", options.managementGroups, "--management-groups");
  flag("armEndpoint", options.armEndpoint, "--arm-endpoint");
  flag("armCaFile", options.armCa, "--arm-ca");
  flag("cloud", options.cloud, "--cloud");
  const settings = liveCollection(parseCollectionSettings(input, names), names);
  const showProgress = options.progress !== false && io.isTty === true;
  return new ResourceGraphSource({
    connection: settings.connection,
    scope: settings.scope,
    enrichment: { concurrency: settings.enrichmentConcurrency },
    onProgress: showProgress
      ? (p) =>
          io.stderr(
            `\r\x1b[Kcollecting ${terminalText(p.family)}: ${p.pages} page(s), ${p.rows} row(s), ${(p.elapsedMs / 1000).toFixed(1)} s`,
          )
      : undefined,
  });
}

function parseFramework(value: string): ComplianceFramework {
  const name = value.toUpperCase();
  if (!isComplianceFramework(name))
    throw new InvalidArgumentError(`not a framework; choose one of ${COMPLIANCE_FRAMEWORKS.join(", ")}.`);
  return name;
}

async function emit(
  text: string | Iterable<string>,
  output: string | undefined,
  io: Pick<Io, "stdout" | "drain">,
): Promise<void> {
  const chunks = typeof text === "string" ? [text] : text;
  if (output === undefined) {
    for (const chunk of chunks) {
      if (io.stdout(chunk) === false && io.drain !== undefined) await io.drain();
    }
    return;
  }
  const file = createWriteStream(output, { encoding: "utf8" });
  const failure = new Promise<never>((_, reject) => file.once("error", reject));
  failure.catch(() => undefined);
  try {
    for (const chunk of chunks) {
      if (!file.write(chunk)) await Promise.race([once(file, "drain"), failure]);
    }
    file.end();
    await Promise.race([once(file, "finish"), failure]);
  } catch (error) {
    file.destroy();
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
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.help"
        ? 0
        : 2;
    }
    if (isUsageError(error)) {
      io.stderr(`mi-audit: error: ${terminalText(error.message)}\n`);
      return 2;
    }
    if (error instanceof AuditorError) {
      io.stderr(`mi-audit: ${error.code}: ${terminalText(error.message)}\n`);
      return 3;
    }
    io.stderr(`mi-audit: unexpected error: ${terminalText(errorMessage(error))}\n`);
    return 3;
  }
}

function defaultIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTty: process.stderr.isTTY === true,
    drain: async () => {
      await once(process.stdout, "drain");
    },
  };
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
