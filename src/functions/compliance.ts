// compliance: GET /api/compliance (function key): a run's results grouped by the controls of a framework (MCSB, CIS,
// NIST through MCSB), as JSON, or as CSV with format=csv or `Accept: text/csv`.
import { getServices } from "../app/services";
import { errorResponse, jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { complianceCsv } from "../report/compliance-text";
import { runCompliance } from "../report-api/compliance-query";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";

const route = REPORT_ROUTES.compliance;

const doors = reportEndpoint(route, async ({ query, request }) => {
  const found = await runCompliance(getServices().store, query.runId ?? "latest", query.framework);
  if (found.kind === "purged")
    return errorResponse(
      410,
      "Gone",
      `The findings of run ${found.runId} were deleted by retention on ${found.findingsDeletedAt}; its summary remains at /api/runs/${found.runId}.`,
    );
  // An explicit format wins; without one, a client that asks for CSV in Accept gets it.
  const csv = query.format === "csv" || (query.format === undefined && wantsCsv(request.headers.get("accept")));
  if (!csv) return jsonResponse(found.view);
  return {
    status: 200,
    body: complianceCsv(found.view),
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="compliance-${found.view.framework}-${found.view.runId}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  };
});

/** Accept names text/csv with a non-zero quality (`text/csv;q=0` refuses it). */
function wantsCsv(accept: string | null): boolean {
  return (accept ?? "")
    .split(",")
    .map((part) => part.trim().toLowerCase().split(";"))
    .some(([type, ...params]) => type?.trim() === "text/csv" && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p)));
}

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const compliance = doors.key;
export const complianceFunctions = registerRoute(route, doors);
