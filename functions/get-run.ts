// getRun: GET /api/runs/{runId} (function key) returns a run's precomputed summary; `latest` is the newest completed
// or partial run.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { getServices } from "../shared/app/services";
import { errorResponse, handled, jsonResponse } from "../shared/app/http-results";
import { registerHttp } from "../shared/app/function-registration";

const RUN_ID = /^(latest|\d{8}T\d{6}Z-[0-9a-z]+)$/;

export async function getRun(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return handled(context, async () => {
    const runId = request.params["runId"] ?? "";
    if (!RUN_ID.test(runId)) return errorResponse(400, "BadRequest", `runId: expected "latest" or a run id such as 20261122T020000Z-a1b2c3, found ${JSON.stringify(runId)}`);
    const run = await getServices().store.getRun(runId);
    if (run === undefined) return errorResponse(404, "NotFound", runId === "latest" ? "No completed or partial run yet." : `Run ${runId} not found.`);
    return jsonResponse(run);
  });
}

export const getRunFunction = registerHttp("getRun", { methods: ["GET"], route: "runs/{runId}", authLevel: "function", handler: getRun });
