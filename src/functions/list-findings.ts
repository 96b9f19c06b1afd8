// listFindings: GET /api/findings (function key): a run's findings, filtered; one page as JSON, or every matching
// finding as CSV, streamed page by page.
import { app } from "@azure/functions";
import { getServices } from "../app/services";
import { errorResponse, streamResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { findingCsvHeader, findingCsvRow } from "../report/csv";
import { findingsPageCache, findingsPageResponse } from "../report-api/findings-page-response";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { findingSelection, findingsCsv, findingsRun } from "../report-api/report-queries";

// Without it the Functions worker buffers every response body in memory; with it the CSV goes out as it is read.
// It applies app-wide and is harmless for the other functions (request bodies are read the same way).
app.setup({ enableHttpStream: true });

const route = REPORT_ROUTES.listFindings;

const doors = reportEndpoint(route, async ({ query, request }) => {
  const selection = findingSelection(query);
  const format = query.format ?? "json";
  if (format === "csv" && (query.top !== undefined || query.continuationToken !== undefined)) {
    return errorResponse(
      400,
      "BadRequest",
      `${query.top !== undefined ? "top" : "continuationToken"}: not used with format=csv, which exports every matching finding`,
    );
  }
  const store = getServices().store;
  const found = await findingsRun(store, query.runId ?? "latest");
  if (found.kind === "purged") {
    findingsPageCache(store).forgetRun(found.run.runId);
    return errorResponse(
      410,
      "Gone",
      `The findings of run ${found.run.runId} were deleted by retention on ${found.run.findingsDeletedAt}; its summary remains at /api/runs/${found.run.runId}.`,
    );
  }
  const runId = found.run.runId;
  if (format === "json")
    return findingsPageResponse(store, found.run, selection, query, request.headers.get("if-none-match"));
  const { body, complete } = await findingsCsv(
    store,
    runId,
    selection,
    { header: findingCsvHeader, row: findingCsvRow },
    found.run.baseline,
  );
  return streamResponse(body, "text/csv; charset=utf-8; header=present", {
    "content-disposition": `attachment; filename="findings-${runId}.csv"`,
    "x-findings-complete": String(complete),
  });
});

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const listFindings = doors.key;
export const listFindingsFunctions = registerRoute(route, doors);
