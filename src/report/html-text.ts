// HTML built only through the `html` tag: every interpolated value is escaped unless it is already SafeHtml made by
// this tag. Azure data (names, tags, NSG rule descriptions) therefore always renders as text. Used by the dashboard
// (report-api/dashboard) and the HTML report file (html-report.ts).
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i += 1) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Joins fragments, e.g. list items. */
export function join(parts: readonly SafeHtml[], separator = ""): SafeHtml {
  return new SafeHtml(parts.map((p) => p.value).join(escapeHtml(separator)));
}
