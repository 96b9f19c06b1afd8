// Writes docs/report.schema.json, the JSON report's published schema, from the zod schemas it is generated from
// (src/report-api/report-schema.ts). Run from the repository root after a build:
// `node dist/dev/scripts/report-schema-docs.js`. test/report/json-report-schema.test.ts fails while the file is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { reportJsonSchema } from "../../src/report-api/report-schema";

writeFileSync(join(process.cwd(), "docs", "report.schema.json"), `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
console.log("wrote docs/report.schema.json");
