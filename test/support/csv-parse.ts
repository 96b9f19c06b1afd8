// A strict RFC 4180 parser for tests: it rejects anything a conforming reader would.
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        i += 1;
        if (i < text.length && text[i] !== "," && text[i] !== "\r")
          throw new Error(`character after closing quote at ${i}`);
        continue;
      }
      cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      if (cell !== "") throw new Error(`quote inside unquoted cell at ${i}`);
      quoted = true;
      i += 1;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
      i += 1;
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += 2;
    } else if (ch === "\n" || ch === "\r") {
      throw new Error(`bare line break at ${i}`);
    } else {
      cell += ch;
      i += 1;
    }
  }
  if (quoted) throw new Error("unterminated quote");
  if (cell !== "" || row.length > 0) throw new Error("last record has no CRLF");
  return rows.slice(1);
}
