// The audit request: the queue message between startAudit/nightlyAudit and runAudit, and the optional body of
// POST /api/runs. Both are validated with zod; scope ids are checked like the CLI's.
import { z } from "zod";
import { validateScope, type CollectionScope } from "./collection-scope";
import { AuditorError, describeZodError, errorMessage } from "../errors";
import type { AuditSettings } from "../config/audit-settings";
import { BASELINE_IDS } from "../rules/baselines";

export const scopeOverrideSchema = z
  .object({
    subscriptions: z.array(z.string().min(1)).max(10_000).optional(),
    managementGroups: z.array(z.string().min(1)).max(1_000).optional(),
  })
  .strict();

export type ScopeOverride = z.infer<typeof scopeOverrideSchema>;

export const auditRequestMessageSchema = z
  .object({
    runId: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-z]+$/, "runId must look like 20261122T020000Z-a1b2c3"),
    scope: scopeOverrideSchema.optional(),
    trigger: z.enum(["timer", "http"]),
    // `http:` and a caller's name, which the HTTP edge bounds at 256 characters (x-ms-client-principal-name).
    requestedBy: z.string().max(300).optional(),
    requestedAt: z.string().datetime(),
    /** The baseline the run evaluates, fixed when it is requested (a setting changed later does not affect it). */
    baseline: z.enum(BASELINE_IDS).optional(),
  })
  .strict();

export type AuditRequestMessage = z.infer<typeof auditRequestMessageSchema>;

/**
 * The settings a requested run evaluates with: the app's, and the baseline the request carries. A message queued
 * before requests carried one takes the app's AUDIT_BASELINE.
 */
export function settingsOfRequest(message: AuditRequestMessage, settings: AuditSettings): AuditSettings {
  return { ...settings, baseline: message.baseline ?? settings.baseline };
}

/** Reads a scope override from a request body, checking ids as the CLI does; `undefined` body means "the configured scope". */
export function parseScopeOverride(body: unknown, where = "body"): CollectionScope | undefined {
  if (body === undefined || body === null || (typeof body === "object" && Object.keys(body).length === 0))
    return undefined;
  const parsed = scopeOverrideSchema.safeParse(body);
  if (!parsed.success) throw new AuditorError("INPUT_INVALID_REQUEST", `${where}: ${describeZodError(parsed.error)}`);
  try {
    const scope = validateScope(parsed.data);
    return scope.subscriptions === undefined && scope.managementGroups === undefined ? undefined : scope;
  } catch (error) {
    throw new AuditorError("INPUT_INVALID_REQUEST", `${where}.${errorMessage(error)}`, { cause: error });
  }
}

export function parseAuditRequestMessage(value: unknown): AuditRequestMessage {
  const parsed = auditRequestMessageSchema.safeParse(typeof value === "string" ? safeJson(value) : value);
  if (!parsed.success)
    throw new AuditorError("INPUT_INVALID_REQUEST", `audit request message: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** The run id of a message that failed validation, when one can still be read (so the run can be marked failed). */
export function recoverRunId(value: unknown): string | undefined {
  const candidate = typeof value === "string" ? safeJson(value) : value;
  if (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof (candidate as { runId?: unknown }).runId === "string"
  ) {
    const runId = (candidate as { runId: string }).runId;
    return /^\d{8}T\d{6}Z-[0-9a-z]+$/.test(runId) ? runId : undefined;
  }
  return undefined;
}

/** The lock key of a scope: the same audit target always gives the same key. */
export function scopeKey(
  scope: CollectionScope | undefined,
  source: { kind: "snapshot"; files: string[] } | { kind: "resourceGraph" },
): string {
  if (source.kind === "snapshot") return `snapshot:${[...source.files].sort().join(",")}`;
  if (scope?.subscriptions?.length)
    return `subscriptions:${[...scope.subscriptions]
      .map((s) => s.toLowerCase())
      .sort()
      .join(",")}`;
  if (scope?.managementGroups?.length)
    return `managementGroups:${[...scope.managementGroups]
      .map((s) => s.toLowerCase())
      .sort()
      .join(",")}`;
  return "tenant";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return { unparseable: errorMessage(error) };
  }
}
