// The exceptions in the report API's run and finding responses: the exception a result carries and what a run's
// exceptions did (engine/exceptions.ts), as zod schemas registered as OpenAPI components. The exception store's own
// routes have theirs in exception-schemas.ts.
import { z } from "zod";
import { EXCEPTION_SOURCES } from "../engine/exceptions";
import { findingExceptionSchema } from "../report/finding-schema";
import { named } from "./schema-registry";

const count = z.int().min(0);

export const FindingExceptionSchema = named(
  "FindingException",
  findingExceptionSchema,
  "The exception that covers a result. Its status is never changed: an excepted fail is still a fail.",
);

const ExceptionReportEntrySchema = named(
  "ExceptionReportEntry",
  z.object({
    id: z.string(),
    source: z.enum(EXCEPTION_SOURCES),
    ruleIds: z.array(z.string()),
    scope: z.string(),
    approvedBy: z.string(),
    justification: z.string(),
    expiresOn: z.string().optional(),
    ticket: z.string().optional(),
    standing: z.enum(["active", "expiring", "expired"]),
    daysLeft: z
      .int()
      .optional()
      .meta({ description: "Whole days left (0 on its last day); negative once expired; absent: no expiry." }),
    applied: count.meta({ description: "Fail and unknown results it excepted." }),
    notNeeded: count.meta({ description: "Pass and not-applicable results it covered while in force." }),
    expired: count.meta({ description: "Fail and unknown results it covered after it expired." }),
  }),
  "One exception in a run's outcome.",
);

const exceptionList = (what: string) =>
  z.array(ExceptionReportEntrySchema).meta({ description: `${what} Up to 100, by expiry then id; see counts.` });

export const ExceptionsOutcomeSchema = named(
  "ExceptionsOutcome",
  z.object({
    considered: z.object({ file: count, store: count, policy: count }),
    applied: count.meta({ description: "Exceptions that excepted at least one result." }),
    exceptedResults: z.object({ fail: count, unknown: count }),
    counts: z.object({ expiring: count, expired: count, stale: count, notNeeded: count, noExpiry: count }),
    expiring: exceptionList("In force, ending within EXCEPTION_WARN_DAYS."),
    expired: exceptionList("Past their expiry: what they covered counts again."),
    stale: exceptionList("In force, inside the audited scope, and matched no result."),
    notNeeded: exceptionList("In force, and every result they matched passes or does not apply."),
    noExpiry: exceptionList("Azure Policy exemptions without an expiry date."),
    exceptionsUnavailable: z.string().optional().meta({
      description:
        "Why the run went without the exception store's exceptions (it could not be read): every failure they would have excepted counts.",
    }),
  }),
  "What the run's exceptions did.",
);
