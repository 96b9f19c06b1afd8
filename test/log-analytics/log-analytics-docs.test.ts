// docs/log-analytics.md describes the table the code sends: its JSON table definition and its columns table hold
// exactly the columns src/log-analytics/findings-table.ts declares, in order, with their types; the default stream is
// the documented table's; and the operations guide links the page.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FINDINGS_TABLE_COLUMNS, DEFAULT_TABLE } from "../../src/log-analytics/findings-table";
import { SETTINGS } from "../../src/config/settings-catalog";

const docs = join(__dirname, "..", "..", "docs");
const page = readFileSync(join(docs, "log-analytics.md"), "utf8");
const declared = FINDINGS_TABLE_COLUMNS.map(({ name, type }) => ({ name, type }));

describe("docs/log-analytics.md", () => {
  it("gives the table definition the code sends, column by column", () => {
    const json = /```json\n([\s\S]*?)```/.exec(page)?.[1];
    const definition = JSON.parse(json ?? "null") as {
      properties: { schema: { name: string; columns: Array<{ name: string; type: string; description: string }> } };
    };
    expect(definition.properties.schema.name).toBe(DEFAULT_TABLE);
    expect(definition.properties.schema.columns.map(({ name, type }) => ({ name, type }))).toEqual(declared);
    expect(definition.properties.schema.columns.map((c) => c.description)).toEqual(
      FINDINGS_TABLE_COLUMNS.map((c) => c.description),
    );
    expect(SETTINGS.LOG_ANALYTICS_STREAM.default).toBe(`Custom-${definition.properties.schema.name}`);
  });

  it("lists the same columns and types in its table", () => {
    const section = page.slice(page.indexOf("## The table"), page.indexOf("```json"));
    const rows = [...section.matchAll(/^\| `(\w+)`\s*\| (\w+)\s*\|/gm)].map(([, name, type]) => ({ name, type }));
    expect(rows).toEqual(declared);
  });

  it("is linked from the operations guide", () => {
    expect(readFileSync(join(docs, "operations.md"), "utf8")).toContain("](log-analytics.md)");
  });
});
