// Text from Azure (resource names, rule names and descriptions, error messages) is printed to a person's terminal in
// the table report, the CLI's warnings and its progress line. Anyone who can name a resource chooses those bytes, and a
// terminal obeys control characters: ESC and CSI sequences move the cursor, rewrite earlier lines (a forged "0 failures"),
// set the window title or, in some terminals, paste text back as input. So every control character is shown as a
// visible escape instead (`\x1b`, `\u009b`), and so are the bidirectional overrides that reorder what the reader sees.
// JSON and CSV reports keep the data exactly as collected; they are data for programs, not text for a terminal.

/**
 * C0 controls (U+0000-U+001F, newline and tab included: a name with a newline could forge a line of the report), DEL,
 * C1 controls (U+0080-U+009F: U+009B is CSI on its own in terminals that accept 8-bit controls), the bidi embeddings and
 * overrides (U+202A-U+202E), the bidi isolates (U+2066-U+2069), and the line and paragraph separators (U+2028, U+2029).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The text with every control and bidi-override character replaced by a visible escape; other text unchanged. */
export function terminalText(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, visibleEscape);
}

function visibleEscape(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * A block of report lines made safe line by line: each line's control characters are escaped, the line breaks between
 * them kept. For text assembled from several lines (the gate summary); a single value goes through terminalText.
 */
export function terminalLines(block: string): string {
  return block.split("\n").map(terminalText).join("\n");
}
