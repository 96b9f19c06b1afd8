// Azure's strings (names, tags, messages, evidence, NSG descriptions, error text) as reports for people show them:
// every character visible. A control character, a line break inside a table cell, a bidirectional override that
// reorders what a reviewer reads (Trojan Source, CVE-2021-42574) or a lone surrogate (invalid UTF-8 once written)
// becomes U+FFFD, or a space for whitespace; a very long value is cut. Format escaping (Markdown, HTML) comes after.

/** C0 and C1 controls, DEL, line and paragraph separators, bidi marks/embeddings/overrides/isolates, invisible formatting. */
const INVISIBLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]/g;
const WHITESPACE_CONTROLS = /[\t\n\r]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const REPLACEMENT = "\uFFFD";

/**
 * `text` with every invisible or unsafe character replaced, on one line (tabs and line breaks become spaces unless
 * `keepLines`), cut to `maxLength` code points with an ellipsis.
 */
export function printableText(text: string, maxLength = Infinity, options: { keepLines?: boolean } = {}): string {
  let out = text.replace(LONE_SURROGATE, REPLACEMENT).replace(INVISIBLE, REPLACEMENT);
  out =
    options.keepLines === true
      ? out.replace(/\r\n?/g, "\n").replace(/\t/g, " ")
      : out.replace(WHITESPACE_CONTROLS, " ");
  if (out.length <= maxLength) return out;
  const points = Array.from(out);
  return points.length <= maxLength ? out : `${points.slice(0, Math.max(0, maxLength - 1)).join("")}…`;
}
