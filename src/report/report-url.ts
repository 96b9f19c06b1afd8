// `--report-url`: where the full report lives, linked from the Markdown summary and the HTML file. Only an absolute
// http(s) URL is linked: a `javascript:` or `data:` URL in a pull-request comment or an archived file would be a trap,
// and the WHATWG serialisation percent-encodes what could end a link (spaces, quotes, `<`, `>`, backticks).
import { AuditorError } from "../errors";

/** Longest URL linked; browsers and GitHub cope with more, but a longer one is not a link a person follows. */
export const REPORT_URL_MAX_LENGTH = 2048;

/** The URL as it is written into a report (serialised by the WHATWG URL parser), or an error naming the problem. */
export function checkedReportUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new AuditorError("INPUT_INVALID_REQUEST", `--report-url is not an absolute URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new AuditorError(
      "INPUT_INVALID_REQUEST",
      `--report-url must be an http or https URL, not ${JSON.stringify(parsed.protocol)}`,
    );
  if (parsed.username !== "" || parsed.password !== "")
    throw new AuditorError("INPUT_INVALID_REQUEST", "--report-url must not carry a user name or password");
  if (parsed.href.length > REPORT_URL_MAX_LENGTH)
    throw new AuditorError(
      "INPUT_INVALID_REQUEST",
      `--report-url is ${parsed.href.length} characters long; at most ${REPORT_URL_MAX_LENGTH} are linked`,
    );
  return parsed.href;
}
