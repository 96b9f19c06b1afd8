// The settings docs, derived from the declaration: docs/settings.md (a table per group) and the descriptions of
// local.settings.sample.json. `npm run docs:settings` writes both; tests fail when either drifts.
import type { SettingDeclaration, SettingGroup } from "./setting-declaration";
import { SETTING_GROUPS, SETTINGS } from "./settings-catalog";

const DECLARED = Object.entries(SETTINGS) as Array<[string, SettingDeclaration<unknown, unknown>]>;

/** The whole of docs/settings.md. */
export function settingsMarkdown(): string {
  const lines = [
    "# App settings",
    "",
    "<!-- Generated from src/config/settings-catalog.ts by `npm run docs:settings`; edit the declaration, not this file. -->",
    "",
    "Every setting is read through one declaration, validated once, and refused with a message that names it and the",
    "values it allows (a `CONFIG_INVALID` error: exit code 2 in the CLI; the Functions app does not start). A blank value",
    "means the default. Booleans take `true`/`false`, `yes`/`no`, `on`/`off` or `1`/`0` in any case; whole numbers are",
    "digits only. Secrets are never quoted in a message or a log; in Azure keep them in Key Vault references.",
    "`local.settings.sample.json` has a working local value for each setting it lists.",
    "",
  ];
  for (const group of Object.keys(SETTING_GROUPS) as SettingGroup[]) {
    const { title, intro } = SETTING_GROUPS[group];
    lines.push(
      `## ${title}`,
      "",
      intro,
      "",
      "| setting | type / range | default | secret | description |",
      "|---|---|---|---|---|",
    );
    for (const [name, declaration] of DECLARED.filter(([, d]) => d.group === group)) {
      const cells = [
        `\`${name}\``,
        declaration.type.describe,
        defaultText(declaration),
        declaration.secret ? "yes" : "",
        declaration.description,
      ];
      lines.push(`| ${cells.map(cell).join(" | ")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** The descriptions of local.settings.sample.json: the declared one of every setting the sample lists, in its order. */
export function sampleDescriptions(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(values).map((name) => [
      name,
      DECLARED.find(([declared]) => declared === name)?.[1].description ?? "(not declared)",
    ]),
  );
}

function defaultText(declaration: SettingDeclaration<unknown, unknown>): string {
  if (declaration.defaultText !== undefined) return declaration.defaultText;
  const value = declaration.default;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return "(none)";
  return `\`${typeof value === "object" ? JSON.stringify(value) : String(value)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
