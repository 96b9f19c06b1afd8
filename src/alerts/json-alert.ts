// ALERT_FORMAT=json: the same announcement as a plain JSON document for a generic webhook (Slack relays, SOAR tools).
// The schema below is the contract, documented in docs/alerts.md; `schema` names its version.
import { z } from "zod";
import { FINDING_RESOURCE_FIELDS, pickIdentity } from "../engine/finding";
import {
  findingIdentityShape as identity,
  severitySchema as severity,
  statusSchema as status,
  findingExceptionSchema,
} from "../report/finding-schema";
import { fitToBudget, SECTIONS, type AlertItem, type AlertLinks, type AlertMessage, type Shown } from "./alert-message";
import { BASELINE_IDS } from "../rules/baselines";
import { EXCEPTION_SOURCES } from "../engine/exceptions";
import { findingFingerprint } from "../report/fingerprint";

export const ALERT_DOCUMENT_SCHEMA = "mi-exposure-auditor/alert@1";
/** Generic receivers vary; keep a document well under the common 256 KiB-1 MiB request limits. */
export const JSON_MAX_BYTES = 256 * 1024;

export const alertItemSchema = z
  .object({
    ...pickIdentity(identity, ["ruleId", "title", "severity"]),
    status,
    ...pickIdentity(identity, FINDING_RESOURCE_FIELDS),
    location: z.string(),
    message: z.string(),
    evidence: z.string(),
    failingSince: z.string().optional(),
    reason: z.enum(["reminder", "firstNotice", "digest", "exceptionExpired"]).optional(),
    exception: findingExceptionSchema.optional(),
    historyUrl: z.string().url(),
    /** The finding's stable fingerprint, as every report format writes it (report/fingerprint.ts). */
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/),
  })
  .strict();

export const expiringExceptionSchema = z
  .object({
    id: z.string(),
    source: z.enum(EXCEPTION_SOURCES),
    ruleIds: z.array(z.string()),
    scope: z.string(),
    scopeName: z.string(),
    expiresOn: z.string(),
    daysLeft: z.number().int(),
    approvedBy: z.string(),
    ticket: z.string().optional(),
  })
  .strict();

const sectionCounts = z
  .object({
    new: z.number().int(),
    regressed: z.number().int(),
    exceptionExpired: z.number().int(),
    resolved: z.number().int(),
    stillFailing: z.number().int(),
    exceptionsExpiring: z.number().int(),
  })
  .strict();

export const alertDocumentSchema = z
  .object({
    schema: z.literal(ALERT_DOCUMENT_SCHEMA),
    kind: z.enum(["alert", "digest", "test"]),
    channel: z.string(),
    minSeverity: severity,
    run: z
      .object({
        runId: z.string(),
        status: z.enum(["completed", "partial"]),
        scope: z.string(),
        startedAt: z.string(),
        finishedAt: z.string(),
        estateScore: z.number().nullable(),
        estateScoreAllFailures: z.number().nullable().optional(),
        previousEstateScore: z.number().nullable(),
        previousRunId: z.string().optional(),
        baseline: z.enum(BASELINE_IDS).optional(),
        previousBaseline: z.enum(BASELINE_IDS).optional(),
        notFullyRead: z.number().int(),
        coverageGaps: z.number().int().optional(),
        unverified: z
          .object({
            critical: z.number().int(),
            high: z.number().int(),
            medium: z.number().int(),
            low: z.number().int(),
          })
          .strict()
          .optional(),
        exceptionsUnavailable: z.string().optional(),
      })
      .strict()
      .optional(),
    counts: z
      .object({
        new: z.number().int(),
        regressed: z.number().int(),
        resolved: z.number().int(),
        stillFailing: z.number().int(),
        reminders: z.number().int(),
        exceptionExpired: z.number().int().optional(),
        exceptionsExpiring: z.number().int().optional(),
      })
      .strict(),
    findings: z
      .object({
        new: z.array(alertItemSchema),
        regressed: z.array(alertItemSchema),
        /** Failures whose exception expired, that the channel had not been told of. */
        exceptionExpired: z.array(alertItemSchema),
        resolved: z.array(alertItemSchema),
        stillFailing: z.array(alertItemSchema),
      })
      .strict(),
    /** Exceptions ending soon that the channel has not been warned of for this expiry date; soonest first. */
    exceptionsExpiring: z.array(expiringExceptionSchema),
    /** Items left out of `findings` and `exceptionsExpiring` to stay under the size limit (the most severe are kept). */
    omitted: sectionCounts,
    links: z.object({ dashboard: z.string().url(), run: z.string().url().optional() }).strict(),
    test: z.object({ requestedBy: z.string(), at: z.string() }).strict().optional(),
  })
  .strict();

export type AlertDocument = z.infer<typeof alertDocumentSchema>;

export function jsonPayload(
  message: AlertMessage,
  links: AlertLinks,
  maxBytes = JSON_MAX_BYTES,
): { body: string; bytes: number; shown: Shown } {
  return fitToBudget(message, maxBytes, (shown) => JSON.stringify(alertDocument(message, links, shown)));
}

export function alertDocument(message: AlertMessage, links: AlertLinks, shown: Shown): AlertDocument {
  const findings = {
    new: [],
    regressed: [],
    exceptionExpired: [],
    resolved: [],
    stillFailing: [],
  } as AlertDocument["findings"];
  const expiring = message.exceptionsExpiring ?? [];
  const omitted = {
    new: 0,
    regressed: 0,
    exceptionExpired: 0,
    resolved: 0,
    stillFailing: 0,
    exceptionsExpiring: expiring.length - shown.exceptionsExpiring,
  };
  for (const section of SECTIONS) {
    const items = message.sections[section];
    findings[section] = items
      .slice(0, shown[section])
      .map((item) => ({ ...item, historyUrl: links.history(item.resourceId), fingerprint: alertFingerprint(item) }));
    omitted[section] = items.length - shown[section];
  }
  return {
    schema: ALERT_DOCUMENT_SCHEMA,
    kind: message.kind,
    channel: message.channel,
    minSeverity: message.minSeverity,
    ...(message.run !== undefined ? { run: message.run } : {}),
    counts: message.counts,
    findings,
    exceptionsExpiring: expiring.slice(0, shown.exceptionsExpiring),
    omitted,
    links: { dashboard: links.dashboard, ...(links.run !== undefined ? { run: links.run } : {}) },
    ...(message.test !== undefined ? { test: message.test } : {}),
  };
}

/**
 * An alert item's fingerprint: the one the report formats and the API give the finding. An item stands for a
 * rule × resource pair (the store's state is kept per pair, and a run's alerts come from its changes), so it is the
 * pair's first result: occurrence 0, whatever the pair's later results would be numbered.
 */
export function alertFingerprint(item: Pick<AlertItem, "ruleId" | "resourceId">): string {
  return findingFingerprint(item, 0);
}
