// `mi-audit scan --exceptions FILE`, in process against the sample estate, as issue 14 specifies it: an exception keeps
// its result's status and marks it in every format; an excepted failure does not trip --fail-on; an expired one
// counts again and the CLI says so; stale and no-longer-needed exceptions are reported; a bad file is a usage error
// (exit 2) naming the file, the entry and the field, with nothing on stdout; --excepted filters rows, never counts.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO, SAMPLE } from "../support/run-cli";
import { parseCsv } from "../support/csv-parse";
import { runMain } from "./in-process-cli";

const dir = mkdtempSync(join(tmpdir(), "mi-audit-exceptions-"));
let counter = 0;
function file(content: string, ext = "yaml"): string {
  const path = join(dir, `exceptions-${counter++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

interface Finding {
  ruleId: string;
  resourceId: string;
  resourceName: string;
  status: string;
  severity: string;
  exception?: { id: string; source: string; effect: string; expiresOn?: string; approvedBy: string; ticket?: string };
}
interface Report {
  summary: {
    estateScore: number | null;
    estateScoreAllFailures: number | null;
    estateScoreExceptedNotCounted: number | null;
    byStatus: Record<string, number>;
    excepted: { byStatus: Record<string, number> };
    gate: { outcome: string; exitCode: number; failures: number; excepted: { failures: number; unknown: number } };
  };
  findings: Finding[];
  exceptions: {
    considered: Record<string, number>;
    applied: number;
    exceptedResults: { fail: number; unknown: number };
    counts: Record<string, number>;
    expired: { id: string; expired: number }[];
    expiring: { id: string; daysLeft: number }[];
    stale: { id: string }[];
    notNeeded: { id: string; notNeeded: number }[];
  };
}

/** A UTC date `days` from today, as an exception's expiresOn. */
function dateIn(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** One exception entry as YAML (fields in the order the docs list them). */
function entry(fields: Record<string, string | string[]>): string {
  const lines = Object.entries(fields).map(([key, value]) =>
    Array.isArray(value) ? `${key}: [${value.join(", ")}]` : `${key}: ${JSON.stringify(value)}`,
  );
  return `  - ${lines.join("\n    ")}\n`;
}

function exceptionFor(f: Pick<Finding, "ruleId" | "resourceId">, id: string, expiresOn = dateIn(60)): string {
  return entry({
    id,
    rule: f.ruleId,
    scope: f.resourceId,
    justification: `Accepted for the test: ${f.ruleId} on this resource until the fix ships.`,
    approvedBy: "secops-lead@contoso.com",
    expiresOn,
    ticket: `CHG-${id}`,
  });
}

async function scanJson(...args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const run = await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", ...args]);
  expect(run.stderr).not.toMatch(/mi-audit: (error|unexpected)/);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

let plain: Report;
/** The sample's fail and unknown results at critical: what a --fail-on critical gate sees. */
let critical: Finding[];
/**
 * Results the sample's own Azure Policy exemptions already except (none at critical), and how many results are
 * excepted once `critical` is excepted too: the counts below are the estate's plus the file's.
 */
let policyExcepted: Finding[];
let exceptedWithFile: { fail: number; unknown: number; all: number };
const applied = (f: Finding): boolean => f.exception?.effect === "applied";

beforeAll(async () => {
  const run = await scanJson("--fail-on", "critical");
  expect(run.code).toBe(1);
  plain = run.report;
  critical = plain.findings.filter((f) => f.severity === "critical" && (f.status === "fail" || f.status === "unknown"));
  expect(critical.some((f) => f.status === "fail")).toBe(true);
  expect(critical.some(applied)).toBe(false);
  policyExcepted = plain.findings.filter(applied);
  const all = [...critical, ...policyExcepted];
  const fail = all.filter((f) => f.status === "fail").length;
  exceptedWithFile = { fail, unknown: all.length - fail, all: all.length };
});

describe("excepted results", () => {
  it("excepting every critical failure and unknown turns exit 1 into 0; statuses and counts stay, the gate says so", async () => {
    const yaml = `exceptions:\n${critical.map((f, i) => exceptionFor(f, `EX-${i + 1}`)).join("")}`;
    const { code, report, stderr } = await scanJson("--fail-on", "critical", "--exceptions", file(yaml));
    expect(code).toBe(0);
    const fails = critical.filter((f) => f.status === "fail").length;
    expect(report.summary.gate).toMatchObject({ outcome: "pass", exitCode: 0, failures: 0 });
    expect(report.summary.gate.excepted).toEqual({ failures: fails, unknown: critical.length - fails });
    // Never hidden: every result is still listed with its status, and byStatus counts the excepted ones too.
    expect(report.findings.length).toBe(plain.findings.length);
    expect(report.summary.byStatus).toEqual(plain.summary.byStatus);
    expect(report.summary.excepted.byStatus.fail).toBe(exceptedWithFile.fail);
    expect(report.exceptions.exceptedResults).toEqual({
      fail: exceptedWithFile.fail,
      unknown: exceptedWithFile.unknown,
    });
    expect(report.exceptions.considered).toMatchObject({ file: critical.length });
    for (const f of critical) {
      const same = report.findings.find((r) => r.ruleId === f.ruleId && r.resourceId === f.resourceId)!;
      expect(same.status).toBe(f.status);
      expect(same.exception).toMatchObject({
        source: "file",
        effect: "applied",
        approvedBy: "secops-lead@contoso.com",
      });
    }
    // Excepted failures do not lower the headline score by default; the other score is kept beside it.
    expect(report.summary.estateScoreAllFailures).toBe(plain.summary.estateScoreAllFailures);
    expect(report.summary.estateScore).toBe(report.summary.estateScoreExceptedNotCounted);
    expect(report.summary.estateScore!).toBeGreaterThan(plain.summary.estateScore!);
    expect(stderr).not.toMatch(/could not verify/);

    const table = await runMain(["scan", "--snapshot", SAMPLE, "--fail-on", "critical", "--exceptions", file(yaml)]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(
        `Failing: ${plain.summary.byStatus.fail! - exceptedWithFile.fail}   Failing, excepted: ${exceptedWithFile.fail}`,
      ),
    );
    expect(table.stdout).toMatch(/fail \(excepted EX-\d+\)/);
    expect(table.stdout).toMatch(
      /Estate score: [\d.]+ \(excepted failures not counted; [\d.]+ counting every failure\)/,
    );
    expect(table.stdout).toMatch(
      new RegExp(`${fails} failure\\(s\\) and \\d+ unknown result\\(s\\) at or above critical excepted`),
    );
  });

  it("EXCEPTIONS_AFFECT_SCORE=true keeps excepted failures in the headline score", async () => {
    const yaml = `exceptions:\n${critical.map((f, i) => exceptionFor(f, `EX-${i + 1}`)).join("")}`;
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", "--exceptions", file(yaml)], {
      EXCEPTIONS_AFFECT_SCORE: "true",
    });
    const report = JSON.parse(run.stdout) as Report;
    expect(report.summary.estateScore).toBe(plain.summary.estateScoreAllFailures);
    expect(report.summary.estateScoreExceptedNotCounted).toBeGreaterThan(plain.summary.estateScoreExceptedNotCounted!);
  });

  it("an expired entry is not an error: its failure counts again (exit 1) and stderr says it expired", async () => {
    const failure = critical.find((f) => f.status === "fail")!;
    const others = critical.filter((f) => f !== failure);
    const expiredOn = dateIn(-3);
    const yaml = `exceptions:\n${exceptionFor(failure, "EX-OLD", expiredOn)}${others.map((f, i) => exceptionFor(f, `EX-${i + 1}`)).join("")}`;
    const { code, report, stderr } = await scanJson("--fail-on", "critical", "--exceptions", file(yaml));
    expect(code).toBe(1);
    expect(report.summary.gate.failures).toBe(1);
    expect(stderr).toContain(
      `mi-audit: exception EX-OLD expired on ${expiredOn}: its failures count again (1 result(s))`,
    );
    const same = report.findings.find((r) => r.ruleId === failure.ruleId && r.resourceId === failure.resourceId)!;
    expect(same.exception).toMatchObject({ id: "EX-OLD", effect: "expired", expiresOn: expiredOn });
    expect(report.exceptions.expired).toContainEqual(expect.objectContaining({ id: "EX-OLD", expired: 1 }));

    const table = await runMain(["scan", "--snapshot", SAMPLE, "--fail-on", "critical", "--exceptions", file(yaml)]);
    expect(table.stdout).toContain("fail (exception EX-OLD expired)");
  });

  it("reports expiring, stale and no-longer-needed exceptions on stderr, in the table and in the JSON", async () => {
    const failure = critical.find((f) => f.status === "fail")!;
    const pass = plain.findings.find((f) => f.status === "pass")!;
    const sub = failure.resourceId.split("/")[2]!;
    const yaml = [
      "exceptions:\n",
      exceptionFor(failure, "EX-SOON", dateIn(3)),
      exceptionFor(pass, "EX-PASS"),
      // A resource group of an audited subscription that holds nothing this rule judges: it matched no result.
      exceptionFor(
        { ruleId: "mi.tls.minimum-version", resourceId: `/subscriptions/${sub}/resourceGroups/rg-nothing-here` },
        "EX-STALE",
      ),
    ].join("");
    const { report, stderr } = await scanJson("--exceptions", file(yaml));
    expect(stderr).toContain("mi-audit: exception EX-SOON expires on");
    expect(stderr).toMatch(/EX-SOON expires on \S+ \(3 day\(s\) left\); it excepts 1 result\(s\)/);
    expect(stderr).toMatch(/mi-audit: exception EX-STALE is stale: it matched no result of mi\.tls\.minimum-version/);
    expect(stderr).toMatch(/mi-audit: exception EX-PASS is no longer needed/);
    // Added to what the estate's own Policy exemptions (if any) already report.
    const base = plain.exceptions.counts;
    const counts = { expiring: base.expiring! + 1, stale: base.stale! + 1, notNeeded: base.notNeeded! + 1 };
    expect(report.exceptions.counts).toMatchObject({ ...counts, expired: base.expired });
    expect(report.exceptions.expiring).toContainEqual(expect.objectContaining({ id: "EX-SOON", daysLeft: 3 }));
    const same = report.findings.find((r) => r.ruleId === pass.ruleId && r.resourceId === pass.resourceId)!;
    expect(same).toMatchObject({ status: "pass", exception: { id: "EX-PASS", effect: "notNeeded" } });

    const table = (await runMain(["scan", "--snapshot", SAMPLE, "--exceptions", file(yaml)])).stdout;
    expect(table).toContain("Exceptions no longer needed (1)");
    expect(table).toContain(`${pass.resourceName}`);
    expect(table).toContain("pass (exception EX-PASS not needed)");
    expect(table).toMatch(/^Exceptions: \d+ \(file 3[,)]/m);
    expect(table).toContain(
      `), ${report.exceptions.applied} applied; expiring ${counts.expiring}, expired ${base.expired}, stale ${counts.stale}, no longer needed ${counts.notNeeded}`,
    );
  });
});

describe("Azure Policy exemptions", () => {
  it("an exemption of the estate excepts like a file's; one without expiry is named on stderr", async () => {
    // The sample is an `az graph query` export: its rows are under `data`.
    type Row = { type?: string; properties?: Record<string, unknown> };
    const sample = JSON.parse(readFileSync(SAMPLE, "utf8")) as Row[] | { data: Row[] };
    const rows = Array.isArray(sample) ? sample : sample.data;
    const exemptions = rows.filter((r) => r?.type === "microsoft.authorization/policyexemptions");
    expect(exemptions.length, "the sample estate has Policy exemptions").toBeGreaterThan(0);
    for (const row of exemptions) delete row.properties!["expiresOn"];
    const snapshot = file(JSON.stringify(sample), "json");
    const run = await runMain(["scan", "--snapshot", snapshot, "--format", "json"]);
    const report = JSON.parse(run.stdout) as Report;
    const excepted = report.findings.filter((f) => f.exception?.source === "policy" && applied(f));
    expect(excepted.length).toBeGreaterThan(0);
    for (const f of excepted) {
      expect(f.exception!.expiresOn).toBeUndefined();
      expect(run.stderr).toContain(
        `mi-audit: exception ${f.exception!.id} (Azure Policy exemption) has no expiry date`,
      );
    }
    const table = (await runMain(["scan", "--snapshot", snapshot])).stdout;
    expect(table).toContain(`${excepted[0]!.resourceName}  [`);
    expect(table).toContain(`(excepted ${excepted[0]!.exception!.id})`);
  });
});

describe("formats and --excepted", () => {
  let yaml: string;
  beforeAll(() => {
    yaml = file(`exceptions:\n${critical.map((f, i) => exceptionFor(f, `EX-${i + 1}`)).join("")}`);
  });

  it("CSV carries the exception columns on excepted rows and leaves them blank elsewhere", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--format", "csv", "--exceptions", yaml]);
    // parseCsv checks the whole text and returns the rows after the header.
    const header = run.stdout.split("\r\n")[0]!.split(",");
    const rows = parseCsv(run.stdout);
    const col = (name: string): number => header.indexOf(name);
    expect(header.slice(-8, -1)).toEqual([
      "exceptionId",
      "exceptionSource",
      "exceptionEffect",
      "exceptionExpiresOn",
      "exceptionApprovedBy",
      "exceptionJustification",
      "exceptionTicket",
    ]);
    const excepted = rows.filter((r) => r[col("exceptionEffect")] === "applied");
    expect(excepted.length).toBe(exceptedWithFile.all);
    for (const r of excepted.filter((row) => row[col("exceptionSource")] === "file")) {
      expect(r[col("exceptionId")]).toMatch(/^EX-\d+$/);
      expect(r[col("exceptionSource")]).toBe("file");
      expect(r[col("exceptionExpiresOn")]).toBe(dateIn(60));
      expect(r[col("exceptionApprovedBy")]).toBe("secops-lead@contoso.com");
      expect(r[col("exceptionJustification")]).toContain("Accepted for the test");
      expect(r[col("exceptionTicket")]).toBe(`CHG-${r[col("exceptionId")]}`);
    }
    for (const r of rows.filter((row) => row[col("exceptionEffect")] === ""))
      expect(r.slice(-8, -1)).toEqual(["", "", "", "", "", "", ""]);
  });

  it("--excepted only lists only excepted results and exclude leaves them out; counts and the exit code never change", async () => {
    const all = await scanJson("--fail-on", "critical", "--exceptions", yaml);
    const only = await scanJson("--fail-on", "critical", "--exceptions", yaml, "--excepted", "only");
    const exclude = await scanJson("--fail-on", "critical", "--exceptions", yaml, "--excepted", "exclude");
    expect(only.report.findings.length).toBe(exceptedWithFile.all);
    expect(only.report.findings.every((f) => f.exception?.effect === "applied")).toBe(true);
    expect(exclude.report.findings.length).toBe(plain.findings.length - exceptedWithFile.all);
    expect(exclude.report.findings.some((f) => f.exception?.effect === "applied")).toBe(false);
    for (const run of [only, exclude]) {
      expect(run.code).toBe(all.code);
      expect(run.report.summary).toEqual(all.report.summary);
      expect(run.report.exceptions).toEqual(all.report.exceptions);
    }

    const csv = await runMain([
      "scan",
      "--snapshot",
      SAMPLE,
      "--format",
      "csv",
      "--exceptions",
      yaml,
      "--excepted",
      "only",
    ]);
    const header = csv.stdout.split("\r\n")[0]!.split(",");
    const rows = parseCsv(csv.stdout);
    expect(rows.length).toBe(exceptedWithFile.all);
    expect(rows.every((r) => r[header.indexOf("exceptionEffect")] === "applied")).toBe(true);

    const table = await runMain(["scan", "--snapshot", SAMPLE, "--exceptions", yaml, "--excepted", "only"]);
    // Each listed result is a line of two spaces, its rule id and resource name; only the excepted ones are listed.
    const listed = table.stdout.split("\n").filter((line) => /^ {2}[a-z]+\.[\w.-]+ {2}/.test(line));
    expect(listed.length).toBe(exceptedWithFile.all);
    expect(listed.every((line) => / \(excepted \S+\)/.test(line))).toBe(true);
    // The summary still counts every failure.
    expect(table.stdout).toContain(`Status:   fail ${plain.summary.byStatus.fail}`);
  });
});

describe("samples/exceptions.yaml", () => {
  it("reads against the sample estate; each entry excepts a real failure, or is reported expired once its date passed", async () => {
    const { code, report, stderr } = await scanJson("--exceptions", join(REPO, "samples", "exceptions.yaml"));
    expect(code).not.toBe(2);
    const text = readFileSync(join(REPO, "samples", "exceptions.yaml"), "utf8");
    const ids = [...text.matchAll(/^ {2}- id: (\S+)$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) {
      const covered = report.findings.filter((f) => f.exception?.id === id);
      expect(covered.length, id).toBeGreaterThan(0);
      expect(covered.every((f) => f.status === "fail")).toBe(true);
      const effect = covered[0]!.exception!.effect;
      expect(["applied", "expired"]).toContain(effect);
      if (effect === "expired") expect(stderr).toContain(`exception ${id} expired on`);
    }
  });
});

describe("usage errors: exit 2, the file, entry and field named, nothing on stdout", () => {
  const good = (id = "EX-1"): Record<string, string> => ({
    id,
    rule: "mi.tls.minimum-version",
    scope: "/subscriptions/6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/resourceGroups/rg-data-prod",
    justification: "TLS 1.1 clients of the legacy ERP until its upgrade in March.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn: dateIn(30),
  });
  // [what, the files, the message, extra flags]
  const cases: [string, () => string[], RegExp, string[]?][] = [
    [
      "malformed YAML",
      () => [file("exceptions:\n  - id: EX-1\n    rule: [unclosed\n")],
      /is not valid YAML or JSON at line \d+/,
    ],
    [
      "an unknown rule",
      () => [file(`exceptions:\n${entry({ ...good(), rule: "mi.no-such-rule" })}`)],
      /entry 1 \(EX-1\): rule names no rule: "mi\.no-such-rule"/,
    ],
    [
      "a missing justification",
      () => {
        const { justification: _, ...rest } = good();
        return [file(`exceptions:\n${entry(rest)}`)];
      },
      /entry 1 \(EX-1\): justification is required/,
    ],
    [
      "a one-word justification",
      () => [file(`exceptions:\n${entry({ ...good(), justification: "because" })}`)],
      /entry 1 \(EX-1\): justification must say why/,
    ],
    [
      "a date beyond the default 180 days",
      () => [file(`exceptions:\n${entry({ ...good(), expiresOn: dateIn(200) })}`)],
      /entry 1 \(EX-1\): expiresOn/,
    ],
    [
      "a date beyond --exception-max-days",
      () => [file(`exceptions:\n${entry(good())}`)],
      /entry 1 \(EX-1\): expiresOn/,
      ["--exception-max-days", "20"],
    ],
    [
      "an unknown field",
      () => [file(`exceptions:\n${entry({ ...good(), owner: "me" })}`)],
      /entry 1 \(EX-1\): owner is not a field/,
    ],
    [
      "a field the system records",
      () => [file(`exceptions:\n${entry({ ...good(), createdBy: "me" })}`)],
      /entry 1 \(EX-1\): createdBy is recorded by the system/,
    ],
    ["a missing file", () => [join(dir, "missing.yaml")], /cannot read --exceptions .*missing\.yaml: ENOENT/],
  ];
  it.each(cases)("%s", async (_, files, message, extra = []) => {
    const paths = files();
    const args = ["scan", "--snapshot", SAMPLE, ...extra, ...paths.flatMap((p) => ["--exceptions", p])];
    const run = await runMain(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^mi-audit: error: /);
    expect(run.stderr).toContain(paths[0]!);
    expect(run.stderr).toMatch(message);
  });

  it("the same id in two files names both", async () => {
    const first = file(`exceptions:\n${entry(good("EX-7"))}`);
    const second = file(`exceptions:\n${entry({ ...good("ex-7"), rule: "mi.auth.entra-only" })}`);
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--exceptions", first, "--exceptions", second]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${second}: exception ex-7: id is already used in ${first}`);
  });

  it("two files with different ids are read as one set; JSON files are accepted", async () => {
    const first = file(`exceptions:\n${entry(good("EX-8"))}`);
    const second = file(JSON.stringify({ exceptions: [{ ...good("EX-9"), rule: "mi.auth.entra-only" }] }), "json");
    const { code, report } = await scanJson("--exceptions", first, "--exceptions", second);
    expect(code).toBe(1);
    expect(report.exceptions.considered.file).toBe(2);
  });

  it("--exception-max-days must be a whole number of days", async () => {
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--exception-max-days", "soon"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/--exception-max-days/);
  });
});
