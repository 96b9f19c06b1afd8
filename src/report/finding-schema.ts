// The finding's identity as zod fields, for the JSON formats that carry it: the report API's response schemas and the
// JSON alert document. The fields come from engine/finding.ts; each format picks the ones it has (pickIdentity), in
// the order its wire shape has them. Also the exception a finding carries (Finding.exception), for the same formats.
import { z } from "zod";
import { FINDING_IDENTITY_FIELDS, type FindingIdentity } from "../engine/finding";
import { EXCEPTION_SOURCES, type ExceptionEffect, type FindingException } from "../engine/exceptions";
import { SEVERITIES, STATUSES, type Severity, type Status } from "../rules/rule";

export const severitySchema = z.enum(SEVERITIES as [Severity, ...Severity[]]);
export const statusSchema = z.enum(STATUSES as [Status, ...Status[]]);

type IdentityShape = { [K in keyof FindingIdentity]: K extends "severity" ? typeof severitySchema : z.ZodString };

/** One zod field per identity field: text, and the severity enum. */
export const findingIdentityShape = Object.fromEntries(
  FINDING_IDENTITY_FIELDS.map((field) => [field, field === "severity" ? severitySchema : z.string()]),
) as IdentityShape;

// Every effect, checked complete against the engine's type: a new effect fails to compile here until it is listed.
const EFFECTS = { applied: true, expired: true, notNeeded: true } satisfies Record<ExceptionEffect, true>;

/** `Finding.exception`: the exception that covers a result, as the JSON report, the API and the alerts carry it. */
export const findingExceptionSchema = z.strictObject({
  id: z.string(),
  source: z.enum(EXCEPTION_SOURCES),
  justification: z.string(),
  approvedBy: z.string(),
  expiresOn: z.string().optional(),
  ticket: z.string().optional(),
  effect: z.enum(Object.keys(EFFECTS) as [ExceptionEffect, ...ExceptionEffect[]]).meta({
    description:
      "applied: a fail or unknown the exception excepts (it does not gate, alert as new or, by default, lower the score); expired: the exception lapsed and the result counts again; notNeeded: the result passes or does not apply, the exception is no longer needed",
  }),
}) satisfies z.ZodType<FindingException>;
