// The report API's route table: one entry per HTTP function, with the schemas its handler validates with and the
// responses it gives. The functions register from these entries and the OpenAPI document is generated from them.
import type { z } from "zod";
import type { Access } from "./request-authorization";
import {
  complianceQuery,
  dashboardComplianceQuery,
  dashboardExceptionsQuery,
  dashboardQuery,
  getRunPath,
  listFindingsQuery,
  listRulesQuery,
  listRunsQuery,
  noQuery,
  resourceHistoryPath,
  resourceHistoryQuery,
} from "./request-schemas";
import {
  ComplianceSchema,
  FindingPageSchema,
  HealthSchema,
  ResourceHistorySchema,
  RuleListSchema,
  RunDetailSchema,
  RunPageSchema,
} from "./response-schemas";

export interface RouteResponse {
  description: string;
  /** application/json body. */
  json?: z.ZodType;
  /** Other media types this status can answer with (the schema is a plain string). */
  text?: Array<"text/csv" | "text/html" | "application/json">;
  /** No body at all (304 Not Modified). */
  empty?: true;
  /** Response headers the handler sets (besides Content-Type), by name, with what they hold. */
  headers?: Partial<Record<ResponseHeader, string>>;
}

/** The response headers the API declares: what a client reads (generic ones such as X-Content-Type-Options aside). */
export type ResponseHeader = "ETag" | "Cache-Control" | "Content-Disposition" | "Location" | "X-Findings-Complete";

const PAGE_VALIDATORS = {
  ETag: "The page's entity tag, for If-None-Match; only on pages of completed and partial runs.",
  "Cache-Control":
    "`private, no-cache` for pages of completed and partial runs (keep, but ask again: 304 while unchanged); `no-store` otherwise.",
} as const;
const CSV_ATTACHMENT = "format=csv: `attachment` with a file name naming the run.";

export interface ReportRoute {
  functionName: string;
  /** Functions route template, under /api. */
  route: string;
  /** Who may call it: see request-authorization.ts. */
  access: Access;
  summary: string;
  description?: string;
  path?: z.ZodObject;
  query: z.ZodObject;
  /** HTML forms send unset fields as `name=`: such a route reads them as absent (the JSON API refuses them). */
  emptyMeansAbsent?: boolean;
  /** 2xx and route-specific statuses; 302, 400, 401, 403, 500 and 503 are added for every route where they apply. */
  responses: Record<string, RouteResponse>;
}

export const REPORT_ROUTES = {
  listRuns: {
    functionName: "listRuns",
    route: "runs",
    access: "reader",
    summary: "Runs, newest first",
    query: listRunsQuery,
    responses: { "200": { description: "A page of runs.", json: RunPageSchema } },
  },
  getRun: {
    functionName: "getRun",
    route: "runs/{runId}",
    access: "reader",
    summary: "A run's precomputed summary",
    description:
      "Status, scope, timings, coverage gaps, scores for the estate and per subscription, counts by status, severity and rule, and the delta against the previous completed or partial run. One or two entity reads, whatever the estate's size. `verification` says what the run could not verify (a partial run's coverage gaps, unknown and error results per severity), so a partial run is never read as clean.",
    path: getRunPath,
    query: noQuery,
    responses: {
      "200": { description: "The run.", json: RunDetailSchema },
      "404": { description: "No such run (or no finished run yet for `latest`)." },
    },
  },
  listFindings: {
    functionName: "listFindings",
    route: "findings",
    access: "reader",
    summary: "Findings of a run, filtered and paged; or all of them as CSV",
    description:
      "Every result of a run, pass and notApplicable included, for any run whose findings retention kept. A night stores its fail, unknown and error results and the results of each rule × resource that changed; its unchanged pairs are listed from the earlier run that stored the identical results, through the run's posture record. The run's own rows come first, then the unchanged ones; filters, `q`, paging and CSV apply to both. A run stored before posture records lists only the rows it stored: its pages say `complete: false` (and its CSV `X-Findings-Complete: false`).",
    path: undefined,
    query: listFindingsQuery,
    responses: {
      "200": {
        description:
          "format=json: a page of findings. format=csv: every matching finding, streamed (RFC 4180, formula cells neutralised).",
        json: FindingPageSchema,
        text: ["text/csv"],
        headers: {
          ...PAGE_VALIDATORS,
          "Content-Disposition": CSV_ATTACHMENT,
          "X-Findings-Complete":
            "format=csv: `true` when the file holds every result of the run, `false` for a run stored before posture records, which lists only the results it stored (JSON pages say the same in `complete`).",
        },
      },
      "304": {
        description:
          "format=json with `If-None-Match` holding the page's current ETag (pages of completed and partial runs carry one): not modified, no body.",
        empty: true,
        headers: PAGE_VALIDATORS,
      },
      "404": { description: "No such run." },
      "410": { description: "The run's findings were deleted by retention (its summary stays)." },
    },
  },
  resourceHistory: {
    functionName: "resourceHistory",
    route: "resources/{id}/history",
    access: "reader",
    summary: "One resource's results across runs",
    description:
      "The current state of each rule on the resource (findingstate), and what each recent run stored about it: failures, unknowns, errors and changes. A rule that kept passing appears in `rules`, not in every run.",
    path: resourceHistoryPath,
    query: resourceHistoryQuery,
    responses: {
      "200": { description: "The resource's history.", json: ResourceHistorySchema },
      "404": { description: "The resource was never audited." },
    },
  },
  compliance: {
    functionName: "compliance",
    route: "compliance",
    access: "reader",
    summary: "A run's results grouped by framework control (MCSB, CIS, NIST); JSON or CSV",
    description:
      "Per control of the framework: its title, the rules behind it with their relation, passed / failed / unverified / not-applicable / excepted counts, a status, and the failing resources (each with the exception that covers it, when one does; excepted results count as `excepted`, not failed or unverified, as in the gate); the run's rules with no control in the framework are listed under `unmapped`. NIST SP 800-53 ids come through the MCSB controls. CSV with format=csv or `Accept: text/csv`.",
    query: complianceQuery,
    responses: {
      "200": {
        description:
          "format=json: the view. format=csv: one row per control × failing resource, or one per control when none fails (RFC 4180, formula cells neutralised); the control's excepted count and the failure's exception in the last columns.",
        json: ComplianceSchema,
        text: ["text/csv"],
        headers: {
          "Content-Disposition": "format=csv: `attachment` with a file name naming the framework and the run.",
        },
      },
      "404": { description: "No such run, or the run has no results (not finished)." },
      "410": { description: "The run's findings were deleted by retention (its summary stays)." },
    },
  },
  listRules: {
    functionName: "listRules",
    route: "rules",
    access: "reader",
    summary: "The rule catalog",
    query: listRulesQuery,
    responses: {
      "200": {
        description:
          "Every rule (or, with `baseline`, that baseline's rules) with its rationale, sources, remediation, references and the baselines that have it.",
        json: RuleListSchema,
      },
    },
  },
  health: {
    functionName: "health",
    route: "health",
    access: "public",
    summary: "Liveness, and whether storage is reachable",
    query: noQuery,
    responses: {
      "200": {
        description: "The app runs; `storage.reachable` tells whether Table Storage answered.",
        json: HealthSchema,
      },
    },
  },
  openApi: {
    functionName: "openApi",
    route: "openapi.json",
    access: "reader",
    summary: "This document",
    query: noQuery,
    responses: { "200": { description: "OpenAPI 3.1 description of the report API.", text: ["application/json"] } },
  },
  dashboard: {
    functionName: "dashboard",
    route: "dashboard",
    access: "reader",
    summary: "The dashboard (HTML)",
    description: "Server-rendered, no external requests, strict CSP. The filters are query parameters.",
    query: dashboardQuery,
    emptyMeansAbsent: true,
    responses: { "200": { description: "The page.", text: ["text/html"] } },
  },
  dashboardCompliance: {
    functionName: "dashboardCompliance",
    route: "dashboard/compliance",
    access: "reader",
    summary: "The dashboard's framework view (HTML)",
    description:
      "A run's controls with status, counts and failing resources; same CSP and conventions as the dashboard.",
    query: dashboardComplianceQuery,
    emptyMeansAbsent: true,
    responses: {
      "200": { description: "The page.", text: ["text/html"] },
      "404": { description: "No such run, or the run has no results (not finished)." },
      "410": { description: "The run's findings were deleted by retention (its summary stays)." },
    },
  },
  dashboardExceptions: {
    functionName: "dashboardExceptions",
    route: "dashboard/exceptions",
    access: "reader",
    summary: "The dashboard's Exceptions page (HTML)",
    description:
      "Every stored exception with its standing, days left, rules, scope, approver, ticket and justification, and what the latest run's exceptions did; with `id`, one exception and its history. Same CSP and conventions as the dashboard.",
    query: dashboardExceptionsQuery,
    emptyMeansAbsent: true,
    responses: {
      "200": { description: "The page.", text: ["text/html"] },
      "404": { description: "No exception has this id." },
    },
  },
} as const satisfies Record<string, ReportRoute>;

export type ReportRouteName = keyof typeof REPORT_ROUTES;
