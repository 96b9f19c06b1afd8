// Every rule carries today's guidance: Microsoft pages (declared once in guidance-pages.ts), paraphrased in our words and
// dated. Where a page revises the seed (shared/guidance/CURRENT.md), the rule's guidance says so. `mi-audit rules`
// (JSON, Markdown) and the API's rule listing show it.
import { describe, expect, it } from "vitest";
import { RULES } from "../../src/rules/catalog";
import { rulesOfBaseline } from "../../src/rules/baselines";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../../src/rules/guidance-pages";
import type { GuidanceSource } from "../../src/rules/rule";
import { rulesToMarkdown } from "../../src/report/rules-markdown";
import { rulesCatalog } from "../../src/report-api/report-queries";
import { RuleListSchema } from "../../src/report-api/response-schemas";
import { runMain } from "../cli/in-process-cli";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `text` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (match === null) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Lower-case words, so a paraphrase can be compared with the seed passage it must not copy. */
function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9.-]+/g) ?? [];
}

/** The longest run of consecutive words the two texts share. */
function longestSharedRun(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  let best = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = 0; j < y.length; j++) {
      let n = 0;
      while (i + n < x.length && j + n < y.length && x[i + n] === y[j + n]) n++;
      best = Math.max(best, n);
    }
  return best;
}

const entries = RULES.flatMap((rule) => rule.guidance.map((g, i) => [`${rule.id} #${i + 1}`, rule, g] as const));
const declaredPages: readonly { title: string; url: string }[] = Object.values(GUIDANCE_PAGES);

describe("today's guidance on every rule", () => {
  it.each(RULES.map((rule) => [rule.id, rule] as const))("%s has at least one guidance entry", (_id, rule) => {
    expect(rule.guidance.length).toBeGreaterThan(0);
  });

  it.each(entries)("%s links a declared learn.microsoft.com page without a locale", (_label, _rule, g) => {
    expect(g.page.url).toMatch(/^https:\/\/learn\.microsoft\.com\/(azure|security)\//);
    expect(g.page.url).not.toMatch(/\/[a-z]{2}-[a-z]{2}\//);
    expect(g.page.title.trim().length).toBeGreaterThan(10);
    expect(declaredPages).toContain(g.page);
  });

  it.each(entries)("%s paraphrases: a summary of its own, not the seed quote", (_label, rule, g) => {
    expect(g.summary.trim().length).toBeGreaterThan(40);
    expect(g.summary).not.toContain("\n");
    if (rule.source !== undefined) {
      expect(g.summary.toLowerCase()).not.toContain(rule.source.quote.toLowerCase());
      // A paraphrase may share a term or two with the seed, never a passage.
      expect(longestSharedRun(g.summary, rule.source.quote)).toBeLessThan(8);
    }
  });

  it.each(entries)("%s was checked on a real date, not in the future", (_label, _rule, g) => {
    expect(isCalendarDate(g.checked), g.checked).toBe(true);
    expect(g.checked <= new Date().toISOString().slice(0, 10)).toBe(true);
  });

  it("the checked date is a real date that has passed", () => {
    expect(isCalendarDate(GUIDANCE_CHECKED)).toBe(true);
    expect(isCalendarDate("2026-02-30")).toBe(false);
    expect(isCalendarDate("2026-12-4")).toBe(false);
    expect(GUIDANCE_CHECKED <= new Date().toISOString().slice(0, 10)).toBe(true);
  });

  it("a rule does not cite the same page twice", () => {
    for (const rule of RULES) {
      const urls = rule.guidance.map((g) => g.page.url);
      expect(new Set(urls).size, rule.id).toBe(urls.length);
    }
  });

  it("the paraphrase check catches a copied passage", () => {
    const seed =
      "Limit the access to the managed instance public endpoint on port 3342 by using a Network Security Group.";
    expect(longestSharedRun(`As the page says: ${seed}`, seed)).toBeGreaterThanOrEqual(8);
    expect(longestSharedRun("Restrict TCP 3342 with the subnet's NSG to well-known sources.", seed)).toBeLessThan(8);
  });
});

describe("seed passages and today's revisions", () => {
  it.each(rulesOfBaseline("seed-2019").map((rule) => [rule.id, rule] as const))(
    "seed-2019 rule %s still quotes its seed passage",
    (_id, rule) => {
      expect(rule.source?.quote.length ?? 0).toBeGreaterThan(40);
    },
  );

  // CURRENT.md's table of points that reverse or relax a seed: the rule that enforces the seed point says, in its
  // guidance, what the page says today.
  const revisions: [string, RegExp[]][] = [
    ["expressroute.microsoft-peering", [/Revision/, /Microsoft peering/, /unsupported/]],
    ["mi.peering.same-region", [/Revision/, /22 September 2020/]],
    ["nsg.app-subnet.sql-outbound", [/Revision/, /11000-11999/, /11000-12000/]],
    ["mi.tls.minimum-version", [/Revision/, /31 August 2025/, /None/]],
    ["ase.dedicated-subnet", [/Revision/, /v1 and v2 are retired/]],
  ];
  it.each(revisions)("%s states today's revision of its seed", (id, patterns) => {
    const rule = RULES.find((r) => r.id === id);
    const text = (rule?.guidance ?? []).map((g: GuidanceSource) => g.summary).join(" ");
    for (const pattern of patterns) expect(text).toMatch(pattern);
  });

  it("the two reversed seed rules no longer recommend what today's pages say breaks an instance", () => {
    const er = RULES.find((r) => r.id === "expressroute.microsoft-peering");
    expect(er?.remediation).toMatch(/^Do not add Microsoft peering/);
    const sameRegion = RULES.find((r) => r.id === "mi.peering.same-region");
    expect(sameRegion?.rationale).not.toMatch(/global peering is not supported for MI,/);
    expect(sameRegion?.rationale).toContain("22 September 2020");
  });
});

describe("guidance in the rule listings", () => {
  it("the Markdown has a Guidance today section per rule, and a Seed passage only where there is one", () => {
    const markdown = rulesToMarkdown(RULES);
    const sections = markdown.split("\n## ").slice(1);
    for (const rule of RULES) {
      const matching = sections.filter((s) => s.startsWith(`${rule.id}\n`));
      expect(matching.length, rule.id).toBe(1);
      const section = matching[0] ?? "";
      expect(section, rule.id).toContain("### Guidance today");
      expect(section.includes("### Seed passage"), rule.id).toBe(rule.source !== undefined);
      for (const g of rule.guidance)
        expect(section).toContain(`[${g.page.title}](${g.page.url}) (checked ${g.checked})`);
    }
  });

  it("mi-audit rules --format json lists each rule's guidance", async () => {
    const run = await runMain(["rules", "--format", "json"]);
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as { id: string; guidance: GuidanceSource[]; source?: unknown }[];
    expect(listed.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const rule of RULES) {
      const item = listed.find((r) => r.id === rule.id);
      expect(item?.guidance).toEqual(rule.guidance);
      expect(item?.source).toEqual(rule.source);
    }
  });

  it("the API's rule listing carries guidance and matches its response schema", () => {
    const catalog = rulesCatalog();
    expect(RuleListSchema.parse(catalog)).toEqual(catalog);
    const tls = catalog.items.find((r) => r.id === "mi.tls.minimum-version");
    expect(tls?.guidance[0]).toEqual({
      page: GUIDANCE_PAGES.minimalTlsVersion,
      summary: expect.stringContaining("31 August 2025") as unknown,
      checked: GUIDANCE_CHECKED,
    });
    for (const item of catalog.items) expect(item.guidance.length).toBeGreaterThan(0);
  });
});
