// samples/exceptions.yaml with its dates moved relative to today, for tests that need its exceptions in force. The
// sample's own dates are real calendar dates (one in 2027, one a few days after the day it was written): a test that
// read the file as it is would change verdict the day a date passes. The first entry is moved 90 days ahead, the
// others 7 days ahead (inside EXCEPTION_WARN_DAYS, so they are reported expiring, as the sample intends).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SAMPLE_EXCEPTIONS_SOURCE = join(__dirname, "..", "..", "samples", "exceptions.yaml");

function daysAhead(days: number, now = new Date()): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Writes the dated copy once per test file (module scope) and returns its path. */
function datedCopy(): string {
  let entry = 0;
  const text = readFileSync(SAMPLE_EXCEPTIONS_SOURCE, "utf8").replace(
    /^(\s+expiresOn: )\d{4}-\d{2}-\d{2}$/gm,
    (_, head: string) => `${head}${daysAhead(entry++ === 0 ? 90 : 7)}`,
  );
  if (entry < 2) throw new Error(`expected the sample's expiresOn dates in ${SAMPLE_EXCEPTIONS_SOURCE}`);
  const file = join(mkdtempSync(join(tmpdir(), "sample-exceptions-")), "exceptions.yaml");
  writeFileSync(file, text);
  return file;
}

/** The path of the dated copy of samples/exceptions.yaml. */
export const SAMPLE_EXCEPTIONS_IN_FORCE = datedCopy();
