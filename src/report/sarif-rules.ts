// SARIF's view of the rule catalog: a rule as a reportingDescriptor (tool.driver.rules), and the rule's severity as
// SARIF levels and GitHub's security-severity. Everything here is derived from the rule's own data (rules/catalog).
import type { AnyRule, Severity } from "../rules/rule";
import { baselinesOfRule } from "../rules/baselines";

export type SarifLevel = "error" | "warning" | "note" | "none";

/** A failure's level: critical and high stop a pipeline as errors, medium warns, low is a note. */
export const SARIF_LEVEL: Readonly<Record<Severity, SarifLevel>> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

/**
 * GitHub's `security-severity`, a score in (0, 10] that code scanning reads in bands: over 9.0 critical, 7.0-8.9 high,
 * 4.0-6.9 medium, 0.1-3.9 low. Each value sits inside its band, away from the edges.
 */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};

/** GitHub code scanning's limits on rule text (characters); past them it cuts or refuses the text. */
const NAME_MAX = 255;
const DESCRIPTION_MAX = 1024;
/** GitHub shows 10 tags a rule and rejects a rule with more than 20: every rule stays within the 10. */
export const SARIF_TAGS_MAX = 10;

/** The rule id as a PascalCase name (`mi.public-endpoint.untrusted-source` -> `MiPublicEndpointUntrustedSource`). */
export function sarifRuleName(ruleId: string): string {
  const name = ruleId
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== "")
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
  return name.slice(0, NAME_MAX);
}

/** The rule's Microsoft page for `helpUri`: its first learn.microsoft.com reference, else its first guidance page. */
export function sarifHelpUri(rule: AnyRule): string | undefined {
  const learn = rule.references.find((url) => /^https:\/\/learn\.microsoft\.com\//.test(url));
  return learn ?? rule.references[0] ?? rule.guidance[0]?.page.url;
}

/** The rule's tags: `security` (GitHub treats the rule as a security rule), the resource kind and its baselines. */
export function sarifRuleTags(rule: AnyRule): string[] {
  const tags = ["security", "azure", "network", `resource:${rule.appliesTo}`, `severity:${rule.severity}`];
  for (const baseline of baselinesOfRule(rule.id)) tags.push(`baseline:${baseline}`);
  return tags.slice(0, SARIF_TAGS_MAX);
}

/** The rule as SARIF's reportingDescriptor, with help text and links for GitHub's rule panel and SARIF viewers. */
export function sarifRuleDescriptor(rule: AnyRule): Record<string, unknown> {
  const helpUri = sarifHelpUri(rule);
  return {
    id: rule.id,
    name: sarifRuleName(rule.id),
    shortDescription: { text: cut(rule.title, DESCRIPTION_MAX) },
    fullDescription: { text: cut(rule.rationale, DESCRIPTION_MAX) },
    help: { text: helpText(rule), markdown: helpMarkdown(rule) },
    ...(helpUri === undefined ? {} : { helpUri }),
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      tags: sarifRuleTags(rule),
      // The rules decide from configuration data Azure returned, not from heuristics: a failure is a real finding.
      precision: "high",
      "security-severity": SECURITY_SEVERITY[rule.severity],
      severity: rule.severity,
    },
  };
}

function links(rule: AnyRule): { title: string; url: string }[] {
  const seen = new Set<string>();
  const out: { title: string; url: string }[] = [];
  for (const { page } of rule.guidance) {
    if (seen.has(page.url)) continue;
    seen.add(page.url);
    out.push({ title: page.title, url: page.url });
  }
  for (const url of rule.references) {
    if (seen.has(url)) continue;
    seen.add(url);
    out.push({ title: url, url });
  }
  return out;
}

function helpText(rule: AnyRule): string {
  return [
    rule.synopsis,
    `Why: ${rule.rationale}`,
    `Fix: ${rule.remediation}`,
    `References:\n${links(rule)
      .map((link) => `- ${link.title === link.url ? link.url : `${link.title}: ${link.url}`}`)
      .join("\n")}`,
  ].join("\n\n");
}

function helpMarkdown(rule: AnyRule): string {
  return [
    `**${escapeMarkdownText(rule.title)}** (\`${rule.id}\`, ${rule.severity})`,
    escapeMarkdownText(rule.synopsis),
    `**Why.** ${rule.rationale}`,
    `**Fix.** ${rule.remediation}`,
    `**References**\n\n${links(rule)
      .map((link) => `- [${escapeMarkdownText(link.title)}](${link.url})`)
      .join("\n")}`,
  ].join("\n\n");
}

/** Rule text is the catalog's own (backticks are meant as code); only brackets would break a link's title. */
function escapeMarkdownText(text: string): string {
  return text.replace(/[[\]\\]/g, (c) => `\\${c}`);
}

/** Cuts `text` to `max` characters at a word, marking the cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 1);
  const space = head.lastIndexOf(" ");
  return `${space > max / 2 ? head.slice(0, space) : head}…`;
}
