// The sample estate without its Azure Policy objects, for the tests of exceptions through the store and the API: the
// sample's Policy exemption is an exception too, and those tests count exactly the exceptions they give the run.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAMPLE } from "../support/run-cli";

/** Writes the copy to a new temporary folder and returns its path. */
export function sampleWithoutPolicyObjects(): string {
  const snapshot = JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: Array<{ type: string }> } & Record<
    string,
    unknown
  >;
  const data = snapshot.data.filter((row) => !row.type.toLowerCase().startsWith("microsoft.authorization/"));
  const file = join(mkdtempSync(join(tmpdir(), "exceptions-sample-")), "estate.json");
  writeFileSync(file, JSON.stringify({ ...snapshot, data, count: data.length, totalRecords: data.length }));
  return file;
}
