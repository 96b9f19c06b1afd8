// One result, one fingerprint, in every format: the sample estate (with its exceptions in force) is written as JSON,
// CSV, SARIF, OCSF, JUnit, HTML and Markdown by the CLI, and each format's fingerprints are read back with the format's
// own structure and compared with the JSON report's (which test/report/fingerprint.test.ts pins to its definition).
import { beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../cli/in-process-cli";
import { parseCsv } from "../support/csv-parse";
import { SAMPLE } from "../support/run-cli";
import { SAMPLE_EXCEPTIONS_IN_FORCE } from "../support/sample-exceptions";
import { SARIF_FINGERPRINT_KEY } from "../../src/report/fingerprint";
import { isExcepted } from "../../src/engine/exceptions";
import type { Finding } from "../../src/engine/finding";

type Reported = Finding & { fingerprint: string };

async function scan(format: string): Promise<string> {
  const run = await runMain([
    "scan",
    "--snapshot",
    SAMPLE,
    "--exceptions",
    SAMPLE_EXCEPTIONS_IN_FORCE,
    "--format",
    format,
  ]);
  // 1: the sample fails the gate; every format is written either way.
  expect(run.code, run.stderr).toBe(1);
  return run.stdout;
}

/** `ruleId|folded resource id|status` → fingerprint, as a sorted list of entries (duplicates kept). */
function keyed(rows: Array<{ ruleId: string; resourceId: string; status: string; fingerprint: string }>): string[] {
  return rows.map((r) => `${r.ruleId}|${r.resourceId.toLowerCase()}|${r.status}|${r.fingerprint}`).sort();
}

let findings: Reported[];

beforeAll(async () => {
  findings = (JSON.parse(await scan("json")) as { findings: Reported[] }).findings;
  expect(findings.length).toBeGreaterThan(100);
  expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
}, 60_000);

describe("every format carries the JSON report's fingerprint for each result", () => {
  it("csv: every row", async () => {
    const csv = await scan("csv");
    // parseCsv checks the whole text and returns the rows after the header.
    const header = csv.slice(0, csv.indexOf("\r\n")).split(",");
    const rows = parseCsv(csv);
    const at = (name: string): number => header.indexOf(name);
    expect(
      keyed(
        rows.map((r) => ({
          ruleId: r[at("ruleId")]!,
          resourceId: r[at("resourceId")]!,
          status: r[at("status")]!,
          fingerprint: r[at("fingerprint")]!,
        })),
      ),
    ).toEqual(keyed(findings));
  });

  it("sarif: every result it lists (fail, unknown, error), under partialFingerprints", async () => {
    const log = JSON.parse(await scan("sarif")) as {
      runs: Array<{
        results: Array<{
          ruleId: string;
          partialFingerprints: Record<string, string>;
          properties: { resourceId: string; status: string };
        }>;
      }>;
    };
    const listed = log.runs[0]!.results.map((r) => ({
      ruleId: r.ruleId,
      resourceId: r.properties.resourceId,
      status: r.properties.status,
      fingerprint: r.partialFingerprints[SARIF_FINGERPRINT_KEY]!,
    }));
    const expected = findings.filter((f) => f.status === "fail" || f.status === "unknown" || f.status === "error");
    expect(keyed(listed)).toEqual(keyed(expected));
  });

  it("ocsf: every event, as finding_info.uid", async () => {
    const events = (await scan("ocsf"))
      .split("\n")
      .filter((line) => line !== "")
      .map(
        (line) =>
          JSON.parse(line) as {
            status_code: string;
            finding_info: { uid: string; analytic: { uid: string } };
            resources: Array<{ uid: string }>;
          },
      );
    expect(
      keyed(
        events.map((e) => ({
          ruleId: e.finding_info.analytic.uid,
          resourceId: e.resources[0]!.uid,
          status: e.status_code,
          fingerprint: e.finding_info.uid,
        })),
      ),
    ).toEqual(keyed(findings));
  });

  it("junit: every test case, in its system-out", async () => {
    const xml = await scan("junit");
    const cases = [...xml.matchAll(/<testcase classname="([^"]+)"[\s\S]*?<system-out>([\s\S]*?)<\/system-out>/g)].map(
      ([, ruleId, out]) => {
        const field = (name: string): string => new RegExp(`^${name}: (.*)$`, "m").exec(out!)![1]!;
        return {
          ruleId: ruleId!,
          resourceId: field("resourceId"),
          status: field("status"),
          fingerprint: field("fingerprint"),
        };
      },
    );
    expect(keyed(cases)).toEqual(keyed(findings));
  });

  it("html: every row of the results table, in report order", async () => {
    const rows = [
      ...(await scan("html")).matchAll(/<tr class="result"[^>]*>[\s\S]*?<td><code>([0-9a-f]{32})<\/code><\/td><\/tr>/g),
    ];
    expect(rows.map((m) => m[1])).toEqual(findings.map((f) => f.fingerprint));
  });

  it("markdown: each top failure it lists", async () => {
    const listed = [...(await scan("markdown")).matchAll(/^\|[^\n]*`([\w.-]+)`[^\n]*`([0-9a-f]{32})` \|$/gm)];
    const failures = new Map(
      findings.filter((f) => f.status === "fail" && !isExcepted(f)).map((f) => [f.fingerprint, f.ruleId]),
    );
    expect(listed.length).toBe(Math.min(20, failures.size));
    for (const [, ruleId, fingerprint] of listed) expect(failures.get(fingerprint!)).toBe(ruleId);
  });
});
