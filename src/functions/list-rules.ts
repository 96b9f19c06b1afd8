// listRules: GET /api/rules (function key): the rule catalog with rationale, source passage, remediation, references.
import { jsonResponse } from "../http/http-results";
import { registerHttp } from "../app/function-registration";
import { httpOptions, reportEndpoint } from "../report-api/report-endpoint";
import { REPORT_ROUTES } from "../report-api/report-routes";
import { rulesCatalog } from "../report-api/report-queries";

const route = REPORT_ROUTES.listRules;

export const listRules = reportEndpoint(route, async ({ query }) => jsonResponse(rulesCatalog(query.baseline)));

export const listRulesFunction = registerHttp(route.functionName, httpOptions(route, listRules));
