// findingExceptionSchema (report/finding-schema.ts) is the JSON shape of `Finding.exception` for the formats that carry
// it. It must describe what the CLI really writes: every exception of a real run, with each of the three effects,
// parses strictly (no field more, none missing), and a shape the engine never writes is refused.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findingExceptionSchema } from "../../src/report/finding-schema";
import { SAMPLE } from "../support/run-cli";
import { runMain } from "../cli/in-process-cli";

interface Finding {
  ruleId: string;
  resourceId: string;
  status: string;
  exception?: unknown;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

function entry(f: Finding, id: string, expiresOn: string, ticket?: string): Record<string, string> {
  return {
    id,
    rule: f.ruleId,
    scope: f.resourceId,
    justification: "Accepted while the network team replaces this configuration.",
    approvedBy: "secops-lead@contoso.com",
    expiresOn,
    ...(ticket === undefined ? {} : { ticket }),
  };
}

describe("findingExceptionSchema", () => {
  it("parses every exception a real run writes, with each effect, strictly", async () => {
    const plain = JSON.parse((await runMain(["scan", "--snapshot", SAMPLE, "--format", "json"])).stdout) as {
      findings: Finding[];
    };
    const fails = plain.findings.filter((f) => f.status === "fail");
    const pass = plain.findings.find((f) => f.status === "pass")!;
    const file = join(mkdtempSync(join(tmpdir(), "finding-schema-")), "exceptions.json");
    writeFileSync(
      file,
      JSON.stringify({
        exceptions: [
          entry(fails[0]!, "EX-APPLIED", day(30), "CHG-1"),
          entry(fails[1]!, "EX-EXPIRED", day(-1)),
          entry(pass, "EX-UNNEEDED", day(30)),
        ],
      }),
    );
    const run = await runMain(["scan", "--snapshot", SAMPLE, "--format", "json", "--exceptions", file]);
    const report = JSON.parse(run.stdout) as { findings: Finding[] };
    const carried = report.findings.filter((f) => f.exception !== undefined).map((f) => f.exception);
    const effects = new Set<string>();
    for (const exception of carried) {
      const parsed = findingExceptionSchema.safeParse(exception);
      expect(parsed.error).toBeUndefined();
      effects.add(parsed.data!.effect);
    }
    expect([...effects].sort()).toEqual(["applied", "expired", "notNeeded"]);
    expect(carried).toContainEqual({
      id: "EX-APPLIED",
      source: "file",
      justification: "Accepted while the network team replaces this configuration.",
      approvedBy: "secops-lead@contoso.com",
      expiresOn: day(30),
      ticket: "CHG-1",
      effect: "applied",
    });
  });

  it("refuses an unknown effect or source, a missing approver and a field the engine does not write", () => {
    const good = { id: "EX-1", source: "file", justification: "j", approvedBy: "a", effect: "applied" };
    expect(findingExceptionSchema.safeParse(good).success).toBe(true);
    for (const bad of [
      { ...good, effect: "muted" },
      { ...good, source: "mutelist" },
      { ...good, approvedBy: undefined },
      { ...good, hidden: true },
    ])
      expect(findingExceptionSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
