// health: GET /api/health (anonymous): liveness, whether Table Storage answers, and which settings are invalid. Always
// 200 while the app runs.
import { getServices } from "../app/services";
import { jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { checkHealth } from "../report-api/report-queries";
import { problemOf, settingProblems } from "../config/setting-problems";

const route = REPORT_ROUTES.health;

// getServices() inside the probe: a configuration error is reported as storage not reachable, not as a crash, and as
// the setting it names. Health is anonymous: problems name settings and what is wrong, never a secret's value.
const doors = reportEndpoint(route, async () => {
  const problems = settingProblems(process.env);
  const probe = async () => {
    let services: ReturnType<typeof getServices>;
    try {
      services = getServices();
    } catch (error) {
      const problem = problemOf(() => {
        throw error;
      });
      if (problem !== undefined && !problems.some((p) => p.setting === problem.setting)) problems.push(problem);
      throw error;
    }
    return services.store.listRuns({ top: 1 });
  };
  return jsonResponse(await checkHealth(probe, { problems }));
});

/** Health is public: one door, anonymous. */
export const health = doors.key;
export const healthFunctions = registerRoute(route, doors);
