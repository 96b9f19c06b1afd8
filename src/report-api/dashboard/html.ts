// The dashboard's HTML builder lives in report/html-text.ts, shared with the HTML report file (--format html).
export { SafeHtml, escapeHtml, html, join } from "../../report/html-text";
