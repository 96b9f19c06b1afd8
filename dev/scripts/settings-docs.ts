// npm run docs:settings: writes docs/settings.md and the descriptions of local.settings.sample.json from the
// settings declaration (src/config/settings-catalog.ts). Run from the repository root, after a build.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sampleDescriptions, settingsMarkdown } from "../../src/config/settings-docs";

const root = process.cwd();
writeFileSync(join(root, "docs", "settings.md"), settingsMarkdown());

const samplePath = join(root, "local.settings.sample.json");
const sample = JSON.parse(readFileSync(samplePath, "utf8")) as {
  Values: Record<string, string>;
  Descriptions?: Record<string, string>;
};
writeFileSync(
  samplePath,
  `${JSON.stringify({ ...sample, Descriptions: sampleDescriptions(sample.Values) }, null, 2)}\n`,
);
console.log("wrote docs/settings.md and the descriptions of local.settings.sample.json");
