// Text from Azure made safe for XML 1.0: characters XML cannot carry at all are replaced, and markup characters are
// written as references, for the two places text goes (attribute values and element content).
//
// XML 1.0's Char production admits only tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF. Anything else
// (NUL and the other C0 controls, U+FFFE, U+FFFF, a lone surrogate) makes the document not well-formed, even written
// as a character reference, so a parser rejects the whole file: such a character becomes U+FFFD, the replacement
// character, which shows that something was there.

/** Characters outside XML 1.0's Char production (`u`: a lone surrogate is one code point of its own). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** `text` with every character XML 1.0 cannot carry replaced by U+FFFD. */
export function xmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, "\uFFFD");
}

const ATTRIBUTE_REFERENCES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  // A parser normalises a raw tab, LF or CR in an attribute value to a space: references keep them.
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

/** A value for a double- or single-quoted attribute. */
export function xmlAttribute(text: string): string {
  return xmlChars(text).replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_REFERENCES[c]!);
}

/**
 * Element content. `>` is escaped too, so `]]>` (not allowed in content) never appears; CR is a reference because a
 * parser turns a raw CR (and CR LF) into LF.
 */
export function xmlText(text: string): string {
  return xmlChars(text).replace(/[&<>\r]/g, (c) => (c === "\r" ? "&#13;" : ATTRIBUTE_REFERENCES[c]!));
}
