// listRules: GET /api/rules (function key): the rule catalog with rationale, source passage, remediation, references.
import { jsonResponse } from "../http/http-results";
import { registerRoute } from "../app/function-registration";
import { reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { rulesCatalog } from "../report-api/report-queries";

const route = REPORT_ROUTES.listRules;

const doors = reportEndpoint(route, async ({ query }) => jsonResponse(rulesCatalog(query.baseline)));

/** The key door's handler: what the Functions host runs for /api/{route} (tests call it directly). */
export const listRules = doors.key;
export const listRulesFunctions = registerRoute(route, doors);
