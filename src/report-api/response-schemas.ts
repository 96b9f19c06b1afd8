// The shapes the report API answers with, as zod schemas. They are the single source of the OpenAPI document's
// components (openapi-document.ts) and the tests validate real responses against the document generated from them.
import { z } from "zod";
import { DELTA_SAMPLE_FIELDS } from "../audit/audit-store";
import { channelDeliverySchema } from "../alerts/run-delivery";
import { FINDING_RESOURCE_FIELDS, pickIdentity } from "../engine/finding";
import { findingIdentityShape as identity, severitySchema, statusSchema } from "../report/finding-schema";
import { COMPLIANCE_FRAMEWORKS } from "../report/compliance";
import { BASELINE_IDS } from "../rules/baselines";
import { ExceptionsOutcomeSchema, FindingExceptionSchema } from "./run-exception-schemas";
import { named, reportSchemas } from "./schema-registry";

export { reportSchemas };

const RUN_STATUSES = ["queued", "running", "completed", "partial", "failed", "skipped"] as const;

// The identity's severity is this very schema, so every use of it refers to the component.
export const SeveritySchema = named("Severity", severitySchema);
export const StatusSchema = named(
  "Status",
  statusSchema,
  "pass | fail | notApplicable | unknown (data missing or malformed) | error (the rule threw)",
);
export const RunStatusSchema = named("RunStatus", z.enum(RUN_STATUSES));

const count = z.int().min(0);
export const StatusCountsSchema = named(
  "StatusCounts",
  z.object({ fail: count, unknown: count, error: count, pass: count, notApplicable: count }),
);
export const SeverityCountsSchema = named(
  "SeverityCounts",
  z.object({ critical: count, high: count, medium: count, low: count }),
);

export const ErrorBodySchema = named(
  "Error",
  z.object({
    error: z.object({
      code: z.string(),
      message: z.string().meta({ description: "Names the offending parameter when a parameter is the problem." }),
    }),
  }),
);

export const DeltaCountsSchema = named(
  "DeltaCounts",
  z.object({ newFailures: count, regressed: count, resolved: count, stillFailing: count, notReassessed: count }),
);

const BaselineSchema = named(
  "Baseline",
  z.enum(BASELINE_IDS),
  "The set of rules a run evaluates: `current` (today's guidance, the default) or `seed-2019` (the 2018-2019 seed articles' rules). Runs stored before baselines existed read as `seed-2019`.",
);

export const RunRecordSchema = named(
  "RunRecord",
  z.object({
    runId: z.string(),
    status: RunStatusSchema,
    baseline: BaselineSchema,
    scope: z.string().optional(),
    requestedBy: z.string().optional(),
    requestedAt: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    durationMs: z.number().optional(),
    error: z.string().optional(),
    findings: count
      .optional()
      .meta({ description: "Every result of the run: what byStatus, the scores and the summary count." }),
    findingsStored: count.optional().meta({
      description:
        "Results the run stored, i.e. what its findings list holds: every fail, unknown and error, and every result of a rule × resource whose state the run wrote (new or changed). A pass the state already held is counted in `findings` and byStatus but not stored again (FINDINGS_ARCHIVE=all stores every result). Absent on runs stored before it was recorded, which stored every result.",
    }),
    estateScore: z.number().nullable().optional(),
    resourcesAssessed: count.optional(),
    coverageGaps: count.optional(),
    byStatus: StatusCountsSchema.optional(),
    failuresBySeverity: SeverityCountsSchema.optional(),
    delta: DeltaCountsSchema.optional(),
    excepted: z.object({ fail: count, unknown: count }).optional().meta({
      description:
        "Results an exception in force covers, by status; they are counted in byStatus too (failing = byStatus.fail − excepted.fail). Absent on runs stored before exceptions existed.",
    }),
    findingsDeletedAt: z.string().optional(),
  }),
  "A run as lists show it. `findings` results, `findingsStored` of them stored in its findings list.",
);

export const RunPageSchema = named(
  "RunPage",
  z.object({ items: z.array(RunRecordSchema), continuationToken: z.string().nullable() }),
);

const CoverageGapSchema = named(
  "CoverageGap",
  z.object({
    types: z.array(z.string()),
    subscriptionIds: z.array(z.string()).optional().meta({ description: "Absent: every subscription in scope." }),
    resourceIds: z.array(z.string()).optional().meta({
      description:
        "Present when only verdicts on these resources are affected (a failed child read, such as an MI's Entra-only setting).",
    }),
    reason: z.string(),
  }),
  "A read that failed after its retries. Types include pseudo-types for ARM child reads (e.g. microsoft.sql/managedinstances/azureadonlyauthentications).",
);

const RunInfoSchema = named(
  "RunInfo",
  z.object({
    runId: z.string(),
    status: RunStatusSchema,
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number(),
    source: z.looseObject({ kind: z.enum(["snapshot", "resourceGraph"]) }),
    trustedPrefixes: z.array(z.string()),
    trustOwnedPublicIps: z.boolean(),
    baseline: BaselineSchema,
    rulesEvaluated: count.meta({ description: "How many rules the run's baseline has." }),
    resourcesInEstate: count,
    collection: z.record(z.string(), z.unknown()),
    coverageGaps: z.array(CoverageGapSchema),
    dataQuality: z.object({ warnings: count, sample: z.array(z.string()) }),
  }),
);

const SubscriptionScoreSchema = named(
  "SubscriptionScore",
  z.object({
    subscriptionId: z.string(),
    score: z.number().nullable(),
    resourcesAssessed: count,
    failuresBySeverity: SeverityCountsSchema,
    unassessed: count,
  }),
);

const ExceptedCountsSchema = named(
  "ExceptedCounts",
  z.object({ byStatus: StatusCountsSchema, failuresBySeverity: SeverityCountsSchema }),
  "The results an exception in force covers (fail and unknown only), counted inside the totals beside them too.",
);

const ScoresSchema = named(
  "Scores",
  z.object({
    estateScore: z.number().nullable().meta({
      description:
        "The headline score: estateScoreExceptedNotCounted, or estateScoreAllFailures when exceptionsAffectScore.",
    }),
    exceptionsAffectScore: z
      .boolean()
      .meta({ description: "EXCEPTIONS_AFFECT_SCORE: whether excepted failures lower the headline score." }),
    estateScoreAllFailures: z.number().nullable().meta({ description: "Every failure counted, excepted or not." }),
    estateScoreExceptedNotCounted: z.number().nullable().meta({ description: "Excepted failures left out." }),
    resourcesAssessed: count,
    bySubscription: z.array(SubscriptionScoreSchema),
    byStatus: StatusCountsSchema.meta({ description: "Every result, by status: an excepted failure is a fail here." }),
    failuresBySeverity: SeverityCountsSchema,
    byRule: z.array(
      z.object({
        ruleId: z.string(),
        severity: SeveritySchema,
        counts: StatusCountsSchema,
        excepted: StatusCountsSchema.optional().meta({
          description: "The results of `counts` an exception covers. Absent in summaries stored before exceptions.",
        }),
      }),
    ),
    unassessed: count,
    excepted: ExceptedCountsSchema,
  }),
  "Summaries stored before exceptions existed read with both scores equal to the one they stored and nothing excepted.",
);

const DeltaSampleSchema = named("DeltaSample", z.object(pickIdentity(identity, DELTA_SAMPLE_FIELDS)));

const RunDeltaSchema = named(
  "RunDelta",
  z.object({
    previousRunId: z.string().optional(),
    stateUpdated: z.boolean(),
    newFailures: count,
    regressed: count,
    resolved: count,
    stillFailing: count,
    notReassessed: count,
    samples: z.object({
      newFailures: z.array(DeltaSampleSchema),
      regressed: z.array(DeltaSampleSchema),
      resolved: z.array(DeltaSampleSchema),
      stillFailing: z.array(DeltaSampleSchema),
    }),
  }),
  "Against the previous completed or partial run; samples hold up to 10 of each.",
);

const RunSummarySchema = named(
  "RunSummary",
  z.object({
    version: z.literal(1),
    run: RunInfoSchema,
    scores: ScoresSchema,
    bySeverity: z.object({
      critical: StatusCountsSchema,
      high: StatusCountsSchema,
      medium: StatusCountsSchema,
      low: StatusCountsSchema,
    }),
    delta: RunDeltaSchema,
    exceptions: ExceptionsOutcomeSchema.optional().meta({
      description: "Absent on runs stored before exceptions existed.",
    }),
  }),
);

const AlertDeliverySchema = named("AlertDelivery", channelDeliverySchema);

const RunVerificationSchema = named(
  "RunVerification",
  z.object({
    complete: z.boolean().meta({
      description: "False when the run was partial: a read failed after its retries (see summary.run.coverageGaps).",
    }),
    coverageGaps: count,
    unverifiedBySeverity: SeverityCountsSchema.meta({
      description: "unknown + error results per severity: verdicts the run could not decide.",
    }),
    nothingAudited: z
      .boolean()
      .meta({ description: "True when no rule produced a result (nothing auditable was read)." }),
    note: z
      .string()
      .nullable()
      .meta({ description: "One line for people; null when the run was complete and every result was decided." }),
  }),
  "What the run could not verify. Derived from the summary; a partial run or unverified results are never a clean run.",
);

export const RunDetailSchema = named(
  "RunDetail",
  RunRecordSchema.extend({
    summary: RunSummarySchema.optional(),
    verification: RunVerificationSchema.optional().meta({ description: "Present with the summary." }),
    alerts: z.array(AlertDeliverySchema).meta({
      description: "The run's alert delivery per channel; empty when alerting is off or nothing was planned.",
    }),
  }),
  "The run with its precomputed summary (absent until it finished) and its alert delivery.",
);

export const FindingSchema = named(
  "Finding",
  z.object({
    ...pickIdentity(identity, ["ruleId", ...FINDING_RESOURCE_FIELDS]),
    location: z.string(),
    status: StatusSchema,
    ...pickIdentity(identity, ["severity", "title"]),
    message: z.string(),
    evidence: z.record(z.string(), z.unknown()),
    exception: FindingExceptionSchema.optional(),
    fingerprint: z.string().optional().meta({
      description:
        "The result's stable fingerprint (32 hex digits): the same in every format (CSV, SARIF, OCSF, ...) and in every run that finds it. Present on stored results.",
    }),
  }),
  "One rule's verdict on one resource, in the CLI's JSON shape.",
);

export const FindingPageSchema = named(
  "FindingPage",
  z.object({
    runId: z.string(),
    items: z.array(FindingSchema),
    continuationToken: z.string().nullable(),
    complete: z.boolean().meta({
      description:
        "true: the listing holds every result of the run, passes and not-applicable included. false: the run was stored before this API listed unchanged passes, so only its stored results (failures, unknowns, errors and changes) are listed; its counts are whole.",
    }),
  }),
  "Every result of the run: the rows it stored (failures, unknowns, errors and changes), then the unchanged passes it found, whose identical results an earlier run stored (listed with this run's `runId`). A page may be shorter than `top` (even empty) and still carry a token: follow tokens until it is null.",
);

const FindingStateSchema = named(
  "FindingState",
  z.object({
    ...pickIdentity(identity, ["ruleId", "title", "severity"]),
    status: StatusSchema,
    previousStatus: StatusSchema.optional(),
    lastResultStatus: StatusSchema,
    lastMessage: z.string(),
    statusChangedAt: z.string(),
    statusChangedByRunId: z.string(),
    firstSeenAt: z.string(),
    firstSeenRunId: z.string(),
    lastSeenAt: z.string().meta({
      description:
        "When the last run that wrote this state started. Runs rewrite failing, unknown and error states and every change, but not a pass or not-applicable verdict they find unchanged: for those it is when the verdict was last recorded, not when it was last checked.",
    }),
    lastSeenRunId: z.string().meta({ description: "The last run that wrote this state (see lastSeenAt)." }),
    everFailed: z.boolean(),
    firstFailedAt: z.string().optional(),
  }),
  "One rule on the resource across runs (the findingstate table).",
);

export const ResourceHistorySchema = named(
  "ResourceHistory",
  z.object({
    ...pickIdentity(identity, FINDING_RESOURCE_FIELDS),
    firstSeenAt: z.string(),
    lastSeenAt: z.string().meta({
      description:
        "The latest lastSeenAt of the resource's rules: when a run last wrote its state (a failure, a change).",
    }),
    rules: z.array(FindingStateSchema),
    changes: z.array(
      z
        .object({
          ruleId: z.string(),
          runId: z.string(),
          at: z.string().optional(),
          from: StatusSchema.nullable(),
          to: StatusSchema,
        })
        .meta({ description: "A status change seen between consecutive retained runs." }),
    ),
    runs: z.array(
      z.object({
        runId: z.string(),
        status: RunStatusSchema,
        startedAt: z.string().optional(),
        results: z
          .array(
            z.object({
              ruleId: identity.ruleId,
              status: StatusSchema,
              ...pickIdentity(identity, ["severity", "title"]),
              message: z.string(),
              evidence: z.record(z.string(), z.unknown()),
              exception: FindingExceptionSchema.optional(),
            }),
          )
          .meta({
            description:
              "The results the run stored for the resource: failures, unknowns, errors and changes; a rule that passed unchanged is absent (its verdict is in `rules`).",
          }),
      }),
    ),
  }),
  "first/last seen and the current status per rule come from findingstate; `runs` (newest first) from the retained findings, which hold each run's failures, unknowns, errors and changes.",
);

export const RuleSchema = named(
  "Rule",
  z.object({
    id: z.string(),
    title: z.string(),
    severity: SeveritySchema,
    appliesTo: z.string(),
    synopsis: z.string(),
    rationale: z.string(),
    source: z.object({ seed: z.string(), article: z.string(), quote: z.string() }).optional().meta({
      description: "The seed passage the rule enforces, quoted; absent on rules that enforce no seed passage.",
    }),
    guidance: z
      .array(
        z.object({
          page: z.object({ title: z.string(), url: z.url() }),
          summary: z.string(),
          checked: z.iso.date(),
        }),
      )
      .meta({
        description:
          "Today's Microsoft pages behind the rule: title and URL, our paraphrase of what the page says (never a quote), and the date (YYYY-MM-DD) it was checked.",
      }),
    remediation: z.string(),
    references: z.array(z.string()),
    baselines: z.array(BaselineSchema).meta({ description: "The baselines that have the rule." }),
  }),
);

export const RuleListSchema = named("RuleList", z.object({ items: z.array(RuleSchema) }));

export const HealthSchema = named(
  "Health",
  z.object({
    status: z.enum(["ok", "degraded"]),
    time: z.string(),
    storage: z.object({ reachable: z.boolean(), latencyMs: z.number(), error: z.string().optional() }),
    settings: z
      .object({
        valid: z.boolean(),
        problems: z.array(
          z.object({
            setting: z.string().meta({ description: "The app setting's name." }),
            problem: z.string().meta({ description: "What is wrong with it; never a secret's value." }),
          }),
        ),
      })
      .meta({
        description:
          "App settings whose values are invalid. The app runs on without them where it can (an invalid AUDIT_SCHEDULE keeps the default schedule); see docs/operations.md (Health).",
      }),
  }),
  "Always 200 while the app runs (a liveness probe must not restart it for a storage outage); `degraded` when storage is unreachable or a setting is invalid.",
);

const ControlCountsSchema = named(
  "ControlCounts",
  z.object({
    passed: count,
    failed: count.meta({ description: "Failures no exception in force covers (fail − excepted fail)." }),
    unverified: count.meta({ description: "unknown − excepted unknown + error (an error is never excepted)." }),
    notApplicable: count,
    excepted: count.meta({
      description:
        "Fail and unknown results an exception in force covers (accepted risks): counted here, not in failed or unverified. 0 on runs stored before exceptions.",
    }),
  }),
  "Results (rule × resource) of the control's rules: a resource two of its rules judge counts once per rule. Excepted results follow the gate: they neither fail the control nor leave it unverified, and are counted apart.",
);

const ComplianceControlSchema = named(
  "ComplianceControl",
  z.object({
    id: z.string().meta({ description: "MCSB `NS-2`, CIS `4.1.2` (see `version`), NIST `AC-4`." }),
    title: z.string().optional(),
    url: z.string().optional(),
    version: z.string().optional().meta({ description: "CIS: the benchmark version; NIST: the revision MCSB lists." }),
    via: z.array(z.string()).optional().meta({ description: "NIST: the MCSB controls the id is reached through." }),
    rules: z.array(
      z.object({
        ruleId: identity.ruleId,
        title: identity.title,
        severity: SeveritySchema,
        relation: z.enum(["primary", "related", "weak", "analogue"]),
      }),
    ),
    counts: ControlCountsSchema,
    status: z.enum(["fail", "unverified", "pass", "notApplicable"]).meta({
      description:
        "fail if a result fails and no exception covers it; else unverified if one is unknown (not excepted) or error; else pass if one passes or is excepted; else notApplicable. Read it with counts.excepted: 'pass' with excepted > 0 is accepted risk, not plain compliance.",
    }),
    failing: z
      .array(
        z.object({
          ...pickIdentity(identity, ["resourceId", "resourceName", "ruleId", "severity"]),
          exception: FindingExceptionSchema.pick({ id: true, source: true, expiresOn: true })
            .extend({ effect: z.enum(["applied", "expired"]) })
            .optional()
            .meta({
              description:
                "The exception covering this failure: effect applied (excepted, not counted in failed) or expired (counted again).",
            }),
        }),
      )
      .meta({ description: "Every failure of the control's rules, excepted ones included (never hidden)." }),
  }),
);

export const ComplianceSchema = named(
  "Compliance",
  z.object({
    runId: z.string(),
    runStatus: RunStatusSchema,
    baseline: z.string(),
    framework: z.enum(COMPLIANCE_FRAMEWORKS),
    frameworkTitle: z.string(),
    controls: z.array(ComplianceControlSchema),
    unmapped: z
      .array(
        z.object({ ruleId: z.string(), title: z.string().optional(), counts: ControlCountsSchema, note: z.string() }),
      )
      .meta({ description: "The run's rules with no control in this framework, with the reason." }),
  }),
  "A run's results grouped by framework control. Counts come from the run's summary (every result); failing resources from its stored findings (every failure).",
);

export type ApiFinding = z.infer<typeof FindingSchema>;
export type ApiResourceHistory = z.infer<typeof ResourceHistorySchema>;
export type ApiRule = z.infer<typeof RuleSchema>;
export type ApiHealth = z.infer<typeof HealthSchema>;
