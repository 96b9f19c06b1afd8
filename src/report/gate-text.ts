// The gate's outcome in words, for the end of the table report and for stderr; and its JSON form under
// `summary.gate`, so a pipeline reads the same decision the exit code carries.
import type { GateVerdict } from "../engine/gate";

/** Lines for the table report: the outcome, then what was not verified. */
export function formatGate(gate: GateVerdict, exitCode: number): string {
  const head = `Gate (--fail-on ${gate.threshold}${gate.allowUnverified ? ", --allow-unverified" : ""}): `;
  const outcome =
    gate.outcome === "fail"
      ? `FAIL, ${gate.failures} failure(s) at or above ${gate.threshold}`
      : gate.outcome === "unverified"
        ? "COULD NOT VERIFY"
        : gate.lines.length > 0
          ? "pass, with results not verified (let through by --allow-unverified)"
          : `pass: complete collection, every result at or above ${gate.threshold} decided, no failure`;
  const lines = [...exceptedLines(gate), ...gate.lines];
  return `\n${head}${outcome} (exit ${exitCode})\n${lines.map((line) => `  ${line}\n`).join("")}`;
}

/** Excepted results at or above the threshold: let through by people's decision, so the gate says how many. */
function exceptedLines(gate: GateVerdict): string[] {
  const { failures, unknown } = gate.excepted;
  if (failures + unknown === 0) return [];
  const parts = [failures > 0 ? `${failures} failure(s)` : "", unknown > 0 ? `${unknown} unknown result(s)` : ""];
  return [
    `${parts.filter(Boolean).join(" and ")} at or above ${gate.threshold} excepted (accepted risks with an approver and an expiry; not counted here)`,
  ];
}

/** The stderr summary: one line per thing not verified, prefixed so it stands out among the warnings. */
export function gateStderrLines(gate: GateVerdict): string[] {
  if (gate.lines.length === 0 || gate.outcome === "fail") return [];
  const prefix = gate.outcome === "unverified" ? "could not verify" : "not verified (allowed by --allow-unverified)";
  return gate.lines.map((line) => `mi-audit: ${prefix}: ${line}\n`);
}

/** `summary.gate` of the JSON report. Coverage gaps are counted here and listed once, under `run.coverageGaps`. */
export function gateJson(gate: GateVerdict, exitCode: number): Record<string, unknown> {
  return {
    outcome: gate.outcome,
    exitCode,
    threshold: gate.threshold,
    allowUnverified: gate.allowUnverified,
    failures: gate.failures,
    excepted: gate.excepted,
    unverified: gate.unverified,
    coverageGaps: gate.coverageGaps.length,
    nothingAudited: gate.nothingAudited,
    lines: gate.lines,
  };
}
