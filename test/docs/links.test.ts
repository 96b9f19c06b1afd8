// Every relative link in README.md and docs/*.md points at a file that exists, and every #anchor at a heading of
// that file, with anchors made the way GitHub makes them. Links inside code are not links.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");
const PAGES = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** The Markdown outside fenced code blocks and inline code spans, line by line (code spans become empty). */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line.replace(/(`+)[^`]*?\1/g, ""));
  }
  return lines;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2… */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    const heading = fence === undefined ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1] : undefined;
    if (heading === undefined) continue;
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The targets of inline links `[text](target)` outside code, web and mail links left out. */
export function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) targets.push(target);
    }
  }
  return targets;
}

/** Problems with the page's links: a missing file, or an anchor no heading of the target makes. */
function brokenLinks(page: string): string[] {
  const file = join(ROOT, page);
  const problems: string[] = [];
  for (const target of relativeLinks(readFileSync(file, "utf8"))) {
    const [path = "", anchor] = target.split("#", 2);
    const resolved = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    if (!existsSync(resolved)) {
      problems.push(`${page}: ${target}: no file ${relative(ROOT, resolved)}`);
      continue;
    }
    if (anchor === undefined || anchor === "") continue;
    if (!resolved.endsWith(".md")) {
      problems.push(`${page}: ${target}: an anchor into a file that is not Markdown`);
      continue;
    }
    if (!headingAnchors(readFileSync(resolved, "utf8")).has(decodeURIComponent(anchor))) {
      problems.push(`${page}: ${target}: no heading makes #${anchor} in ${relative(ROOT, resolved)}`);
    }
  }
  return problems;
}

describe("documentation links", () => {
  it("makes anchors as GitHub does", () => {
    const anchors = headingAnchors(
      [
        "# The local host (`npm start`)",
        "## mi.public-endpoint.untrusted-source",
        "### Synopsis",
        "### Synopsis",
        "```",
        "# not a heading",
        "```",
        "## Outbox (the app's table)",
      ].join("\n"),
    );
    expect([...anchors]).toEqual([
      "the-local-host-npm-start",
      "mipublic-endpointuntrusted-source",
      "synopsis",
      "synopsis-1",
      "outbox-the-apps-table",
    ]);
  });

  it("finds relative links outside code only", () => {
    const markdown = [
      "See [rules](docs/rules.md#a) and [web](https://example.com) and `[code](x.md)`.",
      "```",
      "[fenced](y.md)",
      "```",
      "[here](#top)",
    ].join("\n");
    expect(relativeLinks(markdown)).toEqual(["docs/rules.md#a", "#top"]);
  });

  it.each(PAGES)("%s: every relative link resolves", (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });
});
