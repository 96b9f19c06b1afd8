// The Log Analytics custom table the results go to, declared once: its columns, their Log Analytics types and what
// they hold. The rows (finding-rows.ts), the test receiver's stream check and docs/log-analytics.md (whose JSON table
// definition and DCR stream declaration a test holds to this list) all read it from here.

/** The column types the Logs Ingestion API's stream declarations take (DCR `streamDeclarations`). */
export type ColumnType = "string" | "datetime" | "boolean" | "int" | "long" | "real" | "dynamic";

export interface TableColumn {
  name: string;
  type: ColumnType;
  description: string;
}

/** The default table; the stream name is `Custom-` + this. */
export const DEFAULT_TABLE = "MIExposureFindings_CL";

// `Title`, `Type`, `id`, `TenantId`, `UniqueId`, `_ResourceId` and `_SubscriptionId` are reserved column names in
// Log Analytics, so the rule's title is `RuleTitle`.
export const FINDINGS_TABLE_COLUMNS = [
  { name: "TimeGenerated", type: "datetime", description: "When the run started (every row of a run has the same)." },
  { name: "RunId", type: "string", description: "The run (`GET /api/runs/{runId}`)." },
  {
    name: "Fingerprint",
    type: "string",
    description: "The result's stable fingerprint: the same value as in every other format (SARIF, OCSF, CSV, API).",
  },
  { name: "RuleId", type: "string", description: "The rule's stable id (docs/rules.md)." },
  { name: "RuleTitle", type: "string", description: "The rule's title." },
  { name: "Severity", type: "string", description: "critical, high, medium or low." },
  { name: "Status", type: "string", description: "pass, fail, notApplicable, unknown or error." },
  { name: "ResourceId", type: "string", description: "The ARM id of the resource judged." },
  { name: "ResourceName", type: "string", description: "Its name." },
  { name: "ResourceType", type: "string", description: "Its ARM type." },
  { name: "SubscriptionId", type: "string", description: "Its subscription." },
  { name: "ResourceGroup", type: "string", description: "Its resource group." },
  { name: "Location", type: "string", description: "Its region." },
  { name: "Message", type: "string", description: "What the rule found, for a security engineer to act on." },
  {
    name: "Evidence",
    type: "dynamic",
    description:
      "What decided the result (NSG rule, priority, source...). Over 32 KB of JSON: `{evidenceTruncated, note, originalBytes, partialJson}`.",
  },
  { name: "EvidenceTruncated", type: "boolean", description: "Whether Evidence holds only the start of the evidence." },
  { name: "Baseline", type: "string", description: "The baseline the run evaluated (`current`, `seed-2019`)." },
  { name: "Excepted", type: "boolean", description: "An exception in force covers this fail or unknown result." },
  { name: "ExceptionId", type: "string", description: "The exception that covers the result, if any." },
  {
    name: "ExceptionEffect",
    type: "string",
    description: "applied, expired (it lapsed: the result counts) or notNeeded (the result passes); empty without one.",
  },
  { name: "ExceptionExpiresOn", type: "datetime", description: "When that exception expires; empty when it does not." },
  {
    name: "Transition",
    type: "string",
    description:
      "What the rule × resource did this run: new, regressed, resolved, stillFailing, or unchanged (also a pair the run could not reassess).",
  },
  { name: "Tags", type: "dynamic", description: "The resource's ARM tags." },
] as const satisfies readonly TableColumn[];

export type ColumnName = (typeof FINDINGS_TABLE_COLUMNS)[number]["name"];

/** One row of the table, as sent: every column present (`null` where a result has no value). */
export type FindingRow = Record<ColumnName, unknown>;
