// GET /api/compliance and the dashboard's framework page: a stored run's compliance view. The counts come from the
// run's summary (per-rule status counts), which covers every result, including the passes the findings table does not
// store again; the failing resources come from the stored findings, which hold every failure.
import type { RunDetail, RunQueries, StoredFinding } from "../audit/audit-store";
import { AuditorError } from "../errors";
import { complianceView, evaluatedRuleIds, type ComplianceFramework, type ComplianceView } from "../report/compliance";
import { rulesOfBaseline } from "../rules/baselines";
import { CSV_PAGE_SIZE } from "./report-queries";

export interface RunCompliance extends ComplianceView {
  runId: string;
  runStatus: RunDetail["status"];
  baseline: RunDetail["baseline"];
}

export type RunComplianceResult =
  { kind: "found"; view: RunCompliance } | { kind: "purged"; runId: string; findingsDeletedAt: string };

/** `runId` or "latest" (the newest completed or partial run); NOT_FOUND for no such run, or one without results yet. */
export async function runCompliance(
  store: RunQueries,
  runId: string,
  framework: ComplianceFramework,
): Promise<RunComplianceResult> {
  const run = await store.getRun(runId);
  if (run === undefined)
    throw new AuditorError(
      "NOT_FOUND",
      runId === "latest" ? "No completed or partial run yet." : `Run ${runId} not found.`,
    );
  if (run.findingsDeletedAt !== undefined)
    return { kind: "purged", runId: run.runId, findingsDeletedAt: run.findingsDeletedAt };
  const summary = run.summary;
  if (summary === undefined)
    throw new AuditorError("NOT_FOUND", `Run ${run.runId} has no results (status ${run.status}).`);
  const byRule = summary.scores.byRule;
  const view = complianceView(framework, {
    // A baseline rule with nothing to judge still ran: its controls are listed, not applicable.
    ruleIds: evaluatedRuleIds(
      byRule,
      rulesOfBaseline(run.baseline).map((rule) => rule.id),
    ),
    byRule,
    failures: await failingFindings(store, run.runId),
  });
  return { kind: "found", view: { runId: run.runId, runStatus: run.status, baseline: run.baseline, ...view } };
}

/** Every failure the run stored, page by page (a run stores all of its failures). */
async function failingFindings(store: RunQueries, runId: string): Promise<StoredFinding[]> {
  const failures: StoredFinding[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await store.listFindings(runId, {
      filter: { status: ["fail"] },
      top: CSV_PAGE_SIZE,
      ...(continuationToken !== undefined ? { continuationToken } : {}),
    });
    failures.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  return failures;
}
