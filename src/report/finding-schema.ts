// The finding's identity as zod fields, for the JSON formats that carry it: the report API's response schemas and the
// JSON alert document. The fields come from engine/finding.ts; each format picks the ones it has (pickIdentity), in
// the order its wire shape has them.
import { z } from "zod";
import { FINDING_IDENTITY_FIELDS, type FindingIdentity } from "../engine/finding";
import { SEVERITIES, STATUSES, type Severity, type Status } from "../rules/rule";

export const severitySchema = z.enum(SEVERITIES as [Severity, ...Severity[]]);
export const statusSchema = z.enum(STATUSES as [Status, ...Status[]]);

type IdentityShape = { [K in keyof FindingIdentity]: K extends "severity" ? typeof severitySchema : z.ZodString };

/** One zod field per identity field: text, and the severity enum. */
export const findingIdentityShape = Object.fromEntries(
  FINDING_IDENTITY_FIELDS.map((field) => [field, field === "severity" ? severitySchema : z.string()]),
) as IdentityShape;
