// The report API's and the exceptions API's function registrations (both doors of each route, health's one), as the Functions host indexes
// them: the tests that mount the report functions on the local host or hold the OpenAPI document to them share it.
import type { FunctionRegistration } from "../../src/app/function-registration";
import { listRunsFunctions } from "../../src/functions/list-runs";
import { getRunFunctions } from "../../src/functions/get-run";
import { listFindingsFunctions } from "../../src/functions/list-findings";
import { resourceHistoryFunctions } from "../../src/functions/resource-history";
import { listRulesFunctions } from "../../src/functions/list-rules";
import { healthFunctions } from "../../src/functions/health";
import { openApiFunctions } from "../../src/functions/openapi";
import { dashboardFunctions } from "../../src/functions/dashboard";
import { dashboardComplianceFunctions } from "../../src/functions/dashboard-compliance";
import { dashboardExceptionsFunctions } from "../../src/functions/dashboard-exceptions";
import { complianceFunctions } from "../../src/functions/compliance";
import { listExceptionsFunctions } from "../../src/functions/exceptions-list";
import { getExceptionFunctions } from "../../src/functions/exceptions-get";
import { createExceptionFunctions } from "../../src/functions/exceptions-create";
import { changeExceptionFunctions } from "../../src/functions/exceptions-change";
import { revokeExceptionFunctions } from "../../src/functions/exceptions-revoke";
import { importExceptionsFunctions } from "../../src/functions/exceptions-import";

export const REPORT_REGISTRATIONS: FunctionRegistration[] = [
  listRunsFunctions,
  getRunFunctions,
  listFindingsFunctions,
  resourceHistoryFunctions,
  listRulesFunctions,
  healthFunctions,
  openApiFunctions,
  dashboardFunctions,
  dashboardComplianceFunctions,
  dashboardExceptionsFunctions,
  complianceFunctions,
].flat();

/** The exceptions API's registrations (reads and writes, both doors each). */
export const EXCEPTION_REGISTRATIONS: FunctionRegistration[] = [
  listExceptionsFunctions,
  getExceptionFunctions,
  createExceptionFunctions,
  changeExceptionFunctions,
  revokeExceptionFunctions,
  importExceptionsFunctions,
].flat();
