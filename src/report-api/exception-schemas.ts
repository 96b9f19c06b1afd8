// The exceptions API's shapes as zod schemas: its parameters (the handlers validate with these), its request bodies
// (documented here, checked by readExceptionInput, the one check the CLI's files and the API share) and its responses.
// Every named schema is a component of the OpenAPI document, beside the report API's.
import { z } from "zod";
import { EXCEPTION_ID_PATTERN, EXCEPTION_INPUT_FIELDS } from "../engine/exception-input";
import { MAX_REVOKE_REASON } from "../store/table-exception-store";
import { named } from "./schema-registry";

/** What GET /api/exceptions can list: one standing, `revoked`, or `all` (revoked ones included). */
export const EXCEPTION_STANDINGS = ["active", "expiring", "expired", "revoked"] as const;
export type ExceptionViewStanding = (typeof EXCEPTION_STANDINGS)[number];

const exceptionId = z
  .string()
  .regex(EXCEPTION_ID_PATTERN, "expected an exception id: 1-64 letters, digits, '.', '_' or '-' (e.g. EX-0042)")
  .meta({ description: "The exception's id (case-insensitive)." });

export const exceptionPath = z.strictObject({ id: exceptionId });

export const listExceptionsQuery = z.strictObject({
  standing: z
    .enum([...EXCEPTION_STANDINGS, "all"], { error: `expected one of ${[...EXCEPTION_STANDINGS, "all"].join(", ")}` })
    .optional()
    .meta({
      description:
        "Only exceptions in this standing: active, expiring (within EXCEPTION_WARN_DAYS of expiry), expired, revoked, or all. Default: every exception not revoked.",
    }),
});

/** Why an exception is revoked, as `?reason=` or the DELETE body's `reason`: text, bounded as the store keeps it. */
const revokeReason = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(MAX_REVOKE_REASON, `must be at most ${MAX_REVOKE_REASON} characters`)
  .regex(/^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/, "must not contain control characters");

export const revokeQuery = z.strictObject({
  reason: revokeReason.optional().meta({ description: "Why it is revoked (or `reason` in a JSON body)." }),
});
export const revokeBody = named(
  "ExceptionRevocation",
  z.strictObject({ reason: revokeReason.optional().meta({ description: "Why it is revoked." }) }),
  "The optional body of DELETE /api/exceptions/{id}.",
);

export const noExceptionQuery = z.strictObject({});

const text = z.string();
const dateOrInstant = z.string().meta({ description: "YYYY-MM-DD: applies through the end of that day, UTC." });

// The request body of POST and PUT: the file form's entry. Its properties are EXCEPTION_INPUT_FIELDS (the compiler
// holds them equal); the values' rules (rule ids, scope forms, the justification's length, the expiry limit) are
// readExceptionInput's, and a 400 names each field it refuses.
export const ExceptionInputSchema = named(
  "ExceptionInput",
  z.strictObject({
    id: exceptionId.optional().meta({ description: "Required by POST; on PUT absent or equal to the path's id." }),
    rule: z
      .union([text, z.array(text).min(1)])
      .meta({ description: "A rule id of GET /api/rules, or a list of them." }),
    scope: text.meta({
      description:
        "An ARM id: a resource (it and its child resources), a resource group or a subscription (every resource in it).",
    }),
    tags: z
      .record(text, text)
      .optional()
      .meta({ description: "Tags the resource must carry, every one (names case-insensitive, values exact)." }),
    justification: text.meta({
      description: "Why the risk is accepted: at least a sentence (4 words, 20 characters).",
    }),
    approvedBy: text.meta({ description: "Who approved it." }),
    expiresOn: text.meta({
      description:
        "YYYY-MM-DD, today or later and at most EXCEPTION_MAX_DAYS (default 180) ahead; the exception applies through the end of that day, UTC.",
    }),
    ticket: text.optional().meta({ description: "A change or ticket reference, or a link." }),
  } satisfies Record<(typeof EXCEPTION_INPUT_FIELDS)[number], z.ZodType>),
  "One exception as people write it (the file form's entry). createdBy, createdAt and source are recorded by the system and refused here.",
);

export const ExceptionsDocumentSchema = named(
  "ExceptionsDocument",
  z.union([z.strictObject({ exceptions: z.array(ExceptionInputSchema) }), z.array(ExceptionInputSchema)]),
  "The document teams keep in git: `exceptions:` with a list of exceptions (each with its id), or a bare list. As JSON, or as YAML with a YAML media type.",
);

const exceptionFields = {
  id: text,
  source: z.literal("store"),
  ruleIds: z.array(text),
  scope: text,
  tags: z.record(text, text).optional(),
  justification: text,
  approvedBy: text,
  expiresOn: dateOrInstant.optional(),
  ticket: text.optional(),
  createdBy: text.meta({ description: "The caller who created it: its signed-in principal name, or `admin key`." }),
  createdAt: text,
  updatedBy: text.optional(),
  updatedAt: text.optional(),
  version: z.int().min(1).meta({ description: "The number of its latest history entry." }),
  revokedBy: text.optional(),
  revokedAt: text.optional(),
  revokeReason: text.optional(),
};

export const ExceptionStateSchema = named(
  "ExceptionState",
  z.object(exceptionFields),
  "An exception as stored: its declared fields and what the system recorded.",
);

export const ExceptionViewSchema = named(
  "ExceptionView",
  z.object({
    ...exceptionFields,
    standing: z.enum(EXCEPTION_STANDINGS).meta({
      description:
        "revoked; else expired (its date has passed: it no longer applies), expiring (within EXCEPTION_WARN_DAYS) or active.",
    }),
    daysLeft: z.int().nullable().meta({
      description: "Whole days until it ends (0 on its last day), negative once expired; null when it never expires.",
    }),
  }),
  "An exception with its standing now. The ETag response header of GET /api/exceptions/{id} is the If-Match of a PUT.",
);

export const ExceptionHistoryEntrySchema = named(
  "ExceptionHistoryEntry",
  z.object({
    version: z.int().min(1),
    action: z.enum(["created", "changed", "revoked"]),
    by: text,
    at: text,
    via: z.enum(["api", "import"]),
    reason: text.optional(),
    exception: ExceptionStateSchema.meta({ description: "The full state after the action." }),
  }),
  "One entry of an exception's append-only history: never changed once written.",
);

export const ExceptionDetailSchema = named(
  "ExceptionDetail",
  ExceptionViewSchema.extend({
    history: z.array(ExceptionHistoryEntrySchema).meta({ description: "Oldest first." }),
  }),
  "An exception with its standing and its whole history.",
);

export const ExceptionListSchema = named(
  "ExceptionList",
  z.object({ items: z.array(ExceptionViewSchema) }),
  "Exceptions, sorted by id.",
);

export const ExceptionImportResultSchema = named(
  "ExceptionImportResult",
  z.object({ created: z.array(text), changed: z.array(text), unchanged: z.array(text) }),
  "What the import did, by exception id: created, changed (declared fields differed), left unchanged.",
);

export const ExceptionProblemsErrorSchema = named(
  "ExceptionProblemsError",
  z.object({
    error: z.object({
      code: text,
      message: text.meta({ description: "Names the field, the parameter, or the document's entry and field." }),
      problems: z
        .array(z.object({ field: text, message: text }))
        .optional()
        .meta({ description: "For a one-exception body: each field at fault (`rule[1]`, `tags.env`, `expiresOn`)." }),
    }),
  }),
  "A refused request: nothing was stored or changed.",
);
