// The JSON report (`mi-audit scan --format json`) as a JSON Schema (draft 2020-12), published as
// docs/report.schema.json. Its run, scores, findings and exceptions are the report API's components (the API serves
// the same shapes), so the schema is generated from those zod schemas and cannot describe a copy: the parts only the
// CLI writes (schemaVersion, summary.gate, a finding's tags) are declared here. test/report/json-report-schema.test.ts
// validates real reports against the committed file and checks that it equals what this module generates.
import { z } from "zod";
import { REPORT_SCHEMA_VERSION } from "../report/report-chunks";
import { TOOL } from "../report/report-format";
import { FindingSchema, RunDetailSchema, SeveritySchema, reportSchemas } from "./response-schemas";
import { ExceptionsOutcomeSchema } from "./run-exception-schemas";

/** Where the schema is published: its `$id`. */
export const REPORT_SCHEMA_ID = `${TOOL.informationUri}/blob/main/docs/report.schema.json`;

// The API's RunSummary holds the run and the scores the report writes as `run` and `summary`.
const runSummary = RunDetailSchema.shape.summary.unwrap();
const major = REPORT_SCHEMA_VERSION.split(".")[0]!;
const count = z.int().min(0);

const GateSchema = z
  .object({
    outcome: z.enum(["pass", "fail", "unverified"]),
    exitCode: z.int().meta({ description: "The exit code scan returned: 0 pass, 1 fail, 4 could not verify." }),
    threshold: SeveritySchema,
    allowUnverified: z.boolean(),
    failures: count.meta({ description: "Failures at or above the threshold, excepted ones left out." }),
    excepted: z.object({ failures: count, unknown: count }),
    unverified: z.object({
      results: count,
      byRule: z.array(z.object({ ruleId: z.string(), severity: SeveritySchema, unknown: count, error: count })),
    }),
    coverageGaps: count.meta({ description: "How many; they are listed under run.coverageGaps." }),
    nothingAudited: z.boolean(),
    lines: z.array(z.string()).meta({ description: "One line per thing not verified, for people." }),
  })
  .meta({ description: "The gate's decision (--fail-on, --allow-unverified): the same one the exit code carries." });

export const JsonReportSchema = z.object({
  schemaVersion: z
    .string()
    .regex(new RegExp(`^${major}\\.\\d+\\.\\d+$`))
    .meta({
      description: `Semantic version of this document's shape (${REPORT_SCHEMA_VERSION} here). A minor version adds fields, a major one removes, renames or changes one: read fields you know and ignore the others.`,
    }),
  run: runSummary.shape.run,
  summary: runSummary.shape.scores.extend({ gate: GateSchema }),
  findings: z
    .array(
      FindingSchema.extend({
        tags: z
          .record(z.string(), z.string())
          .optional()
          .meta({ description: "The resource's ARM tags, when it has any." }),
        fingerprint: z
          .string()
          .regex(/^[0-9a-f]{32}$/)
          .meta({
            description:
              "The result's stable fingerprint: the same in every format (CSV, SARIF, OCSF, JUnit, Markdown, HTML, the API) and in every run that finds this rule × resource.",
          }),
      }),
    )
    .meta({ description: "Every result of the run (filtered by --excepted when given), in the engine's order." }),
  exceptions: ExceptionsOutcomeSchema,
});

/**
 * The published document: draft 2020-12, the API's named components under $defs. It lets objects carry properties it
 * does not list, so a reader's copy of 1.0.0 still validates a 1.1.0 report (a minor version adds fields); `strict`
 * refuses them, which the tests use to catch a field the CLI writes that the schema does not describe.
 */
export function reportJsonSchema(options: { strict?: boolean } = {}): Record<string, unknown> {
  // The API's registry names the components ($defs); descriptions given with .meta() live in zod's global registry.
  const metadata = {
    get: (schema: z.ZodType) => {
      const merged = { ...z.globalRegistry.get(schema), ...reportSchemas.get(schema) };
      return Object.keys(merged).length === 0 ? undefined : merged;
    },
  } as unknown as typeof reportSchemas;
  const generated = z.toJSONSchema(JsonReportSchema, { target: "draft-2020-12", metadata });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: REPORT_SCHEMA_ID,
    title: `${TOOL.name} JSON report ${REPORT_SCHEMA_VERSION}`,
    description:
      "The document `mi-audit scan --format json` writes. Fields may be added in a minor version; see docs/cli.md.",
    ...(options.strict === true ? rest : withoutClosedObjects(rest)),
  };
}

/** The schema with every `additionalProperties: false` left out (open objects); maps keep their value schemas. */
function withoutClosedObjects<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutClosedObjects) as T;
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "additionalProperties" && value === false))
      .map(([key, value]) => [key, withoutClosedObjects(value)]),
  ) as T;
}
